/**
 * Every per-field error code the API can send (`field_codes`, docs/api.md "Errors") has Thai
 * and English text. The list mirrors the server's (copytrade.api.errors.FIELD_CODES →
 * field-codes.json; a pytest keeps the file current), so a new code without text fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { errorMessage, fieldErrors } from '../lib/errors';
import { en } from './en';
import { setLocale } from './index';
import { th } from './th';

const codes = JSON.parse(readFileSync(new URL('./field-codes.json', import.meta.url), 'utf-8')) as
  string[];

describe('server field codes', () => {
  it('reads the server list', () => {
    for (const c of ['wrong_password', 'email_unusable', 'unknown_master_token',
                     'master_token_rotated', 'partner_follows_no_master',
                     'partner_follows_other', 'name_taken']) {
      expect(codes).toContain(c);
    }
  });

  it.each(['en', 'th'] as const)('has a %s text for every code', (lang) => {
    const msgs: Record<string, string> = lang === 'en' ? en : th;
    const missing = codes.filter((c) => !msgs[`fieldCode.${c}`]?.trim());
    expect(missing, `codes without ${lang} text`).toEqual([]);
  });

  it('has Thai script in every Thai text', () => {
    const thai = /[\u0E00-\u0E7F]/;
    for (const c of codes) {
      expect(thai.test((th as Record<string, string>)[`fieldCode.${c}`] ?? ''), c).toBe(true);
    }
  });

  it('fills in the parameters of a code in both languages', () => {
    const err = new ApiError(422, 'validation_failed', 'Some fields are invalid.',
      { min_lot_to_copy: 'must be at least 0', max_lot: 'something new' },
      { min_lot_to_copy: 'at_least', max_lot: 'other' }, 'fields_invalid', {},
      { min_lot_to_copy: { min: '0' }, max_lot: { text: 'something new' } });
    setLocale('th');
    try {
      expect(fieldErrors(err).min_lot_to_copy).toBe('ต้องไม่น้อยกว่า 0');
      expect(fieldErrors(err).max_lot).toBe('something new'); // `other`: the server's words
      const limited = new ApiError(429, 'rate_limited', 'Too many failed attempts; try again in 7 s.',
        {}, {}, 'too_many_attempts', { seconds: '7' });
      expect(errorMessage(limited)).toBe('ลองผิดหลายครั้งเกินไป กรุณารอ 7 วินาทีแล้วลองใหม่');
    } finally {
      setLocale('en');
    }
    expect(fieldErrors(err).min_lot_to_copy).toBe('Must be at least 0');
  });

  it('leaves no placeholder of a code untranslated', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const c of codes) {
      const key = `fieldCode.${c}`;
      expect(names((th as Record<string, string>)[key] ?? ''), c)
        .toEqual(names((en as Record<string, string>)[key] ?? ''));
    }
  });

  it('shows the coded field error in the user\'s language, the server text otherwise', () => {
    const err = new ApiError(422, 'validation_failed', 'No master account has this master token.',
      { master_token: 'no master account has this token', name: 'too long' },
      { master_token: 'unknown_master_token' });
    setLocale('th');
    try {
      expect(fieldErrors(err).master_token).toBe(th['fieldCode.unknown_master_token']);
      expect(fieldErrors(err).name).toBe('too long');
      const conflict = new ApiError(409, 'conflict', 'this account still has open copies',
        {}, { '': 'open_copies' });
      expect(errorMessage(conflict)).toBe(th['fieldCode.open_copies']);
    } finally {
      setLocale('en');
    }
    expect(fieldErrors(err).master_token).toBe(en['fieldCode.unknown_master_token']);
  });
});
