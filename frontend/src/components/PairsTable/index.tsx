import type { TradePair } from '../../api';
import { decimal, ms, t, when } from '../../i18n';
import { Money } from '../Money';
import { SideTag, StatusBadge } from '../StatusBadge';

const TH = 'px-3 py-2 text-left text-xs font-medium tracking-wide text-ink-400 uppercase';
const TD = 'px-3 py-2 whitespace-nowrap';

/** The translated text of a reason code the dashboard knows, else the server's reason. */
export function reasonText(p: TradePair): string | null {
  if (p.reason_code === 'NO_ANSWER' || p.reason_code === 'ALREADY_COPIED') {
    return t(`trade.reason.${p.reason_code}`);
  }
  return p.reason ?? p.reason_code;
}

/** Whether a pair ended without a position (the reason column matters). */
export function endedWithoutPosition(p: TradePair): boolean {
  return p.status === 'FAILED' || p.status === 'SKIPPED' || p.status === 'EXPIRED';
}

/** A follower's copies: active ones with running profit, closed ones with reasons. */
export function PairsTable({ pairs, closed = false, flash, testid }: {
  pairs: TradePair[]; closed?: boolean; flash?: ReadonlySet<number>; testid: string;
}) {
  return (
    <div class="-mx-4 overflow-x-auto" data-testid={testid}>
      <table class="w-full min-w-[44rem] text-sm tabular">
        <thead class="border-b border-ink-700">
          <tr>
            <th class={TH} scope="col">{t('trade.time')}</th>
            <th class={TH} scope="col">{t('trade.symbol')}</th>
            <th class={TH} scope="col">{t('trade.side')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.volume')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.price')}</th>
            <th class={TH} scope="col">{t('trade.status')}</th>
            <th class={`${TH} text-right`} scope="col">{t('trade.latency')}</th>
            {closed && <th class={TH} scope="col">{t('trade.reason')}</th>}
            <th class={`${TH} text-right`} scope="col">
              {closed ? t('trade.profit') : t('trade.running')}
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
              <td class={`${TD} font-semibold`}>
                {p.follower_symbol ?? p.symbol}
                {p.follower_symbol && p.follower_symbol !== p.symbol && (
                  <span class="ml-1 text-xs font-normal text-ink-400">({p.symbol})</span>
                )}
              </td>
              <td class={TD}><SideTag side={p.follower_side ?? p.side} /></td>
              <td class={`${TD} text-right`}>
                {decimal(closed ? (p.requested_volume ?? p.volume) : (p.volume ?? p.requested_volume))}
              </td>
              <td class={`${TD} text-right`}>{decimal(p.open_price)}</td>
              <td class={TD} title={p.status === 'UNKNOWN' ? (reasonText(p) ?? undefined) : undefined}
                  data-testid="pair-status">
                <StatusBadge status={p.status} />
                {p.status === 'UNKNOWN' && (
                  <span class="ml-2 text-xs text-warn" data-testid="pair-no-answer">
                    {reasonText(p)}
                  </span>
                )}
              </td>
              <td class={`${TD} text-right text-ink-300`}>{ms(p.latency_ms)}</td>
              {closed && (
                <td class={`${TD} max-w-[16rem] truncate text-ink-300`}
                    title={p.reason ?? undefined} data-testid="pair-reason">
                  {endedWithoutPosition(p) || p.reason_code === 'ALREADY_COPIED'
                    ? (reasonText(p) ?? '—') : ''}
                </td>
              )}
              <td class={`${TD} text-right`}><Money value={p.profit} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
