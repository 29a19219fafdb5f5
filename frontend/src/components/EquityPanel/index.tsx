import { useEffect, useState } from 'preact/hooks';
import { api, SERIES_RANGES, type EquitySeries, type Id, type SeriesRange } from '../../api';
import { money, t, tag } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { chartTime } from '../../lib/timeaxis';
import { EquityChart, toSeries } from '../EquityChart';
import { EmptyState } from '../EmptyState';
import { ErrorState, Loading } from '../LoadState';
import { Panel } from '../Panel';

const TABLE_ROWS = 24;
const REFRESH_MS = 30_000;

/** "1 min", "15 min", "4 h", "1 d" in the current language. */
export function bucketLabel(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}${t('time.d')}`;
  if (seconds % 3600 === 0) return `${seconds / 3600}${t('time.h')}`;
  return `${Math.round(seconds / 60)}${t('time.m')}`;
}

/** Evenly spaced rows of the series (first and last included), for the text alternative. */
export function sample<T>(rows: readonly T[], n: number): T[] {
  if (rows.length <= n) return [...rows];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(rows[Math.round((i * (rows.length - 1)) / (n - 1))]!);
  return out;
}

function pct(v: string | null): string {
  return v === null ? '—' : `${Number(v).toLocaleString(tag(), { maximumFractionDigits: 2 })}%`;
}

/** The chart's text alternative: a one-line summary and a table of sampled points. */
function Summary({ series }: { series: EquitySeries }) {
  const pts = series.points;
  const firstP = pts[0]!;
  const lastP = pts[pts.length - 1]!;
  const intl = tag();
  const xy = toSeries(pts);
  const text = t('equity.summary', {
    from: chartTime(xy[0]!.x, intl, { date: true }),
    to: chartTime(xy[xy.length - 1]!.x, intl, { date: true }),
    first: money(firstP.equity, { sign: false }), last: money(lastP.equity, { sign: false }),
    balance: money(lastP.balance, { sign: false }),
    dd: money(series.max_drawdown, { sign: false }), pct: pct(series.max_drawdown_pct),
    bucket: bucketLabel(series.bucket_s),
  });
  return (
    <div class="mt-3">
      <p class="text-sm text-ink-300" data-testid="equity-summary" id="equity-summary">{text}</p>
      <details class="mt-1">
        <summary class="inline-flex min-h-11 cursor-pointer items-center text-sm text-blue-300"
                 data-testid="equity-table-toggle">{t('equity.showTable')}</summary>
        <div class="overflow-x-auto">
          <table class="w-full text-left text-sm text-ink-200" data-testid="equity-table">
            <caption class="sr-only">{t('equity.tableCaption')}</caption>
            <thead class="text-xs text-ink-300">
              <tr>
                <th scope="col" class="py-1 pr-3">{t('equity.time')}</th>
                <th scope="col" class="py-1 pr-3 text-right">{t('equity.equity')}</th>
                <th scope="col" class="py-1 pr-3 text-right">{t('equity.balance')}</th>
                <th scope="col" class="py-1 text-right">{t('equity.drawdown')}</th>
              </tr>
            </thead>
            <tbody>
              {sample(pts, TABLE_ROWS).map((p) => (
                <tr key={p.t} class="border-t border-ink-700">
                  <td class="py-1 pr-3 whitespace-nowrap">
                    {chartTime(Date.parse(p.t), intl, { date: true })}</td>
                  <td class="py-1 pr-3 text-right tabular-nums">{money(p.equity, { sign: false })}</td>
                  <td class="py-1 pr-3 text-right tabular-nums">{money(p.balance, { sign: false })}</td>
                  <td class="py-1 text-right tabular-nums">
                    {money(p.drawdown, { sign: false })} ({pct(p.drawdown_pct)})</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}

/** Equity, balance and drawdown with range buttons; refetches when `version` changes. */
export function EquityPanel({ accountId, version }: { accountId: Id; version: number }) {
  const [range, setRange] = useState<SeriesRange>('24h');
  const [tick, setTick] = useState(0);
  useEffect(() => {  // account reports arrive without trade events: refresh now and then
    const h = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(h);
  }, []);
  const series = useAsync((s) => api.equity(accountId, range, s),
                          [accountId, range, version, tick]);
  const s = series.data;
  return (
    <Panel
      title={t('equity.title')}
      testid="equity-panel"
      actions={
        <div role="group" aria-label={t('equity.title')} class="flex gap-1">
          {SERIES_RANGES.map((r) => (
            <button key={r} type="button" aria-pressed={r === range} onClick={() => setRange(r)}
                    data-testid={`equity-range-${r}`}
                    class={`min-h-11 min-w-11 rounded-md px-2 text-xs font-semibold sm:min-h-8
                            ${r === range ? 'bg-ink-600 text-ink-100'
                                          : 'text-ink-300 hover:text-ink-100'}`}>
              {t(`dash.range.${r}`)}
            </button>
          ))}
        </div>
      }
    >
      {series.error && !s ? <ErrorState error={series.error} onRetry={series.reload} />
        : !s ? <Loading />
        : s.points.length === 0 ? (
          <div data-testid="equity-chart" data-points="0">
            <EmptyState icon="📉">{t('equity.empty')}</EmptyState>
          </div>
        ) : (
          <figure aria-describedby="equity-summary">
            <EquityChart points={s.points} until={s.until} />
            <div class="mt-2 text-xs text-ink-300" data-testid="equity-bucket"
                 data-bucket={s.bucket_s}>
              {t('equity.maxDrawdown')}: <span class="text-ink-100" data-testid="equity-max-dd">
                {money(s.max_drawdown, { sign: false })} ({pct(s.max_drawdown_pct)})</span>
            </div>
            <Summary series={s} />
          </figure>
        )}
    </Panel>
  );
}
