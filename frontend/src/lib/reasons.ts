/** The text of a copy's reason code: Thai readers get the translation of the code; English
 *  readers the server's own sentence when it has one (it carries the figures), else the code's
 *  text. Codes come from server/copytrade/engine/reason_codes.py (see i18n/reasons.test.ts). */
import { hasKey, locale, t } from '../i18n';

/** Codes whose translation is always shown (the server's sentence is for the log). */
const ALWAYS: ReadonlySet<string> = new Set(['NO_ANSWER', 'ALREADY_COPIED']);

export function reasonLabel(code: string | null | undefined,
                            reason: string | null | undefined): string | null {
  const key = code ? `trade.reason.${code}` : '';
  if (code && hasKey(key) && (ALWAYS.has(code) || locale.value !== 'en' || !reason)) {
    return t(key);
  }
  return reason ?? code ?? null;
}
