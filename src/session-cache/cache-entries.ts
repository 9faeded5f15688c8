// The session cache's memory: rows by token hash, indexed by user so that one notification drops
// every session of that user. A generation counter tells a reader whether anything was dropped
// while it was reading the database (see cache.ts).
import { performance } from 'node:perf_hooks';

interface Entry<Row> {
  row: Row;
  userId: string;
  storedAt: number;
}

export interface EntryIndex<Row> {
  get(tokenHash: string): Row | undefined;
  set(tokenHash: string, userId: string, row: Row): void;
  remove(tokenHash: string): void;
  dropUser(userId: string): void;
  dropAll(): void;
  /** Grows at every drop; a row read before a drop must not be stored after it. */
  generation(): number;
}

export function createEntryIndex<Row>(maxEntries: number, maxAgeMs: number): EntryIndex<Row> {
  const entries = new Map<string, Entry<Row>>();
  const byUser = new Map<string, Set<string>>();
  let generation = 0;

  function remove(tokenHash: string): void {
    const entry = entries.get(tokenHash);
    if (!entry) return;
    entries.delete(tokenHash);
    const tokens = byUser.get(entry.userId);
    tokens?.delete(tokenHash);
    if (tokens?.size === 0) byUser.delete(entry.userId);
  }

  return {
    get(tokenHash) {
      const entry = entries.get(tokenHash);
      if (!entry) return undefined;
      if (performance.now() - entry.storedAt > maxAgeMs) {
        remove(tokenHash);
        return undefined;
      }
      return entry.row;
    },
    set(tokenHash, userId, row) {
      remove(tokenHash);
      if (entries.size >= maxEntries) remove(entries.keys().next().value!);
      entries.set(tokenHash, { row, userId, storedAt: performance.now() });
      let tokens = byUser.get(userId);
      if (!tokens) byUser.set(userId, (tokens = new Set()));
      tokens.add(tokenHash);
    },
    remove,
    dropUser(userId) {
      generation += 1;
      for (const tokenHash of byUser.get(userId) ?? []) entries.delete(tokenHash);
      byUser.delete(userId);
    },
    dropAll() {
      generation += 1;
      entries.clear();
      byUser.clear();
    },
    generation: () => generation,
  };
}
