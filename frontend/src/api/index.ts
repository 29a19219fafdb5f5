/**
 * The one module that talks to the server. Components import `api` (REST) and `live`
 * (the websocket) from here and never call fetch or WebSocket themselves.
 */
import { AdminApi } from './admin';
import { ApiClient } from './client';
import { LiveConnection, liveUrl } from './live';
import { RiskApi } from './risk';

export * from './types';
export { ApiClient, ApiError, isAbort } from './client';
export { AdminApi } from './admin';
export * from './risk';
export type { TradeQuery } from './client';
export { LiveConnection, backoffDelay, liveUrl } from './live';
export type { LiveStatus, LiveHandlers } from './live';

const unauthorizedListeners = new Set<() => void>();

/** Run `fn` whenever any call answers 401 (the session is gone). */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export const api = new ApiClient({
  onUnauthorized: () => unauthorizedListeners.forEach((fn) => fn()),
});

/** Registration info and the admin API, on the same client. */
export const adminApi = new AdminApi(api);

/** A follower's risk guards, on the same client. */
export const riskApi = new RiskApi(api);

export const live = new LiveConnection({
  url: typeof location === 'undefined' ? 'ws://localhost/api/v1/live' : liveUrl(location),
});
