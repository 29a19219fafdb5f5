import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t, type MessageKey } from '../../i18n';
import { location } from '../../router';
import { logout, user } from '../../state/session';
import { LanguageSwitcher } from '../LanguageSwitcher';
import { LiveIndicator } from '../LiveIndicator';
import { Link } from '../Link';
import { Logo } from '../Logo';

const NAV: { href: string; key: MessageKey; icon: string; testid: string; admin?: boolean }[] = [
  { href: '/', key: 'nav.dashboard', icon: '▤', testid: 'nav-dashboard' },
  { href: '/accounts', key: 'nav.accounts', icon: '◎', testid: 'nav-accounts' },
  { href: '/history', key: 'nav.history', icon: '☰', testid: 'nav-history' },
  { href: '/settings', key: 'nav.settings', icon: '⚙', testid: 'nav-settings' },
  { href: '/admin', key: 'nav.admin', icon: '♛', testid: 'nav-admin', admin: true },
];

function isCurrent(href: string, path: string): boolean {
  if (href === '/') return path === '/' || path.startsWith('/dashboard');
  return path === href || path.startsWith(`${href}/`);
}

function NavLinks({ where }: { where: 'side' | 'drawer' }) {
  const path = location.value.path;
  return (
    <nav aria-label={t('nav.menu')} class="flex flex-col gap-1">
      {NAV.filter((n) => !n.admin || user.value?.is_admin).map((n) => {
        const current = isCurrent(n.href, path);
        return (
          <Link
            key={n.href}
            href={n.href}
            data-testid={`${where}-${n.testid}`}
            aria-current={current ? 'page' : undefined}
            class={`flex items-center gap-3 rounded-lg px-3 py-2.5 text-sm font-medium
                    transition-colors ${current ? 'bg-brand-dim text-ink-100 ring-1 ring-brand/40'
                                                : 'text-ink-300 hover:bg-ink-800 hover:text-ink-100'}`}
          >
            <span aria-hidden="true" class="w-4 text-center text-ink-400">{n.icon}</span>
            {t(n.key)}
          </Link>
        );
      })}
    </nav>
  );
}

function UserBox({ testid }: { testid: string }) {
  const u = user.value;
  return (
    <div class="space-y-3 border-t border-ink-700 pt-4">
      <LanguageSwitcher testid={`${testid}-lang`} />
      {u && (
        <div class="text-xs text-ink-400">
          <div class="truncate" title={u.email}>{t('nav.signedInAs', { name: u.name })}</div>
        </div>
      )}
      <button
        type="button"
        data-testid={`${testid}-logout`}
        onClick={() => void logout()}
        class="w-full rounded-lg border border-ink-600 px-3 py-2 text-left text-sm text-ink-300
               hover:bg-ink-800 hover:text-ink-100"
      >
        {t('nav.logout')}
      </button>
    </div>
  );
}

/** The frame around every signed-in page: sidebar on wide screens, drawer on phones. */
export function Shell({ children }: { children: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  const drawer = useRef<HTMLDivElement>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  const path = location.value.path;

  // Navigating closes the drawer.
  useEffect(() => setOpen(false), [path]);

  // Layout effect: Escape works from the very first frame the drawer is shown.
  useLayoutEffect(() => {
    if (!open) return;
    drawer.current?.querySelector<HTMLElement>('a,button')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      menuButton.current?.focus();
    };
  }, [open]);

  return (
    <div class="min-h-full lg:grid lg:grid-cols-[15rem_1fr]">
      <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2
                             focus:z-50 focus:rounded focus:bg-brand focus:px-3 focus:py-2">
        {t('app.skip')}
      </a>

      <aside class="sticky top-0 hidden h-screen flex-col gap-6 border-r border-ink-700
                    bg-ink-950 p-4 lg:flex" data-testid="sidebar">
        <Link href="/" class="px-2"><Logo /></Link>
        <NavLinks where="side" />
        <div class="mt-auto"><UserBox testid="side" /></div>
      </aside>

      <div class="min-w-0">
        <header class="sticky top-0 z-30 flex items-center gap-3 border-b border-ink-700
                       bg-ink-900/90 px-4 py-3 backdrop-blur">
          <button
            ref={menuButton}
            type="button"
            data-testid="menu-button"
            aria-label={t('nav.menu')}
            aria-expanded={open}
            aria-controls="drawer"
            onClick={() => setOpen(true)}
            class="-ml-1 rounded-lg p-2 text-ink-200 hover:bg-ink-800 lg:hidden"
          >
            <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
              <path d="M4 7h16M4 12h16M4 17h16" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round" />
            </svg>
          </button>
          <Link href="/" class="lg:hidden"><Logo compact /></Link>
          <div class="ml-auto flex items-center gap-3"><LiveIndicator /></div>
        </header>

        <main id="main" tabIndex={-1} class="mx-auto w-full max-w-7xl p-4 sm:p-6 focus:outline-none">
          {children}
        </main>
      </div>

      {open && (
        <div class="fixed inset-0 z-40 lg:hidden">
          <div class="absolute inset-0 bg-black/60" onClick={() => setOpen(false)}
               data-testid="drawer-backdrop" />
          <div
            id="drawer"
            ref={drawer}
            role="dialog"
            aria-modal="true"
            aria-label={t('nav.menu')}
            data-testid="drawer"
            class="absolute inset-y-0 left-0 flex w-72 max-w-[85vw] flex-col gap-6 overflow-y-auto border-r
                   border-ink-700 bg-ink-950 p-4 shadow-2xl"
          >
            <div class="flex items-center justify-between">
              <Logo />
              <button type="button" onClick={() => setOpen(false)} aria-label={t('nav.closeMenu')}
                      data-testid="drawer-close"
                      class="rounded-lg p-2 text-ink-300 hover:bg-ink-800">✕</button>
            </div>
            <NavLinks where="drawer" />
            <div class="mt-auto"><UserBox testid="drawer" /></div>
          </div>
        </div>
      )}
    </div>
  );
}
