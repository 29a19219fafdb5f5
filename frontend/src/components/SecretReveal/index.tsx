import type { ComponentChildren } from 'preact';
import { CopyField } from '../CopyField';

/** A secret shown exactly once, with a copy button and a warning. */
export function SecretReveal({ title, value, warning, testid, children }: {
  title: string; value: string; warning: string; testid: string; children?: ComponentChildren;
}) {
  return (
    <div data-testid={`${testid}-reveal`}
         class="space-y-3 rounded-xl border border-warn/40 bg-warn-dim/20 p-4">
      <div class="flex items-center gap-2 font-semibold text-warn">
        <span aria-hidden="true">🔑</span> {title}
      </div>
      <CopyField value={value} testid={testid} secret />
      <p class="text-sm font-medium text-warn" role="note">⚠ {warning}</p>
      {children}
    </div>
  );
}
