import { useState } from 'preact/hooks';
import { asRiskEvent, isAbort, LIMIT_FIELDS, riskApi, type GuardKind, type Id,
         type LimitField, type RiskControl, type RiskLimits, type RiskTrip } from '../../api';
import { dateTime, decimal, t } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { useAbortable, useAsync, useLiveEvents } from '../../lib/hooks';
import { toast } from '../../state/toast';
import { Button } from '../Button';
import { Checkbox } from '../Field';
import { Link } from '../Link';
import { ErrorState, Loading } from '../LoadState';
import { Panel } from '../Panel';

const KIND_OF: Record<LimitField, GuardKind> = {
  equity_floor: 'EQUITY_FLOOR', max_drawdown_pct: 'DRAWDOWN', daily_loss: 'DAILY_LOSS',
  daily_loss_pct: 'DAILY_LOSS_PCT', daily_profit_target: 'DAILY_PROFIT_TARGET',
  margin_level_floor: 'MARGIN_LEVEL',
};
const PERCENT: ReadonlySet<GuardKind> = new Set(['DRAWDOWN', 'DAILY_LOSS_PCT', 'MARGIN_LEVEL']);

/** A trip's figure in its unit: money, or percent for the percent guards. */
export function figure(kind: GuardKind, value: string): string {
  return PERCENT.has(kind) ? `${decimal(value, 2)} %` : decimal(value, 2);
}

/** One line per guard that is on, for the dashboard. */
export function guardLines(l: RiskLimits): string[] {
  const out: string[] = [];
  for (const f of LIMIT_FIELDS) {
    const v = l[f];
    if (v) out.push(`${t(`risk.kind.${KIND_OF[f]}`)} ${figure(KIND_OF[f], v.value)} · `
                    + t(`risk.action.${v.action}`));
  }
  if (l.max_open_copies !== null) out.push(t('risk.guard.copies', { n: l.max_open_copies }));
  if (l.max_total_lots !== null) out.push(t('risk.guard.totalLots', { n: l.max_total_lots }));
  if (l.max_symbol_lots !== null) out.push(t('risk.guard.symbolLots', { n: l.max_symbol_lots }));
  const h = l.trading_hours;
  if (h) {
    out.push(t('risk.guard.hours', {
      days: h.days.map((d) => t(`risk.day.${d}` as 'risk.day.0')).join(' '),
      windows: h.windows.length ? h.windows.map((w) => `${w.start}–${w.end}`).join(', ')
        : t('risk.guard.allDay'),
      zone: h.timezone,
    }));
  }
  return out;
}

function TripRow({ trip, onReset, busy, testid = 'risk-trip' }: {
  trip: RiskTrip; onReset?: () => void; busy?: boolean; testid?: string;
}) {
  return (
    <li class="flex flex-wrap items-center justify-between gap-3 rounded-lg border
               border-down/40 bg-down/10 px-3 py-2" data-testid={testid}
        data-trip-id={trip.id} data-kind={trip.kind}>
      <div class="min-w-0 space-y-0.5 text-sm">
        <div class="font-semibold text-ink-100" data-testid="risk-trip-kind">
          {t(`risk.kind.${trip.kind}`)} · <span class="font-normal text-ink-300">
            {t(`risk.action.${trip.action}`)}</span></div>
        <div class="flex flex-wrap gap-x-4 text-ink-300">
          <span>{t('risk.trip.value')}: <b class="text-down" data-testid="risk-trip-value">
            {figure(trip.kind, trip.value)}</b></span>
          <span>{t('risk.trip.limit')}: <b class="text-ink-100" data-testid="risk-trip-limit">
            {figure(trip.kind, trip.limit)}</b></span>
          <span>{t('risk.trip.at')}: <span data-testid="risk-trip-at">
            {dateTime(trip.tripped_at)}</span></span>
          {trip.active && <span data-testid="risk-trip-until">{trip.holds_until
            ? `${t('risk.trip.until')}: ${dateTime(trip.holds_until)}`
            : t('risk.trip.untilReset')}</span>}
          {!trip.active && trip.reset_by && <span>{t(`risk.trip.ended.${trip.reset_by}`)}
            {trip.reset_at ? ` ${dateTime(trip.reset_at)}` : ''}</span>}
        </div>
      </div>
      {onReset && (
        <Button small variant="danger" busy={busy} onClick={onReset}
                data-testid="risk-trip-reset">{t('risk.trip.reset')}</Button>
      )}
    </li>
  );
}

/** The dashboard's risk panel for a follower: its switch (close-only, pause/resume), the
 *  guards that are on, the trips that hold (with the figures that tripped them, reset) and the
 *  latest ended ones. Trips arrive live (`risk.tripped`, `risk.lifted`, `risk.control`). */
