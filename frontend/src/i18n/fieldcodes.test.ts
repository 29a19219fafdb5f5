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
