import { ApiError } from '../api';
import { hasKey, locale, t } from '../i18n';

/** The translation key of a server field code (`field_codes`, docs/api.md "Errors"). */
export function fieldCodeKey(code: string): string {
  return `fieldCode.${code}`;
}

/** The user's-language text of an error code with its parameters, or undefined when the code
 *  has none (or is the catch-all `other`, which only repeats the server's English). */
export function codeText(code: string | undefined,
                         params?: Readonly<Record<string, string>>): string | undefined {
  if (!code || code === 'other') return undefined;
  const key = fieldCodeKey(code);
  return hasKey(key) ? t(key, params ? { ...params } : undefined) : undefined;
}

/** Message codes that only say "look at the fields" (the per-status text says it better). */
const GENERIC = new Set(['fields_invalid', 'query_invalid', 'internal']);

/** A sentence for the user about a failed call, in the current language. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.generic');
  // A refusal with a code for the request as a whole (or, on a 409, for its one field) says
  // exactly what is wrong, in either language.
  const whole = codeText(err.fieldCodes[''], err.fieldParams['']);
  if (whole) return whole;
  if (err.status === 409) {
    const one = Object.entries(err.fieldCodes).map(([k, c]) => codeText(c, err.fieldParams[k]))
      .find(Boolean);
    if (one) return one;
  }
  // Refusals whose message names the problem itself (not the generic "some fields are
  // invalid": then the fields say it) read from their code in either language.
  if (err.messageCode && !GENERIC.has(err.messageCode)) {
    const text = codeText(err.messageCode, err.params);
    if (text) return text;
  }
  switch (err.status) {
    case 0: return t('error.network');
    case 401: return t('error.unauthorized');
    case 404: return t('error.notFound');
    case 429: return t('error.rateLimited');
    case 422: return t('error.validation');
    case 409:
      // The server's sentence is specific but English; Thai readers get the general one.
      return locale.value === 'en' && err.message ? err.message : t('error.conflict');
    default:
      return err.status >= 500 ? t('error.generic') : (err.message || t('error.generic'));
  }
}

/** Field errors of a 422, keyed by field name ("rules.lot_value" → "lot_value" too). */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(err.fields)) {
    // Coded refusals read in the user's language.
    const v = codeText(err.fieldCodes[k], err.fieldParams[k]) ?? raw;
    out[k] = v;
    const last = k.split('.').pop()!.replace(/\[\d+\]$/, '');
    out[last] ??= v;
  }
  return out;
}
