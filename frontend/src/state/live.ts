/** The live connection's status, for the indicator in the header. */
import { signal } from '@preact/signals';
import { live, type LiveStatus } from '../api';
import { followingNotice } from '../lib/following';
import { applyAccountEvent, findAccount } from './accounts';
import { toast } from './toast';

export const liveStatus = signal<LiveStatus>('idle');

live.subscribe({
  onStatus: (s) => {
    liveStatus.value = s;
  },
  onEvent: (e) => {
    applyAccountEvent(e);
    // An EA's master token set a follower's master, or was refused (docs/protocol.md, AUTH).
    const notice = followingNotice(e, (id) => findAccount(id)?.name);
    if (notice !== null) toast(notice.text, notice.tone, 15_000);
  },
});
