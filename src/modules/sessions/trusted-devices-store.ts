// SQL of the remembered devices (security.md §4): the hash of each device's token, never the token.
import type { Insertable, Kysely } from 'kysely';
import type { Database, TrustedDevicesTable } from '../../db/schema.ts';

export async function insertTrustedDevice(db: Kysely<Database>, values: Insertable<TrustedDevicesTable>) {
  return db.insertInto('trusted_devices').values(values).returning('id').executeTakeFirstOrThrow();
}

/** Marks a live trusted device of this user as used; false when there is none. */
export async function touchTrustedDevice(db: Kysely<Database>, userId: string, tokenHash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('trusted_devices')
    .set({ last_used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Revokes one trusted device of the user, or all of them when id is null. */
export async function revokeTrustedDevices(db: Kysely<Database>, userId: string, id: string | null, now: Date): Promise<number> {
  let query = db.updateTable('trusted_devices').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (id) query = query.where('id', '=', id);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listLiveTrustedDevices(db: Kysely<Database>, userId: string, now: Date) {
  return db
    .selectFrom('trusted_devices')
    .select(['id', 'device', 'location', 'created_at', 'last_used_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}
