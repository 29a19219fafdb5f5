import { ApiError } from '../api';
import { hasKey, locale, t } from '../i18n';

/** The translation key of a server field code (`field_codes`, docs/api.md "Errors"). */
export function fieldCodeKey(code: string): string {
  return `fieldCode.${code}`;
}

/** The user's-language text of a field code, or undefined when it has none. */
function codeText(code: string | undefined): string | undefined {
  const key = code ? fieldCodeKey(code) : '';
  return hasKey(key) ? t(key) : undefined;
}

/** A sentence for the user about a failed call, in the current language. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.generic');
  // A refusal with a code for the request as a whole (or, on a 409, for its one field) says
  // exactly what is wrong, in either language.
  const whole = codeText(err.fieldCodes['']);
  if (whole) return whole;
  if (err.status === 409) {
    const one = Object.values(err.fieldCodes).map(codeText).find(Boolean);
    if (one) return one;
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
    const v = codeText(err.fieldCodes[k]) ?? raw; // coded refusals read in the user's language
    out[k] = v;
    const last = k.split('.').pop()!.replace(/\[\d+\]$/, '');
    out[last] ??= v;
  }
  return out;
}
