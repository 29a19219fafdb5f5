import { useState } from 'preact/hooks';
import {
  api, HISTORY_STATUSES, isAbort, type Account, type HistoryQuery, type HistoryRow,
  type HistoryStatus,
} from '../../api';
import { Button, buttonClass } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState, Loading } from '../../components/LoadState';
import { Money } from '../../components/Money';
import { Panel } from '../../components/Panel';
import { Pips } from '../../components/Pips';
import { SideTag, StatusBadge } from '../../components/StatusBadge';
import { dateTime, decimal, duration, integer, t } from '../../i18n';
import { useAbortable, useAsync, useMediaQuery, WIDE } from '../../lib/hooks';
import { priceDigits } from '../../lib/pnl';
import { reasonLabel } from '../../lib/reasons';
import { navigate, queryParam } from '../../router';
import { accounts } from '../../state/accounts';

const PAGE = 50;
const SYMBOL = /^[A-Za-z0-9._#+-]{1,32}$/;
const CONTROL = `w-full rounded-lg border border-ink-600 bg-ink-950 px-3 py-2.5 text-ink-100
  focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/70`;

interface Filters {
  account: number | null;
  symbol: string;
  from: string;
  to: string;
  status: HistoryStatus | '';
}

function fromUrl(list: readonly Account[]): Filters {
  const wanted = Number(queryParam('account'));
  const account = list.find((a) => a.id === wanted)?.id ?? list[0]?.id ?? null;
  const status = queryParam('status') ?? '';
  return {
    account,
    symbol: queryParam('symbol') ?? '',
    from: queryParam('from') ?? '',
    to: queryParam('to') ?? '',
    status: (HISTORY_STATUSES as readonly string[]).includes(status) ? status as HistoryStatus : '',
  };
}

/** Local midnight of a yyyy-mm-dd day (plus `days`) as an ISO time. */
function dayStart(day: string, days = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + days).toISOString();
}

function toQuery(f: Filters): HistoryQuery {
  const q: HistoryQuery = {};
  if (f.symbol) q.symbol = f.symbol;
  const since = dayStart(f.from);
  const until = dayStart(f.to, 1);
  if (since) q.since = since;
  if (until) q.until = until;
  if (f.status) q.status = [f.status];
  return q;
}

function problems(f: Filters): { symbol?: string; to?: string } {
  const out: { symbol?: string; to?: string } = {};
  if (f.symbol && !SYMBOL.test(f.symbol)) out.symbol = t('history.badSymbol');
  if (f.from && f.to && f.to < f.from) out.to = t('history.badRange');
  return out;
}

/** Closed trades and ended copies of one account: filters, paging, CSV export. */
export function HistoryPage() {
  const list = accounts.value;
  if (!list) return <Loading />;
  return <History list={list} />;
}

