import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, LiveConnection, liveUrl, type LiveStatus } from './live';
import type { LiveEvent } from './types';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) { this.sent.push(data); }
  close() { this.closed = true; }
  // test helpers
  receive(msg: unknown) { this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent); }
  drop(code = 1006) { this.onclose?.({ code } as CloseEvent); }
}

const event = (id: number, accountId: number): LiveEvent => ({
  id, type: 'ea.status', account_id: accountId, at: 1700000000, data: { online: true },
});

describe('backoffDelay', () => {
  it('doubles from the minimum up to the cap, with bounded jitter', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 500, 30_000, mid))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(50, 500, 30_000, mid)).toBe(30_000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, 500, 30_000);
      expect(d).toBeGreaterThanOrEqual(3000);
      expect(d).toBeLessThanOrEqual(5000);
    }
  });
});

describe('liveUrl', () => {
  it('follows the page scheme', () => {
    expect(liveUrl({ protocol: 'http:', host: 'h:8000' })).toBe('ws://h:8000/api/v1/live');
    expect(liveUrl({ protocol: 'https:', host: 'h' })).toBe('wss://h/api/v1/live');
  });
});

describe('LiveConnection', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  const make = () => new LiveConnection({
    url: 'ws://x/api/v1/live', WebSocket: FakeSocket as unknown as typeof WebSocket,
    random: () => 0.5, minDelayMs: 100, maxDelayMs: 1000,
  });

  it('is open after hello and delivers events, filtered by account', () => {
    const live = make();
    const all: LiveEvent[] = [];
    const mine: LiveEvent[] = [];
    const statuses: LiveStatus[] = [];
    live.subscribe({ onEvent: (e) => all.push(e), onStatus: (s) => statuses.push(s) });
    live.subscribe({ accountId: 2, onEvent: (e) => mine.push(e) });
    live.start();
    const s = FakeSocket.all[0]!;
    expect(s.url).toBe('ws://x/api/v1/live');
    s.receive({ type: 'hello', id: 0 });
    s.receive({ type: 'ping' });
    s.receive([event(1, 1)]);
    s.receive([event(2, 2), event(3, 1), event(4, 2)]);
    s.onmessage?.({ data: 'not json' } as MessageEvent);
    expect(statuses).toEqual(['connecting', 'open']);
    expect(all.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(mine.map((e) => e.id)).toEqual([2, 4]);
  });

  it('reconnects with growing delays and tells subscribers to resync', () => {
    const live = make();
    const resync = vi.fn();
    const events: LiveEvent[] = [];
    live.subscribe({ onResync: resync, onEvent: (e) => events.push(e) });
    live.start();
    FakeSocket.all[0]!.receive({ type: 'hello' });
    FakeSocket.all[0]!.drop();
    expect(live.status).toBe('reconnecting');
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop(); // failed attempt: next wait is doubled
    vi.advanceTimersByTime(199);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    expect(resync).not.toHaveBeenCalled();
    FakeSocket.all[2]!.receive({ type: 'hello' });
    expect(resync).toHaveBeenCalledOnce();
    expect(live.status).toBe('open');
    // The subscription survived: events of the new socket arrive.
    FakeSocket.all[2]!.receive([event(5, 1)]);
    expect(events.map((e) => e.id)).toEqual([5]);
    // A successful hello resets the backoff.
    FakeSocket.all[2]!.drop();
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('ignores messages from a replaced socket and stops for good on stop()', () => {
    const live = make();
    const events: LiveEvent[] = [];
    live.subscribe({ onEvent: (e) => events.push(e) });
    live.start();
    const first = FakeSocket.all[0]!;
    first.receive({ type: 'hello' });
    live.stop();
    expect(first.closed).toBe(true);
    first.receive([event(1, 1)]);
    first.drop();
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(events).toEqual([]);
    expect(live.status).toBe('closed');
  });

  it('unsubscribe stops delivery', () => {
    const live = make();
    const events: LiveEvent[] = [];
    const off = live.subscribe({ onEvent: (e) => events.push(e) });
    live.start();
    FakeSocket.all[0]!.receive({ type: 'hello' });
    off();
    FakeSocket.all[0]!.receive([event(1, 1)]);
    expect(events).toEqual([]);
  });
});

describe('event batches', () => {
  beforeEach(() => { FakeSocket.all = []; });

  it('delivers each event of an array in order, as sent (REST shapes, nothing renamed)', () => {
    const live = new LiveConnection({ url: 'ws://x', WebSocket: FakeSocket as unknown as typeof WebSocket });
    const got: LiveEvent[] = [];
    live.subscribe({ onEvent: (e) => got.push(e) });
    live.start();
    const s = FakeSocket.all[0]!;
    s.receive({ type: 'hello', id: 0 });
    const pair = (id: number, account: number) => ({
      id, type: 'pair.status', account_id: account, at: 1, data: {
        id: 20 + id, master_trade_id: 10, master_ticket: 555, status: 'PENDING',
        follower_ticket: null, volume: null, follower_side: 'SELL', side: 'BUY' } });
    s.receive([pair(1, 2), pair(2, 3), pair(3, 4)]);
    expect(got.map((e) => [e.id, e.account_id])).toEqual([[1, 2], [2, 3], [3, 4]]);
    expect(got[0]!.data).toEqual(pair(1, 2).data);
  });

  it('skips what is not an event and ignores single events outside an array', () => {
    const live = new LiveConnection({ url: 'ws://x', WebSocket: FakeSocket as unknown as typeof WebSocket });
    const got: LiveEvent[] = [];
    live.subscribe({ onEvent: (e) => got.push(e) });
    live.start();
    const s = FakeSocket.all[0]!;
    s.receive({ type: 'hello', id: 0 });
    s.receive([null, 7, 'x', { type: 'ping' }, { type: 5 }, event(9, 1)]);
    s.receive(event(10, 1)); // not the documented framing
    s.receive([]);
    s.receive(null);
    expect(got.map((e) => e.id)).toEqual([9]);
  });
});
