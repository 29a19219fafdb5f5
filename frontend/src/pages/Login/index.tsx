import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { AuthCard } from '../../components/AuthCard';
import { Button } from '../../components/Button';
import { TextField } from '../../components/Field';
import { Link } from '../../components/Link';
import { t } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { useSubmit } from '../../lib/submit';
import { collect, email as checkEmail, required } from '../../lib/validate';
import { navigate, queryParam } from '../../router';
import { signedIn } from '../../state/session';

/** Where to go after logging in: a same-site path from ?next=, else the dashboard. */
export function nextPath(): string {
  const next = queryParam('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const [form, setForm] = useState({ email: '', password: '' });
  const { busy, errors, formError, submit } = useSubmit(
    (signal) => api.login({ email: form.email.trim(), password: form.password }, signal), {
      validate: () => collect({ email: checkEmail(form.email), password: required(form.password) }),
      onSuccess: (u) => {
        signedIn(u);
        navigate(nextPath(), { replace: true });
      },
      alwaysSentence: true,
      message: (err) => (err instanceof ApiError && err.status === 401 ? t('auth.login.failed')
                                                                      : errorMessage(err)),
    });

  return (
    <AuthCard
      testid="login-page"
      title={t('auth.login.title')}
      subtitle={t('auth.login.subtitle')}
      footer={<>{t('auth.login.noAccount')}{' '}
        <Link href="/register" class="font-semibold text-brand hover:underline"
              data-testid="to-register">{t('auth.login.toRegister')}</Link></>}
    >
      <form class="space-y-4" onSubmit={submit} noValidate data-testid="login-form">
        {formError && <p role="alert" data-testid="form-error"
                         class="rounded-lg bg-down-dim/50 px-3 py-2 text-sm text-down">{formError}</p>}
        <TextField label={t('auth.email')} type="email" autoComplete="email" testid="login-email"
                   value={form.email} error={errors.email}
                   onInput={(v) => setForm({ ...form, email: v })} />
        <TextField label={t('auth.password')} type="password" autoComplete="current-password"
                   testid="login-password" value={form.password} error={errors.password}
                   onInput={(v) => setForm({ ...form, password: v })} />
        <Button type="submit" busy={busy} class="w-full" data-testid="login-submit">
          {busy ? t('auth.login.busy') : t('auth.login.submit')}
        </Button>
      </form>
    </AuthCard>
  );
}
