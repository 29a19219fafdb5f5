import type { TradePair } from '../../api';
import { decimal, ms, t, when } from '../../i18n';
import { useMediaQuery, WIDE } from '../../lib/hooks';
import { priceDigits } from '../../lib/pnl';
import { reasonLabel } from '../../lib/reasons';
import { Money } from '../Money';
import { Pips } from '../Pips';
import { SideTag, StatusBadge } from '../StatusBadge';

const TH = 'px-2 py-2 text-left text-xs font-medium tracking-wide text-ink-300 uppercase';
const TD = 'px-2 py-2 whitespace-nowrap';

/** The translated text of a reason code the dashboard knows, else the server's reason. */
export function reasonText(p: TradePair): string | null {
  return reasonLabel(p.reason_code, p.reason);
}

/** Whether a pair ended without a position (the reason column matters). */
export function endedWithoutPosition(p: TradePair): boolean {
  return p.status === 'FAILED' || p.status === 'SKIPPED' || p.status === 'EXPIRED';
}

function symbolOf(p: TradePair): string {
  return p.follower_symbol ?? p.symbol;
}

/** The copy's own open price once reported, else the master's. */
function openOf(p: TradePair): string {
  return p.fill_price ?? p.open_price;
}

function price(p: TradePair, value: string | null | undefined): string {
  return decimal(value, priceDigits(symbolOf(p), value ?? p.open_price));
}

/** Profit of a closed copy; floating P/L (profit + swap) of an open one. */
function result(p: TradePair, closed: boolean): string | null {
  if (closed) return p.profit;
  if (p.floating_profit === null || p.floating_profit === undefined) return null;
  return (Number(p.floating_profit) + Number(p.swap ?? 0)).toFixed(2);
}

function Symbol({ p }: { p: TradePair }) {
  return (
    <>
      {symbolOf(p)}
      {p.follower_symbol && p.follower_symbol !== p.symbol && (
        <span class="ml-1 text-xs font-normal text-ink-400">({p.symbol})</span>
      )}
    </>
  );
}

function cardReason(p: TradePair): string {
  return endedWithoutPosition(p) || p.reason_code === 'ALREADY_COPIED' ? (reasonText(p) ?? '—') : '';
}

/**
 * A follower's copies: active ones with fill, current price, pips, latency and floating P/L;
 * ended ones with close price, pips, reason and profit. A table from 768 px (fits 1280 px with
 * no sideways scroll), cards on a phone.
 */
