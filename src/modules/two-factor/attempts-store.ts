// The per-account count of second-factor attempts (security.md §6): one row per user.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

export interface AttemptLimits {
  perRound: number;
  perDay: number;
  firstLockoutSeconds: number;
  maxLockoutSeconds: number;
}

/**
 * Takes one attempt unless the account is locked out or has spent its daily cap. The check and the
 * count are one UPDATE, so concurrent attempts queue on the row and each sees the count the one
 * before left (PostgreSQL re-reads a row changed under it before applying the WHERE). The attempt
 * that completes a round also sets the lockout: first one long, doubling, capped. Returns the row
 * as left, or undefined when no attempt is left.
 */
export async function takeAttempt(db: Kysely<Database>, userId: string, limits: AttemptLimits, now: Date) {
  await db.insertInto('second_factor_attempts').values({ user_id: userId, failures: 0, lockouts: 0, day_started_at: now, day_failures: 0 }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
  const at = sql`${now}::timestamptz`;
  const dayOver = sql<boolean>`day_started_at + interval '1 day' <= ${at}`;
  const roundDone = sql<boolean>`failures + 1 >= ${limits.perRound}::integer`;
  const lockoutSeconds = sql`least(${limits.maxLockoutSeconds}::integer, ${limits.firstLockoutSeconds}::integer * power(2, least(lockouts, 20)))`;
  return db
    .updateTable('second_factor_attempts')
    .set({
      day_started_at: sql`case when ${dayOver} then ${at} else day_started_at end`,
      day_failures: sql`case when ${dayOver} then 1 else day_failures + 1 end`,
      failures: sql`case when ${roundDone} then 0 else failures + 1 end`,
      lockouts: sql`case when ${roundDone} then lockouts + 1 else lockouts end`,
      locked_until: sql`case when ${roundDone} then ${at} + ${lockoutSeconds} * interval '1 second' end`,
    })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .where(sql<boolean>`(${dayOver} or day_failures < ${limits.perDay}::integer)`)
    .returning(['failures', 'lockouts', 'locked_until', 'day_started_at', 'day_failures'])
    .executeTakeFirst();
}

export async function findAttempts(db: Kysely<Database>, userId: string) {
  return db.selectFrom('second_factor_attempts').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/**
 * A correct code: the round and the lockouts start over, and the attempt it took is given back;
 * the day's wrong codes stay counted, so successes in between never lift the daily cap.
 */
export async function clearAfterSuccess(db: Kysely<Database>, userId: string): Promise<void> {
  await db
    .updateTable('second_factor_attempts')
    .set({ failures: 0, lockouts: 0, locked_until: null, day_failures: sql`greatest(day_failures - 1, 0)` })
    .where('user_id', '=', userId)
    .execute();
}
