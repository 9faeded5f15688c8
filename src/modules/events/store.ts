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

/** Newest first; keyset pagination on seq so deep pages cost the same as the first. */
export async function listUserEvents(db: Kysely<Database>, userId: string, limit: number, beforeSeq: string | null) {
  let query = db
    .selectFrom('security_events')
    .select(['id', 'seq', 'type', 'metadata', 'session_id', 'created_at'])
    .where('user_id', '=', userId);
  if (beforeSeq !== null) query = query.where('seq', '<', beforeSeq);
  return query.orderBy('seq', 'desc').limit(limit).execute();
}
