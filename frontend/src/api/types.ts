/**
 * Wire types of the REST API and the live websocket, declared once (docs/api.md).
 * Decimals travel as strings and stay strings here; only the view formats them.
 */

/** A decimal number sent as a string, e.g. "12.50". */
export type Decimal = string;
/** An ISO 8601 timestamp with a time zone, e.g. "2026-02-18T09:30:00.123Z". */
export type Timestamp = string;

export type Role = 'master' | 'follower';
export type CopyMode = 'PUBSUB' | '1TO1' | 'RECORD';
export const COPY_MODES: readonly CopyMode[] = ['PUBSUB', '1TO1', 'RECORD'];

export type TradeSide = 'BUY' | 'SELL';
export type TradeStatus = 'OPEN' | 'CLOSED';
export type PairStatus =
  'PENDING' | 'OPEN' | 'CLOSED' | 'FAILED' | 'SKIPPED' | 'EXPIRED' | 'UNKNOWN';
export const PAIR_STATUSES: readonly PairStatus[] = [
  'PENDING', 'OPEN', 'CLOSED', 'FAILED', 'SKIPPED', 'EXPIRED', 'UNKNOWN',
];

export type Id = number;

export interface User {
  id: Id;
  email: string;
  name: string;
  created_at: Timestamp;
  /** May manage users and invites (the first user to register). */
  is_admin: boolean;
}

export type LotMode = 'FIXED' | 'MULTIPLIER' | 'EQUITY_RATIO' | 'RISK_PERCENT';
export const LOT_MODES: readonly LotMode[] = ['MULTIPLIER', 'FIXED', 'EQUITY_RATIO', 'RISK_PERCENT'];
export type StaleOpenPolicy = 'SKIP' | 'MARKET';

/** A follower's copy rules. */
export interface CopyRules {
  lot_mode: LotMode;
  lot_value: Decimal;
  reverse: boolean;
  min_lot_to_copy: Decimal;
  max_lot: Decimal | null;
  /** Text of MASTER=FOLLOWER pairs, e.g. "XAUUSD=GOLD, US30=DJ30". */
  symbol_map: string;
  /** Empty = every symbol. */
  allowed_symbols: string[];
  blocked_symbols: string[];
  signal_expiry_seconds: number;
  max_deviation_points: number;
  stale_open_policy: StaleOpenPolicy;
  /** On a new follow or a resume, copy the master's open trades (docs/api.md). */
  copy_existing: boolean;
  /** Oldest master trade copied that way, minutes (1..10080). */
  copy_existing_max_age_minutes: number;
  /** Largest distance from the master's open price, points (1..100000). */
  copy_existing_max_points: number;
  /** Null until a user edited them; never sent back. */
  updated_at: Timestamp | null;
}
export type RulesInput = Partial<Omit<CopyRules, 'updated_at'>>;

export interface AccountState {
  balance: Decimal | null;
  equity: Decimal | null;
  margin_level: Decimal | null;
  currency: string | null;
  leverage: number | null;
  updated_at: Timestamp | null;
}

export interface Account {
  id: Id;
  name: string;
  role: Role;
  api_key_prefix: string;
  /** Masters only. */
  master_token: string | null;
  copy_mode: CopyMode;
  /** Masters: the 1TO1 partner (one of the user's followers). */
  partner_id: Id | null;
  following_id: Id | null;
  following_name: string | null;
  is_active: boolean;
  /** The EA is connected now. */
  online: boolean;
  state: AccountState | null;
  /** PENDING + OPEN copies. */
  open_pairs: number;
  rules: CopyRules | null;
  created_at: Timestamp;
}

