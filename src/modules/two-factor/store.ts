import type { Kysely } from 'kysely';
import type { Database, TwoFactorType } from '../../db/schema.ts';

export async function findMethods(db: Kysely<Database>, userId: string) {
  return db.selectFrom('two_factor_methods').selectAll().where('user_id', '=', userId).execute();
}

export async function findMethod(db: Kysely<Database>, userId: string, type: TwoFactorType) {
  return db.selectFrom('two_factor_methods').selectAll().where('user_id', '=', userId).where('type', '=', type).executeTakeFirst();
}

/** True when the user has at least one verified second factor. */
export async function hasVerifiedMethod(db: Kysely<Database>, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('two_factor_methods')
    .select('id')
    .where('user_id', '=', userId)
    .where('verified_at', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Creates or replaces a pending (unverified) method of this type. */
export async function upsertPendingMethod(db: Kysely<Database>, values: { userId: string; type: TwoFactorType; secretEncrypted: string | null; phone: string | null; now: Date }) {
  await db
    .insertInto('two_factor_methods')
    .values({ user_id: values.userId, type: values.type, secret_encrypted: values.secretEncrypted, phone_e164: values.phone, created_at: values.now })
    .onConflict((oc) =>
      oc.columns(['user_id', 'type']).doUpdateSet({ secret_encrypted: values.secretEncrypted, phone_e164: values.phone, verified_at: null, last_used_step: null }),
    )
    .execute();
}

export async function markVerified(db: Kysely<Database>, methodId: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('two_factor_methods').set({ verified_at: now }).where('id', '=', methodId).where('verified_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * security.md §4: records the accepted time-step only if it is newer than the last one; false means
 * the code was already used (the guard makes two concurrent uses of one code accept only one).
 */
export async function consumeTotpStep(db: Kysely<Database>, methodId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('two_factor_methods')
    .set({ last_used_step: step })
    .where('id', '=', methodId)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', String(step))]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteMethods(db: Kysely<Database>, userId: string): Promise<number> {
  const result = await db.deleteFrom('two_factor_methods').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function replaceBackupCodes(db: Kysely<Database>, userId: string, codeHashes: string[], now: Date): Promise<void> {
  await db.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('backup_codes')
    .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now })))
    .execute();
}

export async function deleteBackupCodes(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
}

/**
 * Marks the code used if it exists and is unused; false otherwise (single use, race-free). One
 * code, hashed under each key it may have been stored with.
 */
export async function useBackupCode(db: Kysely<Database>, userId: string, codeHashes: string[], now: Date): Promise<boolean> {
  const result = await db
    .updateTable('backup_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', 'in', codeHashes)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function countUnusedBackupCodes(db: Kysely<Database>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('backup_codes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
