import { describe, expect, it } from 'vitest';
import { ApiError, type RiskLimits } from '../api';
import { setLocale } from '../i18n';
import { reasonLabel } from './reasons';
import { riskServerErrors, riskToForm, validateRisk } from './risk';

const off: RiskLimits = {
  equity_floor: null, max_drawdown_pct: null, drawdown_from: 'START_BALANCE', daily_loss: null,
  daily_loss_pct: null, daily_profit_target: null, margin_level_floor: null, day_timezone: null,
  max_open_copies: null, max_total_lots: null, max_symbol_lots: null, trading_hours: null,
};

const full: RiskLimits = {
  ...off,
  equity_floor: { value: '9000', action: 'CLOSE_ALL_AND_PAUSE' },
  max_drawdown_pct: { value: '10', action: 'CLOSE_ONLY' },
  drawdown_from: 'EQUITY_PEAK',
  daily_loss_pct: { value: '5', action: 'SKIP_NEW' },
  margin_level_floor: { value: '300', action: 'SKIP_NEW' },
  day_timezone: 'Asia/Bangkok',
  max_open_copies: 5, max_total_lots: '2.5', max_symbol_lots: '1',
  trading_hours: { days: [0, 1, 2, 3, 4], windows: [{ start: '22:00', end: '02:00' }],
                   timezone: 'Europe/Athens' },
};

describe('risk guards form', () => {
  setLocale('en');

  it('round-trips every guard into the whole PUT body', () => {
    const { errors, body } = validateRisk(riskToForm(full));
    expect(errors).toEqual({});
    expect(body).toEqual(full);
  });

  it('sends every guard that is off as null (the PUT replaces the set)', () => {
    const { body } = validateRisk(riskToForm(off));
    expect(body).toEqual(off);
  });

  it('names every bad field at once, with a message', () => {
    const f = riskToForm(full);
    f.equity_floor.value = '-5';
    f.max_drawdown_pct.value = '150';
    f.daily_loss.value = '1.234';
    f.day_timezone = 'Mars/Olympus';
    f.max_open_copies = '0';
    f.max_total_lots = 'lots';
    f.hours_days = [];
    f.hours_windows = [{ start: '25:00', end: '09:00' }, { start: '08:00', end: '08:00' }];
    f.hours_timezone = '';
    const { errors, body } = validateRisk(f);
    expect(body).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual([
      'daily_loss', 'day_timezone', 'equity_floor', 'max_drawdown_pct', 'max_open_copies',
      'max_total_lots', 'trading_hours.days', 'trading_hours.timezone',
      'trading_hours.windows[0].start', 'trading_hours.windows[1].end',
    ]);
    expect(errors.max_drawdown_pct).toBe('Must be above 0 and at most 100.');
    expect(errors.daily_loss).toBe('Use at most 2 decimal places.');
    expect(errors.equity_floor).toBe('Must be greater than 0.'); // -5: not "Enter a number."
  });

  it('says a negative number is out of range, not "not a number"', () => {
    const f = riskToForm(full);
    f.max_open_copies = '-3';
    f.max_total_lots = '-1';
    const { errors } = validateRisk(f);
    expect(errors.max_open_copies).toBe('Must be between 1 and 10000.');
    expect(errors.max_total_lots).toBe('Must be greater than 0.');
  });

  it('allows a margin level floor above 100 % (up to 100000)', () => {
    const f = riskToForm(off);
    f.margin_level_floor.value = '100001';
    expect(validateRisk(f).errors.margin_level_floor).toBeTruthy();
    f.margin_level_floor.value = '300';
    expect(validateRisk(f).errors).toEqual({});
  });

  it('gives the messages in Thai', () => {
    setLocale('th');
    const f = riskToForm(off);
    f.daily_loss_pct.value = '0';
    expect(validateRisk(f).errors.daily_loss_pct).toBe('ต้องมากกว่า 0 และไม่เกิน 100');
    setLocale('en');
  });

  it('keys a 422 by the form field and leads in Thai', () => {
    const err = new ApiError(422, 'validation', 'Some fields are invalid.', {
      'equity_floor.value': 'must be above 0', day_timezone: 'not an IANA time zone',
      'trading_hours.windows[0].start': 'must be a time HH:MM' });
    expect(riskServerErrors(err)).toEqual({
      equity_floor: 'must be above 0', day_timezone: 'not an IANA time zone',
      'trading_hours.windows[0].start': 'must be a time HH:MM' });
    setLocale('th');
    expect(riskServerErrors(err).equity_floor).toBe('เซิร์ฟเวอร์ไม่รับค่านี้ (must be above 0)');
    setLocale('en');
  });
});

describe('reason labels', () => {
  it('translates codes for Thai readers and keeps the server sentence in English', () => {
    setLocale('en');
    expect(reasonLabel('MAX_OPEN_COPIES', '3 copies are open; the limit is 3.'))
      .toBe('3 copies are open; the limit is 3.');
    expect(reasonLabel('RISK_TRIPPED', null)).toBe('Skipped: a risk guard has tripped');
    expect(reasonLabel('SOMETHING_NEW', 'why')).toBe('why');
    setLocale('th');
    expect(reasonLabel('OUTSIDE_TRADING_HOURS', 'Outside this follower’s trading hours (UTC).'))
      .toBe('ข้าม: อยู่นอกช่วงเวลาเทรดของบัญชีนี้');
    setLocale('en');
  });
});
