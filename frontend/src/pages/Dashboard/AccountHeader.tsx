import type { Account } from '../../api';
import { Link } from '../../components/Link';
import { OnlineDot } from '../../components/StatusBadge';
import { money, t } from '../../i18n';

/** Name, role, EA status and balance of the account on screen. */
export function AccountHeader({ account }: { account: Account }) {
  const st = account.state;
  return (
    <div class="flex flex-wrap items-end justify-between gap-3">
      <div class="min-w-0 space-y-1">
        <div class="flex flex-wrap items-center gap-2">
          <h1 class="truncate text-2xl font-bold text-ink-100" data-testid="dash-account-name">
            {account.name}</h1>
          <span data-testid="dash-role"
                class={`rounded-md px-2 py-0.5 text-xs font-bold tracking-wide uppercase
                        ${account.role === 'master' ? 'bg-brand-dim text-blue-300'
                                                    : 'bg-up-dim text-up'}`}>
            {account.role === 'master' ? t('dash.master') : t('dash.follower')}
          </span>
          {!account.is_active && <span class="rounded-md bg-warn-dim px-2 py-0.5 text-xs
                                              font-bold text-warn">{t('dash.inactive')}</span>}
        </div>
        <div class="flex flex-wrap items-center gap-4 text-sm text-ink-400">
          <OnlineDot online={account.online} testid="ea-status" />
          {st?.balance && <span class="tabular">{t('dash.balance')}{' '}
            <span class="text-ink-200">{money(st.balance, { sign: false })} {st.currency ?? ''}</span>
          </span>}
        </div>
      </div>
      <Link href={`/accounts/${account.id}`} data-testid="dash-account-settings"
            class="rounded-lg border border-ink-600 px-3 py-1.5 text-sm text-ink-300
                   hover:bg-ink-800 hover:text-ink-100">
        ⚙ {t('accounts.detail.title')}
      </Link>
    </div>
  );
}