export interface ApiToken {
  id: Id;
  name: string;
  prefix: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

/** A master's original trade (one row per master ticket). */
export interface MasterTrade {
  id: Id;
  ticket: number;
  symbol: string;
  side: TradeSide;
  price: Decimal;
  volume: Decimal;
  open_volume: Decimal;
  sl: Decimal | null;
  tp: Decimal | null;
  status: TradeStatus;
  opened_at: Timestamp;
  closed_at: Timestamp | null;
  close_price: Decimal | null;
  close_reason: string | null;
  profit: Decimal | null;
  /** Latest PNL report of an open trade (null until the EA reports one). */
  current_price?: Decimal | null;
  floating_profit?: Decimal | null;
  swap?: Decimal | null;
  floating_at?: Timestamp | null;
  /** Open → close (or current) price in pips, in the trade's favour. */
  pips?: number | null;
}

/** One follower's copy of one master trade. */
/** GET /accounts/{id}/orders: a master's pending order and, for a follower, its copy. */
export interface PendingOrder {
  id: number;
  master_account_id: number;
  ticket: number;
  symbol: string;
  order_type: string;
  price: string;
  volume: string;
  sl: string;
  tp: string;
  stoplimit: string;
  expiration_ms: number;
  status: 'PLACED' | 'FILLED' | 'CANCELLED' | 'EXPIRED';
  placed_at: string;
  ended_at: string | null;
  copy_status: 'PENDING' | 'PLACED' | 'FILLED' | 'CANCELLED' | 'FAILED' | 'SKIPPED' | null;
  copy_symbol: string | null;
  copy_order_type: string | null;
  copy_volume: string | null;
  copy_price: string | null;
  copy_sl: string | null;
  copy_tp: string | null;
  slave_ticket: number | null;
  reason_code: string | null;
  reason: string | null;
}

export interface TradePair {
  id: Id;
  master_trade_id: Id;
  master_ticket: number;
  master_account_id: Id;
  /** The master's symbol. */
  symbol: string;
  follower_symbol: string | null;
  /** The master's side. */
  side: TradeSide;
  follower_side: TradeSide | null;
  master_volume: Decimal;
  requested_volume: Decimal | null;
  /** Filled volume. */
  volume: Decimal | null;
  follower_ticket: number | null;
  /** The master's open price. */
  open_price: Decimal;
  close_price: Decimal | null;
  status: PairStatus;
  reason_code: string | null;
  reason: string | null;
  retcode: number | null;
  profit: Decimal | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  acked_at: Timestamp | null;
  closed_at: Timestamp | null;
  latency_ms: number | null;
  /** The copy's own open price (from its EA's PNL reports). */
  fill_price?: Decimal | null;
  current_price?: Decimal | null;
  floating_profit?: Decimal | null;
  swap?: Decimal | null;
  floating_at?: Timestamp | null;
  pips?: number | null;
  /** Fill vs master price in the follower's points; positive = worse for the follower. */
  slippage_points?: number | null;
}

export interface Follower {
  id: Id;
  name: string;
  is_active: boolean;
  online: boolean;
  /** The provider's view (docs/api.md, Followers); older servers may omit these. */
  ea_connected_at?: Timestamp | null;
  ea_disconnected_at?: Timestamp | null;
  realised_profit?: Decimal;
  floating_profit?: Decimal;
  open_copies?: number;
  copies?: number;
  failed?: number;
  failure_rate?: number | null;
  recent_copies?: number;
  recent_failed?: number;
  /** At least 3 of its last 10 copy attempts failed. */
  flagged?: boolean;
  avg_latency_ms?: number | null;
  avg_slippage_points?: number | null;
}

export interface RemovedFollower {
  id: Id;
  name: string;
  removed_at: Timestamp;
}

export interface Items<T> {
  items: T[];
}

export interface Page<T> extends Items<T> {
  next_cursor: string | null;
}

export interface LatencyStats {
  p50: number | null;
  p95: number | null;
  count: number;
}

export interface AccountStats {
  total_profit: Decimal;
  closed_count: number;
  /** Share 0..1 of closed with profit > 0. */
  win_rate: number | null;
  best: Decimal | null;
  worst: Decimal | null;
  open_count: number;
  latency_ms: LatencyStats;
}

export type SeriesRange = '24h' | '7d' | '30d' | '90d' | 'all';
export const SERIES_RANGES: readonly SeriesRange[] = ['24h', '7d', '30d', '90d', 'all'];

export interface ProfitPoint {
  /** Bucket start. */
  t: Timestamp;
  profit: Decimal;
  cumulative: Decimal;
}

export interface ProfitSeries {
  range: SeriesRange;
  bucket: 'minute' | 'hour' | 'day';
  points: ProfitPoint[];
}

/** One bucket of the equity series (GET /accounts/{id}/equity). */
export interface EquityPoint {
  /** Bucket start. */
  t: Timestamp;
  balance: Decimal;
  equity: Decimal;
  equity_min: Decimal;
  equity_max: Decimal;
  /** Running equity peak minus the bucket's lowest equity (≥ 0). */
  drawdown: Decimal;
  drawdown_pct: Decimal | null;
}

export interface EquitySeries {
  range: SeriesRange | null;
  since: Timestamp | null;
  until: Timestamp;
  bucket_s: number;
  points: EquityPoint[];
  max_drawdown: Decimal | null;
  max_drawdown_pct: Decimal | null;
}

/** One audit-log entry (GET /accounts/{id}/audit). */
export interface AuditEntry {
  id: Id;
  /** Null for a login from a new address (it concerns every account of the user). */
  account_id: Id | null;
  action: string;
  detail: Record<string, unknown>;
  via: 'session' | 'token' | 'login' | 'ea';
  address: string | null;
  created_at: Timestamp;
  by_owner: boolean | null;
  actor_name: string | null;
}

export interface AuditPage {
  items: AuditEntry[];
  next_before_id: Id | null;
}

export type HistoryStatus = 'CLOSED' | 'FAILED' | 'SKIPPED' | 'EXPIRED';
export const HISTORY_STATUSES: readonly HistoryStatus[] = ['CLOSED', 'FAILED', 'SKIPPED', 'EXPIRED'];

/** One closed master trade or ended copy (GET /accounts/{id}/history). */
export interface HistoryRow {
  id: Id;
  kind: 'trade' | 'copy';
  /** The master ticket. */
  ticket: number;
  follower_ticket: number | null;
  /** The master's symbol. */
  symbol: string;
  follower_symbol: string | null;
  side: TradeSide;
  volume: Decimal | null;
  open_time: Timestamp | null;
  close_time: Timestamp;
  open_price: Decimal | null;
  close_price: Decimal | null;
  duration_s: number | null;
  pips: number | null;
  profit: Decimal | null;
  status: HistoryStatus;
  reason_code: string | null;
  reason: string | null;
  retcode: number | null;
}

export interface HistoryQuery {
  symbol?: string;
  /** ISO-8601 close-time bounds: since inclusive, until exclusive. */
  since?: string;
  until?: string;
  status?: readonly HistoryStatus[];
  cursor?: string | null;
  limit?: number;
}

/** GET /accounts/{id}/performance: figures over a period (docs/api.md). */
export interface Performance {
  range: SeriesRange;
  since: Timestamp | null;
  until: Timestamp;
  trades: number;
  wins: number;
  losses: number;
  win_rate: number | null;
  net_profit: Decimal;
  gross_profit: Decimal;
  gross_loss: Decimal;
  profit_factor: number | null;
  avg_win: Decimal | null;
  avg_loss: Decimal | null;
  expectancy: Decimal | null;
  best: Decimal | null;
  worst: Decimal | null;
  max_drawdown: Decimal;
  max_drawdown_pct: Decimal | null;
  start_balance: Decimal | null;
  trades_per_day: number;
  avg_latency_ms: number | null;
  latency_count: number;
  avg_slippage_points: number | null;
  slippage_count: number;
}

export interface ConnectionInfo {
  ea_host: string;
  ea_port: number;
  tls: boolean;
}

// ---- request bodies and wrapped answers ----

export interface RegisterBody {
  email: string; name: string; password: string;
  /** Needed when registration is by invitation. */
  invite_code?: string;
}
export interface LoginBody { email: string; password: string }
export interface ProfilePatch { name?: string; email?: string }
export interface PasswordBody { current_password: string; new_password: string }
export interface NewAccountBody { name: string; role: Role }
export interface AccountPatch { name?: string; is_active?: boolean }

export interface UserBody { user: User }
export interface AccountBody { account: Account }
export interface RulesBody { rules: CopyRules }
export interface CreatedAccount { account: Account; api_key: string }
export interface CreatedToken { token: ApiToken; secret: string }

// ---- errors ----

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    fields?: Record<string, string>;
  };
}

