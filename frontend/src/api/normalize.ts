/**
 * Live event payloads are the engine's rows; REST answers are the documented shapes. These
 * functions bring event data to the REST shapes (types.ts) so views handle one shape only.
 * Fields an event lacks stay undefined and are filled from the REST reload that follows.
 */
import type { LiveEvent, MasterTrade, TradePair } from './types';

type Raw = Record<string, unknown>;

function pick<T>(raw: Raw, ...names: string[]): T | undefined {
  for (const n of names) if (raw[n] !== undefined) return raw[n] as T;
  return undefined;
}

function defined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) (out as Raw)[k] = v;
  return out;
}

/** A master trade from an event row (`type` → `side`). */
export function normalizeTrade(raw: Raw): Partial<MasterTrade> & { id: number } {
  return {
    ...(raw as Partial<MasterTrade>),
    ...defined({ side: pick<MasterTrade['side']>(raw, 'side', 'type') }),
    id: Number(raw.id),
  };
}

/** A trade pair from an event row (`slave_*` → `follower_*`). */
export function normalizePair(raw: Raw): Partial<TradePair> & { id: number } {
  const out: Raw = { ...raw };
  for (const k of ['slave_ticket', 'slave_volume', 'slave_type', 'account_id', 'master_id']) {
    delete out[k];
  }
  return {
    ...(out as Partial<TradePair>),
    ...defined({
      follower_ticket: pick<number | null>(raw, 'follower_ticket', 'slave_ticket'),
      volume: pick<string | null>(raw, 'volume', 'slave_volume'),
      follower_side: pick<TradePair['follower_side']>(raw, 'follower_side', 'slave_type'),
      master_account_id: pick<number>(raw, 'master_account_id', 'master_id'),
    }),
    id: Number(raw.id),
  };
}

/** The event with its data in the REST shape (trade and pair events; others unchanged). */
export function normalizeEvent(e: LiveEvent): LiveEvent {
  const data = e.data as unknown as Raw;
  if (!data || typeof data !== 'object') return e;
  if (e.type.startsWith('trade.')) return { ...e, data: normalizeTrade(data) } as LiveEvent;
  if (e.type === 'pair.status') return { ...e, data: normalizePair(data) } as LiveEvent;
  return e;
}
