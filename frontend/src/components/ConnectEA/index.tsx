import { api, type Account } from '../../api';
import { t } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { CopyField } from '../CopyField';
import { Loading } from '../LoadState';

/** "Connect your EA": the host, port and key a trader types into MetaTrader 5. */
export function ConnectEA({ account, compact = false, showKey = true, showToken = true }: {
  account: Account; compact?: boolean; showKey?: boolean;
  /** False where the page shows the master token in its own panel (shown once). */
  showToken?: boolean;
}) {
  const info = useAsync((s) => api.connectionInfo(s), []);
  return (
    <div data-testid="connect-ea"
         class={`space-y-3 ${compact ? '' : 'rounded-xl border border-brand/40 bg-brand-dim/30 p-4'}`}>
      {!compact && (
        <div>
          <div class="font-semibold text-ink-100">🔌 {t('dash.connect.title')}</div>
          <p class="text-sm text-ink-300">{t('dash.connect.body')}</p>
        </div>
      )}
      {info.loading && !info.data ? <Loading /> : (
        <div class={`grid gap-3 ${compact ? 'grid-cols-2' : 'sm:grid-cols-3'}`}>
          <div class={compact ? 'col-span-2' : ''}>
            <CopyField label={t('dash.connect.host')} value={info.data?.ea_host ?? '—'}
                       testid="connect-host" />
          </div>
          <CopyField label={t('dash.connect.port')} value={String(info.data?.ea_port ?? '—')}
                     testid="connect-port" />
          <div class="space-y-1">
            <div class="text-xs font-medium text-ink-400">{t('dash.connect.tls')}</div>
            {/* A plain badge, not a box that looks like an input. */}
            <span data-testid="connect-tls"
                  class={`inline-block rounded-full px-2.5 py-0.5 text-xs font-semibold
                          ${info.data?.tls ? 'bg-up-dim text-up' : 'bg-ink-700 text-ink-100'}`}>
              {info.data?.tls ? t('dash.connect.tlsOn') : t('dash.connect.tlsOff')}
            </span>
          </div>
        </div>
      )}
      {showKey && <div class="space-y-1 text-sm">
        <div class="text-xs font-medium text-ink-400">{t('dash.connect.key')}</div>
        <div class="text-ink-300">
          <code class="rounded bg-ink-950 px-1.5 py-0.5 font-mono text-ink-100">
            {account.api_key_prefix}…</code>{' '}
          {t('dash.connect.keyNote', { prefix: account.api_key_prefix })}
        </div>
      </div>}
      {showToken && account.role === 'master' && account.master_token && (
        <CopyField label={t('dash.connect.token')} value={account.master_token}
                   testid="connect-master-token" />
      )}
    </div>
  );
}
