import { useState } from 'preact/hooks';
import { api, isAbort, type Account, type PairStatus, type TradePair } from '../../api';
import { Button, LinkButton } from '../../components/Button';
import { ConnectEA } from '../../components/ConnectEA';
import { Link } from '../../components/Link';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState, Loading } from '../../components/LoadState';
import { OrdersPanel } from '../../components/OrdersPanel';
import { PairsTable } from '../../components/PairsTable';
import { Panel } from '../../components/Panel';
import { EquityPanel } from '../../components/EquityPanel';
import { PerformancePanel } from '../../components/PerformancePanel';
import { ProfitPanel } from '../../components/ProfitPanel';
import { RiskPanel } from '../../components/RiskPanel';
import { StatsRow } from '../../components/StatsRow';
import { t } from '../../i18n';
import { useAbortable, useAsync, useDebounced, useFlash, useLiveEvents } from '../../lib/hooks';
import { applyPnl, pips } from '../../lib/pnl';
import { dropRow, mergeRow } from '../../lib/rows';
import { AccountHeader } from './AccountHeader';

const ACTIVE: readonly PairStatus[] = ['PENDING', 'OPEN'];
const ENDED: readonly PairStatus[] = ['CLOSED', 'FAILED', 'SKIPPED', 'EXPIRED'];
const PAGE = 25;

/** A follower account: whom it follows, its copies (active and ended) and their profit. */
export function FollowerView({ account }: { account: Account }) {
  const id = account.id;
  const [version, setVersion] = useState(0);
  const stats = useAsync((s) => api.stats(id, s), [id, version]);
  const active = useAsync((s) => api.active(id, s) as Promise<TradePair[]>, [id]);
  const ended = useAsync((s) => api.pairs(id, { status: ENDED, limit: PAGE }, s), [id]);
  const [flash, flashRow] = useFlash();
  const [moreBusy, setMoreBusy] = useState(false);
  const abortable = useAbortable();
  const refreshFigures = useDebounced(() => setVersion((v) => v + 1), 400);

  // Events patch the lists at once; a reload shortly after brings the canonical rows.
  const reloadLists = useDebounced(() => {
    active.reload();
    ended.reload();
  }, 500);

  useLiveEvents({
    accountId: id,
    onEvent: (e) => {
      if (e.type === 'position.pnl') {
        if (e.account_id !== id) return;
        active.setData((old) => applyPnl(old ?? [], e.data.positions, (p) => p.master_ticket,
          (p, price) => pips(p.follower_symbol ?? p.symbol, p.follower_side ?? p.side,
                             p.fill_price ?? p.open_price, price)));
        return;
      }
      if (e.type !== 'pair.status') return;
      const p = e.data;
      flashRow(p.id);
      const known = [...(active.data ?? []), ...(ended.data?.items ?? [])].find((x) => x.id === p.id);
      const status = p.status ?? known?.status;
      if (status && ACTIVE.includes(status)) {
        active.setData((old) => mergeRow(old ?? [], { ...known, ...p }));
      } else {
        active.setData((old) => dropRow(old ?? [], p.id));
        ended.setData((old) => ({
          items: mergeRow(old?.items ?? [], { ...known, ...p }),
          next_cursor: old?.next_cursor ?? null,
        }));
      }
      reloadLists();
      refreshFigures();
    },
    onResync: () => {
      active.reload();
      ended.reload();
      setVersion((v) => v + 1);
    },
  }, [id]);

  const loadMore = async () => {
    const cursor = ended.data?.next_cursor;
    if (!cursor) return;
    setMoreBusy(true);
    try {
      const page = await api.pairs(id, { status: ENDED, limit: PAGE, cursor }, abortable());
      ended.setData((old) => ({
        items: [...(old?.items ?? []), ...page.items.filter(
          (p) => !old?.items.some((x) => x.id === p.id))],
        next_cursor: page.next_cursor,
      }));
    } catch (err) {
      if (!isAbort(err)) ended.reload();
    } finally {
      setMoreBusy(false);
    }
  };

  const neverTraded = stats.data?.closed_count === 0 && active.data?.length === 0
    && ended.data?.items.length === 0;

  return (
    <div class="space-y-4" data-testid="follower-view">
      <AccountHeader account={account} />

      <div data-testid="following-info"
           class="flex flex-wrap items-center justify-between gap-3 rounded-xl border
                  border-ink-700 bg-ink-850 px-4 py-3">
        {account.following_id !== null ? (
          <div class="text-sm text-ink-300">
            🔁 {t('dash.following')}{' '}
            <span class="font-semibold text-ink-100" data-testid="following-name">
              {account.following_name}</span>
          </div>
        ) : (
          <>
            <div class="text-sm text-warn">{t('dash.notFollowing')}</div>
            <LinkButton small href={`/accounts/${id}`} testid="follow-now">{t('dash.followNow')}</LinkButton>
          </>
        )}
      </div>

      {!account.online && neverTraded && <ConnectEA account={account} />}
      <RiskPanel accountId={id} />
      <StatsRow stats={stats.data} account={account} />
      <PerformancePanel accountId={id} version={version} />

      <div class="space-y-4">
        <Panel title={<>{t('dash.activeCopies')} <span class="ml-1 text-ink-400"
                 data-testid="active-count">{active.data?.length ?? ''}</span></>}
               testid="active-panel">
          {active.error && !active.data ? <ErrorState error={active.error} onRetry={active.reload} />
            : !active.data ? <Loading />
            : <PairsTable pairs={active.data} flash={flash} testid="active-pairs"
                          empty={<EmptyState icon="⏳" testid="active-empty">
                            {t('dash.activeCopiesEmpty')}</EmptyState>} />}
        </Panel>
        <ProfitPanel accountId={id} version={version} />
        <EquityPanel accountId={id} version={version} />
      </div>

      <OrdersPanel accountId={id} />

      <Panel title={t('dash.closedCopies')} testid="closed-panel"
             actions={<Link href={`/history?account=${id}`} data-testid="to-history"
                            class="inline-flex min-h-11 items-center text-sm text-blue-300
                                   hover:underline">{t('nav.history')} →</Link>}>
        {ended.error && !ended.data ? <ErrorState error={ended.error} onRetry={ended.reload} />
          : !ended.data ? <Loading />
          : ended.data.items.length === 0 ? <EmptyState>{t('dash.closedEmpty')}</EmptyState>
          : (
            <>
              <PairsTable pairs={ended.data.items} closed flash={flash} testid="closed-pairs" />
              {ended.data.next_cursor && (
                <div class="mt-3 flex justify-center">
                  <Button variant="secondary" small busy={moreBusy} onClick={loadMore}
                          data-testid="load-more">{t('common.loadMore')}</Button>
                </div>
              )}
            </>
          )}
      </Panel>
    </div>
  );
}
