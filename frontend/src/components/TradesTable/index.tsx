import type { MasterTrade } from '../../api';
import { decimal, t, when } from '../../i18n';
import { Money } from '../Money';
import { SideTag, StatusBadge } from '../StatusBadge';

const TH = 'px-3 py-2 text-left text-xs font-medium tracking-wide text-ink-400 uppercase';
const TD = 'px-3 py-2 whitespace-nowrap';

/** A master's trades: open ones with SL/TP, closed ones with close price and profit. */
export function TradesTable({ trades, closed = false, flash, testid }: {
  trades: MasterTrade[]; closed?: boolean; flash?: ReadonlySet<number>; testid: string;
}) {
  return (
    <div class="-mx-4 overflow-x-auto" data-testid={testid}>
      <table class="w-full min-w-[40rem] text-sm tabular">
        <thead class="border-b border-ink-700">
          <tr>
            <th class={TH} scope="col">{t('trade.time')}</th>
            <th class={TH} scope="col">{t('trade.symbol')}</th>
            <th class={TH} scope="col">{t('trade.side')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.volume')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.price')}</th>
            {closed ? (
              <th class={`${TH} text-right`} scope="col">{t('trade.closePrice')}</th>
            ) : (
              <>
                <th class={`${TH} text-right`} scope="col">{t('trade.sl')}</th>
                <th class={`${TH} text-right`} scope="col">{t('trade.tp')}</th>
              </>
            )}
            <th class={`${TH} text-right`} scope="col">{t('trade.ticket')}</th>
            <th class={TH} scope="col">{t('trade.status')}</th>
            {closed && <th class={`${TH} text-right`} scope="col">{t('trade.profit')}</th>}
          </tr>
        </thead>
        <tbody class="divide-y divide-ink-800">
          {trades.map((tr) => (
            <tr key={tr.id} data-testid="trade-row" data-ticket={tr.ticket}
                data-status={tr.status}
                class={`hover:bg-ink-800/50 ${flash?.has(tr.id) ? 'row-flash' : ''}`}>
              <td class={`${TD} text-ink-300`}>{when(closed ? tr.closed_at : tr.opened_at)}</td>
              <td class={`${TD} font-semibold`}>{tr.symbol}</td>
              <td class={TD}><SideTag side={tr.side} /></td>
              <td class={`${TD} text-right`}>{decimal(closed ? tr.volume : (tr.open_volume ?? tr.volume))}</td>
              <td class={`${TD} text-right`}>{decimal(tr.price)}</td>
              {closed ? (
                <td class={`${TD} text-right`}>{decimal(tr.close_price)}</td>
              ) : (
                <>
                  <td class={`${TD} text-right text-ink-300`}>{decimal(tr.sl)}</td>
                  <td class={`${TD} text-right text-ink-300`}>{decimal(tr.tp)}</td>
                </>
              )}
              <td class={`${TD} text-right text-ink-400`}>{tr.ticket}</td>
              <td class={TD}><StatusBadge status={tr.status} /></td>
              {closed && <td class={`${TD} text-right`}><Money value={tr.profit} /></td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
