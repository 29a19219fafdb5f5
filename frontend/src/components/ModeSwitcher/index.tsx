import { COPY_MODES, type CopyMode } from '../../api';
import { t } from '../../i18n';

export const MODE_ICON: Record<CopyMode, string> = { PUBSUB: '📡', '1TO1': '🤝', RECORD: '📝' };

/**
 * The three copy modes as a radio group (arrow keys move, Enter/Space/click select).
 */
export function ModeSwitcher({ value, onChange, busy, disabled }: {
  value: CopyMode; onChange: (mode: CopyMode) => void; busy?: CopyMode | null;
  disabled?: boolean;
}) {
  const move = (from: CopyMode, delta: number) => {
    const i = (COPY_MODES.indexOf(from) + delta + COPY_MODES.length) % COPY_MODES.length;
    const next = COPY_MODES[i]!;
    onChange(next);
    document.querySelector<HTMLElement>(`[data-testid="mode-${next}"]`)?.focus();
  };
  return (
    <div role="radiogroup" aria-label={t('dash.mode')} data-testid="mode-switcher"
         data-mode={value} class="grid grid-cols-3 gap-2">
      {COPY_MODES.map((m) => {
        const checked = m === value;
        return (
          <button
            key={m}
            type="button"
            role="radio"
            aria-checked={checked}
            tabIndex={checked ? 0 : -1}
            disabled={disabled}
            data-testid={`mode-${m}`}
            title={t(`dash.modeDesc.${m}`)}
            onClick={() => !checked && onChange(m)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { e.preventDefault(); move(m, 1); }
              if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { e.preventDefault(); move(m, -1); }
            }}
            class={`flex flex-col items-center gap-1 rounded-lg border px-2 py-3 text-center
                    transition-colors disabled:opacity-60
                    ${checked ? 'border-brand bg-brand-dim text-ink-100 ring-1 ring-brand/50'
                              : 'border-ink-600 bg-ink-950 text-ink-300 hover:border-ink-500'}
                    ${busy === m ? 'animate-pulse' : ''}`}
          >
            <span class="text-xl" aria-hidden="true">{MODE_ICON[m]}</span>
            <span class="text-sm font-bold tracking-wide">{t(`dash.mode.${m}`)}</span>
            <span class="hidden text-[11px] leading-tight text-ink-400 sm:block">
              {t(`dash.modeDesc.${m}`)}
            </span>
          </button>
        );
      })}
    </div>
  );
}
