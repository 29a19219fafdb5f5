/** Who is logged in: undefined while we ask the server, null when nobody. */
import { signal } from '@preact/signals';
import { api, isAbort, live, onUnauthorized, type User } from '../api';

export const user = signal<User | null | undefined>(undefined);

export async function loadSession(signal: AbortSignal): Promise<void> {
  try {
    user.value = await api.me(signal);
  } catch (err) {
    if (isAbort(err)) return;
    user.value = null;
  }
}

export function signedIn(u: User): void {
  user.value = u;
}

export async function logout(): Promise<void> {
  const ctl = new AbortController();
  try {
    await api.logout(ctl.signal);
  } finally {
    live.stop();
    user.value = null;
  }
}

onUnauthorized(() => {
  if (user.value) {
    live.stop();
    user.value = null;
  }
});
