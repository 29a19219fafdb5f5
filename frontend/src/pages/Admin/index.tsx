import { useState } from 'preact/hooks';
import { adminApi, isAbort, type AdminUser, type CreatedInvite, type Invite } from '../../api';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { TextField } from '../../components/Field';
import { ErrorState, Loading } from '../../components/LoadState';
import { Panel } from '../../components/Panel';
import { SecretReveal } from '../../components/SecretReveal';
import { dateTime, t, type MessageKey } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { useAbortable, useAsync } from '../../lib/hooks';
import { useSubmit } from '../../lib/submit';
import { collect } from '../../lib/validate';
import { user } from '../../state/session';
import { toast } from '../../state/toast';

type Pending = { kind: 'disable' | 'sessions'; user: AdminUser } | null;

function Users() {
  const users = useAsync((s) => adminApi.users(s), []);
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const abortable = useAbortable();
  const me = user.value?.id;

  const replace = (u: AdminUser) =>
    users.setData((old) => (old ?? []).map((x) => (x.id === u.id ? u : x)));

  const enable = async (u: AdminUser) => {
    try {
      replace(await adminApi.setDisabled(u.id, false, abortable()));
      toast(t('admin.userEnabled', { email: u.email }));
    } catch (err) {
      if (!isAbort(err)) toast(errorMessage(err), 'error');
    }
  };

  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    try {
      const u = pending.user;
      if (pending.kind === 'disable') {
        replace(await adminApi.setDisabled(u.id, true, abortable()));
        toast(t('admin.userDisabled', { email: u.email }));
      } else {
        const n = await adminApi.endSessions(u.id, abortable());
        replace({ ...u, sessions: 0 });
        toast(t('admin.sessionsEnded', { n: String(n) }));
      }
      setPending(null);
    } catch (err) {
      if (!isAbort(err)) setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (users.error && !users.data) return <ErrorState error={users.error} onRetry={users.reload} />;
  if (!users.data) return <Loading />;
  return (
    <>
      <ul class="divide-y divide-ink-800 rounded-lg border border-ink-700" data-testid="admin-users">
        {users.data.map((u) => (
          <li key={u.id} data-testid="admin-user-row" data-user-email={u.email}
              data-disabled={u.disabled_at ? 'true' : 'false'}
              class="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
            <div class="min-w-0">
              <div class="flex flex-wrap items-center gap-2 font-medium text-ink-100">
                <span class="truncate">{u.name}</span>
                <span class="truncate text-sm text-ink-400">{u.email}</span>
                {u.is_admin && <span class="rounded bg-brand-dim px-1.5 text-xs text-ink-100">
                  {t('admin.adminBadge')}</span>}
                <span data-testid="admin-user-status"
                      class={`rounded px-1.5 text-xs ${u.disabled_at ? 'bg-down-dim text-down'
                                                                     : 'bg-up-dim text-up'}`}>
                  {u.disabled_at ? t('admin.disabled') : t('admin.active')}</span>
              </div>
              <div class="text-xs text-ink-400 tabular">
                {t('admin.accounts')} {u.accounts} · {t('admin.sessions')} {u.sessions} ·{' '}
                {t('admin.lastSeen')} {u.last_seen_at ? dateTime(u.last_seen_at) : t('common.never')}
              </div>
            </div>
            <div class="flex flex-wrap gap-2">
              {u.id !== me && (
                <Button small variant="secondary" data-testid="admin-end-sessions"
                        onClick={() => setPending({ kind: 'sessions', user: u })}>
                  {t('admin.endSessions')}</Button>
              )}
              {u.disabled_at ? (
                <Button small data-testid="admin-enable" onClick={() => void enable(u)}>
                  {t('admin.enable')}</Button>
              ) : !u.is_admin && (
                <Button small variant="danger" data-testid="admin-disable"
                        onClick={() => setPending({ kind: 'disable', user: u })}>
                  {t('admin.disable')}</Button>
              )}
            </div>
          </li>
        ))}
      </ul>
      <ConfirmDialog open={pending !== null}
                     title={pending?.kind === 'disable' ? t('admin.disable') : t('admin.endSessions')}
                     confirmLabel={pending?.kind === 'disable' ? t('admin.disable')
                                                               : t('admin.endSessions')}
                     busy={busy} error={error} onConfirm={confirm}
                     onCancel={() => setPending(null)} testid="admin-dialog">
        {pending?.kind === 'disable'
          ? t('admin.disableConfirm', { email: pending.user.email })
          : t('admin.endSessionsConfirm', { email: pending?.user.email ?? '' })}
      </ConfirmDialog>
    </>
  );
}

function Invites() {
  const invites = useAsync((s) => adminApi.invites(s), []);
  const info = useAsync((s) => adminApi.registration(s), []);
  const [form, setForm] = useState({ note: '', hours: '168' });
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const abortable = useAbortable();

  const { busy, errors, submit: create } = useSubmit(
    (signal) => adminApi.createInvite({ note: form.note.trim(),
                                        expires_in_hours: Number(form.hours) }, signal), {
      validate: () => {
        const hours = Number(form.hours);
        return collect({ expires_in_hours: !Number.isInteger(hours) || hours < 1 || hours > 2160
          ? t('admin.hoursInvalid') : undefined });
      },
      onSuccess: (res) => {
        setCreated(res);
        setForm({ ...form, note: '' });
        invites.setData((old) => [res.invite, ...(old ?? [])]);
      },
      failureTo: 'toast',
    });

  const revoke = async (inv: Invite) => {
    try {
      await adminApi.revokeInvite(inv.id, abortable());
      invites.setData((old) => (old ?? []).map((x) => (x.id === inv.id
        ? { ...x, status: 'revoked' as const, revoked_at: new Date().toISOString() } : x)));
      if (created?.invite.id === inv.id) setCreated(null);
    } catch (err) {
      if (!isAbort(err)) toast(errorMessage(err), 'error');
    }
  };

  const mode = info.data?.mode;
  return (
    <div class="space-y-4">
      {mode && <p class="text-sm text-ink-400" data-testid="admin-mode" data-mode={mode}>
        {t('admin.invitesHint', { mode: t(`admin.mode.${mode}` as MessageKey) })}</p>}
      <form class="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-start" onSubmit={create}
            noValidate data-testid="invite-form">
        <TextField label={t('admin.inviteNote')} value={form.note} maxLength={200}
                   placeholder={t('admin.inviteNotePlaceholder')} error={errors.note}
                   testid="invite-note" onInput={(v) => setForm({ ...form, note: v })} />
        <TextField label={t('admin.inviteHours')} value={form.hours} inputMode="numeric"
                   error={errors.expires_in_hours} testid="invite-hours"
                   onInput={(v) => setForm({ ...form, hours: v })} />
        <Button type="submit" busy={busy} class="sm:mt-7" data-testid="invite-create">
          {t('admin.createInvite')}</Button>
      </form>
      {created && (
        <SecretReveal title={created.invite.note || t('admin.invites')} value={created.code}
                      warning={t('admin.inviteOnce')} testid="invite-code">
          <div class="flex justify-end">
            <Button small variant="secondary" onClick={() => setCreated(null)}>
              {t('accounts.key.done')}</Button>
          </div>
        </SecretReveal>
      )}
      {invites.error && !invites.data
        ? <ErrorState error={invites.error} onRetry={invites.reload} />
        : !invites.data ? <Loading />
        : invites.data.length === 0 ? <EmptyState>{t('admin.invitesEmpty')}</EmptyState>
        : (
          <ul class="divide-y divide-ink-800 rounded-lg border border-ink-700"
              data-testid="invite-list">
            {invites.data.map((inv) => (
              <li key={inv.id} data-testid="invite-row" data-status={inv.status}
                  class="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                <div class="min-w-0">
                  <div class="font-medium text-ink-100">
                    <code class="font-mono">{inv.prefix}…</code> {inv.note}
                  </div>
                  <div class="text-xs text-ink-400 tabular">
                    {t(`admin.inviteStatus.${inv.status}` as MessageKey)} ·{' '}
                    {inv.used_by_email ? t('admin.inviteUsedBy', { email: inv.used_by_email })
                      : `${t('admin.inviteExpires')} ${dateTime(inv.expires_at)}`}
                  </div>
                </div>
                {inv.status === 'active' && (
                  <Button variant="danger" small data-testid="invite-revoke"
                          onClick={() => void revoke(inv)}>{t('admin.revokeInvite')}</Button>
                )}
              </li>
            ))}
          </ul>
        )}
    </div>
  );
}

/** Only for administrators (the server refuses everyone else with 403 anyway). */
export function AdminPage() {
  return (
    <div class="space-y-4" data-testid="admin-page">
      <h1 class="text-2xl font-bold">{t('admin.title')}</h1>
      <div class="grid gap-4 lg:grid-cols-2">
        <Panel title={t('admin.users')} testid="admin-users-panel"><Users /></Panel>
        <Panel title={t('admin.invites')} testid="admin-invites-panel"><Invites /></Panel>
      </div>
    </div>
  );
}
