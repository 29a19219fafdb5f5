import {
  Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { ProfitPoint } from '../../api';
import { locale, money, t, tag } from '../../i18n';
import { chartTime, timeScale } from '../../lib/timeaxis';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip);

const UP = '#22d3a0';
const DOWN = '#f4506e';
const GRID = 'rgba(148,163,189,0.08)';
const TICK = '#94a3bd';

interface XY { x: number; y: number }

/**
 * The cumulative-profit curve from the first bucket with a close (no made-up zero), carried
 * flat to `now`: nothing closed since, so the total still holds. Exported for tests.
 */
export function toXY(points: readonly ProfitPoint[], now: number = Date.now()): XY[] {
  const xy = points.map((p) => ({ x: Date.parse(p.t), y: Number(p.cumulative) }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const last = xy[xy.length - 1];
  if (last && now > last.x) xy.push({ x: now, y: last.y });
  return xy;
}

/** Chart.js line chart of cumulative profit; updates in place when the points change. */
export function ProfitChart({ points, bucket, testid = 'profit-chart' }: {
  points: readonly ProfitPoint[]; bucket: 'minute' | 'hour' | 'day'; testid?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'line', XY[]> | null>(null);
  const lang = locale.value;
  const data = toXY(points);
  const first = data[0]?.x ?? Date.now();
  const end = data[data.length - 1]?.x ?? first;
  const last = data.length ? data[data.length - 1]!.y : 0;
  const color = last < 0 ? DOWN : UP;

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const intl = tag();
    const config: ChartConfiguration<'line', XY[]> = {
      type: 'line',
      data: { datasets: [{ data: [], borderWidth: 2, pointRadius: 0, pointHoverRadius: 4,
                           tension: 0.25, fill: true }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 250 },
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        scales: {
          x: timeScale(first, end, intl, TICK, GRID),
          y: { grid: { color: GRID }, border: { display: false },
               ticks: { color: TICK, maxTicksLimit: 5, callback: (v) => money(Number(v)) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            backgroundColor: '#131a27', borderColor: '#283349', borderWidth: 1,
            titleColor: '#e6ebf3', bodyColor: '#e6ebf3', displayColors: false,
            callbacks: {
              title: (items) => (items[0]
                ? chartTime(items[0].parsed.x ?? 0, intl, bucket === 'day' ? { dayOnly: true }
                                                                              : { date: true })
                : ''),
              label: (item) => money(item.parsed.y),
            },
          },
        },
      },
    };
    const c = new Chart(el, config);
    chart.current = c;
    return () => {
      c.destroy();
      chart.current = null;
    };
    // Rebuilt when the language, bucket or span change (tick formatters, axis bounds).
  }, [lang, bucket, first, Math.floor(end / 60_000)]);

  useEffect(() => {
    const c = chart.current;
    const el = canvas.current;
    if (!c || !el) return;
    const ds = c.data.datasets[0]!;
    ds.data = data;
    ds.borderColor = color;
    const ctx = el.getContext('2d');
    if (ctx) {
      const g = ctx.createLinearGradient(0, 0, 0, el.clientHeight || 240);
      g.addColorStop(0, `${color}55`);
      g.addColorStop(1, `${color}00`);
      ds.backgroundColor = g;
    }
    c.update();
  });

  return (
    <div class="relative h-64 w-full" data-testid={testid} data-points={points.length}
         data-last={String(last)}>
      <canvas ref={canvas} role="img" data-testid={`${testid}-alt`}
              aria-label={t('dash.chartAlt', {
                value: money(last), from: chartTime(first, tag(), { date: true }),
                to: chartTime(end, tag(), { date: true }), n: points.length })} />
    </div>
  );
}