function History({ list }: { list: readonly Account[] }) {
  const [draft, setDraft] = useState<Filters>(() => fromUrl(list));
  const [applied, setApplied] = useState<Filters>(draft);
  const [moreBusy, setMoreBusy] = useState(false);
  const abortable = useAbortable();
  const account = list.find((a) => a.id === applied.account);
  const query = toQuery(applied);
  const key = JSON.stringify(applied);
  const page = useAsync((s) => applied.account === null
    ? Promise.resolve({ items: [], next_cursor: null })
    : api.history(applied.account, { ...query, limit: PAGE }, s), [key]);
  const errors = problems(draft);

  const apply = (next: Filters) => {
    if (Object.keys(problems(next)).length) return;
    setApplied(next);
    const params = new URLSearchParams();
    if (next.account !== null) params.set('account', String(next.account));
    for (const k of ['symbol', 'from', 'to', 'status'] as const) if (next[k]) params.set(k, next[k]);
    navigate(`/history?${params.toString()}`, { replace: true });
  };

  const loadMore = async () => {
    const cursor = page.data?.next_cursor;
    if (!cursor || applied.account === null) return;
    setMoreBusy(true);
    try {
      const more = await api.history(applied.account, { ...query, limit: PAGE, cursor },
                                     abortable());
      page.setData((old) => ({ items: [...(old?.items ?? []), ...more.items],
                               next_cursor: more.next_cursor }));
    } catch (err) {
      if (!isAbort(err)) page.reload();
    } finally {
      setMoreBusy(false);
    }
  };

  const field = (k: keyof Filters) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    const next = { ...draft, [k]: k === 'account' ? Number(value) : value };
    setDraft(next);
    if (k === 'account' || k === 'status') apply(next);
  };

  return (
    <div class="space-y-4" data-testid="history-page">
      <h1 class="text-2xl font-bold text-ink-100">{t('history.title')}</h1>
      <form class="grid gap-3 rounded-xl border border-ink-700 bg-ink-850 p-4 sm:grid-cols-2
                   lg:grid-cols-6" data-testid="history-filters"
            onSubmit={(e) => { e.preventDefault(); apply(draft); }}>
        <label class="space-y-1 text-sm text-ink-200 lg:col-span-2">
          <span>{t('history.account')}</span>
          <select class={CONTROL} value={draft.account ?? ''} onChange={field('account')}
                  data-testid="history-account">
            {list.map((a) => <option key={a.id} value={a.id}>
              {a.name} · {a.role === 'master' ? t('dash.master') : t('dash.follower')}</option>)}
          </select>
        </label>
        <label class="space-y-1 text-sm text-ink-200">
          <span>{t('history.symbol')}</span>
          <input class={CONTROL} value={draft.symbol} onInput={field('symbol')}
                 placeholder={t('history.symbolPlaceholder')} data-testid="history-symbol"
                 aria-invalid={errors.symbol ? true : undefined}
                 aria-describedby={errors.symbol ? 'history-symbol-error' : undefined} />
          {errors.symbol && <span id="history-symbol-error" role="alert"
                                  class="block text-down" data-testid="history-symbol-error">
            {errors.symbol}</span>}
        </label>
        <label class="space-y-1 text-sm text-ink-200">
          <span>{t('history.from')}</span>
          <input type="date" class={CONTROL} value={draft.from} onInput={field('from')}
                 data-testid="history-from" />
        </label>
        <label class="space-y-1 text-sm text-ink-200">
          <span>{t('history.to')}</span>
          <input type="date" class={CONTROL} value={draft.to} onInput={field('to')}
                 data-testid="history-to" aria-invalid={errors.to ? true : undefined}
                 aria-describedby={errors.to ? 'history-to-error' : undefined} />
          {errors.to && <span id="history-to-error" role="alert" class="block text-down"
                              data-testid="history-to-error">{errors.to}</span>}
        </label>
        <label class="space-y-1 text-sm text-ink-200">
          <span>{t('history.status')}</span>
          <select class={CONTROL} value={draft.status} onChange={field('status')}
                  data-testid="history-status">
            <option value="">{t('history.allStatuses')}</option>
            {HISTORY_STATUSES.filter((s) => account?.role !== 'master' || s === 'CLOSED')
              .map((s) => <option key={s} value={s}>{t(`trade.status.${s}`)}</option>)}
          </select>
        </label>
        <div class="flex flex-wrap items-end gap-2 sm:col-span-2 lg:col-span-6">
          <Button type="submit" data-testid="history-apply" class="min-h-11">
            {t('history.apply')}</Button>
          <Button variant="secondary" class="min-h-11" data-testid="history-reset"
                  onClick={() => {
                    const next = { ...draft, symbol: '', from: '', to: '', status: '' as const };
                    setDraft(next);
                    apply(next);
                  }}>{t('history.reset')}</Button>
          {applied.account !== null && (
            <a href={api.historyCsvUrl(applied.account, query)} download
               class={`${buttonClass('secondary')} ml-auto min-h-11`} data-testid="history-export">
              ⬇ {t('history.export')}</a>
          )}
        </div>
      </form>

      <Panel title={<>{account?.name ?? ''} <span class="ml-1 text-ink-300" data-testid="history-count">
               {page.data ? t('history.count', { count: integer(page.data.items.length) }) : ''}
             </span></>} testid="history-panel">
        {page.error && !page.data ? <ErrorState error={page.error} onRetry={page.reload} />
          : !page.data ? <Loading />
          : page.data.items.length === 0
            ? <EmptyState testid="history-empty">{t('history.empty')}</EmptyState>
            : (
              <>
                <HistoryTable rows={page.data.items} />
                {page.data.next_cursor && (
                  <div class="mt-3 flex justify-center">
                    <Button variant="secondary" busy={moreBusy} onClick={loadMore}
                            class="min-h-11" data-testid="history-more">
                      {t('common.loadMore')}</Button>
                  </div>
                )}
              </>
            )}
      </Panel>
    </div>
  );
}

