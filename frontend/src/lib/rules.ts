/**
 * The copy-rules form: text fields as typed, checked and turned into the API body.
 * Kept apart from the component so the checks have unit tests.
 */
import type { CopyRules, LotMode, RulesInput, StaleOpenPolicy } from '../api';
import { t } from '../i18n';
import type { Errors } from './validate';

export interface RulesForm {
  lot_mode: LotMode;
  lot_value: string;
  reverse: boolean;
  min_lot_to_copy: string;
  max_lot: string;
  symbol_map: string;
  allowed_symbols: string;
  blocked_symbols: string;
  signal_expiry_seconds: string;
  max_deviation_points: string;
  stale_open_policy: StaleOpenPolicy;
  copy_existing: boolean;
  copy_existing_max_age_minutes: string;
  copy_existing_max_points: string;
  max_spread_points: string;
}

export function rulesToForm(r: CopyRules): RulesForm {
  return {
    lot_mode: r.lot_mode,
    lot_value: r.lot_value,
    reverse: r.reverse,
    min_lot_to_copy: r.min_lot_to_copy,
    max_lot: r.max_lot ?? '',
    symbol_map: r.symbol_map,
    allowed_symbols: r.allowed_symbols.join(', '),
    blocked_symbols: r.blocked_symbols.join(', '),
    signal_expiry_seconds: String(r.signal_expiry_seconds),
    max_deviation_points: String(r.max_deviation_points),
    stale_open_policy: r.stale_open_policy,
    copy_existing: r.copy_existing,
    copy_existing_max_age_minutes: String(r.copy_existing_max_age_minutes),
    copy_existing_max_points: String(r.copy_existing_max_points),
    max_spread_points: String(r.max_spread_points),
  };
}

const NUMBER = /^\d+(\.\d+)?$/;
/** A number below zero, as typed: the message says so rather than "enter a number". */
const NEGATIVE = /^-\s*\d+(\.\d+)?$/;
const SYMBOL = /^[A-Za-z0-9._#+-]{1,32}$/;
const MAX_DECIMAL = 1_000_000;

/** A decimal as the API takes it: at most 4 places, 0..1 000 000; else the message. */
function decimalError(text: string, positive = false): string | undefined {
  if (NEGATIVE.test(text)) return t(positive ? 'validation.positive' : 'validation.notNegative');
  if (!NUMBER.test(text)) return t('validation.number');
  if ((text.split('.')[1] ?? '').length > 4) return t('validation.decimals');
  if (Number(text) > MAX_DECIMAL) return t('validation.max', { max: '1000000' });
  return undefined;
}

function symbols(text: string): string[] {
  return text.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
}

function symbolList(text: string): string | undefined {
  const bad = symbols(text).find((s) => !SYMBOL.test(s));
  return bad === undefined ? undefined : t('validation.symbolList', { symbol: bad });
}

function symbolMap(text: string): string | undefined {
  const parts = text.split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean);
  for (const part of parts) {
    const m = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(part);
    if (!m || !SYMBOL.test(m[1]!) || !SYMBOL.test(m[2]!)) return t('validation.symbolMap');
  }
  return undefined;
}

function intIn(text: string, min: number, max: number): string | undefined {
  if (!text.trim()) return t('validation.required');
  const v = text.trim();
  if (NEGATIVE.test(v)) {
    return min === 0 ? t('validation.notNegative')
      : t('validation.range', { min: String(min), max: String(max) });
  }
  if (NUMBER.test(v) && !/^\d+$/.test(v)) return t('validation.integer');
  if (!/^\d+$/.test(v)) return t('validation.number');
  const n = Number(v);
  return n >= min && n <= max
    ? undefined : t('validation.range', { min: String(min), max: String(max) });
}

/** Check the form; on success also the body for PUT /rules (decimals as strings). */
export function validateRules(f: RulesForm): { errors: Errors; body: RulesInput | null } {
  const errors: Errors = {};
  const lot = f.lot_value.trim();
  if (!lot) errors.lot_value = t('validation.required');
  else if (decimalError(lot, true)) errors.lot_value = decimalError(lot, true)!;
  else if (Number(lot) <= 0) errors.lot_value = t('validation.positive');
  else if (f.lot_mode === 'RISK_PERCENT' && Number(lot) > 100) {
    errors.lot_value = t('validation.max', { max: '100' });
  }

  const min = f.min_lot_to_copy.trim() || '0';
  if (decimalError(min)) errors.min_lot_to_copy = decimalError(min)!;

  const max = f.max_lot.trim();
  if (max) {
    if (decimalError(max, true)) errors.max_lot = decimalError(max, true)!;
    else if (Number(max) <= 0) errors.max_lot = t('validation.positive');
  }

  const mapErr = symbolMap(f.symbol_map);
  if (mapErr) errors.symbol_map = mapErr;
  const allowedErr = symbolList(f.allowed_symbols);
  if (allowedErr) errors.allowed_symbols = allowedErr;
  const blockedErr = symbolList(f.blocked_symbols);
  if (blockedErr) errors.blocked_symbols = blockedErr;
  const allowed = new Set(symbols(f.allowed_symbols).map((x) => x.toUpperCase()));
  const both = symbols(f.blocked_symbols).find((x) => allowed.has(x.toUpperCase()));
  if (both && !errors.blocked_symbols) {
    errors.blocked_symbols = t('validation.symbolBoth', { symbol: both });
  }
  const exp = intIn(f.signal_expiry_seconds, 1, 86400);
  if (exp) errors.signal_expiry_seconds = exp;
  const dev = intIn(f.max_deviation_points, 0, 100000);
  if (dev) errors.max_deviation_points = dev;
  const age = intIn(f.copy_existing_max_age_minutes, 1, 10080);
  if (age) errors.copy_existing_max_age_minutes = age;
  const points = intIn(f.copy_existing_max_points, 1, 100000);
  if (points) errors.copy_existing_max_points = points;
  const spread = intIn(f.max_spread_points, 0, 100000);
  if (spread) errors.max_spread_points = spread;

  if (Object.keys(errors).length) return { errors, body: null };
  return {
    errors,
    body: {
      lot_mode: f.lot_mode,
      lot_value: lot,
      reverse: f.reverse,
      min_lot_to_copy: min,
      max_lot: max || null,
      symbol_map: f.symbol_map.split(/[,;\n]+/).map((s) => s.trim().replace(/\s*=\s*/, '='))
        .filter(Boolean).join(', '),
      allowed_symbols: symbols(f.allowed_symbols),
      blocked_symbols: symbols(f.blocked_symbols),
      signal_expiry_seconds: Number(f.signal_expiry_seconds),
      max_deviation_points: Number(f.max_deviation_points),
      stale_open_policy: f.stale_open_policy,
      copy_existing: f.copy_existing,
      copy_existing_max_age_minutes: Number(f.copy_existing_max_age_minutes),
      copy_existing_max_points: Number(f.copy_existing_max_points),
      max_spread_points: Number(f.max_spread_points),
    },
  };
}
