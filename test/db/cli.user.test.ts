// `gatehouse user create|set-role|disable` as an operator runs it (a real process), against a
// scratch PostgreSQL database and against the embedded database in a data dir; the accounts it
// makes are then used over HTTP by an app on the same database.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { PUBLIC_ORIGIN, TEST_SECRET } from '../support/app.ts';
import { bearerClient, STRONG_PASSWORD } from '../support/client.ts';
import { createScratchDatabase, databaseKinds } from '../support/databases.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `stdin` piped in (not a terminal, so the password is read from it). */
function gatehouse(env: Record<string, string>, stdin: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', ...args], { env: { PATH: process.env.PATH ?? '', PUBLIC_URL: PUBLIC_ORIGIN, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * Runs `user create` on a terminal (util-linux `script` gives it a pseudo-terminal) and types
 * `password` at each prompt once the prompt is shown; returns everything the terminal displayed.
 */
function createOnTerminal(env: Record<string, string>, email: string, password: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const command = `'${process.execPath}' src/cli.ts user create --email ${email} --role USER`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', PUBLIC_URL: PUBLIC_ORIGIN, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let shown = '';
    let typed = 0;
    child.stdout.on('data', (chunk) => {
      shown += String(chunk);
      const prompts = (shown.match(/Password( again)?: /g) ?? []).length;
      while (typed < prompts) {
        child.stdin.write(`${password}\r`);
        typed += 1;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, stdout: shown, stderr: '' });
    });
  });
}

