// Versioned migrations, each with up() and down(), listed here in order so a build needs no
// directory scan.
import { Migrator, NO_MIGRATIONS, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as m0001 from './migrations/0001_accounts_sessions_events.ts';
import * as m0002 from './migrations/0002_two_factor.ts';
import * as m0003 from './migrations/0003_email.ts';
import * as m0004 from './migrations/0004_session_cache_invalidation.ts';
import * as m0005 from './migrations/0005_second_factor_attempts.ts';
import type { Database } from './schema.ts';

const migrations: Record<string, Migration> = {
  '0001_accounts_sessions_events': m0001,
  '0002_two_factor': m0002,
  '0003_email': m0003,
  '0004_session_cache_invalidation': m0004,
  '0005_second_factor_attempts': m0005,
};

// Kysely looks for its bookkeeping tables in every schema unless told which one; naming the
// current schema keeps two databases in one server (or two test schemas) from seeing each other's.
async function migrator(db: Kysely<Database>): Promise<Migrator> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableSchema: rows[0]?.schema ?? 'public' });
}

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
  return (result.results ?? []).map((r) => `${r.direction === 'Up' ? 'applied' : 'reverted'} ${r.migrationName}`);
}

export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  return unwrap(await (await migrator(db)).migrateToLatest());
}

export async function migrateDown(db: Kysely<Database>, options: { all?: boolean } = {}): Promise<string[]> {
  const m = await migrator(db);
  return unwrap(options.all ? await m.migrateTo(NO_MIGRATIONS) : await m.migrateDown());
}

export async function migrationStatus(db: Kysely<Database>): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const list = await (await migrator(db)).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
