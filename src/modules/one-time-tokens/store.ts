import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

export async function insertToken(db: Kysely<Database>, values: { userId: string; purpose: string; tokenHash: string; payload: Record<string, unknown>; expiresAt: Date; now: Date }) {
  return db
    .insertInto('one_time_tokens')
    .values({ user_id: values.userId, purpose: values.purpose, token_hash: values.tokenHash, payload: JSON.stringify(values.payload), expires_at: values.expiresAt, created_at: values.now })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function findByHash(db: Kysely<Database>, purpose: string, tokenHash: string) {
  return db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', purpose).executeTakeFirst();
}

export async function findLatestForUser(db: Kysely<Database>, userId: string, purpose: string) {
  return db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Takes one attempt on a live token before its code is checked: one statement, so requests that
 * arrive together cannot all read the same count (security.md §6). Returns the attempts now used,
 * or null when the token is used, expired or has none left.
 */
export async function reserveAttempt(db: Kysely<Database>, id: string, maxAttempts: number, now: Date): Promise<number | null> {
  const row = await db
    .updateTable('one_time_tokens')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('attempts', '<', maxAttempts)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('attempts')
    .executeTakeFirst();
  return row?.attempts ?? null;
}

/** Marks the token used if it still is unused; false means someone else used it first. */
export async function markUsed(db: Kysely<Database>, id: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('one_time_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteForUser(db: Kysely<Database>, userId: string, purpose: string): Promise<void> {
  await db.deleteFrom('one_time_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).execute();
}

export async function deleteEndedBefore(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const result = await db.deleteFrom('one_time_tokens').where('expires_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteById(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('one_time_tokens').where('id', '=', id).execute();
}

export async function deleteOthers(db: Kysely<Database>, userId: string, purpose: string, keepId: string): Promise<void> {
  await db.deleteFrom('one_time_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).where('id', '!=', keepId).execute();
}

/** Deletes the user's unused tokens of these purposes (links that must stop working). */
export async function deleteUnusedForUser(db: Kysely<Database>, userId: string, purposes: readonly string[]): Promise<number> {
  const result = await db.deleteFrom('one_time_tokens').where('user_id', '=', userId).where('purpose', 'in', purposes).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numDeletedRows);
}
