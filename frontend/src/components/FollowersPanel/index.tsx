import { useState } from 'preact/hooks';
import { api, isAbort, type Account, type Follower, type Id, type PendingFollower } from '../../api';
import { ms, percent, t, when } from '../../i18n';
import { errorMessage } from '../../lib/errors';
import { useAbortable, useAsync, useLiveEvents } from '../../lib/hooks';
import { toast } from '../../state/toast';
import { Button } from '../Button';
import { ConfirmDialog } from '../ConfirmDialog';
import { EmptyState } from '../EmptyState';
import { ErrorState, Loading } from '../LoadState';
import { Money } from '../Money';
import { Panel } from '../Panel';
import { OnlineDot } from '../StatusBadge';

function points(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return t('prov.points', { n: v.toFixed(1) });
}

function EaState({ f }: { f: Follower }) {
  return (
    <span class="flex flex-col gap-0.5">
      <OnlineDot online={f.online} testid="follower-online" />
      {!f.online && f.ea_disconnected_at && (
        <span class="text-xs text-ink-300">{t('prov.lastSeen', { when: when(f.ea_disconnected_at) })}</span>
      )}
      {!f.is_active && <span class="text-xs text-warn">{t('accounts.paused')}</span>}
    </span>
  );
}

function Failures({ f }: { f: Follower }) {
  const copies = f.copies ?? 0;
  return (
    <span class="flex flex-col items-end gap-0.5 sm:items-end">
      <span class="tabular text-ink-100" data-testid="follower-failure-rate"
            data-value={f.failure_rate ?? ''}>
        {copies === 0 ? '—' : t('prov.failureRate', { rate: percent(f.failure_rate ?? 0), n: copies })}
      </span>
      {copies > 0 && (
        <span class="text-xs text-ink-300">
          {t('prov.recent', { n: f.recent_copies ?? 0, failed: f.recent_failed ?? 0 })}</span>
      )}
    </span>
  );
}

function Flag({ f }: { f: Follower }) {
  if (!f.flagged) return null;
  return (
    <span data-testid="follower-flag" title={t('prov.flaggedHint', {
            failed: f.recent_failed ?? 0, n: f.recent_copies ?? 0 })}
          class="inline-flex items-center gap-1 rounded-md border border-down/50 bg-down/15 px-1.5
                 py-0.5 text-xs font-semibold text-red-300">
      ⚠ {t('prov.flagged')}
      <span class="sr-only">: {t('prov.flaggedHint', {
        failed: f.recent_failed ?? 0, n: f.recent_copies ?? 0 })}</span>
    </span>
  );
}

/**
 * The provider's view of a master's followers: result, open copies, failure rate, latency,
 * slippage and EA state per follower, a flag on those whose recent copies fail, and removal
 * (with the list of removed followers, who can be allowed again). A table on wide screens,
 * cards on a phone.
 */
