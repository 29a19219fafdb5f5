import { useState } from 'preact/hooks';
import { api, type ApiToken, type CreatedToken } from '../../api';
import { AlertChannels } from '../../components/AlertChannels';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { TextField } from '../../components/Field';
import { LanguageSwitcher } from '../../components/LanguageSwitcher';
import { ErrorState, Loading } from '../../components/LoadState';
import { Panel } from '../../components/Panel';
import { SecretReveal } from '../../components/SecretReveal';
import { dateTime, t } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { useSubmit } from '../../lib/submit';
import { collect, email as checkEmail, password as checkPassword,
         required } from '../../lib/validate';
import { signedIn, user } from '../../state/session';

function ProfileForm() {
  const u = user.value!;
  const [form, setForm] = useState({ name: u.name, email: u.email });
  const { busy, errors, submit } = useSubmit(
    (signal) => api.updateMe({ name: form.name.trim(), email: form.email.trim() }, signal), {
      validate: () => collect({ name: required(form.name), email: checkEmail(form.email) }),
      onSuccess: signedIn,
      toast: t('settings.profileSaved'),
      failureTo: 'toast',
    });

  return (
    <form class="space-y-4" onSubmit={submit} noValidate data-testid="profile-form">
      <TextField label={t('auth.name')} value={form.name} error={errors.name}
                 autoComplete="name" testid="profile-name"
                 onInput={(v) => setForm({ ...form, name: v })} />
      <TextField label={t('auth.email')} type="email" value={form.email} error={errors.email}
                 autoComplete="email" testid="profile-email"
                 onInput={(v) => setForm({ ...form, email: v })} />
      <div class="flex justify-end">
        <Button type="submit" busy={busy} data-testid="profile-save">{t('common.save')}</Button>
      </div>
    </form>
  );
}

function PasswordForm() {
  const [form, setForm] = useState({ current: '', next: '' });
  const { busy, errors, submit } = useSubmit(
    (signal) => api.changePassword({ current_password: form.current, new_password: form.next },
                                   signal), {
      validate: () => collect({ current_password: required(form.current),
                                new_password: checkPassword(form.next) }),
      onSuccess: () => setForm({ current: '', next: '' }),
      toast: t('settings.passwordChanged'),
      failureTo: 'toast',
    });

  return (
    <form class="space-y-4" onSubmit={submit} noValidate data-testid="password-form">
      <TextField label={t('settings.currentPassword')} type="password" value={form.current}
                 error={errors.current_password} autoComplete="current-password"
                 testid="password-current" onInput={(v) => setForm({ ...form, current: v })} />
      <TextField label={t('settings.newPassword')} type="password" value={form.next}
                 error={errors.new_password} autoComplete="new-password"
                 hint={t('auth.passwordHint')} testid="password-new"
                 onInput={(v) => setForm({ ...form, next: v })} />
      <p class="text-sm text-warn" role="note" data-testid="password-note">
        {t('settings.passwordNote')}</p>
      <div class="flex justify-end">
        <Button type="submit" busy={busy} data-testid="password-save">
          {t('settings.changePassword')}</Button>
      </div>
    </form>
  );
}

function Tokens() {
  const tokens = useAsync((s) => api.tokens(s), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const create = useSubmit((signal) => api.createToken(name.trim(), signal), {
    validate: () => collect({ name: required(name) }),
    onSuccess: (res) => {
      setCreated(res);
      setName('');
      tokens.setData((old) => [res.token, ...(old ?? [])]);
    },
    alwaysSentence: true,
  });
  const error = create.errors.name ?? create.formError ?? undefined;

  const revokeSubmit = useSubmit(async (signal) => {
    const id = revoking!.id;
    await api.revokeToken(id, signal);
    return id;
  }, {
    onSuccess: (id) => {
      tokens.setData((old) => (old ?? []).filter((x) => x.id !== id));
      if (created?.token.id === id) setCreated(null);
      setRevoking(null);
    },
    alwaysSentence: true,
  });
  const revoke = () => (revoking ? revokeSubmit.submit() : Promise.resolve());
  const revokeBusy = revokeSubmit.busy;
  const revokeError = revokeSubmit.formError;

  return (
    <div class="space-y-4">
      <p class="text-sm text-ink-400">{t('settings.tokensHint')}</p>
      <form class="flex flex-col gap-3 sm:flex-row sm:items-start" onSubmit={create.submit} noValidate
            data-testid="token-form">
        <div class="flex-1">
          <TextField label={t('settings.tokenName')} value={name} onInput={setName} error={error}
                     placeholder={t('settings.tokenNamePlaceholder')} maxLength={100}
                     testid="token-name" />
        </div>
        <Button type="submit" busy={create.busy} class="sm:mt-7" data-testid="token-create">
          {t('settings.createToken')}</Button>
      </form>
      {created && (
        <SecretReveal title={created.token.name} value={created.secret}
                      warning={t('settings.tokenOnce')} testid="token-secret">
          <div class="flex justify-end">
            <Button small variant="secondary" onClick={() => setCreated(null)}>
              {t('accounts.key.done')}</Button>
          </div>
        </SecretReveal>
      )}
      {tokens.error && !tokens.data ? <ErrorState error={tokens.error} onRetry={tokens.reload} />
        : !tokens.data ? <Loading />
        : tokens.data.length === 0 ? <EmptyState>{t('settings.tokensEmpty')}</EmptyState>
        : (
          <ul class="divide-y divide-ink-800 rounded-lg border border-ink-700" data-testid="token-list">
            {tokens.data.map((tk) => (
              <li key={tk.id} data-testid="token-row"
                  class="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                <div class="min-w-0">
                  <div class="font-medium text-ink-100">{tk.name}</div>
                  <div class="text-xs text-ink-400 tabular">
                    <code class="font-mono">{tk.prefix}…</code> · {t('settings.tokenCreated')}{' '}
                    {dateTime(tk.created_at)} · {t('settings.tokenLastUsed')}{' '}
                    {tk.last_used_at ? dateTime(tk.last_used_at) : t('common.never')}
                  </div>
                </div>
                <Button variant="danger" small onClick={() => setRevoking(tk)}
                        data-testid="token-revoke">{t('settings.revoke')}</Button>
              </li>
            ))}
          </ul>
        )}
      <ConfirmDialog open={revoking !== null} title={t('settings.revoke')}
                     confirmLabel={t('settings.revoke')} busy={revokeBusy} error={revokeError}
                     onConfirm={revoke} onCancel={() => setRevoking(null)} testid="revoke-dialog">
        {t('settings.revokeConfirm', { name: revoking?.name ?? '' })}
      </ConfirmDialog>
    </div>
  );
}

export function SettingsPage() {
  return (
    <div class="space-y-4" data-testid="settings-page">
      <h1 class="text-2xl font-bold">{t('settings.title')}</h1>
      <div class="grid gap-4 lg:grid-cols-2">
        <div class="min-w-0 space-y-4">
          <Panel title={t('settings.profile')}><ProfileForm /></Panel>
          <Panel title={t('settings.password')}><PasswordForm /></Panel>
          <Panel title={t('settings.language')} testid="language-panel">
            <div class="flex flex-wrap items-center justify-between gap-3">
              <p class="text-sm text-ink-400">{t('settings.languageHint')}</p>
              <LanguageSwitcher testid="settings-lang" />
            </div>
          </Panel>
        </div>
        <Panel title={t('settings.tokens')} testid="tokens-panel"><Tokens /></Panel>
      </div>
      <Panel title={t('alerts.title')} testid="alerts-panel"><AlertChannels /></Panel>
    </div>
  );
}
