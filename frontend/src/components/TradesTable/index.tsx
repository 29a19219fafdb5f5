import type { MasterTrade } from '../../api';
import { decimal, t, when } from '../../i18n';
import { useMediaQuery, WIDE } from '../../lib/hooks';
import { priceDigits } from '../../lib/pnl';
import { Money } from '../Money';
import { Pips } from '../Pips';
import { SideTag, StatusBadge } from '../StatusBadge';

const TH = 'px-2 py-2 text-left text-xs font-medium tracking-wide text-ink-300 uppercase';
const TD = 'px-2 py-2 whitespace-nowrap';

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
export function TradesTable({ trades, closed = false, flash, testid }: {
  trades: MasterTrade[]; closed?: boolean; flash?: ReadonlySet<number>; testid: string;
}) {
  const wide = useMediaQuery(WIDE);
  if (!wide) return <TradeCards trades={trades} closed={closed} flash={flash} testid={testid} />;
  return (
    <div class="-mx-4 overflow-x-auto" data-testid={testid}>
      <table class="w-full text-sm tabular">
        <thead class="border-b border-ink-700">
          <tr>
            <th class={TH} scope="col">{closed ? t('trade.closedAt') : t('trade.opened')}</th>
            <th class={TH} scope="col">{t('trade.symbol')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.volume')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.openPrice')}</th>
            <th class={`${TH} text-right`} scope="col">
              {closed ? t('trade.closePrice') : t('trade.current')}</th>
            {!closed && <th class={`${TH} text-right`} scope="col">{t('trade.slTp')}</th>}
            <th class={`${TH} text-right`} scope="col">{t('trade.pips')}</th>
            {closed && <th class={TH} scope="col">{t('trade.status')}</th>}
            <th class={`${TH} text-right`} scope="col">
              {closed ? t('trade.profit') : t('trade.pnl')}</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-ink-800">
          {trades.map((tr) => (
            <tr key={tr.id} data-testid="trade-row" data-ticket={tr.ticket}
                data-status={tr.status}
                class={`hover:bg-ink-800/50 ${flash?.has(tr.id) ? 'row-flash' : ''}`}>
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
                  <div>{Number(tr.sl) ? price(tr, tr.sl) : '—'}</div>
                  <div>{Number(tr.tp) ? price(tr, tr.tp) : '—'}</div>
                </td>
              )}
              <td class={`${TD} text-right`}><Pips value={tr.pips} /></td>
              {closed && <td class={TD}><StatusBadge status={tr.status} /></td>}
              <td class={`${TD} text-right`}>
                <Money value={result(tr, closed)} testid="trade-pnl" /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TradeCards({ trades, closed, flash, testid }: {
  trades: MasterTrade[]; closed: boolean; flash?: ReadonlySet<number>; testid: string;
}) {
  return (
    <ul class="space-y-2" data-testid={testid}>
      {trades.map((tr) => (
        <li key={tr.id} data-testid="trade-row" data-ticket={tr.ticket} data-status={tr.status}
            class={`rounded-lg border border-ink-700 bg-ink-900/40 p-3 text-sm tabular
                    ${flash?.has(tr.id) ? 'row-flash' : ''}`}>
          <div class="flex items-start justify-between gap-2">
            <div class="min-w-0">
              <div class="font-semibold text-ink-100">{tr.symbol} <SideTag side={tr.side} />{' '}
                <span class="text-ink-300">
                  {decimal(closed ? tr.volume : (tr.open_volume ?? tr.volume))}</span></div>
              <div class="text-xs text-ink-300">{when(closed ? tr.closed_at : tr.opened_at)}
                {' · #'}{tr.ticket}</div>
            </div>
            <div class="text-right">
              <Money value={result(tr, closed)} testid="trade-pnl" class="text-base font-semibold" />
              <div class="text-xs"><Pips value={tr.pips} /></div>
            </div>
          </div>
          <dl class="mt-2 grid grid-cols-3 gap-x-2 gap-y-1 text-xs">
            <div><dt class="text-ink-300">{t('trade.openPrice')}</dt>
              <dd class="text-ink-100">{price(tr, tr.price)}</dd></div>
            <div><dt class="text-ink-300">{closed ? t('trade.closePrice') : t('trade.current')}</dt>
              <dd class="text-ink-100" data-testid="trade-current">
                {price(tr, closed ? tr.close_price : tr.current_price)}</dd></div>
            {!closed ? (
              <div><dt class="text-ink-300">{t('trade.slTp')}</dt>
                <dd class="text-ink-100">{Number(tr.sl) ? price(tr, tr.sl) : '—'} /{' '}
                  {Number(tr.tp) ? price(tr, tr.tp) : '—'}</dd></div>
            ) : (
              <div><dt class="text-ink-300">{t('trade.status')}</dt>
                <dd><StatusBadge status={tr.status} /></dd></div>
            )}
          </dl>
        </li>
      ))}
    </ul>
  );
}
