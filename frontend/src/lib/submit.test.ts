import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { setLocale } from '../i18n';
import { runSubmit, type SubmitOptions } from './submit';
import type { Errors } from './validate';

/** A sink that records what the form would show, in order. */
function recorder() {
  const log: string[] = [];
  const state = { busy: false, errors: {} as Errors, formError: null as string | null,
                  toasts: [] as [string, string][] };
  const sink = {
    setBusy: (b: boolean) => { state.busy = b; log.push(`busy:${b}`); },
    setErrors: (e: Errors) => { state.errors = e; },
    setFormError: (m: string | null) => { state.formError = m; },
    toast: (text: string, tone: 'ok' | 'error') => { state.toasts.push([text, tone]); },
  };
  return { state, sink, log };
}

const signal = () => new AbortController().signal;

async function run<T>(action: (s: AbortSignal) => Promise<T>, opts: SubmitOptions<T> = {}) {
  const r = recorder();
  await runSubmit(action, signal, opts, r.sink);
  return r;
}

const invalid = new ApiError(422, 'validation', 'Validation failed',
                             { 'rules.lot_value': 'must be > 0' });
const conflict = new ApiError(409, 'conflict', 'That e-mail is taken');

describe('runSubmit', () => {
  setLocale('en');

  it('stops at the client-side checks without calling the API', async () => {
    let called = false;
    const r = await run(async () => { called = true; }, { validate: () => ({ name: 'Required' }) });
    expect(called).toBe(false);
    expect(r.state.errors).toEqual({ name: 'Required' });
    expect(r.log).toEqual([]);
  });

  it('may show a sentence beside the client-side errors', async () => {
    const r = await run(async () => 1, { validate: () => ({ lot: 'Too big' }),
                                         invalidSentence: 'Please correct the fields.' });
    expect(r.state.formError).toBe('Please correct the fields.');
    expect(r.log).toEqual([]);
  });

  it('may map the API fields its own way', async () => {
    const r = await run(async () => { throw invalid; },
                        { fieldsOf: () => ({ rules: 'bad' }), alwaysSentence: true });
    expect(r.state.errors).toEqual({ rules: 'bad' });
    expect(r.state.formError).toBe('Please correct the highlighted fields.');
  });

  it('is busy during the call, then runs onSuccess and the success toast', async () => {
    let busyDuring = false;
    const seen: number[] = [];
    const r = recorder();
    await runSubmit(async () => { busyDuring = r.state.busy; return 7; }, signal,
                    { onSuccess: (n) => seen.push(n), toast: 'Saved' }, r.sink);
    expect(busyDuring).toBe(true);
    expect(r.state.busy).toBe(false);
    expect(seen).toEqual([7]);
    expect(r.state.toasts).toEqual([['Saved', 'ok']]);
    expect(r.state.formError).toBeNull();
  });

  it('maps per-field errors (full and last-segment names) and hides the sentence by default',
     async () => {
       const r = await run(async () => { throw invalid; });
       expect(r.state.errors).toEqual({ 'rules.lot_value': 'must be > 0', lot_value: 'must be > 0' });
       expect(r.state.formError).toBeNull();
       expect(r.state.busy).toBe(false);
     });

  it('shows the sentence when no field is named', async () => {
    const r = await run(async () => { throw conflict; });
    expect(r.state.errors).toEqual({});
    expect(r.state.formError).toBe('That e-mail is taken');
  });

  it("alwaysSentence shows the sentence beside field errors; a message override wins", async () => {
    const r = await run(async () => { throw invalid; },
                        { alwaysSentence: true, message: () => 'Wrong e-mail or password' });
    expect(r.state.errors.lot_value).toBe('must be > 0');
    expect(r.state.formError).toBe('Wrong e-mail or password');
  });

  it('failureTo toast shows an error toast (only when no field is named, unless alwaysSentence)', async () => {
    const a = await run(async () => { throw conflict; }, { failureTo: 'toast', toast: 'Saved' });
    expect(a.state.toasts).toEqual([['That e-mail is taken', 'error']]);
    expect(a.state.formError).toBeNull();
    const b = await run(async () => { throw invalid; }, { failureTo: 'toast' });
    expect(b.state.toasts).toEqual([]);
    const c = await run(async () => { throw invalid; }, { failureTo: 'toast', alwaysSentence: true });
    expect(c.state.toasts).toEqual([['Please correct the highlighted fields.', 'error']]);
    expect(c.state.errors.lot_value).toBe('must be > 0');
  });

  it('a success toast may be worked out from the answer', async () => {
    const r = await run(async () => ({ name: 'Gold' }), { toast: (a) => `Following ${a.name}` });
    expect(r.state.toasts).toEqual([['Following Gold', 'ok']]);
  });

  it('a network failure or a non-API error gets the generic sentence', async () => {
    const r = await run(async () => { throw new ApiError(0, 'network', 'fetch failed'); });
    expect(r.state.formError).toMatch(/network|connect/i);
    const s = await run(async () => { throw new TypeError('boom'); });
    expect(s.state.formError).toBeTruthy();
    expect(s.state.formError).not.toContain('boom');
  });

  it('an aborted call shows nothing and ends busy', async () => {
    const r = await run(async () => { throw new DOMException('gone', 'AbortError'); },
                        { alwaysSentence: true, toast: 'Saved' });
    expect(r.state.formError).toBeNull();
    expect(r.state.toasts).toEqual([]);
    expect(r.log).toEqual(['busy:true', 'busy:false']);
  });

  it('clears an earlier failure when submitted again', async () => {
    const r = recorder();
    await runSubmit(async () => { throw conflict; }, signal, {}, r.sink);
    expect(r.state.formError).not.toBeNull();
    await runSubmit(async () => 1, signal, {}, r.sink);
    expect(r.state.formError).toBeNull();
    expect(r.state.errors).toEqual({});
  });
});
