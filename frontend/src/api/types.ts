/**
 * Wire types of the REST API and the live websocket, declared once (docs/api.md).
 * Decimals travel as strings and stay strings here; only the view formats them.
 *
 * REST types are aliases of ./schema.gen.ts, which openapi-typescript generates from the
 * server's OpenAPI document (`scripts/gen-api-types`; tests/api/test_openapi_types_current.py
 * fails when it is stale). Written by hand, because the document does not describe them as
 * the SPA needs: the live websocket events (not in the OpenAPI document at all), the alert
 * channel list wrappers, the query of the history page, and the generic Items/Page wrappers.
 * Where the document types an enum as a plain string (alert channels, invites, pending
 * orders), the alias narrows just those fields.
 */
import type { components } from './schema.gen';

/** The server's JSON Schemas (generated from its OpenAPI document: ../../../scripts/gen-api-types). */
type S = components['schemas'];

/** A decimal number sent as a string, e.g. "12.50". */
export type Decimal = string;
/** An ISO 8601 timestamp with a time zone, e.g. "2026-02-18T09:30:00.123Z". */
export type Timestamp = string;

export type Role = S['AccountOut']['role'];
export type CopyMode = S['AccountOut']['copy_mode'];
export const COPY_MODES: readonly CopyMode[] = ['PUBSUB', '1TO1', 'RECORD'];

export type TradeSide = S['TradeOut']['side'];
export type TradeStatus = S['TradeOut']['status'];
export type PairStatus = S['PairOut']['status'];
export const PAIR_STATUSES: readonly PairStatus[] = [
  'PENDING', 'OPEN', 'CLOSED', 'FAILED', 'SKIPPED', 'EXPIRED', 'UNKNOWN',
];

export type Id = number;

export type User = S['UserOut'];

export type LotMode = S['RulesOut']['lot_mode'];
export const LOT_MODES: readonly LotMode[] = ['MULTIPLIER', 'FIXED', 'EQUITY_RATIO', 'RISK_PERCENT'];
export type StaleOpenPolicy = S['RulesOut']['stale_open_policy'];

/** A follower's copy rules. */
export type CopyRules = S['RulesOut'];
export type RulesInput = Partial<Omit<CopyRules, 'updated_at'>>;

/** Null fields until the EA's first report (the SPA starts a live account from an empty one). */
export type AccountState = { [K in keyof S['AccountStateOut']]: S['AccountStateOut'][K] | null };

export type Account = Omit<S['AccountOut'], 'state'> & { state: AccountState | null };

export type ApiToken = S['TokenOut'];

/** A master's original trade (one row per master ticket). */
export type MasterTrade = S['TradeOut'];

/** GET /accounts/{id}/orders: a master's pending order and, for a follower, its copy. */
export type PendingOrder = Omit<S['OrderOut'], 'status' | 'copy_status'> & {
  /** The document types these as strings; the server writes only these values. */
  status: 'PLACED' | 'FILLED' | 'CANCELLED' | 'EXPIRED';
  copy_status: 'PENDING' | 'PLACED' | 'FILLED' | 'CANCELLED' | 'FAILED' | 'SKIPPED' | null;
};

/** One follower's copy of one master trade. */
export type TradePair = S['PairOut'];

export type Follower = S['FollowerOut'];

/** The data of the follow.pending / approved / refused live events (docs/api.md). */
export interface FollowDecision {
  follower_id: Id; follower_name: string; master_id: Id; master_name: string; source: 'web' | 'ea';
}
export type RemovedFollower = S['RemovedFollowerOut'];
export type PendingFollower = S['PendingFollowerOut'];

export interface Items<T> {
  items: T[];
}

export interface Page<T> extends Items<T> {
  next_cursor: string | null;
}

export type LatencyStats = S['LatencyOut'];

export type AccountStats = S['StatsOut'];

export type SeriesRange = '24h' | '7d' | '30d' | '90d' | 'all';
export const SERIES_RANGES: readonly SeriesRange[] = ['24h', '7d', '30d', '90d', 'all'];

export type ProfitPoint = S['SeriesPoint'];

export type ProfitSeries = S['SeriesOut'];

/** One bucket of the equity series (GET /accounts/{id}/equity). */
export type EquityPoint = S['EquityPoint'];

export type EquitySeries = S['EquityOut'];

/** One audit-log entry (GET /accounts/{id}/audit). */
export type AuditEntry = S['AuditOut'];

export type AuditPage = S['AuditPage'];

export type HistoryStatus = S['HistoryRow']['status'];
export const HISTORY_STATUSES: readonly HistoryStatus[] = ['CLOSED', 'FAILED', 'SKIPPED', 'EXPIRED'];

