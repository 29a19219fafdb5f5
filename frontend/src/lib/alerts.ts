/** The alert channel form: its state, the checks that mirror the API's, and the request body. */
import type { AlertChannel, AlertChannelBody, AlertTopic, ChannelKind } from '../api';
import { t } from '../i18n';
import { collect, email as checkEmail, required, type Errors } from './validate';

export const TOPICS: AlertTopic[] = ['ea.offline', 'copy.failed', 'copy.skipped', 'copy.expired',
  'killswitch.stopout', 'risk.tripped', 'master.trade', 'summary.daily'];
export const DEFAULT_TOPICS: AlertTopic[] = ['ea.offline', 'copy.failed', 'copy.expired',
  'killswitch.stopout', 'risk.tripped'];

export interface ChannelForm {
  kind: ChannelKind;
  name: string;
  events: AlertTopic[];
  language: 'en' | 'th';
  time_zone: string;
  quiet: boolean;
  quiet_start: string;
  quiet_end: string;
  summary_time: string;
  via: 'server' | 'own';
  bot_token: string;
  line_channel_access_token: string;
  line_channel_secret: string;
  email: string;
  webhook_url: string;
  webhook_secret: string;
}

export function emptyForm(kind: ChannelKind, language: 'en' | 'th', timeZone: string,
                          serverBot: boolean): ChannelForm {
  return {
    kind, name: '', events: [...DEFAULT_TOPICS], language, time_zone: timeZone, quiet: false,
    quiet_start: '22:00', quiet_end: '07:00', summary_time: '21:00',
    via: serverBot ? 'server' : 'own', bot_token: '', line_channel_access_token: '',
    line_channel_secret: '', email: '', webhook_url: '', webhook_secret: '',
  };
}

export function formOf(c: AlertChannel): ChannelForm {
  return {
    kind: c.kind, name: c.name, events: [...c.events], language: c.language,
    time_zone: c.time_zone, quiet: c.quiet_start !== null,
    quiet_start: c.quiet_start ?? '22:00', quiet_end: c.quiet_end ?? '07:00',
    summary_time: c.summary_time, via: c.via ?? 'server', bot_token: '',
    line_channel_access_token: '', line_channel_secret: '', email: c.email ?? '',
    webhook_url: c.webhook_url ?? '', webhook_secret: '',
  };
}

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const BOT_TOKEN = /^[0-9]{3,20}:[A-Za-z0-9_-]{20,100}$/;
const LINE_SECRET = /^[0-9a-f]{32}$/;

/** Is `tz` an IANA zone this browser knows (the server checks again with its own list)? */
export function knownTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function webhookUrl(v: string): string | undefined {
  if (!v.trim()) return t('validation.required');
  let u: URL;
  try {
    u = new URL(v.trim());
  } catch {
    return t('alerts.err.url');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return t('alerts.err.url');
  if (u.username || u.password || u.hash || v.length > 2000) return t('alerts.err.url');
  return undefined;
}

/** Field errors of the form (`editing`: secrets left empty keep the saved ones). */
export function validateChannel(f: ChannelForm, editing: boolean): Errors {
  const checks: Record<string, string | undefined> = {
    name: required(f.name) ?? (f.name.length > 100 ? t('alerts.err.long') : undefined),
    time_zone: knownTimeZone(f.time_zone.trim()) ? undefined : t('alerts.err.timeZone'),
    summary_time: HHMM.test(f.summary_time) ? undefined : t('alerts.err.time'),
    events: f.events.length ? undefined : t('alerts.err.events'),
  };
  if (f.quiet) {
    checks.quiet_start = HHMM.test(f.quiet_start) ? undefined : t('alerts.err.time');
    checks.quiet_end = !HHMM.test(f.quiet_end) ? t('alerts.err.time')
      : f.quiet_end === f.quiet_start ? t('alerts.err.quietSame') : undefined;
  }
  if (f.kind === 'telegram' && f.via === 'own' && (f.bot_token || !editing)) {
    checks.bot_token = BOT_TOKEN.test(f.bot_token.trim()) ? undefined : t('alerts.err.botToken');
  }
  if (f.kind === 'line' && f.via === 'own') {
    if (f.line_channel_access_token || !editing) {
      const n = f.line_channel_access_token.trim().length;
      checks.line_channel_access_token = n >= 20 && n <= 400 ? undefined
        : t('alerts.err.lineToken');
    }
    if (f.line_channel_secret || !editing) {
      checks.line_channel_secret = LINE_SECRET.test(f.line_channel_secret.trim()) ? undefined
        : t('alerts.err.lineSecret');
    }
  }
  if (f.kind === 'email') checks.email = checkEmail(f.email);
  if (f.kind === 'webhook') {
    checks.webhook_url = webhookUrl(f.webhook_url);
    if (f.webhook_secret && (f.webhook_secret.length < 16 || f.webhook_secret.length > 200)) {
      checks.webhook_secret = t('alerts.err.webhookSecret');
    }
  }
  return collect(checks);
}

/** The request body: only the fields of this kind; empty secrets are left out. */
export function bodyOf(f: ChannelForm, editing: boolean): AlertChannelBody {
  const body: AlertChannelBody = {
    name: f.name.trim(), events: f.events, language: f.language, time_zone: f.time_zone.trim(),
    quiet_start: f.quiet ? f.quiet_start : null, quiet_end: f.quiet ? f.quiet_end : null,
    summary_time: f.summary_time,
  };
  if (!editing) body.kind = f.kind;
  if ((f.kind === 'telegram' || f.kind === 'line') && !editing) body.via = f.via;
  if (f.kind === 'telegram' && f.via === 'own' && f.bot_token) body.bot_token = f.bot_token.trim();
  if (f.kind === 'line' && f.via === 'own') {
    if (f.line_channel_access_token) {
      body.line_channel_access_token = f.line_channel_access_token.trim();
    }
    if (f.line_channel_secret) body.line_channel_secret = f.line_channel_secret.trim();
  }
  if (f.kind === 'email') body.email = f.email.trim();
  if (f.kind === 'webhook') {
    body.webhook_url = f.webhook_url.trim();
    if (f.webhook_secret) body.webhook_secret = f.webhook_secret;
  }
  return body;
}
