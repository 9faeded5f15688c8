// The signed-in user's second factors (GET /api/auth/2fa/status), shared by the sections that
// need them (two-step verification, email change) without a provider: one small store, read again
// after every change. It belongs to one user; another user's sign-in starts it over.
import { useEffect, useSyncExternalStore } from 'react';
import { notifyAccountChanged } from '../../../../app/account-changes.ts';
import { api, isApiError, type ResponseOf } from '../../../../api/index.ts';

export type TwoFactorStatus = Omit<ResponseOf<'getTwoFactorStatus'>, 'success'>;
export type TwoFactorState = { kind: 'loading' } | { kind: 'ready'; status: TwoFactorStatus } | { kind: 'failed'; message: string };

let owner: string | null = null;
let state: TwoFactorState = { kind: 'loading' };
const listeners = new Set<() => void>();

function set(next: TwoFactorState): void {
  state = next;
  for (const listener of listeners) listener();
}

/** Reads the status again after a change made here (enabling, disabling, regenerating), which the activity log shows too. */
export async function twoFactorChanged(): Promise<void> {
  notifyAccountChanged();
  await reloadTwoFactorStatus();
}

/** Reads the status again. */
export async function reloadTwoFactorStatus(): Promise<void> {
  const reading = owner;
  try {
    const { success: _success, ...status } = await api.getTwoFactorStatus();
    if (reading === owner) set({ kind: 'ready', status });
  } catch (error) {
    if (reading === owner) set({ kind: 'failed', message: isApiError(error) ? error.message : 'Could not read your two-step verification settings.' });
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTwoFactorStatus(userId: string): TwoFactorState {
  const current = useSyncExternalStore(subscribe, () => state);
  useEffect(() => {
    if (owner !== userId) {
      owner = userId;
      set({ kind: 'loading' });
    }
    void reloadTwoFactorStatus();
  }, [userId]);
  return owner === userId ? current : { kind: 'loading' };
}
