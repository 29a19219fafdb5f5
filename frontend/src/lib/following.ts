/**
 * Who-follows-whom changes a follower EA caused at login (docs/protocol.md, AUTH): the text
 * the app shows, wherever the user is, for `account.following`, `ea.master_token_refused` and
 * the follower-approval events `follow.pending` / `follow.approved` / `follow.refused`.
 */
import type { Id, LiveEvent } from '../api/types';
import { t } from '../i18n';

export interface FollowingNotice {
  text: string;
  tone: 'ok' | 'warn';
}

export function followingNotice(e: LiveEvent, nameOf: (id: Id) => string | undefined):
    FollowingNotice | null {
  if (e.account_id === null) return null;
  const follower = nameOf(e.account_id) ?? `#${e.account_id}`;
  if (e.type === 'account.following') {
    return { text: t('live.followingByToken', { follower, master: e.data.following_name }),
             tone: 'ok' };
  }
  if (e.type === 'follow.pending' || e.type === 'follow.approved' || e.type === 'follow.refused') {
    // Said once per account: the master's owner hears it on the master, the follower's owner
    // on the follower (one user who owns both: on the follower).
    const key = e.type === 'follow.pending' ? 'live.followPending'
      : e.type === 'follow.approved' ? 'live.followApproved' : 'live.followRefused';
    return { text: t(key, { follower: e.data.follower_name, master: e.data.master_name }),
             tone: e.type === 'follow.refused' ? 'warn' : 'ok' };
  }
  if (e.type === 'ea.master_token_refused') {
    return { text: t('live.tokenRefused', { follower, master: e.data.following_name }),
             tone: 'warn' };
  }
  return null;
}
