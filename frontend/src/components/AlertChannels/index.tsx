import { useState } from 'preact/hooks';
import { api, isAbort, type AlertChannel, type AlertChannelList, type AlertLink,
         type ChannelKind } from '../../api';
import { locale, dateTime, t, type MessageKey } from '../../i18n';
import { bodyOf, emptyForm, formOf, TOPICS, validateChannel,
         type ChannelForm } from '../../lib/alerts';
import { errorMessage } from '../../lib/errors';
import { useAbortable, useAsync } from '../../lib/hooks';
import { useSubmit } from '../../lib/submit';
import type { Errors } from '../../lib/validate';
import { toast } from '../../state/toast';
import { Button } from '../Button';
import { ConfirmDialog } from '../ConfirmDialog';
import { CopyField } from '../CopyField';
import { EmptyState } from '../EmptyState';
import { Checkbox, SelectField, TextField } from '../Field';
import { ErrorState, Loading } from '../LoadState';
import { SecretReveal } from '../SecretReveal';

const KINDS: ChannelKind[] = ['telegram', 'line', 'email', 'webhook'];

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The fields of one channel: kind-specific settings, then topics, language and times. */
function ChannelFields({ form, set, errors, editing, info }: {
  form: ChannelForm; set: (f: ChannelForm) => void; errors: Errors; editing: AlertChannel | null;
  info: AlertChannelList;
}) {
  const own = form.via === 'own';
  const toggle = (topic: (typeof TOPICS)[number], on: boolean) =>
    set({ ...form, events: on ? [...form.events, topic] : form.events.filter((x) => x !== topic) });
  return (
    <div class="space-y-4">
      <TextField label={t('alerts.name')} value={form.name} error={errors.name} maxLength={100}
                 testid="alert-name" placeholder={t('alerts.namePlaceholder')}
                 onInput={(v) => set({ ...form, name: v })} />
      {(form.kind === 'telegram' || form.kind === 'line') && !editing && (
        <SelectField label={t('alerts.via')} value={form.via} testid="alert-via" error={errors.via}
                     onChange={(v) => set({ ...form, via: v as 'server' | 'own' })}
                     options={[
                       { value: 'server', label: t(form.kind === 'telegram'
                         ? 'alerts.viaServerBot' : 'alerts.viaServerLine') },
                       { value: 'own', label: t(form.kind === 'telegram'
                         ? 'alerts.viaOwnBot' : 'alerts.viaOwnLine') },
                     ]} />
      )}
      {form.kind === 'telegram' && own && (
        <TextField label={t('alerts.botToken')} value={form.bot_token} error={errors.bot_token}
                   type="password" autoComplete="off" testid="alert-bot-token"
                   hint={editing?.bot_token_set ? t('alerts.secretKept') : t('alerts.botTokenHint')}
                   onInput={(v) => set({ ...form, bot_token: v })} />
      )}
      {form.kind === 'line' && (
        <p class="rounded-lg border border-warn/40 bg-warn-dim/20 p-3 text-sm text-warn"
           data-testid="alert-line-https">
          {t('alerts.lineHttps')}{' '}
          {info.public_url ? <code class="font-mono">{info.public_url}</code>
            : t('alerts.lineNoPublicUrl')}
        </p>
      )}
      {form.kind === 'line' && own && (
        <>
          <TextField label={t('alerts.lineToken')} value={form.line_channel_access_token}
                     error={errors.line_channel_access_token} type="password" autoComplete="off"
                     testid="alert-line-token"
                     hint={editing?.line_token_set ? t('alerts.secretKept') : undefined}
                     onInput={(v) => set({ ...form, line_channel_access_token: v })} />
          <TextField label={t('alerts.lineSecret')} value={form.line_channel_secret}
                     error={errors.line_channel_secret} type="password" autoComplete="off"
                     testid="alert-line-secret"
                     hint={editing ? t('alerts.secretKept') : t('alerts.lineSecretHint')}
                     onInput={(v) => set({ ...form, line_channel_secret: v })} />
        </>
      )}
      {form.kind === 'email' && (
        <TextField label={t('alerts.email')} type="email" value={form.email}
                   error={errors.email ?? errors.kind} testid="alert-email"
                   onInput={(v) => set({ ...form, email: v })} />
      )}
      {form.kind === 'webhook' && (
        <>
          <TextField label={t('alerts.webhookUrl')} value={form.webhook_url}
                     error={errors.webhook_url} testid="alert-webhook-url" inputMode="url"
                     placeholder="https://example.com/hooks/copytrade"
                     onInput={(v) => set({ ...form, webhook_url: v })} />
          <TextField label={t('alerts.webhookSecret')} value={form.webhook_secret}
                     error={errors.webhook_secret} type="password" autoComplete="off"
                     testid="alert-webhook-secret"
                     hint={editing ? t('alerts.secretKept') : t('alerts.webhookSecretHint')}
                     onInput={(v) => set({ ...form, webhook_secret: v })} />
        </>
      )}
      <fieldset class="space-y-2">
        <legend class="mb-1 text-sm font-medium text-ink-200">{t('alerts.events')}</legend>
        <div class="grid gap-2 sm:grid-cols-2" data-testid="alert-events">
          {TOPICS.map((topic) => (
            <Checkbox key={topic} label={t(`alerts.topic.${topic}` as MessageKey)}
                      checked={form.events.includes(topic)} testid={`alert-topic-${topic}`}
                      onChange={(on) => toggle(topic, on)} />
          ))}
        </div>
        {(errors.events || errors['events[0]']) && (
          <p class="text-sm text-down" role="alert" data-testid="alert-events-error">
            {errors.events ?? errors['events[0]']}</p>
        )}
      </fieldset>
      <div class="grid gap-4 sm:grid-cols-2">
        <SelectField label={t('alerts.language')} value={form.language} testid="alert-language"
                     onChange={(v) => set({ ...form, language: v as 'en' | 'th' })}
                     options={[{ value: 'en', label: t('lang.en') },
                               { value: 'th', label: t('lang.th') }]} />
        <TextField label={t('alerts.timeZone')} value={form.time_zone} error={errors.time_zone}
                   testid="alert-time-zone" placeholder="Asia/Bangkok"
                   onInput={(v) => set({ ...form, time_zone: v })} />
      </div>
      <Checkbox label={t('alerts.quiet')} checked={form.quiet} testid="alert-quiet"
                onChange={(v) => set({ ...form, quiet: v })} />
      {form.quiet && (
        <div class="grid gap-4 sm:grid-cols-2">
          <TextField label={t('alerts.quietStart')} value={form.quiet_start} placeholder="22:00"
                     error={errors.quiet_start} testid="alert-quiet-start"
                     onInput={(v) => set({ ...form, quiet_start: v })} />
          <TextField label={t('alerts.quietEnd')} value={form.quiet_end} placeholder="07:00"
                     error={errors.quiet_end} testid="alert-quiet-end"
                     hint={t('alerts.quietHint')}
                     onInput={(v) => set({ ...form, quiet_end: v })} />
        </div>
      )}
      {form.events.includes('summary.daily') && (
        <TextField label={t('alerts.summaryTime')} value={form.summary_time} placeholder="21:00"
                   error={errors.summary_time} testid="alert-summary-time"
                   onInput={(v) => set({ ...form, summary_time: v })} />
      )}
    </div>
  );
}

