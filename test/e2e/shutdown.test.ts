// Graceful shutdown (README "Stopping"): on SIGTERM the server process accepts no new connection,
// answers every request it had accepted as it would have anyway, closes the database and exits 0;
// a second SIGTERM exits at once. The real process, on the embedded database in a temp data dir.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { STRONG_PASSWORD } from '../support/client.ts';

const BURST = 60;
const ORIGIN_HEADER = 'http://localhost:3000';

interface Server {
  process: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let tries = 0; !check(); tries++) {
    if (tries > 1200) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function start(): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-shutdown-'));
  const child = spawn(process.execPath, ['src/main.ts'], {
    // One hashing thread, so a burst of sign-ins is still being worked through when SIGTERM comes;
    // no attempt limits, which would refuse a burst of sign-ins to one account (they are not under test).
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', PUBLIC_URL: ORIGIN_HEADER, HASH_CONCURRENCY: '1', RATE_LIMIT_ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await eventually(() => /bound to http:\/\/127\.0\.0\.1:\d+/.test(output) || child.exitCode !== null, 'the server to listen');
  const match = /bound to http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
  assert.ok(match, `server did not start:\n${output}`);
  return { process: child, port: Number(match[1]), output: () => output, exited };
}

/** One request on a connection of its own (no keep-alive pool): its fate is its own. */
function post(port: number, urlPath: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = http.request(
      { host: '127.0.0.1', port, path: urlPath, method: 'POST', agent: false, headers: { 'content-type': 'application/json', origin: ORIGIN_HEADER, 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += String(chunk)));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Whether a new TCP connection to the port is refused (the server no longer listens). */
function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

const SIGN_IN_ACCEPTED = /"url":"\/api\/auth\/login"[^\n]*"msg":"incoming request"/g;
const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('SIGTERM shuts the server down gracefully (embedded database)', () => {
  const started: Server[] = [];
  after(() => {
    for (const server of started) if (server.process.exitCode === null) server.process.kill('SIGKILL');
  });

  it(`answers all ${BURST} sign-ins in flight normally, refuses new connections, and exits 0`, async () => {
    const server = await start();
    started.push(server);
    const email = 'burst.user@example.com';
    const register = await post(server.port, '/api/auth/register', { email, password: STRONG_PASSWORD });
    assert.equal(register.status, 201, register.body);

    const burst = Array.from({ length: BURST }, () => post(server.port, '/api/auth/login', { email, password: STRONG_PASSWORD }).catch((error: Error) => error));
    // Every request of the burst has reached a handler (its "incoming request" line) before the signal.
    await eventually(() => count(server.output(), SIGN_IN_ACCEPTED) >= BURST, 'the burst to be accepted');
    server.process.kill('SIGTERM');
    await eventually(() => /shutting down/.test(server.output()), 'the shutdown to begin');
    let refused = false;
    while (!refused && server.process.exitCode === null) refused = await connectRefused(server.port);

    const answers = await Promise.all(burst);
    const failures = answers.filter((answer) => answer instanceof Error || answer.status !== 200);
    assert.deepEqual(failures, [], 'every accepted sign-in got its normal answer');
    for (const answer of answers) assert.ok(!(answer instanceof Error) && JSON.parse(answer.body).session, 'each with its session');
    assert.equal(await server.exited, 0, 'exits 0');
    const output = server.output();
    const afterSignal = output.slice(output.indexOf('shutting down'));
    assert.ok(count(afterSignal, /request completed/g) > 0, `some sign-ins were still in flight at SIGTERM:\n${output.slice(-2000)}`);
    assert.ok(await connectRefused(server.port), 'a request after the stop is refused at connect');
    assert.match(output, /"msg":"shut down"/);
  });

  it('a second SIGTERM exits at once with a non-zero code', async () => {
    const server = await start();
    started.push(server);
    // A request whose body never finishes arriving: the graceful stop would wait for it.
    const stalled = net.connect({ host: '127.0.0.1', port: server.port });
    stalled.on('error', () => {});
    stalled.write(`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN_HEADER}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":`);
    await eventually(() => count(server.output(), SIGN_IN_ACCEPTED) >= 1, 'the stalled request to be accepted');
    server.process.kill('SIGTERM');
    await eventually(() => server.output().includes('shutting down'), 'the shutdown to begin');
    server.process.kill('SIGTERM');
    assert.notEqual(await server.exited, 0, 'the second signal ends it at once, not with a clean exit');
    assert.match(server.output(), /second signal: exiting now/);
    assert.doesNotMatch(server.output(), /"msg":"shut down"/, 'it did not wait for the graceful path');
    stalled.destroy();
  });
});
