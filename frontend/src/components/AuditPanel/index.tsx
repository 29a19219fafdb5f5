import { useEffect, useState } from 'preact/hooks';
import { api, isAbort, type AuditEntry, type Id } from '../../api';
import { hasKey, t, when } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { useAbortable, useAsync } from '../../lib/hooks';
import { Button } from '../Button';
import { EmptyState } from '../EmptyState';
import { ErrorState, Loading } from '../LoadState';
import { Panel } from '../Panel';

function text(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The entry's detail as short lines: "field: old → new" for changes, "key: value" else. */
export function detailLines(detail: Record<string, unknown>): string[] {
  const keys = Object.keys(detail);
  if ('from' in detail && 'to' in detail && keys.length === 2) {
    return [`${text(detail.from)} → ${text(detail.to)}`];
  }
  return Object.entries(detail).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => {
    if (v && typeof v === 'object' && 'from' in v && 'to' in v) {
      const c = v as { from: unknown; to: unknown };
      return `${k}: ${text(c.from)} → ${text(c.to)}`;
    }
    return `${k}: ${text(v)}`;
  });
}

export function actionLabel(action: string): string {
  const key = `audit.action.${action}`;
  return hasKey(key) ? t(key) : action;
}

function Who({ e }: { e: AuditEntry }) {
  const who = e.via === 'ea' ? t('audit.byEa')
    : e.by_owner ? t('audit.you') : (e.actor_name ?? t('audit.someone'));
  const via = hasKey(`audit.via.${e.via}`) ? t(`audit.via.${e.via}` as 'audit.via.session') : e.via;
  return (
    <span class="flex flex-col">
      <span class="text-ink-100">{who}</span>
      <span class="text-xs text-ink-300">{via}{e.address ? ` · ${e.address}` : ''}</span>
    </span>
  );
}

/**
 * Who changed what and when on an account, newest first, with "show older". Reloads when
 * `stamp` (what the page knows of the account) changes.
 */
export function AuditPanel({ accountId, stamp = '' }: { accountId: Id; stamp?: string }) {
  const first = useAsync((s) => api.audit(accountId, null, s), [accountId, stamp]);
  const [older, setOlder] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<Id | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const abortable = useAbortable();
  useEffect(() => { setOlder([]); setNext(undefined); }, [accountId, stamp]);
  const items = [...(first.data?.items ?? []), ...older];
  const cursor = next === undefined ? first.data?.next_before_id ?? null : next;

  const more = async () => {
    if (cursor === null) return;
    setBusy(true);
    setError(null);
    try {
      const page = await api.audit(accountId, cursor, abortable());
      setOlder((o) => [...o, ...page.items]);
      setNext(page.next_before_id);
    } catch (err) {
      if (!isAbort(err)) setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title={t('audit.title')} testid="audit-panel" bodyClass="p-0">
      {first.error && !first.data
        ? <div class="p-4"><ErrorState error={first.error} onRetry={first.reload} /></div>
        : !first.data ? <Loading />
        : items.length === 0 ? <div class="p-4"><EmptyState>{t('audit.empty')}</EmptyState></div>
        : (
          <>
            <ol class="divide-y divide-ink-800" data-testid="audit-list">
              {items.map((e) => (
                <li key={e.id} data-testid="audit-entry" data-action={e.action}
                    class="grid gap-1 px-4 py-2.5 text-sm sm:grid-cols-[9rem_1fr_10rem] sm:gap-3">
                  <time dateTime={e.created_at} class="text-ink-300 tabular">{when(e.created_at)}</time>
                  <div class="min-w-0">
                    <div class="font-medium text-ink-100" data-testid="audit-action">
                      {actionLabel(e.action)}</div>
                    {detailLines(e.detail).map((line) => (
                      <div key={line} class="truncate text-xs text-ink-300" title={line}>{line}</div>
                    ))}
                  </div>
                  <Who e={e} />
                </li>
              ))}
            </ol>
            {error && <p role="alert" class="px-4 pb-2 text-sm text-down">{error}</p>}
            {cursor !== null && (
              <div class="border-t border-ink-700 p-3 text-center">
                <Button small variant="secondary" class="min-h-11" busy={busy}
                        onClick={() => void more()} data-testid="audit-more">{t('audit.more')}</Button>
              </div>
            )}
          </>
        )}
    </Panel>
  );
}
