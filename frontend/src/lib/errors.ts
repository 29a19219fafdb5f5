import { ApiError } from '../api';
import { locale, t } from '../i18n';

/** A sentence for the user about a failed call, in the current language. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.generic');
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
  for (const [k, v] of Object.entries(err.fields)) {
    out[k] = v;
    const last = k.split('.').pop()!.replace(/\[\d+\]$/, '');
    out[last] ??= v;
  }
  return out;
}
