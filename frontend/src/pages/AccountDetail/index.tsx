import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Account } from '../../api';
import { AuditPanel } from '../../components/AuditPanel';
import { Button, LinkButton } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ConnectEA } from '../../components/ConnectEA';
import { Checkbox, SelectField, TextField } from '../../components/Field';
import { Loading } from '../../components/LoadState';
import { Panel } from '../../components/Panel';
import { RiskEditor } from '../../components/RiskEditor';
import { RulesForm } from '../../components/RulesForm';
import { SecretReveal } from '../../components/SecretReveal';
import { t } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { useSubmit } from '../../lib/submit';
import { collect, required } from '../../lib/validate';
import { navigate } from '../../router';
import { accounts, removeAccount, upsertAccount } from '../../state/accounts';
import { NotFoundPage } from '../NotFound';
import { MasterTokenPanel } from './MasterTokenPanel';

function GeneralForm({ account }: { account: Account }) {
  const [name, setName] = useState(account.name);
  const [active, setActive] = useState(account.is_active);
  useEffect(() => { setActive(account.is_active); }, [account.is_active]);

  const { busy, errors, submit } = useSubmit(
    (signal) => api.updateAccount(account.id, { name: name.trim(), is_active: active }, signal), {
      validate: () => collect({ name: required(name) }),
      onSuccess: upsertAccount,
      toast: t('common.saved'),
      failureTo: 'toast',
      alwaysSentence: true,
    });

  return (
    <form class="space-y-4" onSubmit={submit} noValidate data-testid="general-form">
      <TextField label={t('accounts.create.name')} value={name} onInput={setName}
                 error={errors.name} maxLength={100} testid="edit-name" />
      <Checkbox label={t('accounts.detail.activeLabel')} checked={active} onChange={setActive}
                testid="edit-active" />
      <div class="flex justify-end">
        <Button type="submit" busy={busy} data-testid="general-save">{t('common.save')}</Button>
      </div>
    </form>
  );
}

function KeyPanel({ account }: { account: Account }) {
  const [confirm, setConfirm] = useState(false);
  const [newKey, setNewKey] = useState<string | null>(null);

  const { busy, formError: error, submit: rotate } = useSubmit(
    (signal) => api.rotateKey(account.id, signal), {
      onSuccess: (res) => {
        upsertAccount(res.account);
        setNewKey(res.api_key);
        setConfirm(false);
      },
      alwaysSentence: true,
    });

  return (
    <Panel title={t('accounts.detail.apiKey')} testid="key-panel">
      <div class="space-y-4">
        {newKey ? (
          <SecretReveal title={t('accounts.key.title')} value={newKey}
                        warning={t('accounts.key.once')} testid="api-key" />
        ) : (
          <div class="flex flex-wrap items-center justify-between gap-3">
            <div class="text-sm text-ink-300">
              <code class="rounded bg-ink-950 px-1.5 py-0.5 font-mono text-ink-100"
                    data-testid="key-prefix">{account.api_key_prefix}…</code>{' '}
              {t('accounts.detail.apiKeyPrefix', { prefix: account.api_key_prefix })}
            </div>
            <Button variant="secondary" small onClick={() => setConfirm(true)}
                    data-testid="rotate-key">↻ {t('accounts.detail.rotate')}</Button>
          </div>
        )}
        <ConnectEA account={account} compact showKey={false} showToken={false} />
      </div>
      <ConfirmDialog open={confirm} title={t('accounts.detail.rotate')}
                     confirmLabel={t('accounts.detail.rotate')} busy={busy} error={error}
                     onConfirm={rotate} onCancel={() => setConfirm(false)} testid="rotate-dialog">
        {t('accounts.detail.rotateConfirm')}
      </ConfirmDialog>
    </Panel>
  );
}

function PartnerPanel({ account }: { account: Account }) {
  // A 1TO1 partner is one of this master's own followers (the API answers 422 otherwise).
  const followers = (accounts.value ?? []).filter(
    (a) => a.role === 'follower' && (a.following_id === account.id || a.id === account.partner_id));
  const [value, setValue] = useState(account.partner_id === null ? '' : String(account.partner_id));
  const { busy, errors, formError, submit: save } = useSubmit(
    (signal) => api.setPartner(account.id, value ? Number(value) : null, signal), {
      onSuccess: upsertAccount,
      toast: t('common.saved'),
      alwaysSentence: true,
    });
  const error = errors.partner_id ?? formError ?? undefined;

  return (
    <Panel title={`🤝 ${t('accounts.partner.title')}`} testid="partner-panel">
      <form class="space-y-3" onSubmit={save}>
        <p class="text-sm text-ink-400">{t('accounts.partner.hint')}</p>
        {followers.length === 0 ? (
          <p class="text-sm text-warn">{t('accounts.partner.noFollowers')}</p>
        ) : (
          <>
            <SelectField label={t('accounts.partner.select')} value={value} onChange={setValue}
                         error={error} testid="partner-select"
                         options={[{ value: '', label: t('accounts.partner.none') },
                                   ...followers.map((f) => ({ value: String(f.id), label: f.name }))]} />
            <div class="flex justify-end">
              <Button type="submit" busy={busy} data-testid="partner-save">{t('common.save')}</Button>
            </div>
          </>
        )}
      </form>
    </Panel>
  );
}

