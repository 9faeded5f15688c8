// Recently checked sessions, kept in this instance's memory so that a session check needs no
// database round trip (issue 5), without giving up SPEC 4.7: a revoked session is refused on the
// next request on every instance.
//
// How it stays correct:
// - Triggers (migration 0004) NOTIFY at commit for every UPDATE or DELETE of a session or user,
//   whoever makes it; every instance LISTENs and drops that user's entries.
// - Every write request waits, before it answers, for a barrier: a NOTIFY that each live instance
//   acknowledges. PostgreSQL delivers notifications in commit order, so an instance that has
//   acknowledged the barrier has already applied every change committed before it. When the client
//   sees the answer, no instance still holds the old row.
// - An instance trusts its cache only while it hears its own heartbeat through its listening
//   connection; a lost connection empties the cache and every check goes to the database again.
// - A row read while an invalidation arrived is not kept, and an entry lives at most a minute.
//   Only acceptance comes from memory: a cached row that looks expired is checked in the database
//   again before the session is refused.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

const HEARTBEAT_MS = 1000;
/** Without its own heartbeat for this long, an instance stops trusting its cache. */
const HEALTHY_WITHIN_MS = 2500;
/** Peers heard from within this long are waited for at a barrier. */
const PEER_ALIVE_MS = 3000;
const BARRIER_TIMEOUT_MS = 1000;
const RECONNECT_MS = 1000;

export interface SessionCacheOptions {
  connect(applicationName: string): Promise<pg.Client>;
  log: FastifyBaseLogger;
  maxEntries: number;
  maxAgeMs: number;
}

interface Entry<Row> {
  row: Row;
  userId: string;
  storedAt: number;
}

interface PendingBarrier {
  acks: Set<string>;
  /** The peers to wait for, fixed when this instance receives its own barrier. */
  expected: Set<string> | null;
  resolve(): void;
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
  const instanceId = randomBytes(8).toString('hex');
  const entries = new Map<string, Entry<Row>>();
  const byUser = new Map<string, Set<string>>();
  const peers = new Map<string, number>();
  const barriers = new Map<string, PendingBarrier>();
  let generation = 0;
  let client: pg.Client | null = null;
  let channel = '';
  let lastOwnHeartbeat = -Infinity;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const healthy = () => client !== null && performance.now() - lastOwnHeartbeat < HEALTHY_WITHIN_MS;

  function remove(tokenHash: string): void {
    const entry = entries.get(tokenHash);
    if (!entry) return;
    entries.delete(tokenHash);
    const tokens = byUser.get(entry.userId);
    tokens?.delete(tokenHash);
    if (tokens?.size === 0) byUser.delete(entry.userId);
  }

  function invalidateUser(userId: string): void {
    generation += 1;
    for (const tokenHash of byUser.get(userId) ?? []) entries.delete(tokenHash);
    byUser.delete(userId);
  }

  function flush(): void {
    generation += 1;
    entries.clear();
    byUser.clear();
  }

  // One statement at a time on the listening connection, carrying every payload queued meanwhile:
  // under a storm of writes the barriers of many requests share one round trip (and pg's own
  // queueing of concurrent queries on a client is deprecated).
  let outbox: string[] = [];
  let sending: Promise<void> | null = null;

  async function drainOutbox(): Promise<void> {
    try {
      while (outbox.length > 0) {
        const target = client;
        const payloads = outbox;
        outbox = [];
        if (!target) return;
        await target.query('select pg_notify($1, payload) from unnest($2::text[]) as payload', [channel, payloads]).catch(() => undefined);
      }
    } finally {
      sending = null;
    }
  }

  function notify(payload: string): Promise<void> {
    if (!client) return Promise.resolve();
    outbox.push(payload);
    sending ??= drainOutbox();
    return sending;
  }

  function settle(nonce: string): void {
    const barrier = barriers.get(nonce);
    if (!barrier?.expected) return;
    for (const peer of barrier.expected) if (!barrier.acks.has(peer) && peers.has(peer)) return;
    barriers.delete(nonce);
    barrier.resolve();
  }

