/** Client-side checks that mirror the API's, so most mistakes are caught before a round trip. */
import { t } from '../i18n';

export type Errors = Record<string, string>;

export function required(v: string): string | undefined {
  return v.trim() ? undefined : t('validation.required');
}

export function email(v: string): string | undefined {
  if (!v.trim()) return t('validation.required');
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? undefined : t('validation.email');
}

export function password(v: string): string | undefined {
  if (!v) return t('validation.required');
  return v.length >= 10 && v.length <= 256 ? undefined : t('validation.passwordLength');
}

/** Drop undefined entries; an empty object means valid. */
export function collect(entries: Record<string, string | undefined>): Errors {
  const out: Errors = {};
  for (const [k, v] of Object.entries(entries)) if (v) out[k] = v;
  return out;
}
