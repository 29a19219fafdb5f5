import type { CopyMode } from '../api';

/** Whether switching a master to `mode` would leave no follower copying its next trades. */
export function stopsCopying(mode: CopyMode, partnerId: number | null): boolean {
  return mode === 'RECORD' || (mode === '1TO1' && partnerId === null);
}
