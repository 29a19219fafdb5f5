import { decimal } from '../../i18n';

/** Pips in the position's favour, green or red, one decimal. */
export function Pips({ value }: { value: number | null | undefined }) {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return <span class="text-ink-400">—</span>;
  }
  const tone = value > 0 ? 'text-up' : value < 0 ? 'text-down' : 'text-ink-200';
  return (
    <span data-testid="pips" data-value={value} class={`tabular ${tone}`}>
      {value > 0 ? '+' : ''}{decimal(value.toFixed(1), 1)}
    </span>
  );
}
