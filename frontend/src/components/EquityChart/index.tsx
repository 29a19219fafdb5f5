import {
  Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { EquityPoint } from '../../api';
import { locale, money, t, tag } from '../../i18n';
import { chartTime, timeScale } from '../../lib/timeaxis';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip);

const EQUITY = '#60a5fa';
const BALANCE = '#c5cfdf';
const DOWN = '#f4506e';
const GRID = 'rgba(148,163,189,0.08)';
const TICK = '#94a3bd';

export interface EquityXY { x: number; equity: number; balance: number; dd: number;
                            ddPct: number | null }

/** The points as numbers, in time order, dropping any that do not parse. Exported for tests. */
export function toSeries(points: readonly EquityPoint[]): EquityXY[] {
  return points.map((p) => ({
    x: Date.parse(p.t), equity: Number(p.equity), balance: Number(p.balance),
    dd: Number(p.drawdown), ddPct: p.drawdown_pct === null ? null : Number(p.drawdown_pct),
  })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.equity)
                    && Number.isFinite(p.balance) && Number.isFinite(p.dd))
    .sort((a, b) => a.x - b.x);
}

const tooltip = {
  backgroundColor: '#131a27', borderColor: '#283349', borderWidth: 1,
  titleColor: '#e6ebf3', bodyColor: '#e6ebf3', displayColors: true,
};

/**
 * Equity and balance lines over a real time axis from the first point to `until`, and the
 * drawdown below them; tooltips in the viewer's locale and time zone.
 */
export function EquityChart({ points, until }: { points: readonly EquityPoint[]; until: string }) {
  const main = useRef<HTMLCanvasElement>(null);
  const dd = useRef<HTMLCanvasElement>(null);
  const lang = locale.value;
  const data = toSeries(points);
  const first = data[0]?.x ?? Date.now();
  const end = Math.max(Date.parse(until) || Date.now(), data[data.length - 1]?.x ?? first);
  const key = `${lang}|${first}|${end}|${data.length}|${data[data.length - 1]?.equity}`;

  useEffect(() => {
    if (!main.current || !dd.current || data.length === 0) return;
    const intl = tag();
    const title = (items: { parsed: { x: number | null } }[]) =>
      (items[0] ? chartTime(items[0].parsed.x ?? 0, intl, { date: true }) : '');
    const x = timeScale(first, end, intl, TICK, GRID);
    const few = data.length < 3 ? 3 : 0;  // a lone point must still show
    const mainConfig: ChartConfiguration<'line', { x: number; y: number }[]> = {
      type: 'line',
      data: { datasets: [
        { label: t('equity.equity'), data: data.map((p) => ({ x: p.x, y: p.equity })),
          borderColor: EQUITY, backgroundColor: EQUITY, borderWidth: 2, pointRadius: few,
          pointHoverRadius: 4, tension: 0 },
        { label: t('equity.balance'), data: data.map((p) => ({ x: p.x, y: p.balance })),
          borderColor: BALANCE, backgroundColor: BALANCE, borderWidth: 1.5, borderDash: [5, 4],
          pointRadius: 0, pointHoverRadius: 3, stepped: true },
      ] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: 'index', intersect: false, axis: 'x' },
        scales: {
          x,
          y: { grid: { color: GRID }, border: { display: false },
               ticks: { color: TICK, maxTicksLimit: 5,
                        callback: (v) => money(Number(v), { sign: false }) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { ...tooltip, callbacks: {
            title,
            label: (item) => `${item.dataset.label}: ${money(item.parsed.y, { sign: false })}`,
          } },
        },
      },
    };
    const ddConfig: ChartConfiguration<'line', { x: number; y: number }[]> = {
      type: 'line',
      data: { datasets: [{ label: t('equity.drawdown'),
                           data: data.map((p) => ({ x: p.x, y: -p.dd })), borderColor: DOWN,
                           backgroundColor: `${DOWN}40`, fill: 'origin', borderWidth: 1.5,
                           pointRadius: 0, pointHoverRadius: 3, tension: 0 }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: 'index', intersect: false, axis: 'x' },
        scales: {
          x: timeScale(first, end, intl, TICK, GRID),
          y: { max: 0, grid: { color: GRID }, border: { display: false },
               ticks: { color: TICK, maxTicksLimit: 3,
                        callback: (v) => money(Number(v), { sign: false }) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { ...tooltip, callbacks: {
            title,
            label: (item) => {
              const p = data[item.dataIndex];
              const pct = p?.ddPct === null || p?.ddPct === undefined ? ''
                : ` (${p.ddPct.toLocaleString(intl, { maximumFractionDigits: 2 })}%)`;
              return `${t('equity.drawdown')}: ${money(-(item.parsed.y ?? 0), { sign: false })}${pct}`;
            },
          } },
        },
      },
    };
    const a = new Chart(main.current, mainConfig);
    const b = new Chart(dd.current, ddConfig);
    return () => { a.destroy(); b.destroy(); };
    // Rebuilt when the language or the data change (formatters and axis bounds live in it).
  }, [key]);

  return (
    <div data-testid="equity-chart" data-points={data.length}
         data-first={data[0] ? new Date(data[0].x).toISOString() : ''}
         data-last={String(data[data.length - 1]?.equity ?? '')}>
      <div class="mb-2 flex flex-wrap gap-4 text-xs text-ink-300" aria-hidden="true">
        <span><span class="mr-1 inline-block h-0.5 w-4 align-middle"
                    style={{ background: EQUITY }} />{t('equity.equity')}</span>
        <span><span class="mr-1 inline-block h-0 w-4 border-t border-dashed align-middle"
                    style={{ borderColor: BALANCE }} />{t('equity.balance')}</span>
        <span><span class="mr-1 inline-block h-2 w-4 align-middle"
                    style={{ background: `${DOWN}80` }} />{t('equity.drawdown')}</span>
      </div>
      <div class="relative h-56 w-full"><canvas ref={main} aria-hidden="true" /></div>
      <div class="relative mt-2 h-24 w-full" data-testid="drawdown-chart">
        <canvas ref={dd} aria-hidden="true" />
      </div>
    </div>
  );
}
