import type { ComponentChildren } from 'preact';
import { t } from '../../i18n';
import { LanguageSwitcher } from '../LanguageSwitcher';
import { Logo } from '../Logo';

/** The centred card of the login and register screens. */
export function AuthCard({ title, subtitle, children, footer, testid }: {
  title: string; subtitle: string; children: ComponentChildren; footer: ComponentChildren;
  testid: string;
}) {
  return (
    <div class="flex min-h-full flex-col bg-[radial-gradient(ellipse_at_top,_#15284a_0%,_#0b0f17_55%)]">
      <div class="flex items-center justify-between p-4">
        <Logo />
        <LanguageSwitcher testid="auth-lang" />
      </div>
      <main class="flex flex-1 items-start justify-center px-4 pt-6 pb-16 sm:items-center sm:pt-0">
        <div class="w-full max-w-md space-y-6" data-testid={testid}>
          <div class="space-y-1 text-center">
            <h1 class="text-2xl font-bold text-ink-100">{title}</h1>
            <p class="text-sm text-ink-400">{subtitle}</p>
          </div>
          <div class="rounded-2xl border border-ink-700 bg-ink-850/90 p-6 shadow-2xl shadow-black/40">
            {children}
          </div>
          <div class="text-center text-sm text-ink-400">{footer}</div>
          <p class="text-center text-xs text-ink-300">{t('app.tagline')}</p>
        </div>
      </main>
    </div>
  );
}
