import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, SERIES_RANGES, type Id, type SeriesRange } from '../../api';
import { decimal, integer, money, ms, percent, t } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { ErrorState, Loading } from '../LoadState';
import { Money } from '../Money';
import { Panel } from '../Panel';

function Figure({ label, children, detail, testid }: {
  label: string; children: ComponentChildren; detail?: ComponentChildren; testid: string;
}) {
  return (
    <div class="min-w-0" data-testid={testid}>
      <dt class="text-xs text-ink-300">{label}</dt>
      <dd class="text-lg font-semibold tabular text-ink-100">{children}</dd>
      {detail && <dd class="text-xs tabular text-ink-300">{detail}</dd>}
    </div>
  );
}

/** Net profit, win rate, profit factor, drawdown, ... of one account over a chosen period. */
export function PerformancePanel({ accountId, version }: { accountId: Id; version: number }) {
  const [range, setRange] = useState<SeriesRange>('30d');
  const perf = useAsync((s) => api.performance(accountId, range, s), [accountId, range, version]);
  const p = perf.data;
  return (
    <Panel title={t('perf.title')} testid="performance-panel"
           actions={
             <div role="group" aria-label={t('perf.title')} class="flex gap-1">
               {SERIES_RANGES.map((r) => (
                 <button key={r} type="button" aria-pressed={r === range}
                         onClick={() => setRange(r)} data-testid={`perf-range-${r}`}
                         class={`min-h-11 min-w-11 rounded-md px-2 text-xs font-semibold md:min-h-8
                                 ${r === range ? 'bg-ink-600 text-ink-100'
                                               : 'text-ink-300 hover:text-ink-100'}`}>
                   {t(`dash.range.${r}`)}
                 </button>
               ))}
             </div>
           }>
      {perf.error && !p ? <ErrorState error={perf.error} onRetry={perf.reload} />
        : !p ? <Loading />
        : (
          <dl class="grid grid-cols-2 gap-x-4 gap-y-3 sm:grid-cols-3 xl:grid-cols-6"
              data-testid="performance" data-range={p.range} data-trades={p.trades}>
            <Figure label={t('perf.net')} testid="perf-net">
              <Money value={p.net_profit} testid="perf-net-value" /></Figure>
            <Figure label={t('perf.winRate')} testid="perf-win-rate"
                    detail={t('perf.winsLosses', { wins: integer(p.wins), losses: integer(p.losses) })}>
              {percent(p.win_rate)}</Figure>
            <Figure label={t('perf.profitFactor')} testid="perf-profit-factor">
              {p.profit_factor === null ? '—' : decimal(p.profit_factor.toFixed(2))}</Figure>
            <Figure label={t('perf.maxDrawdown')} testid="perf-drawdown"
                    detail={p.max_drawdown_pct === null ? undefined : `${decimal(p.max_drawdown_pct)}%`}>
              {money(p.max_drawdown, { sign: false })}</Figure>
            <Figure label={t('perf.expectancy')} testid="perf-expectancy">
              <Money value={p.expectancy} /></Figure>
            <Figure label={t('perf.trades')} testid="perf-trades"
                    detail={`${t('perf.perDay')} ${decimal(p.trades_per_day.toFixed(2))}`}>
              {integer(p.trades)}</Figure>
            <Figure label={t('perf.avgWin')} testid="perf-avg-win"><Money value={p.avg_win} /></Figure>
            <Figure label={t('perf.avgLoss')} testid="perf-avg-loss"><Money value={p.avg_loss} /></Figure>
            <Figure label={t('perf.bestWorst')} testid="perf-best-worst">
              <Money value={p.best} /> / <Money value={p.worst} /></Figure>
            <Figure label={t('perf.latency')} testid="perf-latency">{ms(p.avg_latency_ms)}</Figure>
            <Figure label={t('perf.slippage')} testid="perf-slippage" detail={t('perf.slippageHint')}>
              {p.avg_slippage_points === null ? '—'
                : t('trade.points', { n: decimal(p.avg_slippage_points.toFixed(1), 1) })}</Figure>
          </dl>
        )}
    </Panel>
  );
}
