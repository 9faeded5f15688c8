import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { EventMetadata, SecurityEventType } from './types.ts';

export interface NewSecurityEvent {
  userId: string | null;
  sessionId: string | null;
  type: SecurityEventType;
  metadata: EventMetadata;
  ipHash: string | null;
  createdAt: Date;
}

export async function insertEvent(db: Kysely<Database>, event: NewSecurityEvent): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      user_id: event.userId,
      session_id: event.sessionId,
      type: event.type,
      metadata: JSON.stringify(event.metadata),
      ip_hash: event.ipHash,
      created_at: event.createdAt,
    })
    .execute();
}

/**
 * Newest first; keyset pagination on seq so deep pages cost the same as the first. Each event
 * comes with the device and place of the session it happened in (revoked or not), so its owner
 * reads "from Firefox on Linux in Berlin" without the event copying them.
 */
export async function listUserEvents(db: Kysely<Database>, userId: string, limit: number, beforeSeq: string | null) {
  let query = db
    .selectFrom('security_events')
    .leftJoin('sessions', (join) => join.onRef('sessions.id', '=', 'security_events.session_id').on('sessions.user_id', '=', userId))
    .select(['security_events.id', 'security_events.seq', 'security_events.type', 'security_events.metadata', 'security_events.session_id', 'security_events.created_at', 'sessions.device', 'sessions.location'])
    .where('security_events.user_id', '=', userId);
  if (beforeSeq !== null) query = query.where('security_events.seq', '<', beforeSeq);
  return query.orderBy('security_events.seq', 'desc').limit(limit).execute();
}
