import type { ComponentChildren } from 'preact';
import type { MasterTrade } from '../../api';
import { decimal, t, when } from '../../i18n';
import { priceDigits } from '../../lib/pnl';
import { Money } from '../Money';
import { Pips } from '../Pips';
import { SideTag, StatusBadge } from '../StatusBadge';
import { CardFact, CardFacts, CardHead, TableFrame, TD } from '../TableFrame';

function price(tr: MasterTrade, value: string | null | undefined): string {
  return decimal(value, priceDigits(tr.symbol, value ?? tr.price));
}

/** Profit of a closed trade; floating P/L (profit + swap) of an open one. */
function result(tr: MasterTrade, closed: boolean): string | null {
  if (closed) return tr.profit;
  if (tr.floating_profit === null || tr.floating_profit === undefined) return null;
  return (Number(tr.floating_profit) + Number(tr.swap ?? 0)).toFixed(2);
}

/**
 * A master's trades: open ones with current price, SL/TP, pips and floating P/L; closed ones
 * with close price, pips and profit. A table from 768 px, cards on a phone.
 */
export function TradesTable({ trades, closed = false, flash, testid, empty }: {
  trades: MasterTrade[]; closed?: boolean; flash?: ReadonlySet<number>; testid: string;
  empty?: ComponentChildren;
}) {
  const sltp = (tr: MasterTrade) => [Number(tr.sl) ? price(tr, tr.sl) : '—',
                                     Number(tr.tp) ? price(tr, tr.tp) : '—'];
  return (
    <TableFrame items={trades} testid={testid} rowTestid="trade-row" flash={flash} empty={empty}
                data={(tr) => ({ 'data-ticket': tr.ticket, 'data-status': tr.status })}
                columns={[
                  { label: closed ? t('trade.closedAt') : t('trade.opened') },
                  { label: t('trade.symbol') },
                  { label: t('trade.volume'), right: true },
                  { label: t('trade.openPrice'), right: true },
                  { label: closed ? t('trade.closePrice') : t('trade.current'), right: true },
                  !closed && { label: t('trade.slTp'), right: true },
                  { label: t('trade.pips'), right: true },
                  closed && { label: t('trade.status') },
                  { label: closed ? t('trade.profit') : t('trade.pnl'), right: true },
                ]}
                row={(tr) => (
                  <>
                    <td class={`${TD} text-ink-300`} title={`#${tr.ticket}`}>
                      {when(closed ? tr.closed_at : tr.opened_at)}</td>
                    <td class={`${TD} font-semibold`}>{tr.symbol} <SideTag side={tr.side} /></td>
                    <td class={`${TD} text-right`}>
                      {decimal(closed ? tr.volume : (tr.open_volume ?? tr.volume))}</td>
                    <td class={`${TD} text-right`}>{price(tr, tr.price)}</td>
                    <td class={`${TD} text-right`} data-testid="trade-current">
                      {price(tr, closed ? tr.close_price : tr.current_price)}</td>
                    {!closed && (
                      <td class={`${TD} text-right text-xs leading-tight text-ink-300`}>
                        <div>{sltp(tr)[0]}</div>
                        <div>{sltp(tr)[1]}</div>
                      </td>
                    )}
                    <td class={`${TD} text-right`}><Pips value={tr.pips} /></td>
                    {closed && <td class={TD}><StatusBadge status={tr.status} /></td>}
                    <td class={`${TD} text-right`}>
                      <Money value={result(tr, closed)} testid="trade-pnl" /></td>
                  </>
                )}
                card={(tr) => (
                  <>
                    <CardHead result={<>
                      <Money value={result(tr, closed)} testid="trade-pnl"
                             class="text-base font-semibold" />
                      <div class="text-xs"><Pips value={tr.pips} /></div>
                    </>}>
                      <div class="font-semibold text-ink-100">{tr.symbol} <SideTag side={tr.side} />{' '}
                        <span class="text-ink-300">
                          {decimal(closed ? tr.volume : (tr.open_volume ?? tr.volume))}</span></div>
                      <div class="text-xs text-ink-300">{when(closed ? tr.closed_at : tr.opened_at)}
                        {' · #'}{tr.ticket}</div>
                    </CardHead>
                    <CardFacts>
                      <CardFact label={t('trade.openPrice')}>{price(tr, tr.price)}</CardFact>
                      <CardFact label={closed ? t('trade.closePrice') : t('trade.current')}
                                testid="trade-current">
                        {price(tr, closed ? tr.close_price : tr.current_price)}</CardFact>
                      {!closed ? (
                        <CardFact label={t('trade.slTp')}>{sltp(tr)[0]} /{' '}{sltp(tr)[1]}</CardFact>
                      ) : (
                        <CardFact label={t('trade.status')} plain>
                          <StatusBadge status={tr.status} /></CardFact>
                      )}
                    </CardFacts>
                  </>
                )} />
  );
}
