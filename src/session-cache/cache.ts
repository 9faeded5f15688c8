// Recently checked sessions, kept in this instance's memory so that a session check needs no
// database round trip, without giving up the revocation rule (security.md §3): a revoked session
// is refused on the next request on every instance.
//
// The protocol, in four parts:
// 1. Triggers (migration 0004) NOTIFY at commit for every UPDATE or DELETE of a session or user,
//    whoever makes it; every instance LISTENs (cache-listener.ts) and drops that user's entries
//    (cache-entries.ts).
// 2. Every write request waits, before it answers, for a barrier (cache-barrier.ts): a NOTIFY
//    that each live instance acknowledges. PostgreSQL delivers notifications in commit order, so
//    an instance that has acknowledged the barrier has already applied every change committed
//    before it. When the client sees the answer, no instance still holds the old row.
// 3. An instance trusts its cache only while it hears its own heartbeat through its listening
//    connection; a lost connection empties the cache and every check goes to the database again.
// 4. A row read while an invalidation arrived is not kept (the ticket), and an entry lives at most
//    a minute. Only acceptance comes from memory: a cached row that looks expired is checked in
//    the database again before the session is refused.
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { createBarriers } from './cache-barrier.ts';
import { createEntryIndex } from './cache-entries.ts';
import { createListener } from './cache-listener.ts';

export interface SessionCacheOptions {
  connect(applicationName: string): Promise<pg.Client>;
  log: FastifyBaseLogger;
  maxEntries: number;
  maxAgeMs: number;
  /** Told of every lookup, whether the cache held the session (the hit-ratio metrics). */
  onLookup?: (hit: boolean) => void;
}

export interface SessionCache<Row> {
  get(tokenHash: string): Row | undefined;
  /** Taken before a database read; `set` keeps the row only if nothing was invalidated since. */
  ticket(): number;
  set(tokenHash: string, userId: string, row: Row, ticket: number): void;
  forget(tokenHash: string): void;
  /** Resolves once every live instance has applied every change committed before the call. */
  barrier(): Promise<void>;
  close(): Promise<void>;
}

export async function startSessionCache<Row>(options: SessionCacheOptions): Promise<SessionCache<Row>> {
  const entries = createEntryIndex<Row>(options.maxEntries, options.maxAgeMs);
  const listener = createListener({
    connect: options.connect,
    log: options.log,
    onMessage(kind, fields) {
      if (kind === 'user') entries.dropUser(fields[0]!);
      else if (kind === 'flush') entries.dropAll();
      else if (kind === 'bye') barriers.settleAll();
      else barriers.receive(kind, fields);
    },
    onLost: () => entries.dropAll(),
    onTick: () => barriers.settleAll(),
  });
  const barriers = createBarriers(listener, options.log);
  await listener.start();

  return {
    get(tokenHash) {
      const row = listener.healthy() ? entries.get(tokenHash) : undefined;
      options.onLookup?.(row !== undefined);
      return row;
    },
    ticket: () => entries.generation(),
    set(tokenHash, userId, row, ticket) {
      if (ticket === entries.generation() && listener.healthy()) entries.set(tokenHash, userId, row);
    },
    forget: (tokenHash) => entries.remove(tokenHash),
    barrier: () => barriers.wait(),
    async close() {
      await listener.close();
      entries.dropAll();
      barriers.releaseAll();
    },
  };
}