const TH = 'px-2 py-2 text-left text-xs font-medium tracking-wide text-ink-300 uppercase';
const TD = 'px-2 py-2 whitespace-nowrap';

function symbolOf(r: HistoryRow): string {
  return r.follower_symbol ?? r.symbol;
}

function price(r: HistoryRow, v: string | null): string {
  return decimal(v, priceDigits(symbolOf(r), v ?? r.open_price));
}

function reasonOf(r: HistoryRow): string {
  if (r.status === 'CLOSED') return r.reason_code ?? '';  // a short code keeps the table narrow
  return reasonLabel(r.reason_code, r.reason) ?? '';
}

function HistoryTable({ rows }: { rows: HistoryRow[] }) {
  const wide = useMediaQuery(WIDE);
  if (!wide) {
    return (
      <ul class="space-y-2" data-testid="history-rows">
        {rows.map((r) => (
          <li key={`${r.kind}-${r.id}`} data-testid="history-row" data-ticket={r.ticket}
              data-status={r.status}
              class="rounded-lg border border-ink-700 bg-ink-900/40 p-3 text-sm tabular">
            <div class="flex items-start justify-between gap-2">
              <div>
                <div class="font-semibold text-ink-100">{symbolOf(r)} <SideTag side={r.side} />{' '}
                  <span class="text-ink-300">{decimal(r.volume)}</span></div>
                <div class="text-xs text-ink-300">{dateTime(r.close_time)}</div>
              </div>
              <div class="text-right">
                <Money value={r.profit} testid="history-profit" class="text-base font-semibold" />
                <div class="text-xs"><Pips value={r.pips} /></div>
              </div>
            </div>
            <dl class="mt-2 grid grid-cols-3 gap-x-2 gap-y-1 text-xs">
              <div><dt class="text-ink-300">{t('trade.openPrice')}</dt>
                <dd class="text-ink-100">{price(r, r.open_price)}</dd></div>
              <div><dt class="text-ink-300">{t('trade.closePrice')}</dt>
                <dd class="text-ink-100">{price(r, r.close_price)}</dd></div>
              <div><dt class="text-ink-300">{t('trade.duration')}</dt>
                <dd class="text-ink-100" data-testid="history-duration">{duration(r.duration_s)}</dd></div>
            </dl>
            <div class="mt-2 flex flex-wrap items-center gap-2">
              <StatusBadge status={r.status} />
              <span class="text-xs text-ink-300" data-testid="history-reason">{reasonOf(r)}</span>
            </div>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <div class="-mx-4 overflow-x-auto" data-testid="history-rows">
      <table class="w-full text-sm tabular">
        <thead class="border-b border-ink-700">
          <tr>
            <th class={TH} scope="col">{t('trade.closeTime')}</th>
            <th class={TH} scope="col">{t('trade.openTime')}</th>
            <th class={TH} scope="col">{t('trade.symbol')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.volume')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.openPrice')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.closePrice')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.duration')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.pips')}</th>
            <th class={TH} scope="col">{t('trade.status')}</th>
            <th class={TH} scope="col">{t('trade.reason')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.profit')}</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-ink-800">
          {rows.map((r) => (
            <tr key={`${r.kind}-${r.id}`} data-testid="history-row" data-ticket={r.ticket}
                data-status={r.status} class="hover:bg-ink-800/50">
              <td class={`${TD} text-ink-200`}>{dateTime(r.close_time)}</td>
              <td class={`${TD} text-ink-300`}>{dateTime(r.open_time)}</td>
              <td class={`${TD} font-semibold`}>{symbolOf(r)} <SideTag side={r.side} /></td>
              <td class={`${TD} text-right`}>{decimal(r.volume)}</td>
              <td class={`${TD} text-right`}>{price(r, r.open_price)}</td>
              <td class={`${TD} text-right`}>{price(r, r.close_price)}</td>
              <td class={`${TD} text-right text-ink-200`} data-testid="history-duration">
                {duration(r.duration_s)}</td>
              <td class={`${TD} text-right`}><Pips value={r.pips} /></td>
              <td class={TD}><StatusBadge status={r.status} /></td>
              <td class={`${TD} max-w-[12rem] truncate text-ink-300`} title={r.reason ?? undefined}
                  data-testid="history-reason">{reasonOf(r)}</td>
              <td class={`${TD} text-right`}><Money value={r.profit} testid="history-profit" /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
