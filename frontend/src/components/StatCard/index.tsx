import type { ComponentChildren } from 'preact';

/** One headline figure with its label and an optional detail line. */
export function StatCard({ label, children, detail, testid }: {
  label: string; children: ComponentChildren; detail?: ComponentChildren; testid?: string;
}) {
  return (
    <div data-testid={testid}
         class="rounded-xl border border-ink-700 bg-ink-850 px-4 py-3 shadow-lg shadow-black/20">
      <div class="text-xs font-medium tracking-wide text-ink-400 uppercase">{label}</div>
      <div class="mt-1 text-2xl font-semibold tabular text-ink-100">{children}</div>
      {detail && <div class="mt-0.5 text-xs text-ink-400 tabular">{detail}</div>}
    </div>
  );
}
