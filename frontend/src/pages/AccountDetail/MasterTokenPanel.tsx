import { useState } from 'preact/hooks';
import { api, isAbort, type Account } from '../../api';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyField } from '../../components/CopyField';
import { Panel } from '../../components/Panel';
import { t } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { useAbortable } from '../../lib/hooks';
import { upsertAccount } from '../../state/accounts';
import { toast } from '../../state/toast';

/** A master's token, and a button that replaces it (current followers keep following). */
export function MasterTokenPanel({ account }: { account: Account }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const abortable = useAbortable();

  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      upsertAccount(await api.rotateMasterToken(account.id, abortable()));
      setConfirm(false);
      toast(t('accounts.detail.masterTokenRotated'));
    } catch (err) {
      if (!isAbort(err)) setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title={t('accounts.detail.masterToken')} testid="master-token-panel">
      <CopyField value={account.master_token ?? ''} testid="master-token" />
      <div class="mt-2 flex flex-wrap items-center justify-between gap-3">
        <p class="text-xs text-ink-400">{t('accounts.detail.masterTokenHint')}</p>
        <Button variant="secondary" small onClick={() => setConfirm(true)}
                data-testid="rotate-master-token">↻ {t('accounts.detail.rotateToken')}</Button>
      </div>
      <ConfirmDialog open={confirm} title={t('accounts.detail.rotateToken')}
                     confirmLabel={t('accounts.detail.rotateToken')} busy={busy} error={error}
                     onConfirm={rotate} onCancel={() => setConfirm(false)}
                     testid="rotate-token-dialog">
        {t('accounts.detail.rotateTokenConfirm')}
      </ConfirmDialog>
    </Panel>
  );
}
