import { describe, expect, it } from 'vitest';
import cases from '../../../tests/fixtures/pips_cases.json';
import type { TradePair } from '../api';
import { applyPnl, pips, pipSize, priceDigits } from './pnl';

describe('pips (the same table tests the SQL functions: tests/db/test_floating_sql.py)', () => {
  for (const c of cases) {
    it(`${c.symbol} ${c.side} ${c.open} → ${c.price} = ${c.pips}`, () => {
      expect(pips(c.symbol, c.side as 'BUY' | 'SELL', c.open, c.price)).toBe(c.pips);
    });
  }
  it('is null without a price', () => {
    expect(pips('EURUSD', 'BUY', '1.1', null)).toBeNull();
    expect(pips('EURUSD', null, '1.1', '1.2')).toBeNull();
  });
  it('pip sizes and price digits', () => {
    expect(pipSize('USDJPY', 151)).toBe(0.01);
    expect(priceDigits('EURUSD', '1.084')).toBe(5);
    expect(priceDigits('USDJPY', '151.13')).toBe(3);
    expect(priceDigits('XAUUSD', '2350.1')).toBe(2);
  });
});

describe('applyPnl', () => {
  it('patches the matching rows and recomputes pips', () => {
    const rows = [
      { id: 1, master_ticket: 10, symbol: 'EURUSD', side: 'BUY', open_price: '1.08450' },
      { id: 2, master_ticket: 11, symbol: 'EURUSD', side: 'BUY', open_price: '1.08450' },
    ] as unknown as TradePair[];
    const out = applyPnl(rows, [{ ticket: 11, open_price: '1.08450', current_price: '1.08350',
                                  floating_profit: '-10.00', swap: '-0.20' }],
                         (r) => r.master_ticket,
                         (r, price) => pips(r.symbol, r.side, r.open_price, price));
    expect(out[0]).toBe(rows[0]);
    expect(out[1]).toMatchObject({ current_price: '1.08350', floating_profit: '-10.00',
                                   swap: '-0.20', pips: -10 });
  });
});
