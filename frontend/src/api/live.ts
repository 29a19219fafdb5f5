/**
 * The live websocket: one connection per tab, reconnected with capped exponential backoff and
 * jitter. Subscriptions belong to this object, not to the socket, so they survive every
 * reconnect; after a reconnect each subscriber is told to resync (reload what it may have
 * missed while the socket was down — the server does not replay events).
 *
 * Events arrive in batches: each message carrying events is a JSON array of them, in order
 * (a signal's pair events for many followers come as one message); `hello` and `ping` are
 * single objects. Event data is already in the REST shapes (types.ts): nothing is renamed here.
 */
import type { LiveEvent } from './types';

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveHandlers {
  /** Only events of this account (events without an account always pass). */
  accountId?: number;
  onEvent?: (event: LiveEvent) => void;
  /** The socket is open and subscribed again after a drop: refetch state. */
  onResync?: () => void;
  onStatus?: (status: LiveStatus) => void;
}

export interface LiveOptions {
  url: string;
  /** Injected in tests. */
  WebSocket?: typeof WebSocket;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  random?: () => number;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Delay before reconnect attempt `attempt` (0-based): min·2^n capped, with ±25 % jitter. */
export function backoffDelay(attempt: number, minMs: number, maxMs: number,
                             random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 20));
  const jitter = base * 0.25 * (random() * 2 - 1);
  return Math.max(minMs / 2, Math.round(base + jitter));
}

/** The websocket URL of the live endpoint for a page at `location`. */
export function liveUrl(loc: { protocol: string; host: string }, path = '/api/v1/live'): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}

export class LiveConnection {
  private readonly opts: Required<Omit<LiveOptions, 'url'>> & { url: string };
  private readonly listeners = new Set<LiveHandlers>();
  private socket: WebSocket | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private wanted = false;
  private everOpened = false;
  status: LiveStatus = 'idle';

  constructor(opts: LiveOptions) {
    this.opts = {
      WebSocket: opts.WebSocket ?? globalThis.WebSocket,
      setTimeout: opts.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
      clearTimeout: opts.clearTimeout
        ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>)),
      random: opts.random ?? Math.random,
      minDelayMs: opts.minDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      url: opts.url,
    };
  }

  /** Subscribe; the returned function unsubscribes. */
  subscribe(handlers: LiveHandlers): () => void {
    this.listeners.add(handlers);
    return () => this.listeners.delete(handlers);
  }

  /** Open (or keep open) the connection; it reconnects by itself until `stop()`. */
  start(): void {
    this.wanted = true;
    if (!this.socket && this.timer === null) this.connect();
  }

  /** Close for good (logout) — or until the next `start()`. */
  stop(): void {
    this.wanted = false;
    if (this.timer !== null) this.opts.clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
      try { s.close(1000, 'bye'); } catch { /* already closed */ }
    }
    this.everOpened = false;
    this.attempt = 0;
    this.setStatus('closed');
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const l of this.listeners) l.onStatus?.(status);
  }

  private connect(): void {
    this.timer = null;
    this.setStatus(this.everOpened || this.attempt > 0 ? 'reconnecting' : 'connecting');
    let s: WebSocket;
    try {
      s = new this.opts.WebSocket(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = s;
    s.onmessage = (ev: MessageEvent) => this.onMessage(s, ev);
    s.onclose = () => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.wanted) this.scheduleReconnect();
    };
    s.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
  }

  private onMessage(s: WebSocket, ev: MessageEvent): void {
    if (this.socket !== s || typeof ev.data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (Array.isArray(msg)) {
      for (const item of msg) this.dispatch(item);
      return;
    }
    if (msg !== null && typeof msg === 'object' && (msg as { type?: unknown }).type === 'hello') {
      const resync = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setStatus('open');
      if (resync) for (const l of this.listeners) l.onResync?.();
    }
    // anything else outside an array (ping) carries no event
  }

  /** One element of an event array; anything that is not an event is skipped. */
  private dispatch(item: unknown): void {
    if (item === null || typeof item !== 'object') return;
    const type = (item as { type?: unknown }).type;
    if (typeof type !== 'string' || !type.includes('.')) return;
    const event = item as LiveEvent;
    for (const l of this.listeners) {
      if (l.accountId !== undefined && event.account_id !== null
          && event.account_id !== undefined && event.account_id !== l.accountId) continue;
      l.onEvent?.(event);
    }
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.timer !== null) return;
    this.setStatus('reconnecting');
    const delay = backoffDelay(this.attempt++, this.opts.minDelayMs, this.opts.maxDelayMs,
                               this.opts.random);
    this.timer = this.opts.setTimeout(() => this.connect(), delay);
  }
}
