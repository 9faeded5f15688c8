// The sign-in challenge between the password step and the second-factor step. It lives in this
// tab's sessionStorage only (never a cookie, never the URL) and is removed once used.
import type { SecondFactorChallenge, SecondFactorMethod } from '../api/index.ts';

const KEY = 'gatehouse.sign-in-challenge';

export interface StoredChallenge {
  challengeId: string;
  methods: SecondFactorMethod[];
  /** Where to go once signed in. */
  next: string;
}

export function saveChallenge(challenge: SecondFactorChallenge, next: string): void {
  const stored: StoredChallenge = { challengeId: challenge.challengeId, methods: challenge.methods, next };
  sessionStorage.setItem(KEY, JSON.stringify(stored));
}

export function loadChallenge(): StoredChallenge | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as StoredChallenge | null;
    return value && typeof value.challengeId === 'string' && Array.isArray(value.methods) ? value : null;
  } catch {
    return null;
  }
}

export function clearChallenge(): void {
  sessionStorage.removeItem(KEY);
}
