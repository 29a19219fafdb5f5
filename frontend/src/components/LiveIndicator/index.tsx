import { t } from '../../i18n';
import { liveStatus } from '../../state/live';

/** The websocket's state: green "Live", amber while (re)connecting. */
export function LiveIndicator() {
  const s = liveStatus.value;
  const open = s === 'open';
  const label = open ? t('live.open')
    : s === 'reconnecting' ? t('live.reconnecting')
    : s === 'closed' ? t('live.closed') : t('live.connecting');
  return (
    <span data-testid="live-indicator" data-status={s} role="status"
          class={`inline-flex items-center gap-1.5 rounded-full border px-2.5 py-1 text-xs
                  font-semibold ${open ? 'border-up/40 text-up' : 'border-warn/40 text-warn'}`}>
      <span class={`size-2 rounded-full ${open ? 'bg-up animate-pulse' : 'bg-warn'}`} />
      {label}
    </span>
  );
}
