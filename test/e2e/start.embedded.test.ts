// The first of the two commands: `npm start` serves the product on the embedded database with no
// other service, generates its secret once, and keeps accounts and sessions across a restart.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { STRONG_PASSWORD } from '../support/client.ts';

interface Server {
  process: ChildProcess;
  origin: string;
  output: string[];
}

function start(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', PUBLIC_URL: 'http://localhost:3000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      const match = /bound to (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ process: child, origin: match[1], output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output.join('')}`)));
  });
}

function stop(server: Server): Promise<number | null> {
  return new Promise((resolve) => {
    server.process.once('exit', (code) => resolve(code));
    server.process.kill('SIGTERM');
  });
}

describe('npm start on the embedded database', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-start-'));
  let running: Server | undefined;
  after(async () => {
    if (running && running.process.exitCode === null) await stop(running);
  });

  it('serves, persists accounts and sessions in the data dir, and shuts down cleanly', async () => {
    running = await start(dataDir);
    assert.ok(existsSync(path.join(dataDir, 'gatehouse.secret')), 'secret generated into the data dir');
    assert.match(running.output.join(''), /generated one into/, 'with a warning');
    const secret = readFileSync(path.join(dataDir, 'gatehouse.secret'), 'utf8');

    const headers = { 'content-type': 'application/json', origin: 'http://localhost:3000' };
    const register = await fetch(`${running.origin}/api/auth/register`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'first.user@example.com', password: STRONG_PASSWORD }),
    });
    assert.equal(register.status, 201, await register.clone().text());
    const cookie = register.headers.getSetCookie()[0]?.split(';')[0];
    assert.ok(cookie);
    assert.equal((await fetch(`${running.origin}/readyz`)).status, 200);
    assert.equal(await stop(running), 0, 'graceful shutdown exits 0');

    running = await start(dataDir);
    assert.equal(readFileSync(path.join(dataDir, 'gatehouse.secret'), 'utf8'), secret, 'the secret is generated once');
    const session = await fetch(`${running.origin}/api/auth/session`, { headers: { cookie } });
    assert.equal(session.status, 200, 'the session survived the restart');
    const login = await fetch(`${running.origin}/api/auth/login`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'first.user@example.com', password: STRONG_PASSWORD }),
    });
    assert.equal(login.status, 200);
    assert.equal(await stop(running), 0);
  });
});
