import { LOCALES, locale, setLocale, t } from '../../i18n';

/** Two buttons, ไทย | English; the current one is pressed. */
export function LanguageSwitcher({ testid = 'lang-switcher' }: { testid?: string }) {
  return (
    <div role="group" aria-label={t('nav.language')} data-testid={testid}
         class="inline-flex rounded-lg border border-ink-600 bg-ink-950 p-0.5">
      {LOCALES.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={locale.value === l}
          data-testid={`${testid}-${l}`}
          onClick={() => setLocale(l)}
          class={`rounded-md px-2.5 py-1 text-xs font-semibold transition-colors
                  ${locale.value === l ? 'bg-ink-600 text-ink-100' : 'text-ink-400 hover:text-ink-200'}`}
        >
          {t(`lang.${l}`)}
        </button>
      ))}
    </div>
  );
}
