import { useState } from 'preact/hooks';
import { adminApi, api } from '../../api';
import { AuthCard } from '../../components/AuthCard';
import { Button } from '../../components/Button';
import { TextField } from '../../components/Field';
import { Link } from '../../components/Link';
import { t } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { useSubmit } from '../../lib/submit';
import { collect, email as checkEmail, password as checkPassword,
         required } from '../../lib/validate';
import { navigate, queryParam } from '../../router';
import { signedIn } from '../../state/session';

export function RegisterPage() {
  const [form, setForm] = useState({ email: '', name: '', password: '',
                                     invite: queryParam('invite') ?? '' });
  const info = useAsync((s) => adminApi.registration(s), []);
  const needsInvite = info.data?.invite_required ?? false;
  const closed = info.data?.mode === 'closed';
  const { busy, errors, formError, submit } = useSubmit(async (signal) => {
    const body = { email: form.email.trim(), name: form.name.trim(), password: form.password,
                   ...(form.invite.trim() ? { invite_code: form.invite.trim() } : {}) };
    await api.register(body, signal);
    // Registering does not log in; do it now so the new user lands in the app.
    return api.login({ email: body.email, password: body.password }, signal);
  }, {
    validate: () => collect({
      email: checkEmail(form.email), name: required(form.name), password: checkPassword(form.password),
      invite_code: needsInvite ? required(form.invite) : undefined,
    }),
    onSuccess: (u) => {
      signedIn(u);
      navigate('/', { replace: true });
    },
  });

  return (
    <AuthCard
      testid="register-page"
      title={t('auth.register.title')}
      subtitle={t('auth.register.subtitle')}
      footer={<>{t('auth.register.haveAccount')}{' '}
        <Link href="/login" class="font-semibold text-brand hover:underline"
              data-testid="to-login">{t('auth.register.toLogin')}</Link></>}
    >
      <form class="space-y-4" onSubmit={submit} noValidate data-testid="register-form">
        {closed && <p role="alert" data-testid="registration-closed"
                      class="rounded-lg bg-down-dim/50 px-3 py-2 text-sm text-down">
          {t('auth.registrationClosed')}</p>}
        {formError && <p role="alert" data-testid="form-error"
                         class="rounded-lg bg-down-dim/50 px-3 py-2 text-sm text-down">{formError}</p>}
        <TextField label={t('auth.name')} autoComplete="name" testid="register-name"
                   value={form.name} error={errors.name}
                   onInput={(v) => setForm({ ...form, name: v })} />
        <TextField label={t('auth.email')} type="email" autoComplete="email"
                   testid="register-email" value={form.email} error={errors.email}
                   onInput={(v) => setForm({ ...form, email: v })} />
        <TextField label={t('auth.password')} type="password" autoComplete="new-password"
                   testid="register-password" value={form.password} error={errors.password}
                   hint={t('auth.passwordHint')}
                   onInput={(v) => setForm({ ...form, password: v })} />
        {needsInvite && (
          <TextField label={t('auth.inviteCode')} autoComplete="off" testid="register-invite"
                     value={form.invite} error={errors.invite_code} hint={t('auth.inviteHint')}
                     onInput={(v) => setForm({ ...form, invite: v })} />
        )}
        <Button type="submit" busy={busy} disabled={closed} class="w-full"
                data-testid="register-submit">
          {busy ? t('auth.register.busy') : t('auth.register.submit')}
        </Button>
      </form>
    </AuthCard>
  );
}
