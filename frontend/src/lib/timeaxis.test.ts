import { describe, expect, it } from 'vitest';
import { tickStep, timeTicks, TIME } from './timeaxis';

const utc = () => 0;
const bangkok = () => 7 * 60;

describe('time axis', () => {
  it('picks a step that fits', () => {
    expect(tickStep(0, 24 * TIME.HOUR, 6)).toBe(6 * TIME.HOUR);
    expect(tickStep(0, TIME.HOUR, 6)).toBe(10 * TIME.MIN);
    expect(tickStep(0, 7 * TIME.DAY, 7)).toBe(TIME.DAY);
  });

  it('aligns ticks to round local times, not to the first point', () => {
    const min = Date.UTC(2026, 11, 2, 1, 46);
    const max = Date.UTC(2026, 11, 2, 13, 3);
    const ticks = timeTicks(min, max, 6, utc);
    expect(ticks.map((t) => new Date(t).toISOString().slice(11, 16)))
      .toEqual(['02:00', '04:00', '06:00', '08:00', '10:00', '12:00']);
  });

  it('aligns to the viewer time zone', () => {
    const min = Date.UTC(2026, 11, 1, 0, 0);
    const max = Date.UTC(2026, 11, 4, 0, 0);
    // Bangkok midnight is 17:00 UTC the day before.
    const ticks = timeTicks(min, max, 4, bangkok);
    expect(ticks.map((t) => new Date(t).toISOString().slice(0, 16)))
      .toEqual(['2026-12-01T17:00', '2026-12-02T17:00', '2026-12-03T17:00']);
  });

  it('is empty for a bad span', () => {
    expect(timeTicks(10, 5, 6, utc)).toEqual([]);
    expect(timeTicks(Number.NaN, 5, 6, utc)).toEqual([]);
  });
});

describe('chart times', () => {
  it('are in the viewer locale and time zone, to the minute', async () => {
    const { chartTime } = await import('./timeaxis');
    const t = Date.UTC(2026, 11, 2, 3, 5, 59);
    expect(chartTime(t, 'en-US', { timeZone: 'UTC' })).toBe('03:05');
    expect(chartTime(t, 'en-US', { timeZone: 'Asia/Bangkok' })).toBe('10:05');
    expect(chartTime(t, 'en-US', { date: true, timeZone: 'Asia/Bangkok' })).toMatch(/Dec 2.*10:05/);
    expect(chartTime(t, 'th-TH', { date: true, timeZone: 'Asia/Bangkok' })).toMatch(/ธ\.ค\..*10:05/);
    expect(chartTime(t, 'th-TH', { dayOnly: true, timeZone: 'Asia/Bangkok' })).not.toMatch(/10:05/);
  });
});