function FollowPanel({ account }: { account: Account }) {
  const [token, setToken] = useState('');
  const followSubmit = useSubmit((signal) => api.follow(account.id, token.trim(), signal), {
    validate: () => {
      const tk = token.trim();
      return collect({ master_token: !tk ? t('validation.required')
        : /^MST-/i.test(tk) ? undefined : t('validation.tokenFormat') });
    },
    onSuccess: (a) => {
      upsertAccount(a);
      setToken('');
    },
    toast: (a) => a.pending_master_id != null
      ? t('accounts.follow.pending', { name: a.pending_master_name ?? '' })
      : t('accounts.follow.current', { name: a.following_name ?? '' }),
    alwaysSentence: true,
  });
  const follow = followSubmit.submit;
  const error = followSubmit.errors.master_token ?? followSubmit.formError ?? undefined;
  const unfollowSubmit = useSubmit((signal) => api.unfollow(account.id, signal), {
    onSuccess: upsertAccount,
    failureTo: 'toast',
  });
  const unfollow = () => unfollowSubmit.submit();
  const busy = followSubmit.busy || unfollowSubmit.busy;

  return (
    <Panel title={`🔁 ${t('accounts.follow.title')}`} testid="follow-panel">
      <div class="space-y-4">
        {account.following_id !== null ? (
          <div class="flex flex-wrap items-center justify-between gap-3">
            <div class="text-sm" data-testid="following-current">
              {t('accounts.follow.current', { name: account.following_name ?? '' })}
            </div>
            <Button variant="secondary" small busy={busy} onClick={unfollow}
                    data-testid="unfollow">{t('accounts.follow.stop')}</Button>
          </div>
        ) : account.pending_master_id != null ? (
          <div class="flex flex-wrap items-center justify-between gap-3 rounded-md border
                      border-warn/40 bg-warn/10 px-3 py-2" data-testid="following-pending">
            <p class="text-sm text-ink-100">
              ⏳ {t('accounts.follow.pending', { name: account.pending_master_name ?? '' })}</p>
            <Button variant="secondary" small busy={busy} onClick={unfollow}
                    data-testid="follow-cancel">{t('accounts.follow.cancel')}</Button>
          </div>
        ) : (
          <p class="text-sm text-ink-400">{t('accounts.follow.none')}</p>
        )}
        <form class="flex flex-col gap-3 sm:flex-row sm:items-start" onSubmit={follow} noValidate>
          <div class="flex-1">
            <TextField label={t('accounts.follow.token')} value={token} onInput={setToken}
                       placeholder="MST-…" error={error} testid="follow-token"
                       autoComplete="off" spellcheck={false} />
          </div>
          <Button type="submit" busy={busy} class="sm:mt-7" data-testid="follow-submit">
            {t('accounts.follow.submit')}</Button>
        </form>
      </div>
    </Panel>
  );
}

function DeletePanel({ account }: { account: Account }) {
  const [open, setOpen] = useState(false);
  const { busy, formError: error, submit: remove } = useSubmit(
    (signal) => api.deleteAccount(account.id, signal), {
      onSuccess: () => {
        setOpen(false);
        removeAccount(account.id);
        navigate('/accounts', { replace: true });
      },
      alwaysSentence: true,
      // The only 409 here is "still has open copies": one sentence, in the user's language.
      message: (err) => (err instanceof ApiError && err.status === 409
        ? t('accounts.detail.deleteBlocked') : errorMessage(err)),
    });

  return (
    <Panel title={t('accounts.detail.delete')} testid="delete-panel" class="border-down/30">
      <div class="flex justify-end">
        <Button variant="danger" onClick={() => setOpen(true)} data-testid="delete-account">
          🗑 {t('accounts.detail.delete')}</Button>
      </div>
      <ConfirmDialog open={open} title={t('accounts.detail.delete')}
                     confirmLabel={t('common.delete')} busy={busy} error={error}
                     onConfirm={remove} onCancel={() => setOpen(false)} testid="delete-dialog">
        {t('accounts.detail.deleteConfirm', { name: account.name })}
      </ConfirmDialog>
    </Panel>
  );
}

export function AccountDetailPage({ accountId }: { accountId: number }) {
  const list = accounts.value;
  if (!list) return <Loading />;
  const account = list.find((a) => a.id === accountId);
  if (!account) return <NotFoundPage />;
  const master = account.role === 'master';

  return (
    <div class="space-y-4" data-testid="account-detail" data-account-id={account.id}>
      <div class="flex flex-wrap items-end justify-between gap-3">
        <div>
          <div class="text-xs font-bold tracking-wide text-ink-400 uppercase">
            {master ? t('dash.master') : t('dash.follower')} · {t('accounts.detail.title')}</div>
          <h1 class="text-2xl font-bold" data-testid="detail-name">{account.name}</h1>
        </div>
        <LinkButton variant="secondary" small href={`/dashboard/${account.id}`}
                    testid="detail-dashboard">{t('accounts.detail.dashboard')} →</LinkButton>
      </div>
      <div class="grid gap-4 lg:grid-cols-2">
        <div class="min-w-0 space-y-4">
          <Panel title={t('accounts.detail.general')}><GeneralForm account={account} /></Panel>
          {master && account.master_token && <MasterTokenPanel account={account} />}
          {master ? <PartnerPanel account={account} /> : <FollowPanel account={account} />}
          <KeyPanel account={account} />
        </div>
        <div class="min-w-0 space-y-4">
          {!master && (
            <Panel title={t('accounts.rules.title')} testid="rules-panel">
              <RulesForm accountId={account.id} />
            </Panel>
          )}
          {!master && (
            <Panel title={`🛡️ ${t('risk.title')}`} testid="risk-editor-panel">
              <RiskEditor accountId={account.id} />
            </Panel>
          )}
          <DeletePanel account={account} />
        </div>
      </div>
      <AuditPanel accountId={account.id} stamp={[account.name, account.is_active,
        account.copy_mode, account.partner_id, account.following_id, account.api_key_prefix,
        account.master_token, account.rules?.updated_at].join('|')} />
    </div>
  );
}
