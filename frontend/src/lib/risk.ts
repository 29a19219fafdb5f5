/**
 * The risk-guards form: fields as typed, checked the way the server checks them
 * (server/copytrade/domain/risk_limits.py), and turned into the PUT body. A limit whose value
 * is empty is off. Kept apart from the component so the checks have unit tests.
 */
import { ApiError, LIMIT_FIELDS, type DrawdownFrom, type GuardAction, type LimitField,
         type RiskLimits, type RiskLimitsBody } from '../api';
import { locale, t } from '../i18n';
import type { Errors } from './validate';

export interface LimitForm { value: string; action: GuardAction }
export interface WindowForm { start: string; end: string }

export interface RiskForm extends Record<LimitField, LimitForm> {
  drawdown_from: DrawdownFrom;
  /** Empty = UTC. */
  day_timezone: string;
  max_open_copies: string;
  max_total_lots: string;
  max_symbol_lots: string;
  hours_on: boolean;
  hours_days: number[];
  hours_windows: WindowForm[];
  hours_timezone: string;
}

/** Which limits are money, which percent (and their top). */
const MONEY: readonly LimitField[] = ['equity_floor', 'daily_loss', 'daily_profit_target'];
const PERCENT_TOP: Partial<Record<LimitField, number>> = {
  max_drawdown_pct: 100, daily_loss_pct: 100, margin_level_floor: 100_000,
};
export const MAX_WINDOWS = 8;
export const WEEKDAYS = [0, 1, 2, 3, 4] as const;

export function isMoneyLimit(f: LimitField): boolean {
  return MONEY.includes(f);
}

export function riskToForm(l: RiskLimits): RiskForm {
  const limits = Object.fromEntries(LIMIT_FIELDS.map((f) => {
    const v = l[f];
    return [f, { value: v ? v.value : '', action: v ? v.action : 'CLOSE_ONLY' }];
  })) as Record<LimitField, LimitForm>;
  const h = l.trading_hours;
  return {
    ...limits,
    drawdown_from: l.drawdown_from,
    day_timezone: l.day_timezone ?? '',
    max_open_copies: l.max_open_copies === null ? '' : String(l.max_open_copies),
    max_total_lots: l.max_total_lots ?? '',
    max_symbol_lots: l.max_symbol_lots ?? '',
    hours_on: h !== null,
    hours_days: h ? [...h.days].sort() : [...WEEKDAYS],
    hours_windows: h ? h.windows.map((w) => ({ ...w })) : [],
    hours_timezone: h ? h.timezone : 'UTC',
  };
}

const DECIMAL = /^\d+(\.\d+)?$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function places(text: string): number {
  return (text.split('.')[1] ?? '').length;
}

/** A money limit: above 0, at most 2 decimals, below 10^12. */
export function moneyError(text: string): string | undefined {
  if (/^-\s*\d/.test(text)) return t('validation.positive'); // says what is wrong, not "a number"
  if (!DECIMAL.test(text)) return t('validation.number');
  if (Number(text) <= 0) return t('validation.positive');
  if (places(text) > 2) return t('risk.err.decimals2');
  if (Number(text) >= 1e12) return t('validation.max', { max: '999999999999.99' });
  return undefined;
}

/** A percent limit: above 0, at most `top`, at most 2 decimals. */
export function percentError(text: string, top: number): string | undefined {
  if (/^-\s*\d/.test(text)) return t('validation.positive'); // says what is wrong, not "a number"
  if (!DECIMAL.test(text)) return t('validation.number');
  if (Number(text) <= 0 || Number(text) > top) return t('risk.err.percent', { max: String(top) });
  if (places(text) > 2) return t('risk.err.decimals2');
  return undefined;
}

function lotsError(text: string): string | undefined {
  if (/^-\s*\d/.test(text)) return t('validation.positive'); // says what is wrong, not "a number"
  if (!DECIMAL.test(text)) return t('validation.number');
  if (Number(text) <= 0) return t('validation.positive');
  if (places(text) > 4) return t('validation.decimals');
  if (Number(text) > 1_000_000) return t('validation.max', { max: '1000000' });
  return undefined;
}

/** Whether `name` is an IANA time zone this browser knows (the server's list is the same tz
 *  database; a rare disagreement comes back as the server's 422 on the field). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function zoneError(text: string): string | undefined {
  return isTimeZone(text.trim()) ? undefined : t('risk.err.timezone');
}

/** Check the form; `body` is the PUT body when there are no errors. */
export function validateRisk(f: RiskForm): { errors: Errors; body?: RiskLimitsBody } {
  const errors: Errors = {};
  const body: RiskLimitsBody = {};
  for (const name of LIMIT_FIELDS) {
    const value = f[name].value.trim();
    if (!value) {
      body[name] = null;
      continue;
    }
    const top = PERCENT_TOP[name];
    const err = top === undefined ? moneyError(value) : percentError(value, top);
    if (err) errors[name] = err;
    else body[name] = { value, action: f[name].action };
  }
  body.drawdown_from = f.drawdown_from;
  const tz = f.day_timezone.trim();
  if (tz && zoneError(tz)) errors.day_timezone = zoneError(tz)!;
  body.day_timezone = tz || null;

  const copies = f.max_open_copies.trim();
  if (!copies) body.max_open_copies = null;
  else if (/^-\s*\d+$/.test(copies)) {
    errors.max_open_copies = t('validation.range', { min: 1, max: 10000 });
  } else if (!/^\d+$/.test(copies)) errors.max_open_copies = t('validation.integer');
  else if (Number(copies) < 1 || Number(copies) > 10_000) {
    errors.max_open_copies = t('validation.range', { min: 1, max: 10000 });
  } else body.max_open_copies = Number(copies);
  for (const name of ['max_total_lots', 'max_symbol_lots'] as const) {
    const v = f[name].trim();
    const err = v ? lotsError(v) : undefined;
    if (err) errors[name] = err;
    body[name] = v || null;
  }

  if (!f.hours_on) body.trading_hours = null;
  else {
    if (f.hours_days.length === 0) errors['trading_hours.days'] = t('risk.err.days');
    if (f.hours_windows.length > MAX_WINDOWS) {
      errors['trading_hours.windows'] = t('risk.err.windows', { max: MAX_WINDOWS });
    }
    f.hours_windows.forEach((w, i) => {
      const at = `trading_hours.windows[${i}]`;
      if (!HHMM.test(w.start)) errors[`${at}.start`] = t('risk.err.time');
      if (!HHMM.test(w.end)) errors[`${at}.end`] = t('risk.err.time');
      if (HHMM.test(w.start) && w.start === w.end) errors[`${at}.end`] = t('risk.err.windowEmpty');
    });
    const hz = f.hours_timezone.trim();
    if (zoneError(hz)) errors['trading_hours.timezone'] = zoneError(hz)!;
    body.trading_hours = {
      days: [...f.hours_days].sort(), windows: f.hours_windows.map((w) => ({ ...w })),
      timezone: hz,
    };
  }
  return Object.keys(errors).length ? { errors } : { errors, body };
}

/**
 * A 422's field errors keyed as the form keys them: `equity_floor.value` → `equity_floor`,
 * window fields as they are. The server writes English; Thai readers get a Thai lead-in.
 */
export function riskServerErrors(err: unknown): Errors {
  if (!(err instanceof ApiError)) return {};
  const out: Errors = {};
  for (const [k, v] of Object.entries(err.fields)) {
    const key = k.replace(/\.(value|action)$/, '');
    out[key] ??= locale.value === 'en' ? v : `${t('risk.err.server')} (${v})`;
  }
  return out;
}