export function PairsTable({ pairs, closed = false, flash, testid }: {
  pairs: TradePair[]; closed?: boolean; flash?: ReadonlySet<number>; testid: string;
}) {
  const wide = useMediaQuery(WIDE);
  if (!wide) return <PairCards pairs={pairs} closed={closed} flash={flash} testid={testid} />;
  return (
    <div class="-mx-4 overflow-x-auto" data-testid={testid}>
      <table class="w-full text-sm tabular">
        <thead class="border-b border-ink-700">
          <tr>
            <th class={TH} scope="col">{closed ? t('trade.closedAt') : t('trade.opened')}</th>
            <th class={TH} scope="col">{t('trade.symbol')}</th>
            <th class={TH} scope="col">{t('trade.side')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.volume')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.openPrice')}</th>
            <th class={`${TH} text-right`} scope="col">
              {closed ? t('trade.closePrice') : t('trade.current')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.pips')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.latency')}</th>
            <th class={TH} scope="col">{t('trade.status')}</th>
            {closed && <th class={TH} scope="col">{t('trade.reason')}</th>}
            <th class={`${TH} text-right`} scope="col">
              {closed ? t('trade.profit') : t('trade.pnl')}
            </th>
          </tr>
        </thead>
        <tbody class="divide-y divide-ink-800">
          {pairs.map((p) => (
            <tr key={p.id} data-testid="pair-row" data-master-ticket={p.master_ticket}
                data-status={p.status}
                class={`hover:bg-ink-800/50 ${flash?.has(p.id) ? 'row-flash' : ''}`}>
              <td class={`${TD} text-ink-300`}>{when(closed ? (p.closed_at ?? p.created_at)
                                                             : p.created_at)}</td>
              <td class={`${TD} font-semibold`}><Symbol p={p} /></td>
              <td class={TD}><SideTag side={p.follower_side ?? p.side} /></td>
              <td class={`${TD} text-right`}>
                {decimal(closed ? (p.requested_volume ?? p.volume) : (p.volume ?? p.requested_volume))}
              </td>
              <td class={`${TD} text-right`} title={p.fill_price ? t('trade.fillNote', {
                price: price(p, p.open_price) }) : undefined}>{price(p, openOf(p))}</td>
              <td class={`${TD} text-right`} data-testid="pair-current">
                {price(p, closed ? p.close_price : p.current_price)}</td>
              <td class={`${TD} text-right`}><Pips value={p.pips} /></td>
              <td class={`${TD} text-right text-ink-300`}>{ms(p.latency_ms)}</td>
              <td class={TD} title={p.status === 'UNKNOWN' ? (reasonText(p) ?? undefined) : undefined}
                  data-testid="pair-status">
                <StatusBadge status={p.status} />
                {p.status === 'UNKNOWN' && (
                  <span class="ml-2 text-xs text-warn" data-testid="pair-no-answer">
                    {reasonText(p)}
                  </span>
                )}
              </td>
              {closed && (
                <td class={`${TD} max-w-[14rem] truncate text-ink-300`}
                    title={p.reason ?? undefined} data-testid="pair-reason">
                  {endedWithoutPosition(p) || p.reason_code === 'ALREADY_COPIED'
                    ? (reasonText(p) ?? '—') : ''}
                </td>
              )}
              <td class={`${TD} text-right`}>
                <Money value={result(p, closed)} testid="pair-pnl" /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PairCards({ pairs, closed, flash, testid }: {
  pairs: TradePair[]; closed: boolean; flash?: ReadonlySet<number>; testid: string;
}) {
  return (
    <ul class="space-y-2" data-testid={testid}>
      {pairs.map((p) => (
        <li key={p.id} data-testid="pair-row" data-master-ticket={p.master_ticket}
            data-status={p.status}
            class={`rounded-lg border border-ink-700 bg-ink-900/40 p-3 text-sm tabular
                    ${flash?.has(p.id) ? 'row-flash' : ''}`}>
          <div class="flex items-start justify-between gap-2">
            <div class="min-w-0">
              <div class="font-semibold text-ink-100"><Symbol p={p} />{' '}
                <SideTag side={p.follower_side ?? p.side} />{' '}
                <span class="text-ink-300">{decimal(p.volume ?? p.requested_volume)}</span>
              </div>
              <div class="text-xs text-ink-300">
                {when(closed ? (p.closed_at ?? p.created_at) : p.created_at)}</div>
            </div>
            <div class="text-right">
              <Money value={result(p, closed)} testid="pair-pnl" class="text-base font-semibold" />
              <div class="text-xs"><Pips value={p.pips} /></div>
            </div>
          </div>
          <dl class="mt-2 grid grid-cols-3 gap-x-2 gap-y-1 text-xs">
            <div><dt class="text-ink-300">{t('trade.openPrice')}</dt>
              <dd class="text-ink-100">{price(p, openOf(p))}</dd></div>
            <div><dt class="text-ink-300">{closed ? t('trade.closePrice') : t('trade.current')}</dt>
              <dd class="text-ink-100" data-testid="pair-current">
                {price(p, closed ? p.close_price : p.current_price)}</dd></div>
            <div><dt class="text-ink-300">{t('trade.latency')}</dt>
              <dd class="text-ink-100">{ms(p.latency_ms)}</dd></div>
          </dl>
          <div class="mt-2 flex flex-wrap items-center gap-2">
            <StatusBadge status={p.status} />
            {closed && cardReason(p) && (
              <span class="text-xs text-ink-300" data-testid="pair-reason">{cardReason(p)}</span>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