function useChannelSubmit(form: ChannelForm,
                          onDone: (c: AlertChannel, secret: string | null) => void,
                          editing: AlertChannel | null) {
  return useSubmit(async (signal) => {
    const body = bodyOf(form, editing !== null);
    if (editing) return { channel: await api.updateAlertChannel(editing.id, body, signal), secret: null };
    const res = await api.createAlertChannel(body, signal);
    return { channel: res.channel, secret: res.webhook_secret };
  }, {
    validate: () => validateChannel(form, editing !== null),
    onSuccess: (r) => onDone(r.channel, r.secret),
    failureTo: 'toast',
  });
}

function ChannelEditor({ info, editing, onDone, onCancel }: {
  info: AlertChannelList; editing: AlertChannel | null;
  onDone: (c: AlertChannel, secret: string | null) => void; onCancel: () => void;
}) {
  const [form, setForm] = useState<ChannelForm>(() => editing ? formOf(editing)
    : emptyForm('telegram', locale.value === 'th' ? 'th' : 'en', browserTimeZone(),
                info.telegram_server_bot));
  const { errors, busy, submit } = useChannelSubmit(form, onDone, editing);
  const setKind = (kind: ChannelKind) => setForm({
    ...form, kind,
    via: (kind === 'telegram' ? info.telegram_server_bot : info.line_server_account)
      ? 'server' : 'own',
  });
  return (
    <form class="space-y-4 rounded-lg border border-ink-700 p-4" noValidate
          data-testid="alert-form" onSubmit={(e) => { void submit(e); }}>
      {!editing && (
        <SelectField label={t('alerts.kind')} value={form.kind} testid="alert-kind"
                     error={errors.kind} onChange={(v) => setKind(v as ChannelKind)}
                     options={KINDS.filter((k) => k !== 'email' || info.email_available)
                       .map((k) => ({ value: k, label: t(`alerts.kind.${k}` as MessageKey) }))} />
      )}
      <ChannelFields form={form} set={setForm} errors={errors} editing={editing} info={info} />
      <div class="flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>{t('common.cancel')}</Button>
        <Button type="submit" busy={busy} data-testid="alert-save">{t('common.save')}</Button>
      </div>
    </form>
  );
}

