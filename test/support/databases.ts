// Every behaviour test runs on both databases Gatehouse supports: embedded PGlite and a real
// PostgreSQL server. PostgreSQL tests each get a fresh schema so files run in parallel. A missing
// server fails the run loudly: nothing is skipped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { testDbPrefix } from './db-prefix.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export const postgresUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** TEST_DATABASES=pglite narrows a local run; CI always runs both. */
export const databaseKinds: DatabaseKind[] = (process.env.TEST_DATABASES?.split(',') as DatabaseKind[] | undefined) ?? ['pglite', 'postgres'];

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${postgresUrl} (set TEST_DATABASE_URL): ${(error as Error).message}`);
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  handle: DatabaseHandle;
  /** The PostgreSQL schema holding this test's tables (postgres only). */
  schema: string | null;
  /** Closes the connection and drops what the test created. */
  dispose(): Promise<void>;
}

/** A fresh, empty database of the given kind; migrated unless told otherwise. */
export async function createTestDatabase(kind: DatabaseKind, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await openDatabase({});
    if (options.migrate !== false) await migrateToLatest(handle.db);
    return { handle, schema: null, dispose: () => handle.close() };
  }
  const schema = `${testDbPrefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  const handle = await openDatabase({ databaseUrl: postgresUrl, searchPath: schema, poolSize: 4 });
  if (options.migrate !== false) await migrateToLatest(handle.db);
  return {
    handle,
    schema,
    dispose: async () => {
      await handle.close();
      await adminQuery(`drop schema ${schema} cascade`);
    },
  };
}

/** A whole, empty PostgreSQL database on the test server, for a process started by a test. */
export async function createScratchDatabase(label: string): Promise<{ url: string; dispose(): Promise<void> }> {
  const name = `${testDbPrefix}_${label}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), dispose: () => adminQuery(`drop database if exists ${name} with (force)`) };
}
