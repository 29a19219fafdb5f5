/** Registration info and the admin API (users, invite codes), on the one API client. */
import type { ApiClient } from './client';
import type {
  AdminUser, CreatedInvite, Id, Invite, InviteBody, Items, RegistrationInfo,
} from './types';

export class AdminApi {
  constructor(private readonly client: ApiClient) {}

  /** Who may register now (public). */
  registration(signal: AbortSignal): Promise<RegistrationInfo> {
    return this.client.request('GET', '/auth/registration', signal);
  }
  users(signal: AbortSignal): Promise<AdminUser[]> {
    return this.client.request<Items<AdminUser>>('GET', '/admin/users', signal)
      .then((r) => r.items);
  }
  setDisabled(id: Id, disabled: boolean, signal: AbortSignal): Promise<AdminUser> {
    return this.client.request<{ user: AdminUser }>(
      'POST', `/admin/users/${id}/${disabled ? 'disable' : 'enable'}`, signal).then((r) => r.user);
  }
  endSessions(id: Id, signal: AbortSignal): Promise<number> {
    return this.client.request<{ ended: number }>('DELETE', `/admin/users/${id}/sessions`, signal)
      .then((r) => r.ended);
  }
  invites(signal: AbortSignal): Promise<Invite[]> {
    return this.client.request<Items<Invite>>('GET', '/admin/invites', signal)
      .then((r) => r.items);
  }
  /** The code is in the answer once and never again. */
  createInvite(body: InviteBody, signal: AbortSignal): Promise<CreatedInvite> {
    return this.client.request('POST', '/admin/invites', signal, { body });
  }
  revokeInvite(id: Id, signal: AbortSignal): Promise<void> {
    return this.client.request('DELETE', `/admin/invites/${id}`, signal);
  }
}
