import { useState } from 'preact/hooks';
import { api, isAbort, type Account, type CopyMode, type MasterTrade } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ConnectEA } from '../../components/ConnectEA';
import { EmptyState } from '../../components/EmptyState';
import { SelectField } from '../../components/Field';
import { Link } from '../../components/Link';
import { ErrorState, Loading } from '../../components/LoadState';
import { ModeSwitcher } from '../../components/ModeSwitcher';
import { Panel } from '../../components/Panel';
import { EquityPanel } from '../../components/EquityPanel';
import { FollowersPanel } from '../../components/FollowersPanel';
import { OrdersPanel } from '../../components/OrdersPanel';
import { PerformancePanel } from '../../components/PerformancePanel';
import { ProfitPanel } from '../../components/ProfitPanel';
import { StatsRow } from '../../components/StatsRow';
import { TradesTable } from '../../components/TradesTable';
import { t } from '../../i18n';
import { errorMessage, fieldErrors } from '../../lib/errors';
import { stopsCopying } from '../../lib/mode';
import { useAbortable, useAsync, useDebounced, useFlash, useLiveEvents } from '../../lib/hooks';
import { applyPnl, pips } from '../../lib/pnl';
import { dropRow, mergeRow } from '../../lib/rows';
import { accounts, findAccount, upsertAccount } from '../../state/accounts';
import { toast } from '../../state/toast';
import { AccountHeader } from './AccountHeader';

/** Newest close first (the page holds the latest closes; the history page sorts in SQL). */
function byCloseTime(rows: MasterTrade[]): MasterTrade[] {
  return [...rows].sort((a, b) => (b.closed_at ?? '').localeCompare(a.closed_at ?? ''));
}

