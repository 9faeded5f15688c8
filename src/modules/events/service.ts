// The one place security events are written (security.md §10) and read back for their owner.
import type { Kysely } from 'kysely';
import { AppError } from '../../errors.ts';
import type { AppContext } from '../../context.ts';
import type { Database } from '../../db/schema.ts';
import { hashIp } from '../../http/client-context.ts';
import * as store from './store.ts';
import type { EventMetadata, SecurityEventType } from './types.ts';

export interface SecurityEvent {
  type: SecurityEventType;
  userId: string | null;
  sessionId?: string | null;
  /** The caller's address; only its keyed hash is stored. */
  ip?: string | undefined;
  metadata?: EventMetadata;
}

/** Pass the transaction the action runs in, so the event exists exactly when the action happened. */
export async function recordSecurityEvent(ctx: AppContext, db: Kysely<Database>, event: SecurityEvent): Promise<void> {
  await store.insertEvent(db, {
    userId: event.userId,
    sessionId: event.sessionId ?? null,
    type: event.type,
    metadata: event.metadata ?? {},
    ipHash: hashIp(ctx.keyring, event.ip),
    createdAt: ctx.clock.now(),
  });
}

const MAX_BIGINT = 9223372036854775807n;

// The cursor is opaque to clients: the position of the last event of the page.
function encodeCursor(seq: string): string {
  return Buffer.from(`e${seq}`).toString('base64url');
}

function decodeCursor(raw: string): string {
  const match = /^e(\d{1,19})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!match?.[1] || BigInt(match[1]) > MAX_BIGINT) throw new AppError('VALIDATION_FAILED', 'The cursor is not one this service gave out.', { fields: { cursor: 'is invalid' } });
  return match[1];
}

export async function listOwnEvents(ctx: AppContext, userId: string, options: { cursor?: string | undefined; limit: number }) {
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  // One extra row tells whether another page exists without a count query.
  const rows = await store.listUserEvents(ctx.db, userId, options.limit + 1, after);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    events: page.map((row) => ({
      id: row.id,
      type: row.type as SecurityEventType,
      metadata: row.metadata,
      sessionId: row.session_id,
      device: row.device,
      location: row.location,
      createdAt: row.created_at.toISOString(),
    })),
    nextCursor: rows.length > options.limit && last ? encodeCursor(String(last.seq)) : null,
  };
}
