// The session cache's barrier: a write is answered only after every live instance has said it
// applied every change committed before the write (see cache.ts for why that is enough).
// Protocol: `barrier:<origin>:<nonce>` goes out; each other instance answers
// `ack:<origin>:<nonce>:<itself>`; when the origin receives its own barrier it fixes the set of
// live peers to wait for. A peer that says `bye` or falls silent is no longer waited for.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { CacheListener } from './cache-listener.ts';

const BARRIER_TIMEOUT_MS = 1000;

interface PendingBarrier {
  acks: Set<string>;
  /** The peers to wait for, fixed when this instance receives its own barrier. */
  expected: Set<string> | null;
  resolve(): void;
}

export interface Barriers {
  /** Resolves once every live instance has acknowledged (or after a logged timeout). */
  wait(): Promise<void>;
  /** Handles `barrier` and `ack` payloads; ignores any other. */
  receive(kind: string, fields: string[]): void;
  /** Re-checks every pending barrier after peers came and went. */
  settleAll(): void;
  releaseAll(): void;
}

export function createBarriers(listener: CacheListener, log: FastifyBaseLogger): Barriers {
  const pending = new Map<string, PendingBarrier>();

  function settle(nonce: string): void {
    const barrier = pending.get(nonce);
    if (!barrier?.expected) return;
    for (const peer of barrier.expected) if (!barrier.acks.has(peer) && listener.isPeer(peer)) return;
    pending.delete(nonce);
    barrier.resolve();
  }

  function receive(kind: string, fields: string[]): void {
    if (kind === 'barrier') {
      const [origin, nonce] = fields as [string, string];
      if (origin !== listener.instanceId) {
        void listener.send(`ack:${origin}:${nonce}:${listener.instanceId}`);
        return;
      }
      const mine = pending.get(nonce);
      if (mine) {
        // Receiving its own barrier proves this instance is up to date; the others must say so.
        mine.expected = listener.livePeers();
        mine.acks.add(listener.instanceId);
        settle(nonce);
      }
      return;
    }
    if (kind === 'ack') {
      const [origin, nonce, from] = fields as [string, string, string];
      const mine = origin === listener.instanceId ? pending.get(nonce) : undefined;
      if (mine) {
        mine.acks.add(from);
        settle(nonce);
      }
    }
  }

  async function wait(): Promise<void> {
    if (!listener.connected()) return;
    const nonce = randomBytes(8).toString('hex');
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => pending.set(nonce, { acks: new Set(), expected: null, resolve }));
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), BARRIER_TIMEOUT_MS)));
    void listener.send(`barrier:${listener.instanceId}:${nonce}`);
    const outcome = await Promise.race([done, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const barrier = pending.get(nonce);
      pending.delete(nonce);
      const missing = [...(barrier?.expected ?? [])].filter((peer) => !barrier?.acks.has(peer));
      log.warn({ missing }, 'session cache: not every instance acknowledged a change in time');
    }
  }

  return {
    wait,
    receive,
    settleAll: () => {
      for (const nonce of pending.keys()) settle(nonce);
    },
    releaseAll: () => {
      for (const barrier of pending.values()) barrier.resolve();
      pending.clear();
    },
  };
}