  function onNotification(payload: string): void {
    const [kind, ...rest] = payload.split(':');
    const now = performance.now();
    switch (kind) {
      case 'user':
        invalidateUser(rest[0]!);
        break;
      case 'flush':
        flush();
        break;
      case 'hb':
        peers.set(rest[0]!, now);
        if (rest[0] === instanceId) lastOwnHeartbeat = now;
        break;
      case 'bye':
        peers.delete(rest[0]!);
        for (const nonce of barriers.keys()) settle(nonce);
        break;
      case 'barrier': {
        const [origin, nonce] = rest as [string, string];
        if (origin !== instanceId) {
          void notify(`ack:${origin}:${nonce}:${instanceId}`);
          break;
        }
        const mine = barriers.get(nonce);
        if (mine) {
          // Receiving its own barrier proves this instance is up to date; the others must say so.
          mine.expected = new Set([...peers].filter(([, seen]) => now - seen < PEER_ALIVE_MS).map(([peer]) => peer));
          mine.acks.add(instanceId);
          settle(nonce);
        }
        break;
      }
      case 'ack': {
        const [origin, nonce, from] = rest as [string, string, string];
        const mine = origin === instanceId ? barriers.get(nonce) : undefined;
        if (mine) {
          mine.acks.add(from);
          settle(nonce);
        }
        break;
      }
    }
  }

  function lose(error?: unknown): void {
    if (error) options.log.warn({ err: error }, 'session cache: listening connection lost; checking every session in the database until it is back');
    const lost = client;
    client = null;
    lastOwnHeartbeat = -Infinity;
    flush();
    lost?.removeAllListeners('notification');
    void lost?.end().catch(() => undefined);
    if (!closed && !reconnectTimer) {
      reconnectTimer = setTimeout(() => {
        reconnectTimer = undefined;
        void connect();
      }, RECONNECT_MS);
      reconnectTimer.unref();
    }
  }

  async function connect(): Promise<void> {
    let next: pg.Client | undefined;
    try {
      // Named, so an operator can tell it apart in pg_stat_activity.
      next = await options.connect('gatehouse-session-cache');
      const listening = next;
      next.on('error', (error) => client === listening && lose(error));
      next.on('end', () => client === listening && lose());
      next.on('notification', (message) => message.channel === channel && onNotification(message.payload ?? ''));
      const { rows } = await next.query<{ channel: string }>(`select left('gatehouse_sessions.' || current_schema(), 63) as channel`);
      channel = rows[0]!.channel;
      await next.query(`listen "${channel.replaceAll('"', '""')}"`);
      if (closed) return void (await next.end());
      client = next;
      await notify(`hb:${instanceId}`);
    } catch (error) {
      if (next !== client) void next?.end().catch(() => undefined);
      lose(error);
    }
  }

  await connect();
  const heartbeat = setInterval(() => {
    void notify(`hb:${instanceId}`);
    const now = performance.now();
    for (const [peer, seen] of peers) if (now - seen >= PEER_ALIVE_MS) peers.delete(peer);
    for (const nonce of barriers.keys()) settle(nonce);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    get(tokenHash) {
      if (!healthy()) return undefined;
      const entry = entries.get(tokenHash);
      if (!entry) return undefined;
      if (performance.now() - entry.storedAt > options.maxAgeMs) {
        remove(tokenHash);
        return undefined;
      }
      return entry.row;
    },
    ticket: () => generation,
    set(tokenHash, userId, row, ticket) {
      if (ticket !== generation || !healthy()) return;
      remove(tokenHash);
      if (entries.size >= options.maxEntries) remove(entries.keys().next().value!);
      entries.set(tokenHash, { row, userId, storedAt: performance.now() });
      let tokens = byUser.get(userId);
      if (!tokens) byUser.set(userId, (tokens = new Set()));
      tokens.add(tokenHash);
    },
    forget: remove,
    async barrier() {
      if (!client) return;
      const nonce = randomBytes(8).toString('hex');
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<void>((resolve) => barriers.set(nonce, { acks: new Set(), expected: null, resolve }));
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), BARRIER_TIMEOUT_MS)));
      void notify(`barrier:${instanceId}:${nonce}`);
      const outcome = await Promise.race([done, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        const barrier = barriers.get(nonce);
        barriers.delete(nonce);
        const missing = [...(barrier?.expected ?? [])].filter((peer) => !barrier?.acks.has(peer));
        options.log.warn({ missing }, 'session cache: not every instance acknowledged a change in time');
      }
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(reconnectTimer);
      await notify(`bye:${instanceId}`);
      const last = client;
      client = null;
      flush();
      for (const barrier of barriers.values()) barrier.resolve();
      barriers.clear();
      await last?.end().catch(() => undefined);
    },
  };
}
