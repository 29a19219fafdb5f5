import { describe, expect, it } from 'vitest';
import { asRiskEvent, type RiskLimits } from '../../api';
import { setLocale } from '../../i18n';
import { figure, guardLines } from './index';

const limits: RiskLimits = {
  equity_floor: { value: '9000.00', action: 'CLOSE_ALL_AND_PAUSE' }, max_drawdown_pct: null,
  drawdown_from: 'START_BALANCE', daily_loss: null,
  daily_loss_pct: { value: '5.00', action: 'CLOSE_ONLY' }, daily_profit_target: null,
  margin_level_floor: null, day_timezone: null, max_open_copies: 3, max_total_lots: null,
  max_symbol_lots: '1.5',
  trading_hours: { days: [0, 1, 2, 3, 4], windows: [{ start: '07:00', end: '21:00' }],
                   timezone: 'UTC' },
};

describe('risk panel', () => {
  it('lists every guard that is on, in English and Thai', () => {
    setLocale('en');
    expect(guardLines(limits)).toEqual([
      'Equity floor 9,000.00 · Close all and pause',
      'Daily loss (%) 5.00 % · Close-only until reset',
      'Max 3 open copies',
      'Max 1.5 lots per symbol',
      'Trading hours Mon Tue Wed Thu Fri 07:00–21:00 (UTC)',
    ]);
    setLocale('th');
    expect(guardLines(limits)[0]).toBe('Equity ต่ำสุด 9,000.00 · ปิดทั้งหมดและหยุด');
    setLocale('en');
  });

  it('writes a trip figure in its unit', () => {
    setLocale('en');
    expect(figure('EQUITY_FLOOR', '8500')).toBe('8,500.00');
    expect(figure('DRAWDOWN', '10.5')).toBe('10.50 %');
  });

  it('recognises the risk live events only', () => {
    expect(asRiskEvent({ type: 'risk.tripped' })).not.toBeNull();
    expect(asRiskEvent({ type: 'risk.lifted' })).not.toBeNull();
    expect(asRiskEvent({ type: 'pair.status' })).toBeNull();
  });
});
