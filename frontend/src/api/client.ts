/**
 * The REST half of the only module that talks to the server. Every call takes an AbortSignal;
 * every failure is an ApiError (or the AbortError of a cancelled call, which callers ignore).
 */
import type {
  AlertChannel, AlertChannelBody, AlertChannelList, AlertDelivery, AlertLink,
  CreatedAlertChannel,
} from './types';
import type {
  Account, AccountBody, AccountPatch, AccountStats, ApiToken, ConnectionInfo, CopyMode, CopyRules,
  CreatedAccount, CreatedToken, ErrorBody, Follower, HistoryQuery, HistoryRow, Id, Items,
  AuditPage, LoginBody, EquitySeries, MasterTrade, PendingOrder, Performance,
  NewAccountBody, Page, PendingFollower, RemovedFollower, PasswordBody, ProfilePatch, ProfitSeries, RegisterBody, RulesBody,
  RulesInput, SeriesRange, TradePair, User, UserBody,
} from './types';

export const API_PREFIX = '/api/v1';

/** A failed call: HTTP status (0 = no answer), machine code, message and per-field messages. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
    /** A stable machine word per field (`""`: the request as a whole), for translation. */
    readonly fieldCodes: Readonly<Record<string, string>> = {},
    /** The message's stable code and its parameters (docs/api.md "Errors"). */
    readonly messageCode: string = '',
    readonly params: Readonly<Record<string, string>> = {},
    /** The parameters of each field's code. */
    readonly fieldParams: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
  ) {
    super(message);
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError'
    || (err instanceof Error && err.name === 'AbortError');
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | readonly string[] | undefined | null>;

export interface ClientOptions {
  /** Origin + nothing, e.g. "" for same origin (the default) or "http://127.0.0.1:8000". */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called on every 401 (session expired or logged out elsewhere). */
  onUnauthorized?: () => void;
}

export interface TradeQuery {
  /** One or several statuses (repeated in the query string). */
  status?: string | readonly string[];
  cursor?: string | null;
  limit?: number;
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null
    && typeof (body as ErrorBody).error === 'object' && (body as ErrorBody).error !== null;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly onUnauthorized: (() => void) | undefined;

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = opts.baseUrl ?? '';
    // Bind: calling window.fetch detached from window throws "Illegal invocation".
    const f = opts.fetch ?? globalThis.fetch;
    this.fetchImpl = ((input, init) => f(input, init)) as typeof fetch;
    this.onUnauthorized = opts.onUnauthorized;
  }

  /** One HTTP exchange: JSON in, JSON out, `X-CSRF: 1` on unsafe methods, cookies included. */
  async request<T>(method: Method, path: string, signal: AbortSignal,
                   opts: { body?: unknown; query?: Query } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF'] = '1';
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(this.baseUrl + API_PREFIX + withQuery(path, opts.query), {
        method, headers, body, signal, credentials: 'same-origin',
      });
    } catch (err) {
      if (isAbort(err) || signal.aborted) throw err;
      throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized?.();
      if (isErrorBody(parsed)) {
        const e = parsed.error;
        throw new ApiError(res.status, e.code, e.message, e.fields ?? {}, e.field_codes ?? {},
          e.message_code ?? '', e.params ?? {}, e.field_params ?? {});
      }
      throw new ApiError(res.status, `http_${res.status}`, res.statusText || `HTTP ${res.status}`);
    }
    return parsed as T;
  }

  // ---- auth & me ----
  /** Creates the user (the same answer for a taken email); does not log in. */
  register(body: RegisterBody, signal: AbortSignal): Promise<void> {
    return this.request<unknown>('POST', '/auth/register', signal, { body }).then(() => undefined);
  }
  login(body: LoginBody, signal: AbortSignal): Promise<User> {
    return this.request<UserBody>('POST', '/auth/login', signal, { body }).then((r) => r.user);
  }
  logout(signal: AbortSignal): Promise<void> {
    return this.request('POST', '/auth/logout', signal);
  }
  me(signal: AbortSignal): Promise<User> {
    return this.request<UserBody>('GET', '/me', signal).then((r) => r.user);
  }
  updateMe(patch: ProfilePatch, signal: AbortSignal): Promise<User> {
    return this.request<UserBody>('PATCH', '/me', signal, { body: patch }).then((r) => r.user);
  }
  changePassword(body: PasswordBody, signal: AbortSignal): Promise<void> {
    return this.request('POST', '/me/password', signal, { body });
  }

  // ---- personal API tokens ----
  tokens(signal: AbortSignal): Promise<ApiToken[]> {
    return this.request<Items<ApiToken>>('GET', '/tokens', signal).then((r) => r.items);
  }
  /** The secret is in the answer once and never again. */
  createToken(name: string, signal: AbortSignal): Promise<CreatedToken> {
    return this.request('POST', '/tokens', signal, { body: { name } });
  }
  revokeToken(id: Id, signal: AbortSignal): Promise<void> {
    return this.request('DELETE', `/tokens/${id}`, signal);
  }

  // ---- trading accounts ----
  accounts(signal: AbortSignal): Promise<Account[]> {
    return this.request<Items<Account>>('GET', '/accounts', signal).then((r) => r.items);
  }
  account(id: Id, signal: AbortSignal): Promise<Account> {
    return this.acc('GET', `/accounts/${id}`, signal);
  }
  /** The API key is in the answer once and never again. */
  createAccount(body: NewAccountBody, signal: AbortSignal): Promise<CreatedAccount> {
    return this.request('POST', '/accounts', signal, { body });
  }
  updateAccount(id: Id, patch: AccountPatch, signal: AbortSignal): Promise<Account> {
    return this.acc('PATCH', `/accounts/${id}`, signal, patch);
  }
  deleteAccount(id: Id, signal: AbortSignal): Promise<void> {
    return this.request('DELETE', `/accounts/${id}`, signal);
  }
  rotateKey(id: Id, signal: AbortSignal): Promise<CreatedAccount> {
    return this.request('POST', `/accounts/${id}/rotate-key`, signal);
  }
  /** A new master token; current followers keep following, the old token stops working. */
  rotateMasterToken(id: Id, signal: AbortSignal): Promise<Account> {
    return this.acc('POST', `/accounts/${id}/rotate-master-token`, signal);
  }
  setCopyMode(id: Id, copy_mode: CopyMode, signal: AbortSignal): Promise<Account> {
    return this.acc('PUT', `/accounts/${id}/copy-mode`, signal, { copy_mode });
  }
  setPartner(id: Id, partner_id: Id | null, signal: AbortSignal): Promise<Account> {
    return this.acc('PUT', `/accounts/${id}/partner`, signal, { partner_id });
  }
  follow(id: Id, master_token: string, signal: AbortSignal): Promise<Account> {
    return this.acc('PUT', `/accounts/${id}/following`, signal, { master_token });
  }
  unfollow(id: Id, signal: AbortSignal): Promise<Account> {
    return this.acc('DELETE', `/accounts/${id}/following`, signal);
  }
  rules(id: Id, signal: AbortSignal): Promise<CopyRules> {
    return this.request<RulesBody>('GET', `/accounts/${id}/rules`, signal).then((r) => r.rules);
  }
  /** Omitted fields keep their value. */
  saveRules(id: Id, rules: RulesInput, signal: AbortSignal): Promise<CopyRules> {
    return this.request<RulesBody>('PUT', `/accounts/${id}/rules`, signal, { body: rules })
      .then((r) => r.rules);
  }
  followers(id: Id, signal: AbortSignal): Promise<Follower[]> {
    return this.request<Items<Follower>>('GET', `/accounts/${id}/followers`, signal)
      .then((r) => r.items);
  }
  /** The provider removes a follower; it cannot follow again until allowed. */
  removeFollower(id: Id, followerId: Id, signal: AbortSignal): Promise<void> {
    return this.request('DELETE', `/accounts/${id}/followers/${followerId}`, signal);
  }
  removedFollowers(id: Id, signal: AbortSignal): Promise<RemovedFollower[]> {
    return this.request<Items<RemovedFollower>>('GET', `/accounts/${id}/removed-followers`,
                                                signal).then((r) => r.items);
  }
  /** Turn follower approval on/off: new followers then wait until approved. */
  setApproveFollowers(id: Id, on: boolean, signal: AbortSignal): Promise<Account> {
    return this.request<{ account: Account }>('PUT', `/accounts/${id}/approve-followers`, signal,
      { body: { approve_followers: on } }).then((r) => r.account);
  }
  pendingFollowers(id: Id, signal: AbortSignal): Promise<PendingFollower[]> {
    return this.request<Items<PendingFollower>>('GET', `/accounts/${id}/pending-followers`,
      signal).then((r) => r.items);
  }
  /** Approve (it starts getting copies) or refuse (as a removal) a waiting follower. */
  decideFollower(id: Id, followerId: Id, approve: boolean, signal: AbortSignal): Promise<void> {
    return this.request('POST',
      `/accounts/${id}/pending-followers/${followerId}/${approve ? 'approve' : 'refuse'}`, signal);
  }
  allowFollower(id: Id, followerId: Id, signal: AbortSignal): Promise<void> {
    return this.request('DELETE', `/accounts/${id}/removed-followers/${followerId}`, signal);
  }

  // ---- trades and statistics ----
  /** A master's trades, newest first. */
  trades(id: Id, q: TradeQuery, signal: AbortSignal): Promise<Page<MasterTrade>> {
    return this.request('GET', `/accounts/${id}/trades`, signal, { query: pageQuery(q) });
  }
  /** A follower's copies, newest first. */
  pairs(id: Id, q: TradeQuery, signal: AbortSignal): Promise<Page<TradePair>> {
    return this.request('GET', `/accounts/${id}/pairs`, signal, { query: pageQuery(q) });
  }
  /** Pending orders: a master's own, or a follower's copies of them, newest first. */
  orders(id: Id, signal: AbortSignal): Promise<PendingOrder[]> {
    return this.request<Items<PendingOrder>>('GET', `/accounts/${id}/orders`, signal)
      .then((r) => r.items);
  }
  /** Open master trades (master) or PENDING/OPEN copies (follower). */
  active(id: Id, signal: AbortSignal): Promise<(MasterTrade | TradePair)[]> {
    return this.request<Items<MasterTrade | TradePair>>('GET', `/accounts/${id}/active`, signal)
      .then((r) => r.items);
  }
  stats(id: Id, signal: AbortSignal): Promise<AccountStats> {
    return this.request('GET', `/accounts/${id}/stats`, signal);
  }
  profitSeries(id: Id, range: SeriesRange, signal: AbortSignal): Promise<ProfitSeries> {
    return this.request('GET', `/accounts/${id}/profit-series`, signal, { query: { range } });
  }
  performance(id: Id, range: SeriesRange, signal: AbortSignal): Promise<Performance> {
    return this.request('GET', `/accounts/${id}/performance`, signal, { query: { range } });
  }
  /** Balance, equity and drawdown over time, in buckets that fit the range. */
  equity(id: Id, range: SeriesRange, signal: AbortSignal): Promise<EquitySeries> {
    return this.request('GET', `/accounts/${id}/equity`, signal, { query: { range } });
  }
  /** Who changed what and when, newest first; `beforeId` pages on. */
  audit(id: Id, beforeId: Id | null, signal: AbortSignal): Promise<AuditPage> {
    return this.request('GET', `/accounts/${id}/audit`, signal,
                        { query: beforeId === null ? {} : { before_id: beforeId } });
  }
  /** Closed trades / ended copies, newest close first. */
  history(id: Id, q: HistoryQuery, signal: AbortSignal): Promise<Page<HistoryRow>> {
    return this.request('GET', `/accounts/${id}/history`, signal, { query: historyQuery(q) });
  }
  /** Where the browser downloads the same history as CSV (same filters, no paging). */
  historyCsvUrl(id: Id, q: HistoryQuery): string {
    const { cursor: _c, limit: _l, ...filters } = q;
    return this.baseUrl + API_PREFIX + withQuery(`/accounts/${id}/history.csv`,
                                                  historyQuery(filters));
  }
  connectionInfo(signal: AbortSignal): Promise<ConnectionInfo> {
    return this.request('GET', '/connection-info', signal);
  }

  // ---- alert channels ----
  alertChannels(signal: AbortSignal): Promise<AlertChannelList> {
    return this.request('GET', '/alerts/channels', signal);
  }
  createAlertChannel(body: AlertChannelBody, signal: AbortSignal): Promise<CreatedAlertChannel> {
    return this.request('POST', '/alerts/channels', signal, { body });
  }
  updateAlertChannel(id: Id, patch: AlertChannelBody, signal: AbortSignal): Promise<AlertChannel> {
    return this.request<{ channel: AlertChannel }>('PATCH', `/alerts/channels/${id}`, signal,
                                                    { body: patch }).then((r) => r.channel);
  }
  deleteAlertChannel(id: Id, signal: AbortSignal): Promise<void> {
    return this.request('DELETE', `/alerts/channels/${id}`, signal);
  }
  linkAlertChannel(id: Id, signal: AbortSignal): Promise<AlertLink> {
    return this.request('POST', `/alerts/channels/${id}/link`, signal);
  }
  testAlertChannel(id: Id, signal: AbortSignal): Promise<AlertDelivery> {
    return this.request<{ delivery: AlertDelivery }>('POST', `/alerts/channels/${id}/test`,
                                                      signal).then((r) => r.delivery);
  }
  alertDeliveries(id: Id, signal: AbortSignal): Promise<AlertDelivery[]> {
    return this.request<{ deliveries: AlertDelivery[] }>(
      'GET', `/alerts/channels/${id}/deliveries`, signal).then((r) => r.deliveries);
  }

  private acc(method: Method, path: string, signal: AbortSignal, body?: unknown): Promise<Account> {
    return this.request<AccountBody>(method, path, signal, body === undefined ? {} : { body })
      .then((r) => r.account);
  }
}

function historyQuery(q: HistoryQuery): Query {
  return { symbol: q.symbol, since: q.since, until: q.until, status: q.status,
           cursor: q.cursor, limit: q.limit };
}

function pageQuery(q: TradeQuery): Query {
  return { status: q.status, cursor: q.cursor, limit: q.limit };
}
