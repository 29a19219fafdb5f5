import type { Account } from '../../api';
import { t } from '../../i18n';
import { navigate } from '../../router';

/** Tabs of the user's accounts (a select on phones when there are many). */
export function AccountSwitcher({ accounts, current }: { accounts: Account[]; current: number }) {
  if (accounts.length < 2) return null;
  return (
    <nav aria-label={t('dash.switchAccount')} data-testid="account-switcher">
      <label class="sr-only" for="account-select">{t('dash.switchAccount')}</label>
      <select
        id="account-select"
        class="w-full rounded-lg border border-ink-600 bg-ink-950 px-3 py-2 text-sm sm:hidden"
        value={String(current)}
        data-testid="account-select"
        onChange={(e) => navigate(`/dashboard/${e.currentTarget.value}`)}
      >
        {accounts.map((a) => (
          <option key={a.id} value={String(a.id)}>
            {a.name} · {a.role === 'master' ? t('dash.master') : t('dash.follower')}
          </option>
        ))}
      </select>
      <div class="hidden flex-wrap gap-2 sm:flex">
        {accounts.map((a) => {
          const here = a.id === current;
          return (
            <a
              key={a.id}
              href={`/dashboard/${a.id}`}
              data-testid={`account-tab-${a.id}`}
              aria-current={here ? 'page' : undefined}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                e.preventDefault();
                navigate(`/dashboard/${a.id}`);
              }}
              class={`inline-flex items-center gap-2 rounded-lg border px-3 py-1.5 text-sm
                      ${here ? 'border-brand bg-brand-dim text-ink-100'
                             : 'border-ink-600 text-ink-300 hover:border-ink-500'}`}
            >
              <span class={`size-1.5 rounded-full ${a.online ? 'bg-up' : 'bg-ink-500'}`}
                    aria-hidden="true" />
              {a.name}
              <span class="text-xs text-ink-400">
                {a.role === 'master' ? t('dash.master') : t('dash.follower')}
              </span>
            </a>
          );
        })}
      </div>
    </nav>
  );
}
