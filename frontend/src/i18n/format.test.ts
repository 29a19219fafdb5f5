import { describe, expect, it } from 'vitest';
import {
  formatAxisTime, formatDateTime, formatDecimal, formatInteger, formatMoney, formatMs,
  formatPercent, formatTime, formatWhen,
} from './format';

const EN = 'en-US';
const TH = 'th-TH';
const UTC = 'UTC';

describe('numbers', () => {
  it('writes money with two decimals, grouping and a sign', () => {
    expect(formatMoney('1234.5', EN)).toBe('+1,234.50');
    expect(formatMoney('-3', EN)).toBe('-3.00');
    expect(formatMoney('0.00', EN)).toBe('0.00');
    expect(formatMoney('1234.5', TH)).toBe('+1,234.50');
    expect(formatMoney('1234.5', EN, { sign: false })).toBe('1,234.50');
    expect(formatMoney(null, EN)).toBe('—');
    expect(formatMoney('abc', EN)).toBe('abc');
  });

  it('keeps the precision of prices and volumes', () => {
    expect(formatDecimal('1.23450', EN)).toBe('1.23450');
    expect(formatDecimal('2000', EN)).toBe('2,000.00');
    expect(formatDecimal('0.1', EN)).toBe('0.10');
    expect(formatDecimal('2345.678', TH)).toBe('2,345.678');
    expect(formatDecimal(null, EN)).toBe('—');
  });

  it('writes counts, shares and latencies', () => {
    expect(formatInteger(12345, EN)).toBe('12,345');
    expect(formatPercent(0.625, EN)).toBe('62.5%');
    expect(formatPercent(null, EN)).toBe('—');
    expect(formatMs(12.345, EN)).toBe('12 ms');
    expect(formatMs(3.21, EN)).toBe('3.2 ms');
    expect(formatMs(1530, EN)).toBe('1.53 s');
    expect(formatMs(null, TH)).toBe('—');
  });
});

describe('times', () => {
  const at = '2025-01-31T12:34:56.789+00:00';

  it('writes date and time per locale (Thai uses the Buddhist year)', () => {
    expect(formatDateTime(at, EN, UTC)).toBe('Jan 31, 2025, 12:34:56');
    const thai = formatDateTime(at, TH, UTC);
    expect(thai).toContain('2568');
    expect(thai).toContain('12:34:56');
    expect(thai).toMatch(/ม\.ค\./);
    expect(formatDateTime(null, EN)).toBe('—');
    expect(formatDateTime('garbage', EN)).toBe('—');
  });

  it('writes times of day in 24-hour form in both languages', () => {
    expect(formatTime(at, EN, UTC)).toBe('12:34:56');
    expect(formatTime(at, TH, UTC)).toBe('12:34:56');
  });

  it('shows only the time for today', () => {
    const now = new Date('2025-01-31T20:00:00Z');
    expect(formatWhen(at, EN, now, UTC)).toBe('12:34:56');
    expect(formatWhen(at, EN, new Date('2025-02-02T00:00:00Z'), UTC)).toBe('Jan 31, 2025, 12:34:56');
  });

  it('labels chart axes by day or hour', () => {
    expect(formatAxisTime(at, EN, false, UTC)).toBe('Jan 31');
    expect(formatAxisTime(at, EN, true, UTC)).toBe('Jan 31, 12:34');
    expect(formatAxisTime(at, TH, false, UTC)).toMatch(/31 ม\.ค\./);
  });
});
