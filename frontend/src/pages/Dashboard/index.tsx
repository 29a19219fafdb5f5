import { useEffect } from 'preact/hooks';
import { AccountSwitcher } from '../../components/AccountSwitcher';
import { LinkButton } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState, Loading } from '../../components/LoadState';
import { t } from '../../i18n';
import { navigate } from '../../router';
import { accounts, accountsError, loadAccounts } from '../../state/accounts';
import { FollowerView } from './FollowerView';
import { MasterView } from './MasterView';
import { NotFoundPage } from '../NotFound';

const LAST = 'copytrade.lastAccount';

function remember(id: number): void {
  try { localStorage.setItem(LAST, String(id)); } catch { /* no storage */ }
}

function remembered(): number | null {
  try {
    const v = Number(localStorage.getItem(LAST));
    return Number.isInteger(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

/** "/" picks the last viewed account; "/dashboard/:id" shows that one. */
export function DashboardPage({ accountId }: { accountId: number | null }) {
  const list = accounts.value;

  useEffect(() => {
    if (accountId !== null || !list?.length) return;
    const last = remembered();
    const pick = list.find((a) => a.id === last) ?? list[0]!;
    navigate(`/dashboard/${pick.id}`, { replace: true });
  }, [accountId, list]);

  useEffect(() => {
    if (accountId !== null) remember(accountId);
  }, [accountId]);

  if (!list) {
    return accountsError.value
      ? <ErrorState error={accountsError.value}
                    onRetry={() => void loadAccounts(new AbortController().signal)} />
      : <Loading />;
  }

  if (list.length === 0) {
    return (
      <div class="mx-auto max-w-xl pt-10" data-testid="dashboard-empty">
        <EmptyState icon="🚀" title={t('dash.noAccounts.title')}
                    action={<LinkButton href="/accounts/new" testid="create-first-account">
                      {t('dash.noAccounts.cta')}</LinkButton>}>
          {t('dash.noAccounts.body')}
        </EmptyState>
      </div>
    );
  }

  const account = accountId === null ? undefined : list.find((a) => a.id === accountId);
  if (accountId === null) return <Loading />;
  if (!account) return <NotFoundPage />;

  return (
    <div class="space-y-4" data-testid="dashboard" data-account-id={account.id}>
      <AccountSwitcher accounts={list} current={account.id} />
      {account.role === 'master'
        ? <MasterView key={account.id} account={account} />
        : <FollowerView key={account.id} account={account} />}
    </div>
  );
}