export function RiskPanel({ accountId }: { accountId: Id }) {
  const risk = useAsync((s) => riskApi.get(accountId, s), [accountId]);
  const ended = useAsync((s) => riskApi.trips(accountId, { status: 'ended', limit: 5 }, s),
                         [accountId]);
  const [busy, setBusy] = useState<string | null>(null);
  /** The switch the trader just chose, shown until the server's answer replaces it. */
  const [wanted, setWanted] = useState<RiskControl | null>(null);
  const abortable = useAbortable();

  useLiveEvents({
    accountId,
    onEvent: (e) => {
      const ev = asRiskEvent(e);
      if (!ev || ev.data.account_id !== accountId) return;
      if (ev.type === 'risk.tripped') {
        toast(t('risk.live.tripped', { guard: t(`risk.kind.${ev.data.kind}`) }), 'warn');
      }
      risk.reload();
      if (ev.type === 'risk.lifted') ended.reload();
    },
    onResync: () => {
      risk.reload();
      ended.reload();
    },
  }, [accountId]);

  const act = async (what: string, fn: (s: AbortSignal) => Promise<unknown>) => {
    setBusy(what);
    try {
      await fn(abortable());
      risk.reload();
      ended.reload();
    } catch (err) {
      if (!isAbort(err)) toast(errorMessage(err), 'error');
    } finally {
      setBusy(null);
    }
  };
  const control = (c: RiskControl) => {
    setWanted(c);
    void act(c, async (s) => {
      risk.setData(await riskApi.setControl(accountId, c, s));
    }).finally(() => setWanted(null));
  };
  const reset = (trip: RiskTrip) => act(`trip-${trip.id}`, async (s) => {
    await riskApi.reset(accountId, trip.id, s);
    toast(t('risk.trip.resetDone'));
  });

  const r = risk.data;
  const lines = r ? guardLines(r.limits) : [];
  return (
    <Panel title={`🛡️ ${t('risk.title')}`} testid="risk-panel"
           actions={<Link href={`/accounts/${accountId}`} data-testid="risk-edit"
                          class="inline-flex min-h-11 items-center text-sm text-blue-300
                                 hover:underline">{t('risk.panel.edit')} →</Link>}>
      {risk.error && !r ? <ErrorState error={risk.error} onRetry={risk.reload} />
        : !r ? <Loading />
        : (
          <div class="space-y-4">
            <div class="flex flex-wrap items-center justify-between gap-3">
              <div class="text-sm text-ink-300">{t('risk.control.title')}:{' '}
                <span class={`font-semibold ${r.paused ? 'text-warn' : 'text-ink-100'}`}
                      data-testid="risk-control" data-control={r.control} data-paused={r.paused}>
                  {t(`risk.control.${r.paused ? 'PAUSED' : r.control}`)}</span></div>
              <div class="flex flex-wrap items-center gap-3">
                <Checkbox label={t('risk.control.closeOnly')} testid="risk-close-only"
                          checked={(wanted ?? r.control) === 'CLOSE_ONLY'}
                          disabled={busy !== null || r.control === 'PAUSED'}
                          onChange={(on) => control(on ? 'CLOSE_ONLY' : 'ACTIVE')} />
                {r.control === 'PAUSED'
                  ? <Button small busy={busy === 'ACTIVE'} onClick={() => control('ACTIVE')}
                            data-testid="risk-resume">▶ {t('risk.control.resume')}</Button>
                  : <Button small variant="secondary" busy={busy === 'PAUSED'}
                            onClick={() => control('PAUSED')}
                            data-testid="risk-pause">⏸ {t('risk.control.pause')}</Button>}
              </div>
            </div>
            {r.paused && r.control !== 'PAUSED' && (
              <p class="text-sm text-warn" data-testid="risk-paused-by-trip">
                {t('risk.control.pausedByTrip')}</p>
            )}

            <div>
              <h3 class="mb-1 text-xs font-bold tracking-wide text-ink-400 uppercase">
                {t('risk.panel.active')}</h3>
              {lines.length === 0
                ? <p class="text-sm text-ink-400" data-testid="risk-guards-none">
                    {t('risk.panel.none')}</p>
                : <ul class="flex flex-wrap gap-2" data-testid="risk-guards">
                    {lines.map((l) => <li key={l} data-testid="risk-guard"
                                          class="rounded-full border border-ink-600 bg-ink-800
                                                 px-2.5 py-1 text-xs text-ink-200">{l}</li>)}
                  </ul>}
            </div>

            {r.baseline && lines.length > 0 && (
              <p class="text-xs text-ink-400" data-testid="risk-baseline">
                {t('risk.baseline', { start: decimal(r.baseline.start_balance, 2),
                                      peak: decimal(r.baseline.equity_peak, 2),
                                      open: decimal(r.baseline.day_open, 2),
                                      day: r.baseline.day })}</p>
            )}

            <div>
              <h3 class="mb-1 text-xs font-bold tracking-wide text-ink-400 uppercase">
                {t('risk.panel.trips')}</h3>
              {r.active_trips.length === 0
                ? <p class="text-sm text-ink-400" data-testid="risk-trips-none">
                    {t('risk.panel.noTrips')}</p>
                : <ul class="space-y-2" data-testid="risk-trips">
                    {r.active_trips.map((trip) => (
                      <TripRow key={trip.id} trip={trip} busy={busy === `trip-${trip.id}`}
                               onReset={() => reset(trip)} />))}
                  </ul>}
            </div>

            {ended.data && ended.data.length > 0 && (
              <details data-testid="risk-ended">
                <summary class="cursor-pointer text-xs font-bold tracking-wide text-ink-400
                                uppercase">{t('risk.panel.history')}</summary>
                <ul class="mt-2 space-y-2 opacity-80">
                  {ended.data.map((trip) => <TripRow key={trip.id} trip={trip}
                                                      testid="risk-ended-trip" />)}
                </ul>
              </details>
            )}
          </div>
        )}
    </Panel>
  );
}
