import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, isAbort } from './client';

interface Call { url: string; init: RequestInit }

function mockFetch(status: number, body: unknown, calls: Call[] = []) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const fn = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(status === 204 ? null : text, { status,
      headers: { 'Content-Type': 'application/json' } });
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

const sig = () => new AbortController().signal;
const user = { id: 1, email: 'a@b.co', name: 'A', created_at: '2025-01-01T00:00:00+00:00' };

describe('ApiClient', () => {
  it('GETs JSON under /api/v1 with cookies and no CSRF header', async () => {
    const m = mockFetch(200, { user });
    const api = new ApiClient({ fetch: m.fetch });
    expect(await api.me(sig())).toEqual(user);
    const { url, init } = m.calls[0]!;
    expect(url).toBe('/api/v1/me');
    expect(init.method).toBe('GET');
    expect(init.credentials).toBe('same-origin');
    expect((init.headers as Record<string, string>)['X-CSRF']).toBeUndefined();
    expect(init.body).toBeUndefined();
  });

  it('sends X-CSRF: 1 and a JSON body on unsafe methods', async () => {
    const m = mockFetch(200, { user });
    const api = new ApiClient({ fetch: m.fetch });
    await api.login({ email: 'a@b.co', password: 'secret-secret' }, sig());
    const { url, init } = m.calls[0]!;
    expect(url).toBe('/api/v1/auth/login');
    expect(init.method).toBe('POST');
    const h = init.headers as Record<string, string>;
    expect(h['X-CSRF']).toBe('1');
    expect(h['Content-Type']).toBe('application/json');
    expect(JSON.parse(init.body as string)).toEqual({ email: 'a@b.co', password: 'secret-secret' });
  });

  it('adds CSRF to bodiless unsafe calls and accepts 204', async () => {
    const m = mockFetch(204, undefined);
    const api = new ApiClient({ fetch: m.fetch });
    await expect(api.logout(sig())).resolves.toBeUndefined();
    await api.deleteAccount(7, sig());
    await api.revokeToken(3, sig());
    expect(m.calls.map((c) => [c.init.method, c.url])).toEqual([
      ['POST', '/api/v1/auth/logout'], ['DELETE', '/api/v1/accounts/7'],
      ['DELETE', '/api/v1/tokens/3'],
    ]);
    for (const c of m.calls) expect((c.init.headers as Record<string, string>)['X-CSRF']).toBe('1');
  });

  it('unwraps account, items and rules envelopes', async () => {
    const account = { id: 5, name: 'M' };
    const api1 = new ApiClient({ fetch: mockFetch(200, { account }).fetch });
    expect(await api1.setCopyMode(5, 'RECORD', sig())).toEqual(account);
    const api2 = new ApiClient({ fetch: mockFetch(200, { items: [account] }).fetch });
    expect(await api2.accounts(sig())).toEqual([account]);
    const rules = { lot_mode: 'FIXED', lot_value: '0.10' };
    const api3 = new ApiClient({ fetch: mockFetch(200, { rules }).fetch });
    expect(await api3.rules(5, sig())).toEqual(rules);
  });

  it('puts the copy mode, partner and master token in the documented bodies', async () => {
    const m = mockFetch(200, { account: {} });
    const api = new ApiClient({ fetch: m.fetch });
    await api.setCopyMode(1, '1TO1', sig());
    await api.setPartner(1, 2, sig());
    await api.follow(3, 'MST-abc', sig());
    expect(m.calls.map((c) => [c.init.method, c.url, JSON.parse(c.init.body as string)])).toEqual([
      ['PUT', '/api/v1/accounts/1/copy-mode', { copy_mode: '1TO1' }],
      ['PUT', '/api/v1/accounts/1/partner', { partner_id: 2 }],
      ['PUT', '/api/v1/accounts/3/following', { master_token: 'MST-abc' }],
    ]);
  });

  it('repeats status in the query string and drops empty parameters', async () => {
    const m = mockFetch(200, { items: [], next_cursor: null });
    const api = new ApiClient({ fetch: m.fetch });
    await api.pairs(9, { status: ['CLOSED', 'FAILED'], cursor: null, limit: 25 }, sig());
    await api.profitSeries(9, '24h', sig());
    expect(m.calls[0]!.url).toBe('/api/v1/accounts/9/pairs?status=CLOSED&status=FAILED&limit=25');
    expect(m.calls[1]!.url).toBe('/api/v1/accounts/9/profit-series?range=24h');
  });

  it('turns the error body into an ApiError with field messages', async () => {
    const body = { error: { code: 'validation_failed', message: 'Some fields are invalid.',
                            fields: { email: 'already taken' } } };
    const api = new ApiClient({ fetch: mockFetch(422, body).fetch });
    const err = await api.register({ email: 'x', name: 'y', password: 'z' }, sig())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'validation_failed',
                                fields: { email: 'already taken' } });
  });

  it('survives an error answer that is not JSON', async () => {
    const api = new ApiClient({ fetch: mockFetch(502, '<html>bad gateway</html>').fetch });
    await expect(api.me(sig())).rejects.toMatchObject({ status: 502, code: 'http_502' });
  });

  it('reports a network failure as status 0', async () => {
    const f = vi.fn(async () => { throw new TypeError('Failed to fetch'); });
    const api = new ApiClient({ fetch: f as unknown as typeof fetch });
    await expect(api.me(sig())).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('calls onUnauthorized on 401', async () => {
    const onUnauthorized = vi.fn();
    const api = new ApiClient({
      fetch: mockFetch(401, { error: { code: 'unauthorized', message: 'no', fields: {} } }).fetch,
      onUnauthorized,
    });
    await expect(api.accounts(sig())).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('passes the AbortSignal through and rethrows the abort', async () => {
    let seen: AbortSignal | undefined;
    const f = vi.fn((_url: unknown, init?: RequestInit) => new Promise<Response>((_, reject) => {
      seen = init?.signal ?? undefined;
      seen?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    }));
    const api = new ApiClient({ fetch: f as unknown as typeof fetch });
    const ctl = new AbortController();
    const p = api.stats(4, ctl.signal);
    ctl.abort();
    const err = await p.catch((e: unknown) => e);
    expect(seen).toBe(ctl.signal);
    expect(isAbort(err)).toBe(true);
    expect(err).not.toBeInstanceOf(ApiError);
  });
});
