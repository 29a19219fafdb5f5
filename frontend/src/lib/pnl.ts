/**
 * Pips, price digits and live floating-P/L updates. `pipSize` and `pips` are the same rule as
 * the SQL functions of sql/007_floating_pnl.sql (the API's `pips` field), so a row patched by a
 * `position.pnl` event shows what a reload would.
 */
import type { PnlItem, TradeSide } from '../api';

/** JPY pairs 0.01, gold 0.1, silver 0.01, quotes below 20 0.0001, below 1000 0.01, else 1. */
export function pipSize(symbol: string, price: number): number {
  const s = symbol.toUpperCase();
  if (s.includes('JPY')) return 0.01;
  if (s.startsWith('XAU') || s.startsWith('GOLD')) return 0.1;
  if (s.startsWith('XAG') || s.startsWith('SILVER')) return 0.01;
  if (price < 20) return 0.0001;
  if (price < 1000) return 0.01;
  return 1;
}

/** Price movement in the position's favour, in pips, one decimal (null when unknown). */
export function pips(symbol: string, side: TradeSide | null | undefined,
                     open: string | null | undefined, price: string | null | undefined): number | null {
  if (!side || open === null || open === undefined || price === null || price === undefined) {
    return null;
  }
  const o = Number(open);
  const p = Number(price);
  if (!Number.isFinite(o) || !Number.isFinite(p)) return null;
  const dir = side === 'SELL' ? -1 : 1;
  return Math.round(((p - o) * dir / pipSize(symbol, o)) * 10) / 10;
}

/** Decimals a price of `symbol` is quoted with: one more than its pip (EURUSD 5, USDJPY 3). */
export function priceDigits(symbol: string, price: string | number | null | undefined): number {
  const n = Number(price);
  const pip = pipSize(symbol, Number.isFinite(n) ? n : 1);
  const pipDecimals = Math.max(0, Math.round(-Math.log10(pip)));
  return Math.min(pipDecimals + 1, 8);
}

interface Floating {
  current_price?: string | null;
  floating_profit?: string | null;
  swap?: string | null;
  pips?: number | null;
}

/**
 * Apply a `position.pnl` event to a list: rows are matched by `keyOf(row)` (the master
 * ticket), their floating fields replaced, and pips recomputed from the row's own side,
 * symbol and open price.
 */
export function applyPnl<T extends Floating>(
  rows: readonly T[], items: readonly PnlItem[], keyOf: (row: T) => number,
  pipsOf: (row: T, price: string) => number | null,
): T[] {
  if (!items.length) return rows as T[];
  const byTicket = new Map(items.map((i) => [i.ticket, i]));
  return rows.map((row) => {
    const item = byTicket.get(keyOf(row));
    if (!item) return row;
    return {
      ...row,
      current_price: item.current_price,
      floating_profit: item.floating_profit,
      swap: item.swap,
      pips: pipsOf(row, item.current_price),
    };
  });
}