function statusText(c: AlertChannel): string {
  if (!c.last_status) return t('alerts.status.none');
  return `${t(`alerts.status.${c.last_status}` as MessageKey)} · ${c.last_detail ?? ''}`;
}

function ChannelRow({ channel, onChange, onEdit, onDelete }: {
  channel: AlertChannel; onChange: (c: AlertChannel) => void; onEdit: () => void;
  onDelete: () => void;
}) {
  const [link, setLink] = useState<AlertLink | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const abortable = useAbortable();
  const act = async (what: string, fn: (s: AbortSignal) => Promise<void>) => {
    setBusy(what);
    try {
      await fn(abortable());
    } catch (err) {
      if (!isAbort(err)) toast(errorMessage(err), 'error');
    } finally {
      setBusy(null);
    }
  };
  const linkable = channel.kind === 'telegram' || channel.kind === 'line';
  const bad = channel.last_status === 'failed' || channel.last_status === 'dead';
  return (
    <li class="space-y-3 px-4 py-3" data-testid="alert-row">
      <div class="flex flex-wrap items-center justify-between gap-3">
        <div class="min-w-0">
          <div class="font-medium text-ink-100">
            {channel.name} <span class="text-xs text-ink-400">
              {t(`alerts.kind.${channel.kind}` as MessageKey)}</span>
            {!channel.enabled && <span class="ml-2 text-xs text-warn">{t('alerts.disabled')}</span>}
          </div>
          <div class="text-xs text-ink-400" data-testid="alert-target">
            {channel.linked ? (channel.target ?? '') : t('alerts.notLinked')}
          </div>
          <div class={`text-xs ${bad ? 'text-down' : 'text-ink-400'}`} data-testid="alert-status"
               role={bad ? 'alert' : undefined}>
            {statusText(channel)}{channel.last_at ? ` · ${dateTime(channel.last_at)}` : ''}
          </div>
        </div>
        <div class="flex flex-wrap gap-2">
          {linkable && (
            <Button small variant="secondary" busy={busy === 'link'} data-testid="alert-link"
                    onClick={() => act('link', async (s) => {
                      setLink(await api.linkAlertChannel(channel.id, s));
                    })}>{channel.linked ? t('alerts.relink') : t('alerts.link')}</Button>
          )}
          <Button small variant="secondary" busy={busy === 'test'} data-testid="alert-test"
                  onClick={() => act('test', async (s) => {
                    await api.testAlertChannel(channel.id, s);
                    toast(t('alerts.testQueued'));
                  })}>{t('alerts.test')}</Button>
          <Button small variant="secondary" busy={busy === 'toggle'} data-testid="alert-toggle"
                  onClick={() => act('toggle', async (s) => {
                    onChange(await api.updateAlertChannel(channel.id,
                                                          { enabled: !channel.enabled }, s));
                  })}>{channel.enabled ? t('alerts.disable') : t('alerts.enable')}</Button>
          <Button small variant="secondary" onClick={onEdit} data-testid="alert-edit">
            {t('common.edit')}</Button>
          <Button small variant="danger" onClick={onDelete} data-testid="alert-delete">
            {t('common.delete')}</Button>
        </div>
      </div>
      {link && (
        <div class="space-y-2 rounded-lg border border-brand/40 p-3 text-sm" data-testid="alert-link-box">
          {link.deep_link && (
            <a href={link.deep_link} target="_blank" rel="noopener noreferrer"
               class="font-medium text-brand underline" data-testid="alert-deep-link">
              {t('alerts.openTelegram')}</a>
          )}
          <p class="text-ink-300">{t(channel.kind === 'telegram' ? 'alerts.linkTelegram'
            : 'alerts.linkLine', { code: link.code })}</p>
          <CopyField value={link.code} testid="alert-link-code" />
          {link.line_webhook_url && (
            <>
              <p class="text-ink-400">{t('alerts.lineWebhookUrl')}</p>
              <CopyField value={link.line_webhook_url} testid="alert-line-webhook" />
            </>
          )}
        </div>
      )}
    </li>
  );
}

