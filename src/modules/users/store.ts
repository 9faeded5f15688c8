import type { Kysely } from 'kysely';
import type { Database, NewUser, Role, UserStatus } from '../../db/schema.ts';

export async function findUserByEmail(db: Kysely<Database>, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Kysely<Database>, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Inserts unless the email is taken; returns undefined in that case (no exception to race on). */
export async function insertUser(db: Kysely<Database>, values: NewUser) {
  return db
    .insertInto('users')
    .values(values)
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The active SUPER_ADMINs' ids, locked until the transaction ends, so two demotions cannot both pass. */
export async function lockActiveSuperAdmins(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('users').select('id').where('role', '=', 'SUPER_ADMIN').where('status', '=', 'active').forUpdate().execute();
  return rows.map((row) => row.id);
}

export async function updateRole(db: Kysely<Database>, id: string, role: Role, now: Date): Promise<void> {
  await db.updateTable('users').set({ role, updated_at: now }).where('id', '=', id).execute();
}

export async function updateStatus(db: Kysely<Database>, id: string, status: UserStatus, now: Date): Promise<void> {
  await db.updateTable('users').set({ status, updated_at: now }).where('id', '=', id).execute();
}

export async function updateDisplayName(db: Kysely<Database>, id: string, displayName: string | null, now: Date) {
  return db
    .updateTable('users')
    .set({ display_name: displayName, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updatePasswordHash(db: Kysely<Database>, id: string, passwordHash: string, now: Date, changedByUser: boolean): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash, updated_at: now, ...(changedByUser ? { password_changed_at: now } : {}) })
    .where('id', '=', id)
    .execute();
}

export async function recordLogin(db: Kysely<Database>, id: string, now: Date) {
  return db.updateTable('users').set({ last_login_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function markEmailVerified(db: Kysely<Database>, id: string, now: Date): Promise<void> {
  await db.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', id).where('email_verified_at', 'is', null).execute();
}

/** Moves the account to a new address (verified by the link); false if the address is taken. */
export async function changeEmail(db: Kysely<Database>, id: string, email: string, now: Date): Promise<boolean> {
  // The unique index decides, so two accounts racing for one address cannot both win.
  const result = await db
    .updateTable('users')
    .set({ email, email_verified_at: now, updated_at: now })
    .where('id', '=', id)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('users as other').select('other.id').where('other.email', '=', email))))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function updateNotificationSettings(db: Kysely<Database>, id: string, notifyNewSignIn: boolean, now: Date) {
  return db.updateTable('users').set({ notify_new_sign_in: notifyNewSignIn, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}
