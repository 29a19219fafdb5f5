import type { ComponentChildren } from 'preact';

/** A titled card: the building block of every screen. */
export function Panel({ title, actions, children, testid, class: cls, bodyClass }: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  testid?: string;
  class?: string;
  bodyClass?: string;
}) {
  return (
    <section
      data-testid={testid}
      class={`min-w-0 rounded-xl border border-ink-700 bg-ink-850 shadow-lg shadow-black/20 ${cls ?? ''}`}
    >
      {(title || actions) && (
        <header class="flex flex-wrap items-center justify-between gap-2 border-b border-ink-700
                       px-4 py-3">
          {title && <h2 class="text-sm font-semibold tracking-wide text-ink-200 uppercase">
            {title}</h2>}
          {actions && <div class="flex items-center gap-2">{actions}</div>}
        </header>
      )}
      <div class={bodyClass ?? 'p-4'}>{children}</div>
    </section>
  );
}
