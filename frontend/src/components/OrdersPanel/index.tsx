import { api, type Id, type PendingOrder } from '../../api';
import { decimal, t, when } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { reasonLabel } from '../../lib/reasons';
import { ErrorState } from '../LoadState';
import { Panel } from '../Panel';

const TH = 'px-2 py-2 text-left text-xs font-medium tracking-wide text-ink-300 uppercase';
const TD = 'px-2 py-2 whitespace-nowrap';

/** The account's pending orders (a master's own, a follower's copies); hidden when none. */
export function OrdersPanel({ accountId, version = 0 }: { accountId: Id; version?: number }) {
  const orders = useAsync((s) => api.orders(accountId, s), [accountId, version]);
  if (orders.error && !orders.data) {
    return (
      <Panel title={t('orders.title')} testid="orders-panel">
        <ErrorState error={orders.error} onRetry={orders.reload} />
      </Panel>
    );
  }
  if (!orders.data) return null; // nothing shows until there is an order
  if (orders.data.length === 0) return null;
  return (
    <Panel title={t('orders.title')} testid="orders-panel">
      <div class="-mx-4 overflow-x-auto">
        <table class="w-full text-sm tabular">
          <thead class="border-b border-ink-700">
            <tr>
              <th class={TH} scope="col">{t('orders.placed')}</th>
              <th class={TH} scope="col">{t('trade.symbol')}</th>
              <th class={TH} scope="col">{t('orders.type')}</th>
              <th class={`${TH} text-right`} scope="col">{t('trade.volume')}</th>
              <th class={`${TH} text-right`} scope="col">{t('orders.price')}</th>
              <th class={TH} scope="col">{t('trade.status')}</th>
              <th class={TH} scope="col">{t('trade.reason')}</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-ink-800">
            {orders.data.map((o: PendingOrder) => (
              <tr key={o.id} data-testid="order-row" data-ticket={o.ticket}
                  data-status={o.copy_status ?? o.status}>
                <td class={`${TD} text-ink-300`}>{when(o.placed_at)}</td>
                <td class={`${TD} font-semibold`}>{o.copy_symbol ?? o.symbol}</td>
                <td class={TD}>{o.copy_order_type ?? o.order_type}</td>
                <td class={`${TD} text-right`}>{decimal(o.copy_volume ?? o.volume)}</td>
                <td class={`${TD} text-right`}>{decimal(o.copy_price ?? o.price)}</td>
                <td class={TD}>{o.copy_status ?? o.status}</td>
                <td class={`${TD} text-ink-300`}>
                  {reasonLabel(o.reason_code, o.reason) ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
