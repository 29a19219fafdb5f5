import type { Account, AccountStats } from '../../api';
import { integer, money, ms, percent, t } from '../../i18n';
import { Money } from '../Money';
import { StatCard } from '../StatCard';

/** The headline figures of an account. */
export function StatsRow({ stats, account }: { stats: AccountStats | undefined; account: Account }) {
  const s = stats;
  const lat = s?.latency_ms;
  return (
    <div class="grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="stats">
      <StatCard label={t('dash.totalProfit')} testid="stat-total-profit"
                detail={s && <>{t('dash.best')} <Money value={s.best} /> · {t('dash.worst')}{' '}
                  <Money value={s.worst} /></>}>
        <Money value={s?.total_profit ?? null} testid="total-profit" />
        {account.state?.currency && <span class="ml-1 text-sm text-ink-400">
          {account.state.currency}</span>}
      </StatCard>
      <StatCard label={t('dash.openCount')} testid="stat-open"
                detail={account.state?.equity
                  ? `${t('dash.equity')} ${money(account.state.equity, { sign: false })}`
                  : undefined}>
        <span data-testid="open-count">{integer(s?.open_count)}</span>
      </StatCard>
      <StatCard label={t('dash.winRate')} testid="stat-win-rate"
                detail={s && <>{t('dash.closedCount')}: {integer(s.closed_count)}</>}>
        {percent(s?.win_rate)}
      </StatCard>
      <StatCard label={t('dash.latency')} testid="stat-latency"
                detail={lat && t('dash.latencyDetail', {
                  p50: ms(lat.p50), p95: ms(lat.p95), count: integer(lat.count),
                })}>
        <span data-testid="latency-p50">{ms(lat?.p50)}</span>
      </StatCard>
    </div>
  );
}
