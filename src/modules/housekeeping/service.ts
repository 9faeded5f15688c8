// Hourly clean-up, also run by `gatehouse cleanup`: nothing that ended long ago stays in the
// database (security.md §3).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { purgeFinishedMail } from '../../jobs/mail-queue.ts';
import { purgeExpiredTokens } from '../one-time-tokens/service.ts';
import { purgeEndedSessions } from '../sessions/service.ts';

const DAY = 86400_000;

export interface Purged {
  sessions: number;
  tokens: number;
  mail: number;
}

export async function housekeeping(db: Kysely<Database>, now: Date): Promise<Purged> {
  return {
    sessions: await purgeEndedSessions(db, now),
    // Expired one-time tokens are worthless a day later (kept a little for support questions).
    tokens: await purgeExpiredTokens(db, new Date(now.getTime() - DAY)),
    // The sealed body is already gone once sent; the row itself is kept a week for operators.
    mail: await purgeFinishedMail(db, new Date(now.getTime() - 7 * DAY)),
  };
}
