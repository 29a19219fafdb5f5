import type { ComponentChildren } from 'preact';

/** What is missing and what to do next. */
export function EmptyState({ icon, title, children, action, testid }: {
  icon?: string;
  title?: string;
  children?: ComponentChildren;
  action?: ComponentChildren;
  testid?: string;
}) {
  return (
    <div data-testid={testid}
         class="flex flex-col items-center gap-2 px-4 py-8 text-center text-sm text-ink-400">
      {icon && <div class="text-3xl" aria-hidden="true">{icon}</div>}
      {title && <div class="text-base font-semibold text-ink-200">{title}</div>}
      {children && <div class="max-w-md">{children}</div>}
      {action && <div class="mt-2">{action}</div>}
    </div>
  );
}
