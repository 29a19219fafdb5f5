import { toasts } from '../../state/toast';

const TONE = {
  ok: 'border-up/40 text-up',
  warn: 'border-warn/40 text-warn',
  error: 'border-down/40 text-down',
};

export function Toasts() {
  return (
    <div aria-live="polite" class="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex
                                   flex-col items-center gap-2 px-4">
      {toasts.value.map((x) => (
        <div key={x.id} data-testid="toast"
             class={`pointer-events-auto rounded-lg border bg-ink-800 px-4 py-2 text-sm
                     font-medium shadow-xl ${TONE[x.tone]}`}>
          {x.text}
        </div>
      ))}
    </div>
  );
}
