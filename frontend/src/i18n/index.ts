/**
 * Every user-visible string, in Thai and English. The language defaults to the browser's,
 * is remembered in localStorage, and is a signal: components that call `t()` re-render when
 * it changes.
 */
import { signal } from '@preact/signals';
import { en, type MessageKey } from './en';
import * as fmt from './format';
import { th } from './th';

export type { MessageKey } from './en';
export type Locale = 'en' | 'th';
export const LOCALES: readonly Locale[] = ['th', 'en'];
export const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, th };
export const STORAGE_KEY = 'copytrade.locale';

/** The Intl locale tag used for numbers and dates. */
export const INTL_TAG: Record<Locale, string> = { en: 'en-US', th: 'th-TH' };

/** The stored choice if valid, else the first browser language we speak, else English. */
export function detectLocale(stored: string | null | undefined,
                             languages: readonly string[] | undefined): Locale {
  if (stored === 'en' || stored === 'th') return stored;
  for (const lang of languages ?? []) {
    const base = lang.toLowerCase().split('-')[0];
    if (base === 'th' || base === 'en') return base;
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

export const locale = signal<Locale>(detectLocale(readStored(), browserLanguages()));

function applyToDocument(l: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}
applyToDocument(locale.value);

export function setLocale(l: Locale): void {
  locale.value = l;
  applyToDocument(l);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, l);
  } catch {
    // private mode: the choice lasts for this tab only
  }
}

/** Replace {name} placeholders. Unknown placeholders stay visible, which tests catch. */
export function interpolate(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole);
}

/** The string for `key` in the current language. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return interpolate(MESSAGES[locale.value][key] ?? en[key] ?? key, params);
}

/** Whether `key` names a message (for keys built from server values, e.g. statuses). */
export function hasKey(key: string): key is MessageKey {
  return key in en;
}

/** The Intl tag of the current language. */
export function tag(): string {
  return INTL_TAG[locale.value];
}

// Formatting bound to the current language.
export const money = (v: string | number | null | undefined, opts?: { sign?: boolean }) =>
  fmt.formatMoney(v, tag(), opts);
export const decimal = (v: string | number | null | undefined, min?: number) =>
  fmt.formatDecimal(v, tag(), min);
export const integer = (v: number | null | undefined) => fmt.formatInteger(v, tag());
export const percent = (v: number | null | undefined) => fmt.formatPercent(v, tag());
export const ms = (v: number | null | undefined) => fmt.formatMs(v, tag());
export const dateTime = (v: string | number | Date | null | undefined) =>
  fmt.formatDateTime(v, tag());
export const when = (v: string | number | Date | null | undefined) => fmt.formatWhen(v, tag());
export const axisTime = (v: string | number | Date, hourly: boolean) =>
  fmt.formatAxisTime(v, tag(), hourly);
export const duration = (seconds: number | null | undefined) => fmt.formatDuration(seconds, {
  d: t('time.d'), h: t('time.h'), m: t('time.m'), s: t('time.s') });
