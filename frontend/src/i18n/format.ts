/**
 * Number and time formatting for a locale tag ("th-TH" or "en-US"). Decimals arrive as strings;
 * they are shown with the digits the server sent (at least two), never rounded into floats for
 * prices and volumes.
 */

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(tag: string, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${tag}|${JSON.stringify(opts)}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) cache.set(key, (f = new Intl.NumberFormat(tag, opts)));
  return f;
}

function dateFormat(tag: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${tag}|${JSON.stringify(opts)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) cache.set(key, (f = new Intl.DateTimeFormat(tag, opts)));
  return f;
}

function fractionDigits(value: string): number {
  const dot = value.indexOf('.');
  if (dot < 0) return 0;
  let end = value.length;
  const exp = value.search(/[eE]/);
  if (exp >= 0) end = exp;
  return end - dot - 1;
}

/** Money with exactly two decimals and an explicit sign: "+1,234.50", "-3.00", "0.00". */
export function formatMoney(value: string | number | null | undefined, tag: string,
                            opts: { sign?: boolean } = {}): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  return numberFormat(tag, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    signDisplay: opts.sign === false ? 'auto' : 'exceptZero',
  }).format(n);
}

/**
 * A price or volume keeping the precision it was sent with (at least `min` decimals):
 * "1.23450" → "1.23450", "2000" → "2,000.00".
 */
export function formatDecimal(value: string | number | null | undefined, tag: string,
                              min = 2): string {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value);
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const digits = Math.min(20, Math.max(min, fractionDigits(text)));
  return numberFormat(tag, { minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(n);
}

/** A count: "12,345". */
export function formatInteger(value: number | null | undefined, tag: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return numberFormat(tag, { maximumFractionDigits: 0 }).format(value);
}

/** A share 0..1 as a percentage: 0.625 → "62.5%". */
export function formatPercent(share: number | null | undefined, tag: string): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return numberFormat(tag, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

/** Milliseconds: 12.345 → "12.3 ms", 1530 → "1.53 s". */
export function formatMs(ms: number | null | undefined, tag: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) {
    return `${numberFormat(tag, { maximumFractionDigits: 2 }).format(ms / 1000)} s`;
  }
  return `${numberFormat(tag, { maximumFractionDigits: ms < 10 ? 1 : 0 }).format(ms)} ms`;
}

/** ISO string, Date or unix milliseconds → Date (null when unusable). */
export function toDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Date and time to the second, in the viewer's time zone. */
export function formatDateTime(value: string | number | Date | null | undefined, tag: string,
                               timeZone?: string): string {
  const d = toDate(value);
  if (!d) return '—';
  return dateFormat(tag, {
    year: 'numeric', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** Time only, for today's events: "14:05:09". */
export function formatTime(value: string | number | Date | null | undefined, tag: string,
                           timeZone?: string): string {
  const d = toDate(value);
  if (!d) return '—';
  return dateFormat(tag, {
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** Short date (and hour for hourly buckets), for chart axes: "18 Feb", "18 Feb 14:00". */
export function formatAxisTime(value: string | number | Date, tag: string, hourly: boolean,
                               timeZone?: string): string {
  const d = toDate(value);
  if (!d) return '';
  return dateFormat(tag, {
    month: 'short', day: 'numeric',
    ...(hourly ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}),
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** "14:05:09" when `value` is today, else the full date and time. */
export function formatWhen(value: string | number | Date | null | undefined, tag: string,
                           now: Date = new Date(), timeZone?: string): string {
  const d = toDate(value);
  if (!d) return '—';
  const day = (x: Date) => dateFormat(tag, {
    year: 'numeric', month: 'numeric', day: 'numeric', ...(timeZone ? { timeZone } : {}),
  }).format(x);
  return day(d) === day(now) ? formatTime(d, tag, timeZone) : formatDateTime(d, tag, timeZone);
}

/** A duration in seconds as its two largest units: "2d 3h", "5h 0m", "4m 12s", "45s". */
export function formatDuration(seconds: number | null | undefined,
                               units: { d: string; h: string; m: string; s: string }): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return '—';
  }
  const total = Math.round(seconds);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d}${units.d} ${h}${units.h}`;
  if (h > 0) return `${h}${units.h} ${m}${units.m}`;
  if (m > 0) return `${m}${units.m} ${s}${units.s}`;
  return `${s}${units.s}`;
}
