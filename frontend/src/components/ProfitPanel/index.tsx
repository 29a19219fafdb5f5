import { useState } from 'preact/hooks';
import { api, SERIES_RANGES, type Id, type SeriesRange } from '../../api';
import { t } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { EmptyState } from '../EmptyState';
import { ErrorState, Loading } from '../LoadState';
import { Panel } from '../Panel';
import { ProfitChart } from '../ProfitChart';

const STORE = 'copytrade.range';

function initialRange(): SeriesRange {
  try {
    const v = localStorage.getItem(STORE);
    if (v && (SERIES_RANGES as readonly string[]).includes(v)) return v as SeriesRange;
  } catch { /* no storage */ }
  return '7d';
}

/** The cumulative profit chart with its range buttons; refetches when `version` changes. */
export function ProfitPanel({ accountId, version }: { accountId: Id; version: number }) {
  const [range, setRange] = useState<SeriesRange>(initialRange);
  const series = useAsync((s) => api.profitSeries(accountId, range, s),
                          [accountId, range, version]);
  const choose = (r: SeriesRange) => {
    setRange(r);
    try { localStorage.setItem(STORE, r); } catch { /* no storage */ }
  };
  return (
    <Panel
      title={t('dash.chart')}
      testid="chart-panel"
      actions={
        <div role="group" aria-label={t('dash.chart')} class="flex gap-1">
          {SERIES_RANGES.map((r) => (
            <button key={r} type="button" aria-pressed={r === range} onClick={() => choose(r)}
                    data-testid={`range-${r}`}
                    class={`rounded-md px-2 py-1 text-xs font-semibold
                            ${r === range ? 'bg-ink-600 text-ink-100' : 'text-ink-400 hover:text-ink-200'}`}>
              {t(`dash.range.${r}`)}
            </button>
          ))}
        </div>
      }
    >
      {series.error && !series.data ? <ErrorState error={series.error} onRetry={series.reload} />
        : !series.data ? <Loading />
        : series.data.points.length === 0 ? (
          <div data-testid="profit-chart" data-points="0">
            <EmptyState icon="📈">{t('dash.chartEmpty')}</EmptyState>
          </div>
        ) : <ProfitChart points={series.data.points} bucket={series.data.bucket} />}
    </Panel>
  );
}
