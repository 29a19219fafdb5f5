import { useState } from 'preact/hooks';
import { api, type Account } from '../../api';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyField } from '../../components/CopyField';
import { Panel } from '../../components/Panel';
import { t } from '../../i18n';
import { useSubmit } from '../../lib/submit';
import { upsertAccount } from '../../state/accounts';

/** A master's token, and a button that replaces it (current followers keep following). */
export function MasterTokenPanel({ account }: { account: Account }) {
  const [confirm, setConfirm] = useState(false);
  const { busy, formError: error, submit: rotate } = useSubmit(
    (signal) => api.rotateMasterToken(account.id, signal), {
      onSuccess: (a) => {
        upsertAccount(a);
        setConfirm(false);
      },
      toast: t('accounts.detail.masterTokenRotated'),
      alwaysSentence: true,
    });

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
