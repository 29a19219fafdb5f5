import {
  Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { ProfitPoint } from '../../api';
import { axisTime, dateTime, locale, money } from '../../i18n';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip);

const UP = '#22d3a0';
const DOWN = '#f4506e';
const GRID = 'rgba(148,163,189,0.08)';
const TICK = '#6b7a96';

interface XY { x: number; y: number }

/**
 * The cumulative-profit curve, starting from zero one bucket before the first close.
 * Exported for tests.
 */
export function toXY(points: readonly ProfitPoint[], bucket: 'hour' | 'day'): XY[] {
  const xy = points.map((p) => ({ x: Date.parse(p.t), y: Number(p.cumulative) }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (xy.length === 0) return xy;
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  return [{ x: xy[0]!.x - step, y: 0 }, ...xy];
}

/** Chart.js line chart of cumulative profit; updates in place when the points change. */
export function ProfitChart({ points, bucket, testid = 'profit-chart' }: {
  points: readonly ProfitPoint[]; bucket: 'hour' | 'day'; testid?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'line', XY[]> | null>(null);
  const lang = locale.value;
  const data = toXY(points, bucket);
  const last = data.length ? data[data.length - 1]!.y : 0;
  const color = last < 0 ? DOWN : UP;

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const hourly = bucket === 'hour';
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
          x: { type: 'linear', grid: { color: GRID }, border: { display: false },
               ticks: { color: TICK, maxTicksLimit: 6, maxRotation: 0,
                        callback: (v) => axisTime(Number(v), hourly) } },
          y: { grid: { color: GRID }, border: { display: false },
               ticks: { color: TICK, maxTicksLimit: 5, callback: (v) => money(Number(v)) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            backgroundColor: '#131a27', borderColor: '#283349', borderWidth: 1,
            titleColor: '#c5cfdf', bodyColor: '#e6ebf3', displayColors: false,
            callbacks: {
              title: (items) => (items[0] ? dateTime(items[0].parsed.x ?? 0) : ''),
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
    // Rebuilt when the language or bucket changes (tick formatters), not on new points.
  }, [lang, bucket]);

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
    <div class="relative h-64 w-full" data-testid={testid} data-points={data.length}
         data-last={String(last)}>
      <canvas ref={canvas} role="img" aria-label={`${money(last)}`} />
    </div>
  );
}
