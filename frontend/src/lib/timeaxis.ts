/**
 * A real time axis for Chart.js linear scales: ticks at round times of the viewer's time zone
 * (every 5 min, 1 h, 6 h, midnight …), chosen so at most `maxTicks` fit the span.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
export const STEPS: readonly number[] = [
  MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY,
];

/** The smallest step that keeps the ticks of [min, max] at or under `maxTicks`. */
export function tickStep(min: number, max: number, maxTicks: number): number {
  const span = Math.max(0, max - min);
  for (const s of STEPS) if (span / s <= maxTicks) return s;
  return STEPS[STEPS.length - 1]!;
}

/**
 * Tick times within [min, max], aligned to local wall-clock multiples of `step` (counted from
 * local midnight for steps under a day, whole local days otherwise). `offsetMin(t)` is the
 * time zone's offset east of UTC in minutes at t (default: the browser's).
 */
export function timeTicks(min: number, max: number, maxTicks: number,
                          offsetMin: (t: number) => number = browserOffset): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const step = tickStep(min, max, maxTicks);
  const unit = step < DAY ? step : DAY;
  const every = step < DAY ? 1 : Math.round(step / DAY);
  const ticks: number[] = [];
  const off = offsetMin(min) * MIN;
  let local = Math.ceil((min + off) / unit) * unit;  // first aligned local time ≥ min
  for (let guard = 0; guard < 1000; guard++) {
    const t = local - offsetMin(local - off) * MIN;
    if (t > max) break;
    const dayIndex = Math.floor(local / DAY);
    if (t >= min && (every === 1 || dayIndex % every === 0)) ticks.push(t);
    local += unit;
  }
  return ticks;
}

function browserOffset(t: number): number {
  return -new Date(t).getTimezoneOffset();
}

/** Whether axis labels need a date (the span covers more than one day or steps are days). */
export function needsDate(min: number, max: number, step: number): boolean {
  return step >= DAY || max - min > DAY;
}

export const TIME = { MIN, HOUR, DAY };

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * A chart time in the viewer's locale and time zone, to the minute: "14:05", or with the date
 * "2 Dec 14:05" (`date`), or the date only for day steps (`dayOnly`).
 */
export function chartTime(ms: number, tag: string, opts: { date?: boolean; dayOnly?: boolean;
                                                           timeZone?: string } = {}): string {
  const key = `${tag}|${opts.date ? 1 : 0}|${opts.dayOnly ? 1 : 0}|${opts.timeZone ?? ''}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(tag, {
      ...(opts.date || opts.dayOnly ? { month: 'short', day: 'numeric' } : {}),
      ...(opts.dayOnly ? {} : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
    });
    formats.set(key, f);
  }
  return Number.isFinite(ms) ? f.format(ms) : '';
}

/** The x-axis of a time chart: a linear scale with round-time ticks and labels. */
export function timeScale(min: number, max: number, tag: string, color: string, grid: string,
                          maxTicks = 6) {
  const step = tickStep(min, max, maxTicks);
  const date = needsDate(min, max, step);
  return {
    type: 'linear' as const,
    min, max,
    grid: { color: grid }, border: { display: false },
    afterBuildTicks: (scale: { ticks: { value: number }[] }) => {
      scale.ticks = timeTicks(min, max, maxTicks).map((value) => ({ value }));
    },
    ticks: {
      color, maxRotation: 0, autoSkip: false,
      callback: (v: string | number) => chartTime(Number(v), tag,
        step >= DAY ? { dayOnly: true } : { date: date && isMidnightish(Number(v), step) }),
    },
  };
}

function isMidnightish(ms: number, step: number): boolean {
  // Label the date on the first tick of each local day (others show the time only).
  const d = new Date(ms);
  return d.getHours() * HOUR + d.getMinutes() * MIN < step;
}
