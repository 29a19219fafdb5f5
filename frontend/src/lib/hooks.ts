import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isAbort, live, type LiveEvent } from '../api';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Load again (keeps showing the old data meanwhile). */
  reload: () => void;
  /** Replace the data locally (after a live event or a successful change). */
  setData: (update: T | ((old: T | undefined) => T)) => void;
}

/**
 * Run `load` now and whenever `deps` change; the previous run is aborted, and so is the last one
 * when the component unmounts.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>,
                            deps: readonly unknown[]): AsyncState<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    loadRef.current(ctl.signal).then(
      (value) => {
        if (ctl.signal.aborted) return;
        setDataState(() => value);
        setLoading(false);
      },
      (err: unknown) => {
        if (ctl.signal.aborted || isAbort(err)) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((update: T | ((old: T | undefined) => T)) => {
    setDataState((old) => (typeof update === 'function'
      ? (update as (o: T | undefined) => T)(old) : update));
  }, []);
  return { data, error, loading, reload, setData };
}

/**
 * A fresh AbortSignal per action (an earlier action of the same kind is cancelled), and all of
 * them cancelled when the component unmounts.
 */
export function useAbortable(): () => AbortSignal {
  const current = useRef<AbortController | null>(null);
  useEffect(() => () => current.current?.abort(), []);
  return useCallback(() => {
    current.current?.abort();
    current.current = new AbortController();
    return current.current.signal;
  }, []);
}

/** Call `fn` at most once per `ms`, trailing (for refetches triggered by bursts of events). */
export function useDebounced(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      fnRef.current();
    }, ms);
  }, [ms]);
}

/** Receive live events (all of the user's, or one account's) while mounted. */
export function useLiveEvents(handlers: {
  accountId?: number;
  onEvent: (e: LiveEvent) => void;
  onResync?: () => void;
}, deps: readonly unknown[]): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => live.subscribe({
    ...(handlers.accountId !== undefined ? { accountId: handlers.accountId } : {}),
    onEvent: (e) => ref.current.onEvent(e),
    onResync: () => ref.current.onResync?.(),
  }),
  // eslint-disable-next-line react-hooks/exhaustive-deps
  deps);
}

/** Ids that changed recently, to flash their rows; each id fades after `ms`. */
export function useFlash(ms = 1600): [ReadonlySet<number>, (id: number) => void] {
  const [ids, setIds] = useState<ReadonlySet<number>>(new Set());
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const flash = useCallback((id: number) => {
    setIds((old) => new Set(old).add(id));
    const h = setTimeout(() => {
      timers.current.delete(h);
      setIds((old) => {
        const n = new Set(old);
        n.delete(id);
        return n;
      });
    }, ms);
    timers.current.add(h);
  }, [ms]);
  return [ids, flash];
}

/** Whether the media query matches now; follows changes (rotation, window resizing). */
export function useMediaQuery(query: string): boolean {
  const get = () => typeof matchMedia === 'function' && matchMedia(query).matches;
  const [matches, setMatches] = useState(get);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const mql = matchMedia(query);
    const update = () => setMatches(mql.matches);
    update();
    mql.addEventListener('change', update);
    return () => mql.removeEventListener('change', update);
  }, [query]);
  return matches;
}

/** Tables from the md breakpoint (768 px) up; cards below it. */
export const WIDE = '(min-width: 768px)';
