// GET /api/openapi.json is a document clients can generate from: two independent linters pass it
// (Redocly's recommended rules, Spectral's oas ruleset; redocly.yaml and .spectral.yaml say what is
// off and why), every operation is named and tagged, declares the session it needs as the route
// behaves, and describes every status the layers in front of it can answer, the cookies it sets
// and the headers that change its answer. The document does not depend on the database: PGlite only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../support/app.ts';
import { oathtoolTotp } from '../support/authenticator.ts';
import { Client, signedUpBrowser, STRONG_PASSWORD, uniqueEmail } from '../support/client.ts';
import { concreteUrl } from '../support/registered-routes.ts';
import { passwordStep, signedUpWithTotp } from '../support/two-factor.ts';

interface Response {
  description: string;
  headers?: Record<string, { description?: string; schema?: { type?: string } }>;
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}
interface Document {
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
}

const repository = path.resolve(import.meta.dirname, '../..');
const UNSAFE_METHODS = ['post', 'put', 'patch', 'delete'];

/** Runs a linter from node_modules/.bin on this Node, offline: neither phones home. */
function runLinter(bin: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repository, 'node_modules/.bin', bin), ...args], { cwd: repository, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('GET /api/openapi.json: a document clients can generate from', () => {
  let t: TestApp;
  let doc: Document;
  let directory: string;
  let documentFile: string;
  const operations: { method: string; path: string; operation: Operation }[] = [];
  const byId = (operationId: string): Operation => {
    const found = operations.find((entry) => entry.operation.operationId === operationId);
    assert.ok(found, `an operation named ${operationId}`);
    return found.operation;
  };

  before(async () => {
    t = await createTestApp('pglite');
    const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(response.statusCode, 200);
    doc = response.json();
    for (const [documentedPath, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) operations.push({ method, path: documentedPath, operation });
    }
    directory = await mkdtemp(path.join(tmpdir(), 'gatehouse-openapi-'));
    documentFile = path.join(directory, 'openapi.json');
    await writeFile(documentFile, response.body);
  });
  after(async () => {
    await t.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const run = await runLinter('redocly', ['lint', '--config', 'redocly.yaml', '--format=json', documentFile]);
    const report = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    const problems = report.problems.map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
    assert.deepEqual(problems, [], run.stderr);
    assert.deepEqual(report.totals, { ...report.totals, errors: 0, warnings: 0 });
    assert.equal(run.exitCode, 0, run.stderr);
  });

  it("passes Spectral's oas ruleset with no error and no warning", async () => {
    const output = path.join(directory, 'spectral.json');
    const run = await runLinter('spectral', ['lint', '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'warn', '--output', output, documentFile]);
    const results = JSON.parse(await readFile(output, 'utf8')) as { code: string; message: string; severity: number; path: string[] }[];
    // Severity 0 is an error, 1 a warning.
    const problems = results.filter((result) => result.severity <= 1).map((result) => `${result.code} at ${result.path.join('.')}: ${result.message}`);
    assert.deepEqual(problems, [], run.stderr);
    assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
  });

  it('names every operation with a unique camelCase operationId and tags it with a described tag', () => {
    assert.ok(operations.length >= 30, `the document lists the routes (${operations.length})`);
    const ids = operations.map((entry) => entry.operation.operationId);
    for (const [index, id] of ids.entries()) assert.match(id ?? '(none)', /^[a-z][A-Za-z0-9]*$/, `${operations[index]?.method} ${operations[index]?.path}: operationId`);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    const described = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const { method, path: documentedPath, operation } of operations) {
      assert.ok((operation.tags ?? []).length > 0, `${method} ${documentedPath}: tagged`);
      for (const tag of operation.tags ?? []) assert.ok(described.get(tag), `${method} ${documentedPath}: tag ${tag} is listed with a description`);
    }
    for (const [id, method, documentedPath] of [
      ['signIn', 'post', '/api/auth/login'],
      ['completeSecondFactor', 'post', '/api/auth/login/2fa'],
      ['listSessions', 'get', '/api/auth/sessions'],
      ['revokeSession', 'delete', '/api/auth/sessions/{id}'],
    ] as const) {
      assert.equal(doc.paths[documentedPath]?.[method]?.operationId, id);
    }
  });

  it('offers the session cookie and a bearer token as the two security schemes', () => {
    assert.deepEqual(doc.components.securitySchemes.sessionCookie, { ...doc.components.securitySchemes.sessionCookie, type: 'apiKey', in: 'cookie', name: 'gatehouse_session' });
    assert.deepEqual(doc.components.securitySchemes.bearer, { ...doc.components.securitySchemes.bearer, type: 'http', scheme: 'bearer' });
  });

  it('declares a session exactly on the operations that answer 401 without one, and security: [] on the others', async () => {
    const secured = operations.filter((entry) => (entry.operation.security ?? []).length > 0);
    for (const { method, path: documentedPath, operation } of operations) {
      assert.ok(Array.isArray(operation.security), `${method} ${documentedPath}: security is declared`);
      if (operation.security.length > 0) assert.deepEqual(operation.security, [{ sessionCookie: [] }, { bearer: [] }], `${method} ${documentedPath}`);
    }
    assert.ok(secured.length >= 15, `the routes behind a session are marked (${secured.length})`);
    for (const id of ['signIn', 'register', 'completeSecondFactor', 'requestPasswordReset', 'checkLiveness']) assert.deepEqual(byId(id).security, [], `${id} is public`);
    // Without a body to validate first, a request without credentials meets the session check.
    const bodiless = operations.filter((entry) => !entry.operation.requestBody);
    assert.ok(bodiless.length >= 10);
    const refusedWithout: string[] = [];
    for (const { method, path: documentedPath } of bodiless) {
      const response = await new Client(t.app).request(method.toUpperCase() as 'GET', concreteUrl(documentedPath.replace(/\{(\w+)\}/g, ':$1')));
      if (response.statusCode === 401 && response.json().code === 'UNAUTHENTICATED') refusedWithout.push(`${method} ${documentedPath}`);
    }
    assert.deepEqual(
      refusedWithout,
      bodiless.filter((entry) => (entry.operation.security ?? []).length > 0).map((entry) => `${entry.method} ${entry.path}`),
    );
  });

  it('describes 400 and 503 everywhere, 401 and 403 behind a session, 403, 413 and 415 wherever a body is parsed, all in the error shape, and Retry-After with every 429', () => {
    const missing: string[] = [];
    for (const { method, path: documentedPath, operation } of operations) {
      const expected = ['400', '503'];
      if ((operation.security ?? []).length > 0) expected.push('401', '403');
      if (UNSAFE_METHODS.includes(method)) expected.push('403', '413', '415');
      else for (const status of ['413', '415']) if (operation.responses[status]) missing.push(`${method} ${documentedPath}: ${status} cannot happen without a body`);
      for (const status of expected) if (!operation.responses[status]) missing.push(`${method} ${documentedPath}: ${status}`);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema as { required?: string[] } | undefined;
        if (!schema?.required?.includes('code') || response.description === 'Default Response') missing.push(`${method} ${documentedPath}: ${status} described in the error shape`);
        if (status === '429' && response.headers?.['Retry-After']?.schema?.type !== 'integer') missing.push(`${method} ${documentedPath}: Retry-After on 429`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(byId('signIn').responses['429'], 'the rate-limited sign-in describes 429');
  });

  it('describes X-Session-Transport on register and both sign-in steps', () => {
    for (const id of ['register', 'signIn', 'completeSecondFactor']) {
      const header = byId(id).parameters?.find((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'x-session-transport');
      assert.ok(header, `${id} describes X-Session-Transport`);
      assert.notEqual(header.required, true);
    }
  });

  it('describes Set-Cookie on every answer that sets or clears a cookie', async () => {
    const answers: [string, LightMyRequestResponse][] = [];
    const registered = new Client(t.app);
    const email = uniqueEmail('openapi');
    answers.push(['register', await registered.post('/api/auth/register', { email, password: STRONG_PASSWORD })]);
    const browser = new Client(t.app);
    answers.push(['signIn', await browser.post('/api/auth/login', { email, password: STRONG_PASSWORD })]);
    answers.push(['signOut', await registered.post('/api/auth/logout')]);
    answers.push(['reauthenticate', await browser.post('/api/auth/reauthenticate', { password: STRONG_PASSWORD })]);
    answers.push(['changePassword', await browser.put('/api/auth/change-password', { currentPassword: STRONG_PASSWORD, newPassword: `${STRONG_PASSWORD}-2` })]);
    const own = (await browser.get('/api/auth/session')).json().session.id as string;
    answers.push(['revokeSession', await browser.delete(`/api/auth/sessions/${own}`)]);
    const twoFactorUser = await signedUpWithTotp(t.app, t.clock);
    const { client: challenged, challengeId } = await passwordStep(t.app, twoFactorUser.email, twoFactorUser.password);
    answers.push(['completeSecondFactor', await challenged.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(twoFactorUser.secret, t.clock.now()), rememberDevice: true })]);

    for (const [id, response] of answers) {
      assert.ok(response.statusCode < 300, `${id}: ${response.statusCode} ${response.body}`);
      assert.ok(response.headers['set-cookie'], `${id} set or cleared a cookie`);
      const described = byId(id).responses[String(response.statusCode)]?.headers?.['Set-Cookie']?.description;
      assert.ok(described, `${id}: Set-Cookie described on ${response.statusCode}`);
    }
  });

  it('marks limit on the events list optional, as the list answers without it', async () => {
    const limit = byId('listSecurityEvents').parameters?.find((parameter) => parameter.name === 'limit');
    assert.ok(limit);
    assert.notEqual(limit.required, true);
    const { client } = await signedUpBrowser(t.app);
    assert.equal((await client.get('/api/auth/events')).statusCode, 200);
  });
});