/** Settings → Alerts: the user's channels, adding and editing them, linking, test messages. */
export function AlertChannels() {
  const list = useAsync((s) => api.alertChannels(s), []);
  const [editor, setEditor] = useState<AlertChannel | 'new' | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<AlertChannel | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const abortable = useAbortable();
  const info = list.data;
  const replace = (c: AlertChannel) => list.setData((old) => ({
    ...old!, channels: old!.channels.some((x) => x.id === c.id)
      ? old!.channels.map((x) => (x.id === c.id ? c : x)) : [...old!.channels, c],
  }));
  const remove = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.deleteAlertChannel(deleting.id, abortable());
      const id = deleting.id;
      list.setData((old) => ({ ...old!, channels: old!.channels.filter((x) => x.id !== id) }));
      setDeleting(null);
    } catch (err) {
      if (!isAbort(err)) setDeleteError(errorMessage(err));
    } finally {
      setDeleteBusy(false);
    }
  };
  if (list.error && !info) return <ErrorState error={list.error} onRetry={list.reload} />;
  if (!info) return <Loading />;
  return (
    <div class="space-y-4">
      <div class="flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-ink-400">{t('alerts.hint')}</p>
        <div class="flex gap-2">
          <Button small variant="secondary" onClick={list.reload} data-testid="alert-refresh">
            {t('alerts.refresh')}</Button>
          {editor === null && (
            <Button small onClick={() => setEditor('new')} data-testid="alert-add">
              {t('alerts.add')}</Button>
          )}
        </div>
      </div>
      {editor !== null && (
        <ChannelEditor info={info} editing={editor === 'new' ? null : editor}
                       onCancel={() => setEditor(null)}
                       onDone={(c, s) => { replace(c); setSecret(s); setEditor(null);
                                           toast(t('alerts.saved')); }} />
      )}
      {secret && (
        <SecretReveal title={t('alerts.webhookSecret')} value={secret}
                      warning={t('alerts.secretOnce')} testid="alert-webhook-secret-once">
          <div class="flex justify-end">
            <Button small variant="secondary" onClick={() => setSecret(null)}
                    data-testid="alert-secret-done">
              {t('accounts.key.done')}</Button>
          </div>
        </SecretReveal>
      )}
      {info.channels.length === 0 ? <EmptyState>{t('alerts.empty')}</EmptyState> : (
        <ul class="divide-y divide-ink-800 rounded-lg border border-ink-700" data-testid="alert-list">
          {info.channels.map((c) => (
            <ChannelRow key={c.id} channel={c} onChange={replace} onEdit={() => setEditor(c)}
                        onDelete={() => setDeleting(c)} />
          ))}
        </ul>
      )}
      <ConfirmDialog open={deleting !== null} title={t('common.delete')}
                     confirmLabel={t('common.delete')} busy={deleteBusy} error={deleteError}
                     onConfirm={remove} onCancel={() => setDeleting(null)}
                     testid="alert-delete-dialog">
        {t('alerts.deleteConfirm', { name: deleting?.name ?? '' })}
      </ConfirmDialog>
    </div>
  );
}
