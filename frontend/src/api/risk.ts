/**
 * A follower's risk guards (docs/api.md "Risk guards"): wire types and the calls, on the one
 * API client. Kept in its own module so the guards' many fields stay in one place.
 */
import type { ApiClient } from './client';
import type { Decimal, Id, Items, Timestamp } from './types';

export const GUARD_ACTIONS = ['SKIP_NEW', 'CLOSE_ONLY', 'CLOSE_ALL_AND_PAUSE'] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

export const GUARD_KINDS = ['EQUITY_FLOOR', 'DRAWDOWN', 'DAILY_LOSS', 'DAILY_LOSS_PCT',
  'DAILY_PROFIT_TARGET', 'MARGIN_LEVEL'] as const;
export type GuardKind = (typeof GUARD_KINDS)[number];

export type RiskControl = 'ACTIVE' | 'CLOSE_ONLY' | 'PAUSED';
export type DrawdownFrom = 'START_BALANCE' | 'EQUITY_PEAK';
export type TripEnd = 'USER' | 'PERIOD_END' | 'RECOVERED';

/** The limits that carry a value and an action, by their API field name. */
export const LIMIT_FIELDS = ['equity_floor', 'max_drawdown_pct', 'daily_loss', 'daily_loss_pct',
  'daily_profit_target', 'margin_level_floor'] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

export interface GuardLimit { value: Decimal; action: GuardAction }
export interface TradingWindow { start: string; end: string }
export interface TradingHours {
  /** 0 = Monday ... 6 = Sunday. */
  days: number[];
  /** Empty = all day. */
  windows: TradingWindow[];
  timezone: string;
}

export interface RiskLimits extends Record<LimitField, GuardLimit | null> {
  drawdown_from: DrawdownFrom;
  day_timezone: string | null;
  max_open_copies: number | null;
  max_total_lots: Decimal | null;
  max_symbol_lots: Decimal | null;
  trading_hours: TradingHours | null;
}

/** The body of PUT .../risk/limits: the whole set (left out = off). */
export type RiskLimitsBody = Partial<RiskLimits> & { preset?: string };

export interface RiskTrip {
  id: Id;
  kind: GuardKind;
  action: GuardAction;
  /** The figure that crossed the limit (equity, loss, percent or margin level). */
  value: Decimal;
  limit: Decimal;
  /** One English sentence. */
  reason: string;
  tripped_at: Timestamp;
  holds_until: Timestamp | null;
  active: boolean;
  reset_at: Timestamp | null;
  reset_by: TripEnd | null;
}

export interface RiskBaseline {
  start_balance: Decimal;
  equity_peak: Decimal;
  day: string;
  day_open: Decimal;
}

export interface RiskState {
  account_id: Id;
  limits: RiskLimits;
  control: RiskControl;
  control_at: Timestamp | null;
  /** Nothing is sent: control PAUSED or a CLOSE_ALL_AND_PAUSE trip holds. */
  paused: boolean;
  baseline: RiskBaseline | null;
  active_trips: RiskTrip[];
}

export interface RiskPreset { name: string; description: string; limits: RiskLimits }

/** The live events of the guards (data as the server publishes them). */
export interface RiskTrippedData {
  trip_id: Id | null;
  account_id: Id;
  kind: GuardKind;
  action: GuardAction;
  value: Decimal;
  limit: Decimal;
  at: string;
  holds_until: string | null;
  reason: string;
}
export type RiskLiveEvent =
  | { type: 'risk.tripped'; account_id: Id | null; at: number; data: RiskTrippedData }
  | { type: 'risk.lifted'; account_id: Id | null; at: number;
      data: { account_id: Id; kind: GuardKind; ended_by: TripEnd } }
  | { type: 'risk.control'; account_id: Id | null; at: number;
      data: { account_id: Id; control: RiskControl } };

/** Whether a live event is one of the guards' (the general LiveEvent union does not list them). */
export function asRiskEvent(e: { type: string }): RiskLiveEvent | null {
  return e.type === 'risk.tripped' || e.type === 'risk.lifted' || e.type === 'risk.control'
    ? e as unknown as RiskLiveEvent : null;
}

export class RiskApi {
  constructor(private readonly client: ApiClient) {}

  presets(signal: AbortSignal): Promise<RiskPreset[]> {
    return this.client.request<Items<RiskPreset>>('GET', '/risk/presets', signal)
      .then((r) => r.items);
  }
  get(id: Id, signal: AbortSignal): Promise<RiskState> {
    return this.client.request<{ risk: RiskState }>('GET', `/accounts/${id}/risk`, signal)
      .then((r) => r.risk);
  }
  /** Replaces the whole set. */
  saveLimits(id: Id, body: RiskLimitsBody, signal: AbortSignal): Promise<RiskState> {
    return this.client.request<{ risk: RiskState }>('PUT', `/accounts/${id}/risk/limits`,
                                                    signal, { body }).then((r) => r.risk);
  }
  setControl(id: Id, control: RiskControl, signal: AbortSignal): Promise<RiskState> {
    return this.client.request<{ risk: RiskState }>('POST', `/accounts/${id}/risk/control`,
                                                    signal, { body: { control } })
      .then((r) => r.risk);
  }
  trips(id: Id, q: { status?: 'active' | 'ended'; limit?: number },
        signal: AbortSignal): Promise<RiskTrip[]> {
    return this.client.request<Items<RiskTrip>>('GET', `/accounts/${id}/risk/trips`, signal,
                                                { query: { status: q.status, limit: q.limit } })
      .then((r) => r.items);
  }
  reset(id: Id, tripId: Id, signal: AbortSignal): Promise<RiskTrip> {
    return this.client.request<{ trip: RiskTrip }>(
      'POST', `/accounts/${id}/risk/trips/${tripId}/reset`, signal).then((r) => r.trip);
  }
}
