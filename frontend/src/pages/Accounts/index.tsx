import type { Account } from '../../api';
import { LinkButton } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { Link } from '../../components/Link';
import { ErrorState, Loading } from '../../components/LoadState';
import { MODE_ICON } from '../../components/ModeSwitcher';
import { OnlineDot } from '../../components/StatusBadge';
import { integer, t } from '../../i18n';
import { accounts, accountsError, loadAccounts } from '../../state/accounts';

function AccountCard({ a }: { a: Account }) {
  return (
    <li data-testid="account-card" data-account-id={a.id} data-role={a.role}
        class="flex flex-col gap-3 rounded-xl border border-ink-700 bg-ink-850 p-4 shadow-lg
               shadow-black/20">
      <div class="flex items-start justify-between gap-2">
        <div class="min-w-0">
          <div class="truncate text-lg font-semibold text-ink-100" data-testid="account-name">
            {a.name}</div>
          <div class="text-xs font-bold tracking-wide text-ink-400 uppercase">
            {a.role === 'master' ? t('dash.master') : t('dash.follower')}
          </div>
        </div>
        <OnlineDot online={a.online} />
      </div>
      <div class="flex flex-wrap gap-x-4 gap-y-1 text-sm text-ink-300">
        {a.role === 'master'
          ? <span>{MODE_ICON[a.copy_mode]} {t(`dash.mode.${a.copy_mode}`)}</span>
          : <span>🔁 {a.following_name ?? <span class="text-warn">{t('dash.notFollowing')}</span>}</span>}
        <span>{t('accounts.openPairs', { count: integer(a.open_pairs) })}</span>
        <span class={a.is_active ? 'text-up' : 'text-warn'}>
          {a.is_active ? t('accounts.active') : t('accounts.paused')}</span>
      </div>
      <div class="mt-auto flex gap-2">
        <LinkButton small href={`/dashboard/${a.id}`} testid="account-open-dashboard">
          {t('accounts.detail.dashboard')}</LinkButton>
        <LinkButton small variant="secondary" href={`/accounts/${a.id}`} testid="account-open-settings">
          ⚙ {t('accounts.detail.title')}</LinkButton>
      </div>
    </li>
  );
}

export function AccountsPage() {
  const list = accounts.value;
  return (
    <div class="space-y-5" data-testid="accounts-page">
      <div class="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 class="text-2xl font-bold">{t('accounts.title')}</h1>
          <p class="text-sm text-ink-400">{t('accounts.subtitle')}</p>
        </div>
        <LinkButton href="/accounts/new" testid="new-account">+ {t('accounts.new')}</LinkButton>
      </div>
      {!list ? (accountsError.value
        ? <ErrorState error={accountsError.value}
                      onRetry={() => void loadAccounts(new AbortController().signal)} />
        : <Loading />)
        : list.length === 0 ? (
          <EmptyState icon="🗂" testid="accounts-empty"
                      action={<Link href="/accounts/new" class="text-brand hover:underline">
                        {t('dash.noAccounts.cta')}</Link>}>
            {t('accounts.empty')}
          </EmptyState>
        ) : (
          <ul class="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="accounts-list">
            {list.map((a) => <AccountCard key={a.id} a={a} />)}
          </ul>
        )}
    </div>
  );
}
