// One-time tokens (security.md §2 and §8): sign-in challenges, texted codes and email links. Each
// is stored only as a hash, expires, is attempt-counted, and is used at most once.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import * as store from './store.ts';

export type TokenPurpose = 'sign_in_challenge' | 'sms_sign_in_code' | 'sms_setup_code' | 'email_verification' | 'password_reset' | 'email_change';

export interface LiveToken {
  id: string;
  userId: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export async function issueToken(db: Kysely<Database>, values: { userId: string; purpose: TokenPurpose; tokenHash: string; payload?: Record<string, unknown>; expiresAt: Date; now: Date }): Promise<string> {
  const row = await store.insertToken(db, { ...values, payload: values.payload ?? {} });
  return row.id;
}

/** Replaces every earlier token of this purpose for the user (a newer code invalidates older ones). */
export async function reissueToken(db: Kysely<Database>, values: { userId: string; purpose: TokenPurpose; tokenHash: string; payload?: Record<string, unknown>; expiresAt: Date; now: Date }): Promise<string> {
  await store.deleteForUser(db, values.userId, values.purpose);
  return issueToken(db, values);
}

function live(row: Awaited<ReturnType<typeof store.findByHash>>, now: Date, maxAttempts: number): LiveToken | null {
  if (!row || row.used_at !== null || row.expires_at <= now || row.attempts >= maxAttempts) return null;
  return { id: row.id, userId: row.user_id, payload: row.payload, attempts: row.attempts };
}

/** The unused, unexpired token with this hash, if it has attempts left. */
export async function findLiveToken(db: Kysely<Database>, purpose: TokenPurpose, tokenHash: string, now: Date, maxAttempts: number): Promise<LiveToken | null> {
  // Found by the SHA-256 of a 256-bit token: comparing the hash with itself again adds nothing (security.md §2).
  return live(await store.findByHash(db, purpose, tokenHash), now, maxAttempts);
}

/** The user's current token of this purpose (for short codes looked up by user, not by value). */
export async function findLatestLiveToken(db: Kysely<Database>, userId: string, purpose: TokenPurpose, now: Date, maxAttempts: number): Promise<(LiveToken & { tokenHash: string }) | null> {
  const row = await store.findLatestForUser(db, userId, purpose);
  const token = live(row, now, maxAttempts);
  return token && row ? { ...token, tokenHash: row.token_hash } : null;
}

export const reserveAttempt = store.reserveAttempt;
export const consumeToken = store.markUsed;
export const purgeExpiredTokens = store.deleteEndedBefore;
export const deleteToken = store.deleteById;
export const deleteOtherTokens = store.deleteOthers;

/** Voids every pending token of these purposes for the user, inside the caller's transaction. */
export function voidPendingTokens(db: Kysely<Database>, userId: string, purposes: readonly TokenPurpose[]): Promise<number> {
  return store.deleteUnusedForUser(db, userId, purposes);
}
