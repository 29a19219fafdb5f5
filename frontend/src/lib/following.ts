/**
 * Who-follows-whom changes a follower EA caused at login (docs/protocol.md, AUTH): the text
 * the app shows, wherever the user is, for `account.following` and `ea.master_token_refused`.
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
  if (e.type === 'ea.master_token_refused') {
    return { text: t('live.tokenRefused', { follower, master: e.data.following_name }),
             tone: 'warn' };
  }
  return null;
}
