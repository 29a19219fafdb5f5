import type { PairStatus, TradeStatus } from '../../api';
import { t } from '../../i18n';

const TONE: Record<PairStatus | TradeStatus, string> = {
  PENDING: 'bg-warn-dim text-warn border-warn/40',
  OPEN: 'bg-up-dim text-up border-up/40',
  CLOSED: 'bg-ink-700 text-ink-200 border-ink-500',
  FAILED: 'bg-down-dim text-down border-down/40',
  SKIPPED: 'bg-ink-700 text-ink-300 border-ink-500',
  EXPIRED: 'bg-ink-700 text-ink-300 border-ink-500',
  UNKNOWN: 'bg-warn-dim text-warn border-warn/40',
};

/** A pair or trade status as a coloured pill. */
export function StatusBadge({ status }: { status: PairStatus | TradeStatus | undefined }) {
  if (!status) return null;
  return (
    <span
      data-testid="status-badge"
      data-status={status}
      class={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs
              font-semibold ${TONE[status] ?? TONE.CLOSED}`}
    >
      {status === 'PENDING' && <span class="size-1.5 animate-pulse rounded-full bg-warn" />}
      {t(`trade.status.${status}`)}
    </span>
  );
}

/** EA connection state: a dot and a word. */
export function OnlineDot({ online, testid }: { online: boolean; testid?: string }) {
  return (
    <span data-testid={testid} data-online={online ? 'true' : 'false'}
          class={`inline-flex items-center gap-1.5 text-xs font-medium
                  ${online ? 'text-up' : 'text-ink-400'}`}>
      <span class={`size-2 rounded-full ${online ? 'bg-up shadow-[0_0_8px] shadow-up'
                                                 : 'bg-ink-500'}`} />
      {online ? t('dash.eaOnline') : t('dash.eaOffline')}
    </span>
  );
}

/** BUY / SELL. */
export function SideTag({ side }: { side: 'BUY' | 'SELL' | null | undefined }) {
  if (!side) return <span class="text-ink-400">—</span>;
  return (
    <span class={`text-xs font-bold ${side === 'BUY' ? 'text-up' : 'text-down'}`}>
      {t(`trade.side.${side}`)}
    </span>
  );
}