export function FollowersPanel({ accountId, version, approveFollowers = false,
                                onApproveChange }: {
  accountId: Id; version: number; approveFollowers?: boolean;
  onApproveChange?: (a: Account) => void;
}) {
  const [tick, setTick] = useState(0);
  const followers = useAsync((s) => api.followers(accountId, s), [accountId, version, tick]);
  const removed = useAsync((s) => api.removedFollowers(accountId, s), [accountId, tick]);
  const pending = useAsync((s) => api.pendingFollowers(accountId, s), [accountId, version, tick]);
  // A follower asked, or was approved/refused elsewhere: reload the lists.
  useLiveEvents({
    onEvent: (e) => {
      if ((e.type === 'follow.pending' || e.type === 'follow.approved'
           || e.type === 'follow.refused') && e.data.master_id === accountId) {
        setTick((n) => n + 1);
      }
    },
  }, [accountId]);
  const [switching, setSwitching] = useState(false);
  const toggleApproval = async () => {
    setSwitching(true);
    try {
      const a = await api.setApproveFollowers(accountId, !approveFollowers, abortable());
      onApproveChange?.(a);
      toast(t(a.approve_followers ? 'prov.approvalOn' : 'prov.approvalOff'));
    } catch (err) {
      if (!isAbort(err)) toast(errorMessage(err), 'error');
    } finally {
      setSwitching(false);
    }
  };
  const decide = async (p: PendingFollower, approve: boolean) => {
    try {
      await api.decideFollower(accountId, p.id, approve, abortable());
      toast(t(approve ? 'prov.approved' : 'prov.refused', { name: p.name }));
      setTick((n) => n + 1);
    } catch (err) {
      if (!isAbort(err)) toast(errorMessage(err), 'error');
    }
  };
  const [target, setTarget] = useState<Follower | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const abortable = useAbortable();
  const list = followers.data ?? [];
  const flagged = list.filter((f) => f.flagged).length;

  const remove = async () => {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      await api.removeFollower(accountId, target.id, abortable());
      toast(t('prov.removed', { name: target.name }));
      setTarget(null);
      setTick((n) => n + 1);
    } catch (err) {
      if (!isAbort(err)) setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const allow = async (id: Id, name: string) => {
    try {
      await api.allowFollower(accountId, id, abortable());
      toast(t('prov.allowed', { name }));
      setTick((n) => n + 1);
    } catch (err) {
      if (!isAbort(err)) toast(errorMessage(err), 'error');
    }
  };
  const removeButton = (f: Follower) => (
    <Button small variant="danger" class="min-h-11 sm:min-h-9" data-testid="follower-remove"
            onClick={() => { setError(null); setTarget(f); }}
            aria-label={`${t('prov.remove')} ${f.name}`}>
      {t('prov.remove')}
    </Button>
  );

  return (
    <Panel
      title={<>{t('prov.title')} <span class="ml-1 text-ink-300">{followers.data?.length ?? ''}</span>
        {flagged > 0 && <span class="ml-2 text-xs font-semibold text-red-300 normal-case"
                              data-testid="followers-flagged-count">
          ⚠ {t('prov.flaggedCount', { n: flagged })}</span>}</>}
      testid="followers-panel" bodyClass="p-0"
    >
      {followers.error && !followers.data
        ? <div class="p-4"><ErrorState error={followers.error} onRetry={followers.reload} /></div>
        : !followers.data ? <Loading />
        : list.length === 0 ? (
          <div class="p-4">
            <EmptyState icon="👥" testid="followers-empty">{t('dash.followersEmpty')}</EmptyState>
          </div>
        ) : (
          <>
            {/* wide screens: one row per follower */}
            <table class="hidden w-full text-sm md:table" data-testid="followers-table">
              <thead class="text-left text-xs text-ink-300 uppercase">
                <tr class="border-b border-ink-700">
                  <th scope="col" class="px-4 py-2 font-semibold">{t('prov.name')}</th>
                  <th scope="col" class="px-2 py-2 font-semibold">{t('prov.ea')}</th>
                  <th scope="col" class="px-2 py-2 text-right font-semibold">{t('prov.realised')}</th>
                  <th scope="col" class="px-2 py-2 text-right font-semibold">{t('prov.floating')}</th>
                  <th scope="col" class="px-2 py-2 text-right font-semibold">{t('prov.open')}</th>
                  <th scope="col" class="px-2 py-2 text-right font-semibold">{t('prov.failures')}</th>
                  <th scope="col" class="px-2 py-2 text-right font-semibold">{t('prov.latency')}</th>
                  <th scope="col" class="px-2 py-2 text-right font-semibold">{t('prov.slippage')}</th>
                  <th scope="col" class="px-4 py-2"><span class="sr-only">{t('prov.remove')}</span></th>
                </tr>
              </thead>
              <tbody data-testid="followers-list">
                {list.map((f) => (
                  <tr key={f.id} data-testid="follower-row" data-id={f.id}
                      data-online={String(f.online)} data-flagged={String(!!f.flagged)}
                      class={`border-b border-ink-800 ${f.flagged ? 'bg-down/5' : ''}`}>
                    <th scope="row" class="px-4 py-2 text-left font-medium text-ink-100">
                      <span class="flex flex-wrap items-center gap-2">{f.name}<Flag f={f} /></span>
                    </th>
                    <td class="px-2 py-2"><EaState f={f} /></td>
                    <td class="px-2 py-2 text-right"><Money value={f.realised_profit}
                                                            testid="follower-realised" /></td>
                    <td class="px-2 py-2 text-right"><Money value={f.floating_profit}
                                                            testid="follower-floating" /></td>
                    <td class="px-2 py-2 text-right tabular" data-testid="follower-open">
                      {f.open_copies ?? 0}</td>
                    <td class="px-2 py-2 text-right"><Failures f={f} /></td>
                    <td class="px-2 py-2 text-right tabular" data-testid="follower-latency">
                      {ms(f.avg_latency_ms)}</td>
                    <td class="px-2 py-2 text-right tabular" data-testid="follower-slippage">
                      {points(f.avg_slippage_points)}</td>
                    <td class="px-4 py-2 text-right">{removeButton(f)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {/* phones: one card per follower */}
            <ul class="divide-y divide-ink-800 md:hidden" data-testid="followers-cards">
              {list.map((f) => (
                <li key={f.id} data-testid="follower-card" data-id={f.id}
                    data-flagged={String(!!f.flagged)}
                    class={`space-y-2 px-4 py-3 ${f.flagged ? 'bg-down/5' : ''}`}>
                  <div class="flex items-start justify-between gap-2">
                    <span class="flex min-w-0 flex-wrap items-center gap-2 font-medium text-ink-100">
                      {f.name}<Flag f={f} /></span>
                    <EaState f={f} />
                  </div>
                  <dl class="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
                    <dt class="text-ink-300">{t('prov.realised')}</dt>
                    <dd class="text-right"><Money value={f.realised_profit} /></dd>
                    <dt class="text-ink-300">{t('prov.floating')}</dt>
                    <dd class="text-right"><Money value={f.floating_profit} /></dd>
                    <dt class="text-ink-300">{t('prov.open')}</dt>
                    <dd class="text-right tabular">{f.open_copies ?? 0}</dd>
                    <dt class="text-ink-300">{t('prov.failures')}</dt>
                    <dd class="text-right"><Failures f={f} /></dd>
                    <dt class="text-ink-300">{t('prov.latency')}</dt>
                    <dd class="text-right tabular">{ms(f.avg_latency_ms)}</dd>
                    <dt class="text-ink-300">{t('prov.slippage')}</dt>
                    <dd class="text-right tabular">{points(f.avg_slippage_points)}</dd>
                  </dl>
                  <div class="flex justify-end">{removeButton(f)}</div>
                </li>
              ))}
            </ul>
          </>
        )}
      <div class="border-t border-ink-700 px-4 py-3 space-y-2" data-testid="follower-approval">
        <label class="flex min-h-11 cursor-pointer items-center gap-3 text-sm text-ink-100">
          <input type="checkbox" class="h-5 w-5" checked={approveFollowers} disabled={switching}
                 data-testid="approve-followers" onChange={() => void toggleApproval()} />
          <span>{t('prov.approveSwitch')}
            <span class="block text-xs text-ink-300">{t('prov.approveHint')}</span></span>
        </label>
        {pending.data && pending.data.length > 0 && (
          <div data-testid="pending-followers">
            <h3 class="mb-2 text-xs font-semibold text-ink-300 uppercase">
              {t('prov.pendingTitle', { n: pending.data.length })}</h3>
            <ul class="space-y-1">
              {pending.data.map((p) => (
                <li key={p.id} data-testid="pending-follower" data-id={p.id}
                    class="flex flex-wrap items-center justify-between gap-2 text-sm">
                  <span class="min-w-0 truncate text-ink-100">{p.name}
                    <span class="ml-2 text-xs text-ink-300">
                      {t('prov.requested', { when: when(p.requested_at) })}</span></span>
                  <span class="flex gap-2">
                    <Button small class="min-h-11 sm:min-h-9" data-testid="follower-approve"
                            aria-label={`${t('prov.approve')} ${p.name}`}
                            onClick={() => void decide(p, true)}>{t('prov.approve')}</Button>
                    <Button small variant="danger" class="min-h-11 sm:min-h-9"
                            data-testid="follower-refuse"
                            aria-label={`${t('prov.refuse')} ${p.name}`}
                            onClick={() => void decide(p, false)}>{t('prov.refuse')}</Button>
                  </span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      {removed.data && removed.data.length > 0 && (
        <div class="border-t border-ink-700 px-4 py-3" data-testid="removed-followers">
          <h3 class="mb-2 text-xs font-semibold text-ink-300 uppercase">{t('prov.removedTitle')}</h3>
          <ul class="space-y-1">
            {removed.data.map((r) => (
              <li key={r.id} data-testid="removed-follower" data-id={r.id}
                  class="flex items-center justify-between gap-2 text-sm">
                <span class="min-w-0 truncate text-ink-200">{r.name}
                  <span class="ml-2 text-xs text-ink-300">{when(r.removed_at)}</span></span>
                <Button small variant="secondary" class="min-h-11 sm:min-h-9"
                        data-testid="follower-allow" onClick={() => void allow(r.id, r.name)}>
                  {t('prov.allow')}</Button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <ConfirmDialog open={target !== null} title={t('prov.removeTitle', { name: target?.name ?? '' })}
                     confirmLabel={t('prov.remove')} onConfirm={() => void remove()}
                     onCancel={() => setTarget(null)} busy={busy} error={error}
                     testid="remove-follower-dialog">
        {t('prov.removeBody', { name: target?.name ?? '' })}
      </ConfirmDialog>
    </Panel>
  );
}
