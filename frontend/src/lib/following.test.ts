import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../api/types';
import { setLocale } from '../i18n';
import { followingNotice } from './following';

const names = (id: number) => (id === 7 ? 'Follower A' : undefined);

describe('who-follows-whom notices from live events', () => {
  const refused: LiveEvent = {
    id: 3, type: 'ea.master_token_refused', account_id: 7, at: 0,
    data: { following_id: 1, following_name: 'Gold Master', reason: 'this follower follows ...' },
  };
  const set: LiveEvent = {
    id: 4, type: 'account.following', account_id: 9, at: 0,
    data: { following_id: 2, following_name: 'Silver', source: 'ea' },
  };

  it('says a refused token changed nothing, in English and Thai', () => {
    setLocale('en');
    const en = followingNotice(refused, names);
    expect(en?.tone).toBe('warn');
    expect(en?.text).toContain('Follower A');
    expect(en?.text).toContain('It still follows Gold Master, as set here');
    setLocale('th');
    const th = followingNotice(refused, names);
    expect(th?.text).toContain('ยังคงติดตาม Gold Master');
    setLocale('en');
  });

  it('says an EA token set the master (unknown accounts by id)', () => {
    setLocale('en');
    expect(followingNotice(set, names)).toEqual({
      text: "#9 now follows Silver: its EA logged in with that master's token.", tone: 'ok' });
  });

  it('ignores other events', () => {
    const other: LiveEvent = { id: 5, type: 'ea.status', account_id: 7, at: 0,
                               data: { online: true } };
    expect(followingNotice(other, names)).toBeNull();
  });

  it('says a follower waits for approval, is approved or refused, in English and Thai', () => {
    const data = { follower_id: 7, follower_name: 'Bob F', master_id: 1, master_name: 'Gold',
                   source: 'ea' as const };
    const pending: LiveEvent = { id: 5, type: 'follow.pending', account_id: 1, at: 0, data };
    setLocale('en');
    expect(followingNotice(pending, names)?.text).toBe(
      "Bob F asked to follow Gold: it gets no copies until the master's owner approves it.");
    const refusedEv: LiveEvent = { ...pending, type: 'follow.refused' };
    expect(followingNotice(refusedEv, names)?.tone).toBe('warn');
    setLocale('th');
    expect(followingNotice(pending, names)?.text).toContain('Bob F ขอติดตาม Gold');
    const approved: LiveEvent = { ...pending, type: 'follow.approved' };
    expect(followingNotice(approved, names)?.text).toBe(
      'Gold อนุมัติ Bob F แล้ว จะได้รับการคัดลอกตั้งแต่นี้');
    setLocale('en');
  });
});