// ---- live websocket ----

export type LiveEventType =
  | 'trade.opened'
  | 'trade.closed'
  | 'trade.modified'
  | 'trade.partial'
  | 'pair.status'
  | 'ea.status'
  | 'account.state'
  | 'account.mode'
  | 'account.changed'
  | 'account.following'
  | 'ea.master_token_refused'
  | 'alert.killswitch'
  | 'position.pnl';

/** One position of a `position.pnl` event (ticket = the master ticket). */
export interface PnlItem {
  ticket: number;
  open_price: Decimal;
  current_price: Decimal;
  floating_profit: Decimal;
  swap: Decimal;
}

interface LiveEventBase<T extends LiveEventType, D> {
  /** Increasing per connection. */
  id: number;
  type: T;
  account_id: Id | null;
  /** Unix seconds. */
  at: number;
  data: D;
}

/** Trade and pair events may carry only part of the row (see normalize.ts). */
export type PartialRow<T extends { id: Id }> = Partial<T> & { id: Id };

export type LiveEvent =
  | LiveEventBase<'trade.opened', PartialRow<MasterTrade>>
  | LiveEventBase<'trade.closed', PartialRow<MasterTrade>>
  | LiveEventBase<'trade.modified', PartialRow<MasterTrade>>
  | LiveEventBase<'trade.partial', PartialRow<MasterTrade>>
  | LiveEventBase<'pair.status', PartialRow<TradePair>>
  | LiveEventBase<'ea.status', { online: boolean }>
  | LiveEventBase<'account.state', Partial<AccountState>>
  | LiveEventBase<'account.mode', { copy_mode: CopyMode; partner_id?: Id | null }>
  | LiveEventBase<'account.changed', Partial<Account>>
  /** A follower that followed no master now follows the one whose token its EA logged in with. */
  | LiveEventBase<'account.following', { following_id: Id; following_name: string; source: 'ea' }>
  /** A follower EA logged in with another master's token: refused, nothing changed. */
  | LiveEventBase<'ea.master_token_refused', { following_id: Id; following_name: string; reason: string }>
  | LiveEventBase<'alert.killswitch', { reason?: string; [k: string]: unknown }>
  | LiveEventBase<'position.pnl', { positions: PnlItem[] }>;