/** The app on the same database, open only while `use` runs (the embedded database has one owner at a time). */
async function withApp<T>(env: Record<string, string>, use: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const { app } = await buildApp({ config: loadConfig({ ...env, PUBLIC_URL: PUBLIC_ORIGIN, LOG_LEVEL: 'warn' }) });
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

async function events(app: FastifyInstance, token: string) {
  const response = await app.inject({ method: 'GET', url: '/api/auth/events', headers: { authorization: `Bearer ${token}` } });
  return response.json().events as Array<{ type: string; metadata: Record<string, unknown> }>;
}

for (const kind of databaseKinds) {
  describe(`gatehouse user (${kind})`, () => {
    let env: Record<string, string>;
    let dispose = async () => {};
    before(async () => {
      if (kind === 'postgres') {
        const database = await createScratchDatabase('cliuser');
        env = { DATABASE_URL: database.url, GATEHOUSE_SECRET: TEST_SECRET };
        dispose = database.dispose;
      } else {
        env = { GATEHOUSE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gatehouse-cli-user-')) };
      }
      // migrate status needs only the database: no GATEHOUSE_SECRET, none generated (ASVS V13.3.1).
      const status = await gatehouse({ ...env, GATEHOUSE_SECRET: '' }, '', 'migrate', 'status');
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /pending\s+0001_accounts_sessions_events/);
      const up = await gatehouse({ ...env, GATEHOUSE_SECRET: '' }, '', 'migrate', 'up');
      assert.equal(up.code, 0, up.stderr);
    });
    after(() => dispose());

    it('creates a SUPER_ADMIN from stdin who signs in; changes a role; a disabled user loses their session', async () => {
      const created = await gatehouse(env, `${STRONG_PASSWORD}\n`, 'user', 'create', '--email', 'root.admin@example.com', '--role', 'SUPER_ADMIN', '--name', 'Root Admin');
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /created root\.admin@example\.com as SUPER_ADMIN/);
      assert.doesNotMatch(created.stdout + created.stderr, new RegExp(STRONG_PASSWORD), 'the password is never printed');
      const other = await gatehouse(env, `${STRONG_PASSWORD}\n`, 'user', 'create', '--email', 'plain.user@example.com', '--role', 'USER');
      assert.equal(other.code, 0, other.stderr);

      const otherToken = await withApp(env, async (app) => {
        const admin = await bearerClient(app, 'root.admin@example.com', STRONG_PASSWORD);
        const session = await admin.client.get('/api/auth/session');
        assert.equal(session.statusCode, 200);
        assert.equal(session.json().user.role, 'SUPER_ADMIN');
        const created = (await events(app, admin.session.token)).find((event) => event.type === 'account_created');
        assert.deepEqual(created?.metadata, { actor: 'cli', role: 'SUPER_ADMIN' }, 'the event names the CLI as the actor');
        return (await bearerClient(app, 'plain.user@example.com', STRONG_PASSWORD)).session.token;
      });

      const promoted = await gatehouse(env, '', 'user', 'set-role', '--email', 'plain.user@example.com', '--role', 'ADMIN');
      assert.equal(promoted.code, 0, promoted.stderr);
      assert.match(promoted.stdout, /role USER → ADMIN/);
      await withApp(env, async (app) => {
        const session = await app.inject({ method: 'GET', url: '/api/auth/session', headers: { authorization: `Bearer ${otherToken}` } });
        assert.equal(session.json().user.role, 'ADMIN');
        const changed = (await events(app, otherToken)).find((event) => event.type === 'role_changed');
        assert.deepEqual(changed?.metadata, { actor: 'cli', from: 'USER', to: 'ADMIN' });
      });

      const disabled = await gatehouse(env, '', 'user', 'disable', '--email', 'plain.user@example.com');
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match(disabled.stdout, /disabled; 1 sessions ended/);
      await withApp(env, async (app) => {
        const session = await app.inject({ method: 'GET', url: '/api/auth/session', headers: { authorization: `Bearer ${otherToken}` } });
        assert.equal(session.statusCode, 401, 'the disabled user\'s session is refused');
        const signIn = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'plain.user@example.com', password: STRONG_PASSWORD }, headers: { 'x-session-transport': 'bearer' } });
        assert.equal(signIn.statusCode, 403, signIn.body);
        assert.equal(signIn.json().code, 'ACCOUNT_DISABLED', 'and they cannot sign in again');
      });
    });

    it('asks for the password twice on a terminal without showing it', async () => {
      const run = await createOnTerminal(env, 'tty.user@example.com', STRONG_PASSWORD);
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, /Password: [\s\S]*Password again: [\s\S]*created tty\.user@example\.com as USER/);
      assert.ok(!run.stdout.includes(STRONG_PASSWORD), 'the typed password is not echoed');
      await withApp(env, async (app) => assert.equal((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'tty.user@example.com', password: STRONG_PASSWORD }, headers: { 'x-session-transport': 'bearer' } })).statusCode, 200));
    });

    it('refuses a password on the command line, with the usage', async () => {
      for (const args of [['--password', STRONG_PASSWORD], [`--password=${STRONG_PASSWORD}`]]) {
        const run = await gatehouse(env, `${STRONG_PASSWORD}\n`, 'user', 'create', '--email', 'argv.user@example.com', '--role', 'USER', ...args);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /gatehouse: a password is never taken from the command line/);
        assert.match(run.stderr, /usage:/);
      }
      const missing = await gatehouse(env, '', 'user', 'disable', '--email', 'argv.user@example.com');
      assert.match(missing.stderr, /no account with the email argv\.user@example\.com/, 'no account was made');
    });

    it('refuses a weak password with the reason, and makes no account', async () => {
      const run = await gatehouse(env, 'password123\n', 'user', 'create', '--email', 'weak.user@example.com', '--role', 'ADMIN');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /password refused: Use at least 12 characters\./);
      const named = await gatehouse(env, 'weak.user@example.com!\n', 'user', 'create', '--email', 'weak.user@example.com', '--role', 'ADMIN');
      assert.equal(named.code, 1);
      assert.match(named.stderr, /password refused: /);
      const missing = await gatehouse(env, '', 'user', 'disable', '--email', 'weak.user@example.com');
      assert.match(missing.stderr, /no account with the email weak\.user@example\.com/);
    });

    it('never demotes or disables the last active SUPER_ADMIN', async () => {
      // The first test left root.admin as the only SUPER_ADMIN.
      const demote = await gatehouse(env, '', 'user', 'set-role', '--email', 'root.admin@example.com', '--role', 'ADMIN');
      assert.equal(demote.code, 1);
      assert.match(demote.stderr, /the last active SUPER_ADMIN/);
      const disable = await gatehouse(env, '', 'user', 'disable', '--email', 'root.admin@example.com');
      assert.equal(disable.code, 1);
      assert.match(disable.stderr, /the last active SUPER_ADMIN/);
      const second = await gatehouse(env, `${STRONG_PASSWORD}\n`, 'user', 'create', '--email', 'second.root@example.com', '--role', 'SUPER_ADMIN');
      assert.equal(second.code, 0, second.stderr);
      const nowAllowed = await gatehouse(env, '', 'user', 'set-role', '--email', 'root.admin@example.com', '--role', 'ADMIN');
      assert.equal(nowAllowed.code, 0, nowAllowed.stderr);
      const last = await gatehouse(env, '', 'user', 'disable', '--email', 'second.root@example.com');
      assert.match(last.stderr, /the last active SUPER_ADMIN/, 'and the remaining one is now the last');
    });

    it('refuses an unknown role with the usage', async () => {
      const run = await gatehouse(env, '', 'user', 'set-role', '--email', 'root.admin@example.com', '--role', 'OWNER');
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--role must be one of USER, ADMIN, SUPER_ADMIN/);
    });
  });
}

