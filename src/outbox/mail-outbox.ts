// Mail waiting to go (security.md §8): sealed and written in the caller's transaction, so a message
// exists exactly when the action happened; the worker in jobs/mail-queue.ts sends it. It sits below
// notify/ and the modules, so both can queue mail without reaching the worker.
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/schema.ts';
import * as store from './store.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const SEAL_CONTEXT = 'mail_queue';

export async function enqueueMail(ctx: AppContext, db: Kysely<Database>, kind: string, message: MailMessage): Promise<void> {
  await store.insertMail(db, { payloadEncrypted: ctx.keyring.seal(JSON.stringify(message), SEAL_CONTEXT), kind, now: ctx.clock.now() });
}

/**
 * Queues a job that decides what to mail only when it runs, in the worker's transaction. A request
 * whose answer must not show whether an account exists queues the same sealed row either way and
 * leaves the account lookup to the job (security.md §5, §8).
 */
export async function enqueueMailJob(ctx: AppContext, db: Kysely<Database>, kind: string, input: Record<string, unknown>): Promise<void> {
  await store.insertMail(db, { payloadEncrypted: ctx.keyring.seal(JSON.stringify(input), SEAL_CONTEXT), kind, now: ctx.clock.now() });
}

/** The JSON a queued row holds, for the worker. */
export const openQueued = (ctx: AppContext, sealed: string): string => ctx.keyring.open(sealed, SEAL_CONTEXT);
