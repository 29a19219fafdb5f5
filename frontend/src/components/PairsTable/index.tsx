import type { ComponentChildren } from 'preact';
import type { TradePair } from '../../api';
import { decimal, ms, t, when } from '../../i18n';
import { priceDigits } from '../../lib/pnl';
import { reasonLabel } from '../../lib/reasons';
import { Money } from '../Money';
import { Pips } from '../Pips';
import { SideTag, StatusBadge } from '../StatusBadge';
import { CardFact, CardFacts, CardHead, TableFrame, TD } from '../TableFrame';

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
export function PairsTable({ pairs, closed = false, flash, testid, empty }: {
  pairs: TradePair[]; closed?: boolean; flash?: ReadonlySet<number>; testid: string;
  empty?: ComponentChildren;
}) {
  return (
    <TableFrame items={pairs} testid={testid} rowTestid="pair-row" flash={flash} empty={empty}
                data={(p) => ({ 'data-master-ticket': p.master_ticket, 'data-status': p.status })}
                columns={[
                  { label: closed ? t('trade.closedAt') : t('trade.opened') },
                  { label: t('trade.symbol') },
                  { label: t('trade.side') },
                  { label: t('trade.volume'), right: true },
                  { label: t('trade.openPrice'), right: true },
                  { label: closed ? t('trade.closePrice') : t('trade.current'), right: true },
                  { label: t('trade.pips'), right: true },
                  { label: t('trade.latency'), right: true },
                  { label: t('trade.status') },
                  closed && { label: t('trade.reason') },
                  { label: closed ? t('trade.profit') : t('trade.pnl'), right: true },
                ]}
                row={(p) => <PairCells p={p} closed={closed} />}
                card={(p) => <PairCard p={p} closed={closed} />} />
  );
}

function PairCells({ p, closed }: { p: TradePair; closed: boolean }) {
  return (
    <>
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
    </>
  );
}

function PairCard({ p, closed }: { p: TradePair; closed: boolean }) {
  return (
    <>
      <CardHead result={<>
        <Money value={result(p, closed)} testid="pair-pnl" class="text-base font-semibold" />
        <div class="text-xs"><Pips value={p.pips} /></div>
      </>}>
        <div class="font-semibold text-ink-100"><Symbol p={p} />{' '}
          <SideTag side={p.follower_side ?? p.side} />{' '}
          <span class="text-ink-300">{decimal(p.volume ?? p.requested_volume)}</span>
        </div>
        <div class="text-xs text-ink-300">
          {when(closed ? (p.closed_at ?? p.created_at) : p.created_at)}</div>
      </CardHead>
      <CardFacts>
        <CardFact label={t('trade.openPrice')}>{price(p, openOf(p))}</CardFact>
        <CardFact label={closed ? t('trade.closePrice') : t('trade.current')} testid="pair-current">
          {price(p, closed ? p.close_price : p.current_price)}</CardFact>
        <CardFact label={t('trade.latency')}>{ms(p.latency_ms)}</CardFact>
      </CardFacts>
      <div class="mt-2 flex flex-wrap items-center gap-2">
        <StatusBadge status={p.status} />
        {closed && cardReason(p) && (
          <span class="text-xs text-ink-300" data-testid="pair-reason">{cardReason(p)}</span>
        )}
      </div>
    </>
  );
}
