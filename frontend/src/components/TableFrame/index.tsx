import type { ComponentChildren } from 'preact';
import { useMediaQuery, WIDE } from '../../lib/hooks';

const TH = 'px-2 py-2 text-left text-xs font-medium tracking-wide text-ink-300 uppercase';
/** The class of a table cell (add `text-right` for figures). */
export const TD = 'px-2 py-2 whitespace-nowrap';

/** A column heading; `false` leaves the column out (e.g. one shown only for closed rows). */
export type Column = { label: string; right?: boolean } | false;

/** `data-*` attributes every row carries in both layouts (the browser tests find rows by them). */
export type RowData = Record<`data-${string}`, string | number>;

/**
 * The frame shared by the trade tables: a table from 768 px (header, hover, flashing rows),
 * a list of cards on a phone, and what to show when there are no rows. Rows give their cells
 * (`row`) and their card's contents (`card`); the frame owns everything around them.
 */
export function TableFrame<T extends { id: number }>({ items, columns, testid, rowTestid, data,
                                                       flash, empty, row, card }: {
  items: readonly T[];
  columns: readonly Column[];
  testid: string;
  rowTestid: string;
  data: (item: T) => RowData;
  flash?: ReadonlySet<number> | undefined;
  /** Shown instead of the table when there are no rows (default: the empty table). */
  empty?: ComponentChildren;
  row: (item: T) => ComponentChildren;
  card: (item: T) => ComponentChildren;
}) {
  const wide = useMediaQuery(WIDE);
  if (items.length === 0 && empty !== undefined) return <>{empty}</>;
  const flashing = (item: T) => (flash?.has(item.id) ? 'row-flash' : '');
  if (!wide) {
    return (
      <ul class="space-y-2" data-testid={testid}>
        {items.map((item) => (
          <li key={item.id} data-testid={rowTestid} {...data(item)}
              class={`rounded-lg border border-ink-700 bg-ink-900/40 p-3 text-sm tabular
                      ${flashing(item)}`}>
            {card(item)}
          </li>
        ))}
      </ul>
    );
  }
  return (
    <div class="-mx-4 overflow-x-auto" data-testid={testid}>
      <table class="w-full text-sm tabular">
        <thead class="border-b border-ink-700">
          <tr>
            {columns.map((c, i) => c && (
              <th key={i} class={c.right ? `${TH} text-right` : TH} scope="col">{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody class="divide-y divide-ink-800">
          {items.map((item) => (
            <tr key={item.id} data-testid={rowTestid} {...data(item)}
                class={`hover:bg-ink-800/50 ${flashing(item)}`}>
              {row(item)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The top of a phone card: what the row is (left), its result (right). */
export function CardHead({ children, result }: { children: ComponentChildren;
                                                 result: ComponentChildren }) {
  return (
    <div class="flex items-start justify-between gap-2">
      <div class="min-w-0">{children}</div>
      <div class="text-right">{result}</div>
    </div>
  );
}

/** A phone card's figures, three to a line. */
export function CardFacts({ children }: { children: ComponentChildren }) {
  return <dl class="mt-2 grid grid-cols-3 gap-x-2 gap-y-1 text-xs">{children}</dl>;
}

/** One figure of a card. */
export function CardFact({ label, children, testid, plain = false }: {
  label: string; children: ComponentChildren; testid?: string;
  /** Leave the value unstyled (e.g. a badge). */
  plain?: boolean;
}) {
  return (
    <div><dt class="text-ink-300">{label}</dt>
      <dd class={plain ? undefined : 'text-ink-100'} data-testid={testid}>{children}</dd></div>
  );
}
