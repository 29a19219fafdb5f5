import type { Role } from '../../api';
import { t } from '../../i18n';

const ROLES: { role: Role; icon: string }[] = [
  { role: 'master', icon: '📡' },
  { role: 'follower', icon: '🔁' },
];

/** Master / Follower as two radio cards with a one-line explanation each. */
export function RoleSelector({ value, onChange, error }: {
  value: Role | null; onChange: (r: Role) => void; error?: string | undefined;
}) {
  return (
    <fieldset class="space-y-2" data-testid="role-selector">
      <legend class="mb-1.5 text-sm font-medium text-ink-200">{t('accounts.create.role')}</legend>
      <div class="grid gap-3 sm:grid-cols-2">
        {ROLES.map(({ role, icon }) => {
          const checked = value === role;
          return (
            <label
              key={role}
              data-testid={`role-${role}`}
              class={`relative flex cursor-pointer gap-3 rounded-xl border p-4 transition-colors
                      has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand
                      ${checked ? 'border-brand bg-brand-dim/60' : 'border-ink-600 bg-ink-950 hover:border-ink-500'}`}
            >
              <input type="radio" name="role" value={role} checked={checked}
                     onChange={() => onChange(role)} class="sr-only" />
              <span class="text-2xl" aria-hidden="true">{icon}</span>
              <span>
                <span class="block font-semibold text-ink-100">{t(`accounts.role.${role}`)}</span>
                <span class="block text-sm text-ink-400">{t(`accounts.role.${role}Desc`)}</span>
              </span>
              <span aria-hidden="true"
                    class={`absolute top-3 right-3 size-4 rounded-full border-2
                            ${checked ? 'border-brand bg-brand shadow-[inset_0_0_0_3px] shadow-ink-950'
                                      : 'border-ink-500'}`} />
            </label>
          );
        })}
      </div>
      {error && <p class="text-sm text-down" role="alert" data-testid="role-error">{error}</p>}
    </fieldset>
  );
}
