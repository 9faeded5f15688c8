// GATEHOUSE_WORKERS: one primary migrates and forks that many workers sharing the port; a worker
// that dies is replaced; SIGTERM stops them all. More than one worker needs PostgreSQL and Redis.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TEST_SECRET } from '../support/app.ts';
import { STRONG_PASSWORD } from '../support/client.ts';
import { postgresUrl, redisUrl } from '../support/databases.ts';

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * True while the process exists and is not a zombie (an exited child nobody has reaped yet is no
 * longer running). Read from /proc, so it works for processes that are not our children.
 */
function running(pid: number): boolean {
  try {
    // Field 3 of /proc/<pid>/stat is the state; the command name before it may hold spaces.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('GATEHOUSE_WORKERS=2 (postgres + redis)', () => {
  const name = `gatehouse_workers_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  let primary: ChildProcess;
  let output = '';
  let origin = '';
  /** Worker pids seen while the primary ran, so a failed test still stops what it started. */
  let everyWorker: number[] = [];

  before(async () => {
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    primary = spawn(process.execPath, ['src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', GATEHOUSE_WORKERS: '2', DATABASE_URL: url.toString(), REDIS_URL: redisUrl, GATEHOUSE_SECRET: TEST_SECRET, PORT: '0', HOST: '127.0.0.1', PUBLIC_URL: 'http://localhost:3000', RATE_LIMIT_PREFIX: `workers-${name}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk) => (output += String(chunk)));
    primary.stderr!.on('data', (chunk) => (output += String(chunk)));
    await eventually(() => (output.match(/bound to http:\/\/127\.0\.0\.1:\d+/g) ?? []).length >= 2, 'two workers listening');
    origin = /bound to (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
  });
  after(async () => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    for (const pid of everyWorker.filter(running)) process.kill(pid, 'SIGKILL');
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('serves from two workers on one port, replaces a dead worker, and stops on SIGTERM, leaving no worker behind', async () => {
    const workers = children(primary.pid!);
    assert.equal(workers.length, 2, 'two worker processes');
    for (const pid of workers) assert.ok(running(pid), `worker ${pid} runs`);
    assert.match(output, /primary started workers/);

    const headers = { 'content-type': 'application/json', origin: 'http://localhost:3000' };
    const register = await fetch(`${origin}/api/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email: 'worker.user@example.com', password: STRONG_PASSWORD }) });
    assert.equal(register.status, 201, await register.clone().text());
    const cookie = register.headers.getSetCookie()[0]!.split(';')[0]!;
    for (let i = 0; i < 20; i++) assert.equal((await fetch(`${origin}/api/auth/session`, { headers: { cookie } })).status, 200);

    process.kill(workers[0]!, 'SIGKILL');
    await eventually(() => children(primary.pid!).length === 2 && !children(primary.pid!).includes(workers[0]!), 'a replacement worker');
    // The primary may fork the replacement before its log line has come through the pipe.
    await eventually(() => /worker died; starting another/.test(output), 'the death logged by the primary');
    await eventually(() => (output.match(/bound to/g) ?? []).length >= 3, 'the replacement listening');
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${origin}/api/auth/session`, { headers: { cookie } })).status, 200);

    // Every worker the primary ever had, recorded while it is alive: once it has exited its
    // /proc entry (and so its list of children) is gone, and only the pids can still be checked.
    everyWorker = [...new Set([...workers, ...children(primary.pid!)])];
    assert.equal(everyWorker.length, 3, 'the two first workers and the replacement');
    const exited = new Promise<number | null>((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    let waited: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'still running'>((resolve) => (waited = setTimeout(() => resolve('still running'), 30_000)))]);
    clearTimeout(waited);
    assert.equal(code, 0, 'the primary exits by itself, with status 0, on SIGTERM');
    // The primary answers for its workers: when it has exited, none of them is still running.
    assert.deepEqual(everyWorker.filter(running), [], 'no worker outlives the primary');
  });

  it('refuses more than one worker without PostgreSQL, or without Redis while rate limiting is on', async () => {
    for (const env of [{ GATEHOUSE_WORKERS: '2' }, { GATEHOUSE_WORKERS: '2', DATABASE_URL: postgresUrl, GATEHOUSE_SECRET: TEST_SECRET }]) {
      const child = spawn(process.execPath, ['src/main.ts'], { env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: '/tmp/gatehouse-workers-config', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 2);
      assert.match(stderr, /GATEHOUSE_WORKERS above 1 needs (DATABASE_URL|REDIS_URL)/);
    }
  });
});
