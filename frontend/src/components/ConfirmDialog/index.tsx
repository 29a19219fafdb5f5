import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../../i18n';
import { Button } from '../Button';

/**
 * A modal <dialog> (focus trapped, Escape cancels) asking to confirm a destructive action.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, onConfirm, onCancel, busy,
                                error, testid = 'confirm-dialog' }: {
  open: boolean;
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  error?: string | null;
  testid?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      data-testid={testid}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      class="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-xl border border-ink-600 bg-ink-850
             p-0 text-ink-100 shadow-2xl"
    >
      {open && (
        <div class="space-y-4 p-5">
          <h2 class="text-lg font-semibold">{title}</h2>
          {children && <div class="text-sm text-ink-300">{children}</div>}
          {error && <p class="text-sm text-down" role="alert">{error}</p>}
          <div class="flex justify-end gap-2">
            <Button variant="secondary" onClick={onCancel} data-testid={`${testid}-cancel`}>
              {t('common.cancel')}
            </Button>
            <Button variant="danger" busy={busy} onClick={onConfirm}
                    data-testid={`${testid}-confirm`}>
              {confirmLabel}
            </Button>
          </div>
        </div>
      )}
    </dialog>
  );
}
