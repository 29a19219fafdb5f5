import { t } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { Button } from '../Button';
import { Spinner } from '../Spinner';

export function Loading({ label, testid = 'loading' }: { label?: string; testid?: string }) {
  return (
    <div data-testid={testid} role="status"
         class="flex items-center justify-center gap-2 py-8 text-sm text-ink-400">
      <Spinner /> {label ?? t('common.loading')}
    </div>
  );
}

export function ErrorState({ error, onRetry, testid = 'error-state' }: {
  error: unknown; onRetry?: () => void; testid?: string;
}) {
  return (
    <div data-testid={testid} role="alert"
         class="flex flex-col items-center gap-3 rounded-lg border border-down/30 bg-down-dim/30
                px-4 py-6 text-center">
      <div class="font-semibold text-down">{t('error.title')}</div>
      <div class="text-sm text-ink-300">{errorMessage(error)}</div>
      {onRetry && <Button variant="secondary" small onClick={onRetry}>{t('common.retry')}</Button>}
    </div>
  );
}
