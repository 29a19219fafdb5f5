import { useState } from 'preact/hooks';
import { api, type CreatedAccount, type Role } from '../../api';
import { Button, LinkButton } from '../../components/Button';
import { ConnectEA } from '../../components/ConnectEA';
import { CopyField } from '../../components/CopyField';
import { TextField } from '../../components/Field';
import { Panel } from '../../components/Panel';
import { RoleSelector } from '../../components/RoleSelector';
import { SecretReveal } from '../../components/SecretReveal';
import { t } from '../../i18n';
import { useSubmit } from '../../lib/submit';
import { collect, required } from '../../lib/validate';
import { upsertAccount } from '../../state/accounts';

export function AccountNewPage() {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role | null>(null);
  const [created, setCreated] = useState<CreatedAccount | null>(null);
  const { busy, errors, formError, submit } = useSubmit(
    // validate() has made sure a role is chosen.
    (signal) => api.createAccount({ name: name.trim(), role: role! }, signal), {
      validate: () => collect({ name: required(name),
                                role: role ? undefined : t('validation.required') }),
      onSuccess: (res) => {
        upsertAccount(res.account);
        setCreated(res);
      },
    });

  if (created) {
    const a = created.account;
    return (
      <div class="mx-auto max-w-2xl space-y-4" data-testid="account-created">
        <h1 class="text-2xl font-bold">{a.name}</h1>
        <SecretReveal title={t('accounts.key.title')} value={created.api_key}
                      warning={t('accounts.key.once')} testid="api-key" />
        {a.master_token && (
          <Panel title={t('accounts.detail.masterToken')}>
            <CopyField value={a.master_token} testid="master-token" />
            <p class="mt-2 text-xs text-ink-400">{t('accounts.detail.masterTokenHint')}</p>
          </Panel>
        )}
        <Panel title={t('dash.connect.title')}><ConnectEA account={a} compact /></Panel>
        <div class="flex justify-end">
          <LinkButton href={`/accounts/${a.id}`} testid="key-saved">
            ✓ {t('accounts.key.done')}</LinkButton>
        </div>
      </div>
    );
  }

  return (
    <div class="mx-auto max-w-2xl space-y-4" data-testid="account-new-page">
      <h1 class="text-2xl font-bold">{t('accounts.create.title')}</h1>
      <Panel>
        <form class="space-y-5" onSubmit={submit} noValidate data-testid="account-form">
          {formError && <p role="alert" class="text-sm text-down">{formError}</p>}
          <TextField label={t('accounts.create.name')} testid="account-name-input" value={name}
                     placeholder={t('accounts.create.namePlaceholder')} maxLength={100}
                     error={errors.name} onInput={setName} />
          <RoleSelector value={role} onChange={setRole} error={errors.role} />
          <div class="flex justify-end gap-2">
            <LinkButton variant="secondary" href="/accounts">{t('common.cancel')}</LinkButton>
            <Button type="submit" busy={busy} data-testid="account-create-submit">
              {busy ? t('common.creating') : t('common.create')}
            </Button>
          </div>
        </form>
      </Panel>
    </div>
  );
}
