import { describe, expect, it } from 'vitest';
import { en } from './en';
import { detectLocale, interpolate, MESSAGES, setLocale, t } from './index';
import { th } from './th';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('messages', () => {
  it('has every key in both languages, and no extra ones', () => {
    expect(Object.keys(th).sort()).toEqual(Object.keys(en).sort());
  });

  it('has no empty strings', () => {
    for (const [lang, msgs] of Object.entries(MESSAGES)) {
      for (const [k, v] of Object.entries(msgs)) {
        expect(v.trim(), `${lang} ${k}`).not.toBe('');
      }
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(th[k]), k).toEqual(placeholders(en[k]));
    }
  });

  it('is actually translated (Thai text where English has words)', () => {
    const thai = /[\u0E00-\u0E7F]/;
    const translated = Object.keys(en).filter((k) => thai.test(th[k as keyof typeof en]));
    expect(translated.length / Object.keys(en).length).toBeGreaterThan(0.75);
  });
});

describe('t and interpolate', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(interpolate('Hi {name}, {n}', { name: 'Ann' })).toBe('Hi Ann, {n}');
  });

  it('follows the chosen language', () => {
    setLocale('th');
    expect(t('nav.settings')).toBe('ตั้งค่า');
    setLocale('en');
    expect(t('accounts.detail.deleteConfirm', { name: 'Gold' })).toContain('“Gold”');
  });
});

describe('detectLocale', () => {
  it('prefers the stored choice, then the browser, then English', () => {
    expect(detectLocale('th', ['en-US'])).toBe('th');
    expect(detectLocale(null, ['th-TH', 'en'])).toBe('th');
    expect(detectLocale(null, ['de-DE', 'en-GB'])).toBe('en');
    expect(detectLocale('xx', ['fr'])).toBe('en');
    expect(detectLocale(undefined, undefined)).toBe('en');
  });
});
