// Refusals made below the routes answer in the error shape too (security.md §9): what Node's HTTP
// parser refuses (431 headers too large, 400 unparsable), a request without Host, an unmet
// Expect, and a request that arrives while the server is closing. Real sockets, since none of
// these can be sent through inject().
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { TEST_SECRET } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { createTestDatabase, databaseKinds } from '../support/databases.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits what a server wrote back into responses (each framed by its Content-Length). */
function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) throw new Error(`no header end in ${JSON.stringify(rest.slice(0, 300))}`);
    const [statusLine = '', ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({ statusCode: Number(statusLine.split(' ')[1]), headers, body: rest.slice(bodyStart, bodyStart + length) });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}

/** Writes `text` to the server and reads until it closes the connection. */
function exchange(port: number, text: string, afterFirstWrite?: (write: (more: string) => void) => Promise<void>): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parseResponses(received));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(text, () => {
      void afterFirstWrite?.((more) => socket.write(more)).catch(reject);
    });
  });
}

const asInjected = (response: RawResponse) => response as unknown as LightMyRequestResponse;

describeOnEachDatabase('framework-level refusals answer in the error shape', (t) => {
  let port: number;
  before(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });

  it('headers larger than Node accepts → 431 HEADERS_TOO_LARGE, not Node’s own answer', async () => {
    const [response] = await exchange(port, `GET /api/auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.ok(response);
    assertErrorShape(asInjected(response), { status: 431, code: 'HEADERS_TOO_LARGE' });
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });

  it('a request line Node cannot parse → 400 BAD_REQUEST in the error shape', async () => {
    const [response] = await exchange(port, 'NOT AN HTTP REQUEST\r\n\r\n');
    assert.ok(response);
    assertErrorShape(asInjected(response), { status: 400, code: 'BAD_REQUEST' });
  });

  it('an HTTP/1.1 request without Host → 400 in the error shape, not Node’s empty 400', async () => {
    const [response] = await exchange(port, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.ok(response);
    assertErrorShape(asInjected(response), { status: 400, code: 'BAD_REQUEST' });
  });

  it('an Expect header other than 100-continue → 417 EXPECTATION_FAILED in the error shape', async () => {
    const [response] = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: something-else\r\nConnection: close\r\n\r\n');
    assert.ok(response);
    assertErrorShape(asInjected(response), { status: 417, code: 'EXPECTATION_FAILED' });
  });
});

for (const kind of databaseKinds) {
  describe(`a request arriving while the server closes → 503 in the error shape (${kind})`, () => {
    it('the second of two pipelined requests, sent once closing has begun, gets 503 SERVICE_UNAVAILABLE', async () => {
      const database = await createTestDatabase(kind);
      const config = loadConfig({ GATEHOUSE_SECRET: TEST_SECRET, GATEHOUSE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gatehouse-closing-')), LOG_LEVEL: 'silent' });
      const { app } = await buildApp({ config, clock: new ManualClock(), database: database.handle });
      // A request that stays open until the test lets it go, so the connection is busy while closing.
      let entered!: () => void;
      let release!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      app.get('/held', async () => {
        entered();
        await gate;
        return { success: true };
      });
      let closingBegan!: () => void;
      const closing = new Promise<void>((resolve) => (closingBegan = resolve));
      app.addHook('preClose', async () => closingBegan());
      try {
        await app.listen({ port: 0, host: '127.0.0.1' });
        const port = (app.server.address() as AddressInfo).port;
        let closed: Promise<void> | undefined;
        const responses = await exchange(port, 'GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', async (write) => {
          await inside;
          closed = app.close();
          await closing;
          write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          // Give the server a moment to read the second request before the first one answers (it
          // is refused either way; an idle connection of a closing server could be shut first).
          await new Promise((resolve) => setTimeout(resolve, 50));
          release();
        });
        await closed;
        assert.equal(responses.length, 2, JSON.stringify(responses));
        assert.equal(responses[0]?.statusCode, 200, 'the request in flight is answered');
        assertErrorShape(asInjected(responses[1]!), { status: 503, code: 'SERVICE_UNAVAILABLE' });
      } finally {
        release();
        await app.close().catch(() => {});
        await database.dispose();
      }
    });
  });
}
