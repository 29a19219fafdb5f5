import { describe, expect, it } from 'vitest';
import type { CopyRules } from '../api';
import { setLocale } from '../i18n';
import { rulesToForm, validateRules } from './rules';

const rules: CopyRules = {
  lot_mode: 'MULTIPLIER', lot_value: '1.00', reverse: false, min_lot_to_copy: '0.00',
  max_lot: null, symbol_map: 'XAUUSD=GOLD', allowed_symbols: [], blocked_symbols: ['US30'],
  signal_expiry_seconds: 30, max_deviation_points: 50, stale_open_policy: 'SKIP',
  copy_existing: false, copy_existing_max_age_minutes: 60, copy_existing_max_points: 100,
  max_spread_points: 0,
  updated_at: null,
};

describe('copy rules form', () => {
  setLocale('en');

  it('round-trips valid rules into the API body (no updated_at)', () => {
    const { errors, body } = validateRules(rulesToForm(rules));
    expect(errors).toEqual({});
    expect(body).toEqual({
      lot_mode: 'MULTIPLIER', lot_value: '1.00', reverse: false, min_lot_to_copy: '0.00',
      max_lot: null, symbol_map: 'XAUUSD=GOLD', allowed_symbols: [], blocked_symbols: ['US30'],
      signal_expiry_seconds: 30, max_deviation_points: 50, stale_open_policy: 'SKIP',
      copy_existing: false, copy_existing_max_age_minutes: 60, copy_existing_max_points: 100,
      max_spread_points: 0,
    });
  });

  it('checks the max spread (0 = no limit, whole points up to 100000)', () => {
    const f = rulesToForm(rules);
    for (const bad of ['-1', '1.5', 'abc', '100001', '']) {
      expect(Object.keys(validateRules({ ...f, max_spread_points: bad }).errors))
        .toEqual(['max_spread_points']);
    }
    expect(validateRules({ ...f, max_spread_points: '25' }).body?.max_spread_points).toBe(25);
  });

  it('normalises symbol lists and the map', () => {
    const f = { ...rulesToForm(rules), allowed_symbols: 'EURUSD,  GBPUSD  XAUUSD',
                symbol_map: 'XAUUSD = GOLD;US30=DJ30', max_lot: '5' };
    const { body } = validateRules(f);
    expect(body?.allowed_symbols).toEqual(['EURUSD', 'GBPUSD', 'XAUUSD']);
    expect(body?.symbol_map).toBe('XAUUSD=GOLD, US30=DJ30');
    expect(body?.max_lot).toBe('5');
  });

  it('names each invalid field', () => {
    const f = { ...rulesToForm(rules), lot_value: '0', min_lot_to_copy: 'x', max_lot: '-1',
                symbol_map: 'XAUUSD GOLD', signal_expiry_seconds: '0',
                max_deviation_points: '1.5', allowed_symbols: 'EUR/USD' };
    const { errors, body } = validateRules(f);
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual([
      'allowed_symbols', 'lot_value', 'max_deviation_points', 'max_lot', 'min_lot_to_copy',
      'signal_expiry_seconds', 'symbol_map',
    ]);
    expect(errors.signal_expiry_seconds).toBe('Must be between 1 and 86400.');
  });

  it('caps the risk per copy at 100 % in RISK_PERCENT mode', () => {
    const f = { ...rulesToForm(rules), lot_mode: 'RISK_PERCENT' as const, lot_value: '150' };
    expect(validateRules(f).errors.lot_value).toBe('Must be at most 100.');
    const ok = validateRules({ ...f, lot_value: '1.5' });
    expect(ok.errors).toEqual({});
    expect(ok.body?.lot_mode).toBe('RISK_PERCENT');
  });

  it('checks the copy-existing limits', () => {
    const f = { ...rulesToForm(rules), copy_existing: true, copy_existing_max_age_minutes: '0',
                copy_existing_max_points: '100001' };
    const { errors } = validateRules(f);
    expect(Object.keys(errors).sort()).toEqual(['copy_existing_max_age_minutes',
                                                'copy_existing_max_points']);
    const ok = validateRules({ ...f, copy_existing_max_age_minutes: '15',
                               copy_existing_max_points: '30' });
    expect(ok.body?.copy_existing).toBe(true);
    expect(ok.body?.copy_existing_max_age_minutes).toBe(15);
  });

  it('applies the API input limits: 4 decimals, 1 000 000, symbol in one list only', () => {
    const f = { ...rulesToForm(rules), lot_value: '0.12345', max_lot: '2000000',
                allowed_symbols: 'XAUUSD', blocked_symbols: 'xauusd' };
    const { errors } = validateRules(f);
    expect(errors.lot_value).toBe('Use at most 4 decimal places.');
    expect(errors.max_lot).toBe('Must be at most 1000000.');
    expect(errors.blocked_symbols).toContain('xauusd');
  });

  it('says what is wrong: below zero, not whole, not a symbol (issue 17 item 6)', () => {
    const f = { ...rulesToForm(rules), min_lot_to_copy: '-1', max_deviation_points: '-5',
                signal_expiry_seconds: '-3', allowed_symbols: 'EURUSD, EUR/USD',
                blocked_symbols: 'US30 x=y', max_lot: '-2' };
    const { errors } = validateRules(f);
    expect(errors.min_lot_to_copy).toBe('Must be 0 or more.');
    expect(errors.max_deviation_points).toBe('Must be 0 or more.');
    expect(errors.signal_expiry_seconds).toBe('Must be between 1 and 86400.');
    expect(errors.allowed_symbols).toContain('“EUR/USD” is not a symbol');
    expect(errors.allowed_symbols).not.toContain('XAUUSD=GOLD');
    expect(errors.blocked_symbols).toContain('“x=y”');
    expect(errors.max_lot).toBe('Must be greater than 0.');
    expect(validateRules({ ...f, max_deviation_points: '1.5' }).errors.max_deviation_points)
      .toBe('Enter a whole number.');
    expect(validateRules({ ...f, max_deviation_points: 'abc' }).errors.max_deviation_points)
      .toBe('Enter a number.');
    setLocale('th');
    try {
      const th = validateRules(f).errors;
      expect(th.min_lot_to_copy).toBe('ต้องเป็น 0 ขึ้นไป');
      expect(th.max_deviation_points).toBe('ต้องเป็น 0 ขึ้นไป');
      expect(th.allowed_symbols).toContain('EUR/USD');
      expect(th.allowed_symbols).toContain('ไม่ใช่ชื่อสัญลักษณ์');
    } finally {
      setLocale('en');
    }
  });
});
