import { describe, expect, it } from 'vitest';
import { setLocale } from '../i18n';
import { bodyOf, emptyForm, validateChannel } from './alerts';

describe('alert channel form', () => {
  setLocale('en');

  it('accepts a valid webhook and builds only its fields', () => {
    const f = { ...emptyForm('webhook', 'th', 'Asia/Bangkok', false), name: 'Hook',
                webhook_url: 'https://hooks.example.com/ct' };
    expect(validateChannel(f, false)).toEqual({});
    const body = bodyOf(f, false);
    expect(body).toMatchObject({ kind: 'webhook', webhook_url: 'https://hooks.example.com/ct',
                                 language: 'th', quiet_start: null, quiet_end: null });
    expect(body).not.toHaveProperty('webhook_secret');
    expect(body).not.toHaveProperty('bot_token');
  });

  it('names every bad field', () => {
    const f = { ...emptyForm('webhook', 'en', 'Mars/Olympus', false), quiet: true,
                quiet_start: '25:00', quiet_end: '07:00', summary_time: 'noon', events: [],
                webhook_url: 'ftp://x', webhook_secret: 'short' };
    expect(Object.keys(validateChannel(f, false)).sort()).toEqual(
      ['events', 'name', 'quiet_start', 'summary_time', 'time_zone', 'webhook_secret',
       'webhook_url']);
  });

  it('checks tokens of own bots and keeps saved secrets when editing', () => {
    const f = { ...emptyForm('telegram', 'en', 'UTC', false), name: 'TG', bot_token: 'nope' };
    expect(validateChannel(f, false)).toHaveProperty('bot_token');
    expect(validateChannel({ ...f, bot_token: '' }, true)).toEqual({});
    const line = { ...emptyForm('line', 'en', 'UTC', false), name: 'L',
                   line_channel_access_token: 'x'.repeat(30), line_channel_secret: 'ABC' };
    expect(validateChannel(line, false)).toHaveProperty('line_channel_secret');
  });

  it('refuses equal quiet hours', () => {
    const f = { ...emptyForm('email', 'en', 'UTC', false), name: 'M', email: 'a@b.co',
                quiet: true, quiet_start: '08:00', quiet_end: '08:00' };
    expect(validateChannel(f, false)).toHaveProperty('quiet_end');
  });
});