// ---- registration and the admin API ----

export type RegistrationMode = 'open' | 'invite' | 'closed';
export interface RegistrationInfo { mode: RegistrationMode; invite_required: boolean }

export interface AdminUser {
  id: Id;
  email: string;
  name: string;
  created_at: Timestamp;
  is_admin: boolean;
  disabled_at: Timestamp | null;
  accounts: number;
  sessions: number;
  last_seen_at: Timestamp | null;
}

export type InviteStatus = 'active' | 'used' | 'expired' | 'revoked';
export interface Invite {
  id: Id;
  prefix: string;
  note: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  status: InviteStatus;
  used_at: Timestamp | null;
  used_by_email: string | null;
  revoked_at: Timestamp | null;
}
export interface CreatedInvite { invite: Invite; code: string }
export interface InviteBody { expires_in_hours?: number; note?: string }

// ---- alerts (/api/v1/alerts) ----
export type ChannelKind = 'telegram' | 'line' | 'email' | 'webhook';
export type AlertTopic = 'ea.offline' | 'copy.failed' | 'copy.skipped' | 'copy.expired'
  | 'killswitch.stopout' | 'risk.tripped' | 'master.trade' | 'summary.daily';

/** An alert channel as the server shows it: never a secret, only whether one is saved. */
export interface AlertChannel {
  id: Id;
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  events: AlertTopic[];
  language: 'en' | 'th';
  time_zone: string;
  quiet_start: string | null;
  quiet_end: string | null;
  summary_time: string;
  via: 'server' | 'own' | null;
  linked: boolean;
  linked_at: string | null;
  link_pending: boolean;
  target: string | null;
  email: string | null;
  webhook_url: string | null;
  bot_username: string | null;
  bot_token_set: boolean;
  line_token_set: boolean;
  webhook_secret_set: boolean;
  line_webhook_url: string | null;
  last_status: 'sent' | 'failed' | 'dead' | null;
  last_detail: string | null;
  last_at: string | null;
  created_at: string;
}

export interface AlertChannelList {
  channels: AlertChannel[];
  topics: AlertTopic[];
  email_available: boolean;
  telegram_server_bot: boolean;
  line_server_account: boolean;
  public_url: string | null;
}

/** Body of POST /alerts/channels (PATCH takes the same fields but kind/via). */
export interface AlertChannelBody {
  kind?: ChannelKind;
  name?: string;
  enabled?: boolean;
  events?: AlertTopic[];
  language?: 'en' | 'th';
  time_zone?: string;
  quiet_start?: string | null;
  quiet_end?: string | null;
  summary_time?: string;
  via?: 'server' | 'own';
  bot_token?: string;
  line_channel_access_token?: string;
  line_channel_secret?: string;
  email?: string;
  webhook_url?: string;
  webhook_secret?: string;
}

export interface CreatedAlertChannel {
  channel: AlertChannel;
  /** Only when the server generated the webhook secret: shown once. */
  webhook_secret: string | null;
}

export interface AlertLink {
  code: string;
  expires_at: string;
  deep_link: string | null;
  instructions: string;
  line_webhook_url: string | null;
}

export interface AlertDelivery {
  id: Id;
  idempotency_key: string;
  kind: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}
