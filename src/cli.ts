#!/usr/bin/env node
// gatehouse serve | migrate up|down [--all]|status | cleanup
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateDown, migrateToLatest, migrationStatus } from './db/migrator.ts';
import { serve } from './main.ts';
import { housekeeping } from './modules/housekeeping/service.ts';

const usage = `usage:
  gatehouse serve                     start the server (applies pending migrations first)
  gatehouse migrate up                apply every pending migration
  gatehouse migrate down [--all]      revert the last migration (or all of them)
  gatehouse migrate status            list migrations and when each was applied
  gatehouse cleanup                   delete long-ended sessions, tokens and sent mail (the server also does it hourly)`;

async function openConfiguredDatabase() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  return openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
}

async function cleanup(): Promise<void> {
  const database = await openConfiguredDatabase();
  try {
    const purged = await housekeeping(database.db, new Date());
    console.log(`deleted ${purged.sessions} ended sessions, ${purged.tokens} expired one-time tokens, ${purged.mail} finished mail records`);
  } finally {
    await database.close();
  }
}

async function migrate(action: string | undefined, flags: string[]): Promise<void> {
  const database = await openConfiguredDatabase();
  try {
    if (action === 'up') {
      const done = await migrateToLatest(database.db);
      console.log(done.length ? done.join('\n') : 'already up to date');
    } else if (action === 'down') {
      const done = await migrateDown(database.db, { all: flags.includes('--all') });
      console.log(done.length ? done.join('\n') : 'nothing to revert');
    } else if (action === 'status') {
      for (const m of await migrationStatus(database.db)) {
        console.log(`${m.executedAt ? 'applied ' + m.executedAt.toISOString() : 'pending                 '}  ${m.name}`);
      }
    } else {
      console.error(usage);
      process.exitCode = 2;
    }
  } finally {
    await database.close();
  }
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'serve' || command === undefined) await serve();
  else if (command === 'migrate') await migrate(rest[0], rest.slice(1));
  else if (command === 'cleanup') await cleanup();
  else {
    console.error(usage);
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`gatehouse: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