/** A master account: copy mode, EA, followers, open trades, profit. */
export function MasterView({ account }: { account: Account }) {
  const id = account.id;
  const [version, setVersion] = useState(0);
  const stats = useAsync((s) => api.stats(id, s), [id, version]);
  const active = useAsync((s) => api.active(id, s) as Promise<MasterTrade[]>, [id]);
  const closed = useAsync((s) => api.trades(id, { status: 'CLOSED', limit: 20 }, s), [id]);
  const [flash, flashRow] = useFlash();
  const [modeBusy, setModeBusy] = useState<CopyMode | null>(null);
  const abortable = useAbortable();

  const refreshFigures = useDebounced(() => setVersion((v) => v + 1), 400);

  // Events patch the lists at once; a reload shortly after brings the canonical rows.
  const reloadLists = useDebounced(() => {
    active.reload();
    closed.reload();
  }, 500);

  useLiveEvents({
    onEvent: (e) => {
      if (e.type === 'pair.status') {
        refreshFigures(); // a follower's copy changed: follower list and latency
        return;
      }
      if (e.account_id !== id) return;
      switch (e.type) {
        case 'position.pnl':
          active.setData((old) => applyPnl(old ?? [], e.data.positions, (tr) => tr.ticket,
            (tr, price) => pips(tr.symbol, tr.side, tr.price, price)));
          break;
        case 'trade.opened':
        case 'trade.modified':
        case 'trade.partial':
          active.setData((old) => mergeRow(old ?? [], e.data));
          flashRow(e.data.id);
          reloadLists();
          refreshFigures();
          break;
        case 'trade.closed':
          active.setData((old) => dropRow(old ?? [], e.data.id));
          closed.setData((old) => ({
            items: mergeRow(old?.items ?? [], e.data).slice(0, 20),
            next_cursor: old?.next_cursor ?? null,
          }));
          flashRow(e.data.id);
          reloadLists();
          refreshFigures();
          break;
        case 'alert.killswitch':
          toast(t('dash.killswitch', { reason: String(e.data.reason ?? '') }), 'warn', 10_000);
          break;
        default:
          break;
      }
    },
    onResync: () => {
      active.reload();
      closed.reload();
      setVersion((v) => v + 1);
    },
  }, [id]);

  const changeMode = async (mode: CopyMode, base: Account = account) => {
    const before = base.copy_mode;
    upsertAccount({ ...base, copy_mode: mode }); // optimistic: the switch answers at once
    setModeBusy(mode);
    try {
      upsertAccount(await api.setCopyMode(id, mode, abortable()));
      toast(t('dash.modeChanged', { mode }));
    } catch (err) {
      if (isAbort(err)) return;
      upsertAccount({ ...base, copy_mode: before });
      toast(errorMessage(err), 'error');
    } finally {
      setModeBusy(null);
    }
  };

  // A change that would stop copying (RECORD; 1TO1 with no partner) is confirmed first,
  // and 1TO1 offers to pick the partner: one of this master's followers (docs/api.md).
  const [pending, setPending] = useState<CopyMode | null>(null);
  const [pick, setPick] = useState('');
  const [pickBusy, setPickBusy] = useState(false);
  const [pickError, setPickError] = useState<string | null>(null);
  const ownFollowers = (accounts.value ?? []).filter(
    (a) => a.role === 'follower' && a.following_id === id);
  const requestMode = (mode: CopyMode) => {
    if (mode === account.copy_mode) return;
    if (stopsCopying(mode, account.partner_id)) {
      setPick(ownFollowers[0] ? String(ownFollowers[0].id) : '');
      setPickError(null);
      setPending(mode);
      return;
    }
    void changeMode(mode);
  };
  const confirmMode = async () => {
    const mode = pending;
    if (!mode) return;
    let base = account;
    if (mode === '1TO1' && pick) {
      setPickBusy(true);
      setPickError(null);
      try {
        base = await api.setPartner(id, Number(pick), abortable());
        upsertAccount(base);
      } catch (err) {
        if (!isAbort(err)) setPickError(fieldErrors(err).partner_id ?? errorMessage(err));
        return;
      } finally {
        setPickBusy(false);
      }
    }
    setPending(null);
    void changeMode(mode, base);
  };
  const stops = pending === 'RECORD' || (pending === '1TO1' && !pick);

  const neverTraded = stats.data?.closed_count === 0 && active.data?.length === 0;
  const partner = account.partner_id !== null ? findAccount(account.partner_id) : undefined;

  return (
    <div class="space-y-4" data-testid="master-view">
      <AccountHeader account={account} />
      {!account.online && neverTraded && <ConnectEA account={account} />}
      <StatsRow stats={stats.data} account={account} />
      <PerformancePanel accountId={id} version={version} />
      <OrdersPanel accountId={id} version={version} />

      <div class="grid gap-4 xl:grid-cols-3">
        <div class="min-w-0 space-y-4 xl:col-span-2">
          <ProfitPanel accountId={id} version={version} />
          <EquityPanel accountId={id} version={version} />
          <Panel title={<>{t('dash.activeTrades')} <span class="ml-1 text-ink-400"
                   data-testid="active-count">{active.data?.length ?? ''}</span></>}
                 testid="active-panel">
            {active.error && !active.data ? <ErrorState error={active.error} onRetry={active.reload} />
              : !active.data ? <Loading />
              : <TradesTable trades={active.data} flash={flash} testid="active-trades"
                             empty={<EmptyState testid="active-empty">
                               {t('dash.activeEmpty')}</EmptyState>} />}
          </Panel>
          <Panel title={t('dash.recentTrades')} testid="closed-panel"
                 actions={<Link href={`/history?account=${id}`} data-testid="to-history"
                                class="inline-flex min-h-11 items-center text-sm text-blue-300
                                       hover:underline">{t('nav.history')} →</Link>}>
            {closed.error && !closed.data ? <ErrorState error={closed.error} onRetry={closed.reload} />
              : !closed.data ? <Loading />
              : <TradesTable trades={byCloseTime(closed.data.items)} closed flash={flash}
                             testid="closed-trades"
                             empty={<EmptyState>{t('dash.closedEmpty')}</EmptyState>} />}
          </Panel>
        </div>

        <div class="min-w-0 space-y-4">
          <Panel title={t('dash.mode')} testid="mode-panel">
            <ModeSwitcher value={account.copy_mode} onChange={requestMode} busy={modeBusy} />
            <ConfirmDialog open={pending !== null} testid="mode-confirm"
                           title={stops ? t('dash.modeConfirm.title')
                             : t('dash.modeConfirm.switchTitle', { mode: pending ?? '' })}
                           confirmLabel={stops ? t('dash.modeConfirm.stop')
                             : t('dash.modeConfirm.switch', { mode: pending ?? '' })}
                           busy={pickBusy} error={pickError}
                           onConfirm={() => void confirmMode()}
                           onCancel={() => setPending(null)}>
              {pending === 'RECORD' ? <p>{t('dash.modeConfirm.record')}</p> : (
                <div class="space-y-3">
                  <p>{t('dash.modeConfirm.noPartner')}</p>
                  {ownFollowers.length === 0
                    ? <p class="text-warn" data-testid="mode-confirm-no-followers">
                        {t('accounts.partner.noFollowers')}</p>
                    : <SelectField label={t('accounts.partner.select')} value={pick}
                                   onChange={setPick} testid="mode-confirm-partner"
                                   options={[...ownFollowers.map((f) => ({
                                               value: String(f.id), label: f.name })),
                                             { value: '', label: t('dash.modeConfirm.nobody') }]} />}
                </div>
              )}
            </ConfirmDialog>
            <p class="mt-3 text-xs text-ink-400">{t('dash.modeHint')}</p>
            {account.copy_mode === '1TO1' && (
              <p class="mt-2 text-sm text-ink-300" data-testid="partner-info">
                {partner ? <>🤝 {t('dash.partner')}: <span class="font-semibold text-ink-100">
                  {partner.name}</span></>
                  : <Link href={`/accounts/${id}`} class="text-warn hover:underline">
                      {t('dash.noPartner')}</Link>}
              </p>
            )}
          </Panel>
          {(account.online || !neverTraded) && (
            <Panel title={t('dash.connect.title')}>
              <ConnectEA account={account} compact />
            </Panel>
          )}
        </div>
      </div>
      <FollowersPanel accountId={id} version={version}
                      approveFollowers={account.approve_followers ?? false}
                      onApproveChange={upsertAccount} />
    </div>
  );
}
