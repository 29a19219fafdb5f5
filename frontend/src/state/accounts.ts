/**
 * The user's trading accounts, shared by the menu, the dashboard and the account pages, and
 * kept current by live events (EA online/offline, mode, state).
 */
import { signal } from '@preact/signals';
import { api, isAbort, type Account, type Id, type LiveEvent } from '../api';

export const accounts = signal<Account[] | undefined>(undefined);
export const accountsError = signal<unknown>(null);

export async function loadAccounts(signal: AbortSignal): Promise<void> {
  try {
    accountsError.value = null;
    accounts.value = await api.accounts(signal);
  } catch (err) {
    if (!isAbort(err)) accountsError.value = err;
  }
}

export function upsertAccount(a: Account): void {
  const list = accounts.value ?? [];
  const i = list.findIndex((x) => x.id === a.id);
  accounts.value = i < 0 ? [...list, a] : list.map((x) => (x.id === a.id ? a : x));
}

export function removeAccount(id: Id): void {
  accounts.value = (accounts.value ?? []).filter((x) => x.id !== id);
}

export function findAccount(id: Id): Account | undefined {
  return accounts.value?.find((a) => a.id === id);
}

function patch(id: Id, change: Partial<Account>): void {
  const a = findAccount(id);
  if (a) upsertAccount({ ...a, ...change });
}

/** Fold a live event into the account list. */
export function applyAccountEvent(e: LiveEvent): void {
  if (e.account_id === null) return;
  switch (e.type) {
    case 'ea.status':
      patch(e.account_id, { online: e.data.online });
      break;
    case 'account.mode':
      patch(e.account_id, {
        copy_mode: e.data.copy_mode,
        ...(e.data.partner_id !== undefined ? { partner_id: e.data.partner_id } : {}),
      });
      break;
    case 'account.changed':
      patch(e.account_id, e.data);
      break;
    case 'account.following':
      patch(e.account_id, { following_id: e.data.following_id, following_name: e.data.following_name });
      break;
    case 'follow.pending':
      patch(e.data.follower_id, { following_id: null, following_name: null,
                                  pending_master_id: e.data.master_id,
                                  pending_master_name: e.data.master_name });
      break;
    case 'follow.approved':
      patch(e.data.follower_id, { following_id: e.data.master_id,
                                  following_name: e.data.master_name,
                                  pending_master_id: null, pending_master_name: null });
      break;
    case 'follow.refused':
      patch(e.data.follower_id, { pending_master_id: null, pending_master_name: null });
      break;
    case 'account.state': {
      const a = findAccount(e.account_id);
      if (a) {
        patch(e.account_id, {
          state: {
            balance: null, equity: null, margin_level: null, currency: null, leverage: null,
            updated_at: null, ...a.state, ...e.data,
          },
        });
      }
      break;
    }
    default:
      break;
  }
}
