import { money } from '../../i18n';

/** A signed amount, green when positive and red when negative. */
export function Money({ value, testid, class: cls }: {
  value: string | number | null | undefined; testid?: string; class?: string;
}) {
  const n = value === null || value === undefined || value === '' ? NaN : Number(value);
  const tone = !Number.isFinite(n) || n === 0 ? 'text-ink-200' : n > 0 ? 'text-up' : 'text-down';
  return (
    <span data-testid={testid} data-value={value ?? ''} class={`tabular ${tone} ${cls ?? ''}`}>
      {money(value)}
    </span>
  );
}
