// The session cache's line to the other instances: one dedicated PostgreSQL connection that
// LISTENs on the schema's channel, sends this instance's heartbeat every second, remembers which
// peers were heard lately, and reconnects after a loss. Outgoing payloads are queued and sent one
// statement at a time: under a storm of writes many barriers share one round trip (and pg's own
// queueing of concurrent queries on a client is deprecated).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

const HEARTBEAT_MS = 1000;
/** Without its own heartbeat for this long, an instance stops trusting its cache. */
const HEALTHY_WITHIN_MS = 2500;
/** Peers heard from within this long count as live. */
const PEER_ALIVE_MS = 3000;
const RECONNECT_MS = 1000;

export interface ListenerOptions {
  connect(applicationName: string): Promise<pg.Client>;
  log: FastifyBaseLogger;
  /** Every payload but heartbeats, split at ':' into its kind and fields. */
  onMessage(kind: string, fields: string[]): void;
  /** The connection is gone: what was cached may have missed notifications. */
  onLost(): void;
  /** Once a heartbeat, after peers not heard from lately were dropped. */
  onTick(): void;
}

export interface CacheListener {
  readonly instanceId: string;
  /** Connects and starts the heartbeat; a failed connect is retried in the background. */
  start(): Promise<void>;
  /** Connected and hearing its own heartbeat: notifications are arriving. */
  healthy(): boolean;
  connected(): boolean;
  /** The peers heard from lately, this instance included once it hears itself. */
  livePeers(): Set<string>;
  isPeer(instanceId: string): boolean;
  send(payload: string): Promise<void>;
  close(): Promise<void>;
}

export function createListener(options: ListenerOptions): CacheListener {
  const instanceId = randomBytes(8).toString('hex');
  const peers = new Map<string, number>();
  let client: pg.Client | null = null;
  let channel = '';
  let lastOwnHeartbeat = -Infinity;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
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

  function send(payload: string): Promise<void> {
    if (!client) return Promise.resolve();
    outbox.push(payload);
    sending ??= drainOutbox();
    return sending;
  }

  function receive(payload: string): void {
    const [kind = '', ...fields] = payload.split(':');
    if (kind === 'hb') {
      peers.set(fields[0]!, performance.now());
      if (fields[0] === instanceId) lastOwnHeartbeat = performance.now();
      return;
    }
    if (kind === 'bye') peers.delete(fields[0]!);
    options.onMessage(kind, fields);
  }

  function lose(error?: unknown): void {
    if (error) options.log.warn({ err: error }, 'session cache: listening connection lost; checking every session in the database until it is back');
    const lost = client;
    client = null;
    lastOwnHeartbeat = -Infinity;
    options.onLost();
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
      next.on('notification', (message) => message.channel === channel && receive(message.payload ?? ''));
      const { rows } = await next.query<{ channel: string }>(`select left('gatehouse_sessions.' || current_schema(), 63) as channel`);
      channel = rows[0]!.channel;
      await next.query(`listen "${channel.replaceAll('"', '""')}"`);
      if (closed) return void (await next.end());
      client = next;
      await send(`hb:${instanceId}`);
    } catch (error) {
      if (next !== client) void next?.end().catch(() => undefined);
      lose(error);
    }
  }

  let heartbeat: NodeJS.Timeout | undefined;

  return {
    instanceId,
    async start() {
      await connect();
      heartbeat = setInterval(() => {
        void send(`hb:${instanceId}`);
        const now = performance.now();
        for (const [peer, seen] of peers) if (now - seen >= PEER_ALIVE_MS) peers.delete(peer);
        options.onTick();
      }, HEARTBEAT_MS);
      heartbeat.unref();
    },
    healthy: () => client !== null && performance.now() - lastOwnHeartbeat < HEALTHY_WITHIN_MS,
    connected: () => client !== null,
    livePeers() {
      const now = performance.now();
      return new Set([...peers].filter(([, seen]) => now - seen < PEER_ALIVE_MS).map(([peer]) => peer));
    },
    isPeer: (id) => peers.has(id),
    send,
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(reconnectTimer);
      await send(`bye:${instanceId}`);
      const last = client;
      client = null;
      await last?.end().catch(() => undefined);
    },
  };
}
