// The Kysely instance: embedded PGlite in the data dir by default, a pg Pool with DATABASE_URL.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from './schema.ts';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL only: a connection of its own, outside the pool, with the same settings (for LISTEN). */
  connectDedicated?(applicationName: string): Promise<pg.Client>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; undefined keeps it in memory (tests). */
  pgliteDir?: string | undefined;
  /** For tests: run every query inside this PostgreSQL schema. */
  searchPath?: string;
  poolSize?: number;
}

const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/**
 * The pg pool behind a Kysely instance (PostgreSQL only), for the one query hot enough to be worth
 * a named prepared statement: PostgreSQL then parses and plans it once per connection.
 */
export function postgresPoolOf(db: Kysely<Database>): pg.Pool | undefined {
  return pools.get(db);
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  let db: Kysely<Database>;
  let kind: DatabaseHandle['kind'];
  let connectDedicated: DatabaseHandle['connectDedicated'];
  if (options.databaseUrl) {
    const connection = {
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: 5000,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    };
    const pool = new pg.Pool({ ...connection, max: options.poolSize ?? 10 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    kind = 'postgres';
    connectDedicated = async (applicationName) => {
      const client = new pg.Client({ ...connection, application_name: applicationName });
      await client.connect();
      return client;
    };
  } else {
    if (options.pgliteDir) mkdirSync(path.dirname(options.pgliteDir), { recursive: true });
    const client = options.pgliteDir ? new PGlite(options.pgliteDir) : new PGlite();
    await client.waitReady;
    db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
    kind = 'pglite';
  }
  return {
    db,
    kind,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
    ...(connectDedicated ? { connectDedicated } : {}),
  };
}