/** One closed master trade or ended copy (GET /accounts/{id}/history). */
export type HistoryRow = S['HistoryRow'];

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
export type Performance = S['PerformanceOut'];

export type ConnectionInfo = S['ConnectionInfo'];

// ---- request bodies and wrapped answers ----

export type RegisterBody = S['RegisterIn'];
export type LoginBody = S['LoginIn'];
export type ProfilePatch = S['ProfileIn'];
export type PasswordBody = S['PasswordIn'];
export type NewAccountBody = S['AccountIn'];
export type AccountPatch = S['AccountPatchIn'];

export type UserBody = S['UserEnvelope'];
export type AccountBody = S['AccountEnvelope'];
export type RulesBody = S['RulesEnvelope'];
export type CreatedAccount = S['AccountWithKey'];
export type CreatedToken = S['TokenCreated'];

// ---- errors ----

export type ErrorBody = S['ErrorOut'];

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
  | 'follow.pending'
  | 'follow.approved'
  | 'follow.refused'
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

export type LiveEvent =
  /** Trades and pairs are the REST objects (TradeOut, PairOut), built by the server from the rows it wrote. */
  | LiveEventBase<'trade.opened', MasterTrade>
  | LiveEventBase<'trade.closed', MasterTrade>
  | LiveEventBase<'trade.modified', MasterTrade>
  | LiveEventBase<'trade.partial', MasterTrade>
  | LiveEventBase<'pair.status', TradePair>
  | LiveEventBase<'ea.status', { online: boolean }>
  | LiveEventBase<'account.state', Partial<AccountState>>
  | LiveEventBase<'account.mode', { copy_mode: CopyMode; partner_id?: Id | null }>
  | LiveEventBase<'account.changed', Partial<Account>>
  /** A follower that followed no master now follows the one whose token its EA logged in with. */
  | LiveEventBase<'account.following', { following_id: Id; following_name: string; source: 'ea' }>
  /** A follower EA logged in with another master's token: refused, nothing changed. */
  | LiveEventBase<'ea.master_token_refused', { following_id: Id; following_name: string; reason: string;
                                               code?: string; params?: Record<string, string> }>
  /** A follower asked to follow a master that approves its followers / was approved / refused. */
  | LiveEventBase<'follow.pending' | 'follow.approved' | 'follow.refused', FollowDecision>
  | LiveEventBase<'alert.killswitch', { reason?: string; [k: string]: unknown }>
  | LiveEventBase<'position.pnl', { positions: PnlItem[] }>;

// ---- registration and the admin API ----

export type RegistrationMode = 'open' | 'invite' | 'closed';
export type RegistrationInfo = S['RegistrationInfo'];

export type AdminUser = S['AdminUserOut'];

export type InviteStatus = 'active' | 'used' | 'expired' | 'revoked';
/** The document types `status` as a plain string. */
export type Invite = Omit<S['InviteOut'], 'status'> & { status: InviteStatus };
export type CreatedInvite = Omit<S['InviteCreated'], 'invite'> & { invite: Invite };
export type InviteBody = S['InviteIn'];

// ---- alerts (/api/v1/alerts) ----
export type ChannelKind = 'telegram' | 'line' | 'email' | 'webhook';
export type AlertTopic = 'ea.offline' | 'copy.failed' | 'copy.skipped' | 'copy.expired'
  | 'killswitch.stopout' | 'risk.tripped' | 'master.trade' | 'summary.daily';

/** An alert channel as the server shows it: never a secret, only whether one is saved.
 * The document types `events`, `language`, `via` and `last_status` as plain strings. */
export type AlertChannel = Omit<S['ChannelOut'], 'events' | 'language' | 'via' | 'last_status'> & {
  events: AlertTopic[];
  language: 'en' | 'th';
  via: 'server' | 'own' | null;
  last_status: 'sent' | 'failed' | 'dead' | null;
};

export interface AlertChannelList {
  channels: AlertChannel[];
  topics: AlertTopic[];
  email_available: boolean;
  telegram_server_bot: boolean;
  line_server_account: boolean;
  public_url: string | null;
}

/** Body of POST /alerts/channels (PATCH takes the same fields but kind/via). */
export type AlertChannelBody = Partial<S['ChannelIn']>;

export interface CreatedAlertChannel {
  channel: AlertChannel;
  /** Only when the server generated the webhook secret: shown once. */
  webhook_secret: string | null;
}

export type AlertLink = S['LinkOut'];

/** The document types `status` as a plain string. */
export type AlertDelivery = Omit<S['DeliveryOut'], 'status'> & { status: 'pending' | 'sent' | 'dead' };
