// The outgoing-mail worker (security.md §8): a request only writes the message (or a job
// that decides what to mail) into the outbox (outbox/), inside its own transaction, so sending never
// blocks or breaks it; a worker in every instance sends what is due, runs due jobs, and retries
// failures with exponential backoff.
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/schema.ts';
import type { MailQueueStats } from '../metrics/metrics.ts';
import { openQueued, type MailMessage } from '../outbox/mail-outbox.ts';
import * as store from '../outbox/store.ts';

const LEASE_SECONDS = 120;
const BATCH = 20;
/** 30 s, 1 min, 2 min … capped at 1 h; after 10 attempts (about 5 hours) a message is dropped. */
const MAX_ATTEMPTS = 10;
const FIRST_RETRY_SECONDS = 30;
const MAX_RETRY_SECONDS = 3600;

/**
 * Queued work that decides what to mail only when it runs, in the worker's transaction. A request
 * whose answer must not show whether an account exists queues the same sealed row either way and
 * leaves the account lookup to the job (security.md §5, §8).
 */
export type MailJob = (ctx: AppContext, db: Kysely<Database>, input: Record<string, unknown>) => Promise<void>;
export type MailJobs = Readonly<Record<string, MailJob>>;

/** Runs one job; it and its completion commit together, so a job that ran is never run again. */
async function runJob(ctx: AppContext, job: MailJob, id: string, payload: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await job(ctx, trx, JSON.parse(payload) as Record<string, unknown>);
    await store.markSent(trx, id, ctx.clock.now());
  });
}

export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends every due message (and runs every due job) once; returns how many were done. Once
 * `stopping()` answers true (shutdown), the claims not yet worked on go back to the queue.
 */
export async function deliverDueMail(ctx: AppContext, log: FastifyBaseLogger, jobs: MailJobs = {}, stopping: () => boolean = () => false): Promise<number> {
  const now = ctx.clock.now();
  const claimed = await store.claimDueMail(ctx.db, now, new Date(now.getTime() + LEASE_SECONDS * 1000), BATCH);
  let sent = 0;
  for (const [index, mail] of claimed.entries()) {
    if (stopping()) {
      const returned = claimed.slice(index).map((m) => m.id);
      await store.releaseClaims(ctx.db, returned);
      log.info({ returned: returned.length }, 'mail worker stopping: claimed mail returned to the queue');
      break;
    }
    try {
      const payload = openQueued(ctx, mail.payload_encrypted);
      const job = Object.hasOwn(jobs, mail.kind) ? jobs[mail.kind] : undefined;
      if (job) {
        await runJob(ctx, job, mail.id, payload);
        log.info({ mailId: mail.id, kind: mail.kind }, 'mail job done');
      } else {
        await ctx.mail.send(JSON.parse(payload) as MailMessage);
        await store.markSent(ctx.db, mail.id, ctx.clock.now());
        log.info({ mailId: mail.id, kind: mail.kind }, 'mail sent');
      }
      sent += 1;
    } catch (error) {
      // The error text is the transport's (SMTP reply, connection error); it never holds the body.
      const reason = error instanceof Error ? error.message.slice(0, 500) : 'unknown error';
      ctx.metrics.mailFailed(mail.kind);
      if (mail.attempts >= MAX_ATTEMPTS) {
        await store.markFailed(ctx.db, mail.id, ctx.clock.now(), reason);
        log.error({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts, reason }, 'mail dropped after repeated failures');
      } else {
        const retryAt = new Date(ctx.clock.now().getTime() + retryDelaySeconds(mail.attempts) * 1000);
        await store.markRetry(ctx.db, mail.id, retryAt, reason);
        log.warn({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts, retryAt, reason }, 'mail delivery failed; will retry');
      }
    }
  }
  return sent;
}

/**
 * Polls the queue every `intervalMs`; one pass at a time. Returns a function that stops it: the
 * message or job in hand finishes, the rest of the pass's claims go back to the queue.
 */
export function startMailWorker(ctx: AppContext, log: FastifyBaseLogger, intervalMs: number, jobs: MailJobs): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running) return;
    running = deliverDueMail(ctx, log, jobs, () => stopped)
      .catch((error: unknown) => log.warn({ err: error }, 'mail worker pass failed'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

export const purgeFinishedMail = store.deleteFinishedBefore;

/** How many messages and jobs wait, and how long the oldest has (GET /metrics). */
export async function mailQueueStats(ctx: AppContext): Promise<MailQueueStats> {
  const { depth, oldestCreatedAt } = await store.queueStats(ctx.db);
  return { depth, oldestAgeSeconds: oldestCreatedAt ? Math.max(0, (ctx.clock.now().getTime() - oldestCreatedAt.getTime()) / 1000) : 0 };
}
