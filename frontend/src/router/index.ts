/**
 * A tiny history-API router: the current location is a signal, links push history entries,
 * and deep links work because the server answers every non-API path with index.html.
 */
import { signal } from '@preact/signals';

export interface Location {
  path: string;
  search: string;
}

function current(): Location {
  if (typeof window === 'undefined') return { path: '/', search: '' };
  return { path: window.location.pathname || '/', search: window.location.search };
}

export const location = signal<Location>(current());

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    location.value = current();
  });
}

/** Go to `to` (path + optional query) without reloading. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (typeof window === 'undefined') return;
  const url = new URL(to, window.location.origin);
  const here = window.location;
  if (url.pathname === here.pathname && url.search === here.search) return;
  if (opts.replace) window.history.replaceState(null, '', url.pathname + url.search);
  else window.history.pushState(null, '', url.pathname + url.search);
  location.value = { path: url.pathname, search: url.search };
  window.scrollTo?.(0, 0);
}

/** Match "/accounts/:id" against a path; the named parts, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    const seg = s[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(seg);
    else if (part !== seg) return null;
  }
  return params;
}

/** A query parameter of the current location. */
export function queryParam(name: string): string | null {
  return new URLSearchParams(location.value.search).get(name);
}
