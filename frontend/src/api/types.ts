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
}

export type LotMode = 'FIXED' | 'MULTIPLIER' | 'EQUITY_RATIO';
export const LOT_MODES: readonly LotMode[] = ['MULTIPLIER', 'FIXED', 'EQUITY_RATIO'];
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
}

/** One follower's copy of one master trade. */
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
}

export interface Follower {
  id: Id;
  name: string;
  is_active: boolean;
  online: boolean;
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
  bucket: 'hour' | 'day';
  points: ProfitPoint[];
}

export interface ConnectionInfo {
  ea_host: string;
  ea_port: number;
  tls: boolean;
}

// ---- request bodies and wrapped answers ----

export interface RegisterBody { email: string; name: string; password: string }
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
  | 'alert.killswitch';

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
  | LiveEventBase<'alert.killswitch', { reason?: string; [k: string]: unknown }>;
