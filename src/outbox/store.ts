// SQL of the mail queue table (security.md §8): rows are written by mail-outbox.ts and claimed by jobs/mail-queue.ts.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export async function insertMail(db: Kysely<Database>, values: { payloadEncrypted: string; kind: string; now: Date }): Promise<void> {
  await db
    .insertInto('mail_queue')
    .values({ payload_encrypted: values.payloadEncrypted, kind: values.kind, next_attempt_at: values.now, created_at: values.now })
    .execute();
}

/**
 * Claims up to `limit` due messages for `leaseSeconds`: SKIP LOCKED lets several instances work
 * the queue without sending one message twice, and the lease returns a message to the queue if
 * the instance that claimed it dies.
 */
export async function claimDueMail(db: Kysely<Database>, now: Date, leaseUntil: Date, limit: number) {
  return db
    .updateTable('mail_queue')
    .set((eb) => ({ locked_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('mail_queue')
        .select('id')
        .where('sent_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'kind', 'payload_encrypted', 'attempts'])
    .execute();
}

/**
 * Gives back claims this instance will not work on (it is shutting down): the rows are due again
 * at once for any instance, and the claim does not count as an attempt.
 */
export async function releaseClaims(db: Kysely<Database>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('mail_queue')
    .set((eb) => ({ locked_until: null, attempts: eb('attempts', '-', 1) }))
    .where('id', 'in', ids)
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .execute();
}

/** Sent: the sealed copy is dropped, so no one-time link outlives its delivery. */
export async function markSent(db: Kysely<Database>, id: string, now: Date): Promise<void> {
  await db.updateTable('mail_queue').set({ sent_at: now, payload_encrypted: '', locked_until: null, last_error: null }).where('id', '=', id).execute();
}

export async function markRetry(db: Kysely<Database>, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await db.updateTable('mail_queue').set({ next_attempt_at: nextAttemptAt, locked_until: null, last_error: error }).where('id', '=', id).execute();
}

export async function markFailed(db: Kysely<Database>, id: string, now: Date, error: string): Promise<void> {
  await db.updateTable('mail_queue').set({ failed_at: now, payload_encrypted: '', locked_until: null, last_error: error }).where('id', '=', id).execute();
}

export async function deleteFinishedBefore(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const result = await db
    .deleteFrom('mail_queue')
    .where((eb) => eb.or([eb('sent_at', '<', cutoff), eb('failed_at', '<', cutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Waiting messages and jobs (neither sent nor dropped), and when the oldest was queued: for the metrics. */
export async function queueStats(db: Kysely<Database>): Promise<{ depth: number; oldestCreatedAt: Date | null }> {
  const row = await db
    .selectFrom('mail_queue')
    .select((eb) => [eb.fn.countAll<string | number>().as('depth'), eb.fn.min('created_at').as('oldest')])
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { depth: Number(row.depth), oldestCreatedAt: row.oldest === null ? null : new Date(row.oldest) };
}
