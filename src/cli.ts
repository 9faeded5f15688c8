#!/usr/bin/env node
// gatehouse serve | migrate up|down [--all]|status | cleanup | user create|set-role|disable
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, loadDatabaseSettings } from './config.ts';
import { openDatabase } from './db/database.ts';
import type { Role } from './db/schema.ts';
import { migrateDown, migrateToLatest, migrationStatus } from './db/migrator.ts';
import { serve } from './main.ts';
import { createUserAsOperator, disableUserAsOperator, OperatorRefusal, ROLES, setRoleAsOperator } from './modules/accounts/operator.ts';
import { housekeeping } from './modules/housekeeping/service.ts';

const usage = `usage:
  gatehouse serve                     start the server (applies pending migrations first)
  gatehouse migrate up                apply every pending migration
  gatehouse migrate down [--all]      revert the last migration (or all of them)
  gatehouse migrate status            list migrations and when each was applied
  gatehouse cleanup                   delete long-ended sessions, tokens and sent mail (the server also does it hourly)
  gatehouse user create --email <email> --role SUPER_ADMIN|ADMIN|USER [--name <name>]
                                      make an account; the password is typed at the prompt (not shown)
                                      or read from stdin, never taken from the command line
  gatehouse user set-role --email <email> --role SUPER_ADMIN|ADMIN|USER
  gatehouse user disable --email <email>
                                      disable an account and end every session it has`;

class UsageError extends Error {}

/** Only the database settings: migrations need no root secret. */
async function openConfiguredDatabase() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const settings = loadDatabaseSettings();
  return openDatabase({ databaseUrl: settings.databaseUrl, pgliteDir: path.join(settings.dataDir, 'pglite') });
}

/**
 * A prompt whose answer is not echoed: readline puts the terminal in raw mode (so the terminal does
 * not echo) and echoes to a stream that drops it. The prompt is shown only once raw mode is on, so
 * nothing typed right after it is echoed either.
 */
async function promptHidden(question: string): Promise<string> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input: process.stdin, output: silent, terminal: true });
  process.stderr.write(question);
  try {
    return await reader.question('');
  } finally {
    reader.close();
    process.stderr.write('\n');
  }
}

/** The new password: typed twice at a terminal, or the first line of stdin when it is piped. */
async function readNewPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const password = await promptHidden('Password: ');
    if ((await promptHidden('Password again: ')) !== password) throw new OperatorRefusal('the two passwords differ');
    return password;
  }
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  return input.split(/\r?\n/)[0] ?? '';
}

function parseRole(raw: string | undefined): Role {
  const role = ROLES.find((known) => known === raw);
  if (!role) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return role;
}

async function user(action: string | undefined, args: string[]): Promise<void> {
  if (args.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new UsageError('a password is never taken from the command line (it would stay in the shell history and the process list); type it at the prompt or pipe it to stdin');
  }
  let values: { email?: string | undefined; role?: string | undefined; name?: string | undefined };
  try {
    ({ values } = parseArgs({ args, options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const email = values.email;
  if (!email) throw new UsageError('--email is required');
  if (action !== 'create' && action !== 'set-role' && action !== 'disable') throw new UsageError(`unknown user command "${action ?? ''}"`);
  const role = action === 'disable' ? undefined : parseRole(values.role);
  const password = action === 'create' ? await readNewPassword() : undefined;

  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  config.logLevel = 'warn';
  const { app, ctx } = await buildApp({ config });
  try {
    if (action === 'create') {
      const created = await createUserAsOperator(ctx, { email, password: password!, role: role!, displayName: values.name });
      console.log(`created ${email} as ${role} (id ${created.id})`);
    } else if (action === 'set-role') {
      const changed = await setRoleAsOperator(ctx, { email, role: role! });
      console.log(`${email}: role ${changed.previous} → ${role}`);
    } else {
      const disabled = await disableUserAsOperator(ctx, { email });
      console.log(`${email}: disabled; ${disabled.sessionsEnded} sessions ended`);
    }
  } finally {
    await app.close();
  }
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
  else if (command === 'user') await user(rest[0], rest.slice(1));
  else {
    console.error(usage);
    process.exitCode = 2;
  }
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`gatehouse: ${error.message}\n${usage}`);
    process.exitCode = 2;
  } else {
    console.error(`gatehouse: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
