/**
 * Every reason code the server can put on a copy has Thai and English text. The list is
 * generated from the server (server/copytrade/engine/reason_codes.py → reason-codes.json; a
 * pytest keeps the file current), so a new server code without a translation fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { th } from './th';

const codes = JSON.parse(readFileSync(new URL('./reason-codes.json', import.meta.url), 'utf-8')) as
  string[];

describe('reason codes', () => {
  it('reads the server list', () => {
    expect(codes.length).toBeGreaterThan(20);
    expect(codes).toContain('RISK_TRIPPED');
    expect(codes).toContain('OUTSIDE_TRADING_HOURS');
  });

  it.each(['en', 'th'] as const)('has a %s text for every code', (lang) => {
    const msgs: Record<string, string> = lang === 'en' ? en : th;
    const missing = codes.filter((c) => !msgs[`trade.reason.${c}`]?.trim());
    expect(missing, `codes without ${lang} text`).toEqual([]);
  });

  it('has Thai, not English, in the Thai texts of the risk codes', () => {
    const thai = /[\u0E00-\u0E7F]/;
    for (const c of codes.filter((x) => x.startsWith('RISK_') || x.startsWith('MAX_'))) {
      expect(thai.test((th as Record<string, string>)[`trade.reason.${c}`] ?? ''), c).toBe(true);
    }
  });
});
