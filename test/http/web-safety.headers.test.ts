// Security headers (helmet), no-store on API answers (ASVS 14.3.2), health and readiness checks,
// the session cookie under https (ASVS 3.3.1, security.md §3), and the OpenAPI document (docs/api.md).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, PUBLIC_ORIGIN, type TestApp } from '../support/app.ts';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { openApiPath, registeredRoutes } from '../support/registered-routes.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

const HTTPS_ORIGIN = 'https://auth.example.com';

function assertSecurityHeaders(response: LightMyRequestResponse, what: string): void {
  const h = response.headers;
  assert.equal(h['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
  const csp = String(h['content-security-policy'] ?? '');
  assert.match(csp, /default-src 'self'/, `${what}: a Content-Security-Policy with default-src`);
  assert.match(csp, /object-src 'none'/, `${what}: CSP object-src 'none'`);
  const frameOptions = String(h['x-frame-options'] ?? '');
  assert.ok(/^(DENY|SAMEORIGIN)$/i.test(frameOptions) && /frame-ancestors ('none'|'self')/.test(csp), `${what}: framing refused (X-Frame-Options ${frameOptions}, CSP ${csp})`);
  const referrer = String(h['referrer-policy'] ?? '');
  assert.match(referrer, /^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/, `${what}: Referrer-Policy that never leaks paths cross-site (got "${referrer}")`);
  assert.equal(h['x-powered-by'], undefined, `${what}: no X-Powered-By`);
}

/** The README (The API) lists these /api routes; the body fields it names (optional ones end in ?). */
const SPEC_API_ROUTES: { method: string; url: string; body?: string[] }[] = [
  { method: 'POST', url: '/api/auth/register', body: ['email', 'password', 'displayName?'] },
  { method: 'POST', url: '/api/auth/login', body: ['email', 'password', 'rememberDevice?'] },
  { method: 'POST', url: '/api/auth/login/2fa', body: ['challengeId', 'code', 'method?', 'rememberDevice?'] },
  { method: 'POST', url: '/api/auth/login/2fa/sms', body: ['challengeId'] },
  { method: 'POST', url: '/api/auth/logout' },
  { method: 'GET', url: '/api/auth/session' },
  { method: 'GET', url: '/api/auth/profile' },
  { method: 'PATCH', url: '/api/auth/profile', body: ['displayName?'] },
  { method: 'PUT', url: '/api/auth/change-password', body: ['currentPassword', 'newPassword'] },
  { method: 'POST', url: '/api/auth/reauthenticate', body: ['password', 'code?'] },
  { method: 'POST', url: '/api/auth/email/verify/request' },
  { method: 'POST', url: '/api/auth/email/verify', body: ['token'] },
  { method: 'POST', url: '/api/auth/password/forgot', body: ['email'] },
  { method: 'POST', url: '/api/auth/password/reset', body: ['token', 'newPassword'] },
  { method: 'POST', url: '/api/auth/email/change', body: ['newEmail', 'password', 'code?'] },
  { method: 'DELETE', url: '/api/auth/account', body: ['password', 'code?'] },
  { method: 'POST', url: '/api/auth/2fa/enable' },
  { method: 'POST', url: '/api/auth/2fa/verify-setup', body: ['token'] },
  { method: 'POST', url: '/api/auth/2fa/disable', body: ['password', 'token'] },
  { method: 'POST', url: '/api/auth/2fa/regenerate-codes' },
  { method: 'GET', url: '/api/auth/2fa/status' },
  { method: 'POST', url: '/api/auth/2fa/sms/enable', body: ['phoneNumber'] },
  { method: 'POST', url: '/api/auth/2fa/sms/verify', body: ['code'] },
  { method: 'GET', url: '/api/auth/sessions' },
  { method: 'DELETE', url: '/api/auth/sessions/:id' },
  { method: 'POST', url: '/api/auth/sessions/revoke-others' },
  { method: 'GET', url: '/api/auth/events' },
  { method: 'GET', url: '/api/auth/oauth/:provider' },
  { method: 'GET', url: '/api/auth/oauth/:provider/callback' },
  { method: 'GET', url: '/api/auth/connections' },
  { method: 'DELETE', url: '/api/auth/connections/:provider' },
  { method: 'POST', url: '/api/auth/export' },
  { method: 'GET', url: '/api/auth/export/:id' },
  { method: 'GET', url: '/api/auth/export/:id/download' },
  { method: 'GET', url: '/api/admin/users' },
  { method: 'GET', url: '/api/admin/users/:id' },
  { method: 'PATCH', url: '/api/admin/users/:id', body: ['status?', 'role?'] },
  { method: 'POST', url: '/api/admin/users/:id/revoke-sessions' },
  { method: 'GET', url: '/api/admin/events' },
];
/** The ones this test was written against; they must exist (so the comparison is never empty). */
const EXISTING_AT_LEAST = ['POST /api/auth/register', 'POST /api/auth/login', 'POST /api/auth/logout', 'GET /api/auth/session', 'GET /api/auth/profile', 'PATCH /api/auth/profile', 'PUT /api/auth/change-password', 'GET /api/auth/sessions', 'DELETE /api/auth/sessions/:id', 'POST /api/auth/sessions/revoke-others', 'GET /api/auth/events'];

interface OpenApiOperation {
  requestBody?: { content?: Record<string, { schema?: { type?: string; properties?: Record<string, unknown>; required?: string[] } }> };
  responses?: Record<string, unknown>;
}

describeOnEachDatabase('web safety: headers, health and API description', (t, kind) => {
  it('security headers on successes, API errors, 404s and the health check', async () => {
    const { client } = await signedUpBrowser(t.app);
    const answers: [string, LightMyRequestResponse][] = [
      ['GET /api/auth/session 200', await client.get('/api/auth/session')],
      ['GET /api/auth/session 401', await new Client(t.app).get('/api/auth/session')],
      ['POST /api/auth/login 400', await new Client(t.app).post('/api/auth/login', { email: 'nope' })],
      ['POST /api/auth/login 401', await new Client(t.app).post('/api/auth/login', { email: uniqueEmail('nobody'), password: 'not-the-password-at-all' })],
      ['PATCH /api/auth/profile 415', await client.request('PATCH', '/api/auth/profile', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' })],
      ['PATCH /api/auth/profile 413', await client.request('PATCH', '/api/auth/profile', JSON.stringify({ displayName: 'x'.repeat(20_000) }))],
      ['GET /api/nowhere 404', await client.get('/api/nowhere')],
      ['GET /healthz 200', await client.get('/healthz')],
      ['GET /api/openapi.json 200', await client.get('/api/openapi.json')],
    ];
    for (const [what, response] of answers) {
      assert.equal(String(response.statusCode), what.split(' ').at(-1), `${what}: ${response.body.slice(0, 200)}`);
      assertSecurityHeaders(response, what);
    }
  });

  it('security headers also on answers refused by the CSRF check', async () => {
    const { client } = await signedUpBrowser(t.app);
    const refused = await client.patch('/api/auth/profile', { displayName: 'x' }, { origin: 'https://evil.example' });
    assertErrorShape(refused, { status: 403, code: 'CSRF_REJECTED' });
    assertSecurityHeaders(refused, 'PATCH /api/auth/profile 403 CSRF_REJECTED');
  });

  it('Cache-Control: no-store on every /api answer, errors included (ASVS 14.3.2)', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const login = await new Client(t.app).post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 200);
    assert.ok(login.headers['set-cookie'], 'the sign-in answer carries the cookie');
    const answers: [string, LightMyRequestResponse][] = [
      ['sign-in with Set-Cookie', login],
      ['session', await client.get('/api/auth/session')],
      ['profile', await client.get('/api/auth/profile')],
      ['sessions', await client.get('/api/auth/sessions')],
      ['events', await client.get('/api/auth/events')],
      ['401', await new Client(t.app).get('/api/auth/session')],
      ['400', await client.get('/api/auth/events?limit=0')],
      ['404 under /api', await client.get('/api/nowhere')],
      ['403 CSRF', await client.patch('/api/auth/profile', { displayName: 'x' }, { origin: 'https://evil.example' })],
      ['413', await client.request('PATCH', '/api/auth/profile', JSON.stringify({ displayName: 'x'.repeat(20_000) }))],
      ['openapi', await client.get('/api/openapi.json')],
    ];
    for (const [what, response] of answers) {
      assert.match(String(response.headers['cache-control']), /\bno-store\b/, `${what} (${response.statusCode}): cache-control ${response.headers['cache-control']}`);
    }
    // The same holds with a query string, and for the sign-out answer that clears the cookie.
    assert.match(String((await client.get('/api/auth/events?limit=5').then((r) => r.headers['cache-control']))), /no-store/);
    const logout = await client.post('/api/auth/logout');
    assert.equal(logout.statusCode, 200);
    assert.match(String(logout.headers['cache-control']), /no-store/);
  });

  it('GET /healthz → 200 {success: true} without touching the database', async () => {
    const response = await new Client(t.app).get('/healthz');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { success: true, status: 'ok' });
    assert.match(String(response.headers['content-type']), /^application\/json/);
  });

  it('GET /readyz → 200 while the database answers', async () => {
    const response = await new Client(t.app).get('/readyz');
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { success: true, status: 'ready' });
  });

  describe('with the database gone', () => {
    let down: TestApp;
    before(async () => {
      down = await createTestApp(kind);
      assert.equal((await new Client(down.app).get('/readyz')).statusCode, 200, 'ready before the database closes');
      await down.ctx.database.close();
    });
    after(() => down.close());

    it('GET /readyz → 503 with the error shape, and liveness stays 200 (docs/api.md)', async () => {
      const ready = await new Client(down.app).get('/readyz');
      assertErrorShape(ready, { status: 503 });
      assert.equal((await new Client(down.app).get('/healthz')).statusCode, 200, 'the process is alive; only readiness fails');
    });
  });

  describe('under https (PUBLIC_URL https://auth.example.com)', () => {
    let s: TestApp;
    before(async () => {
      s = await createTestApp(kind, { env: { PUBLIC_URL: HTTPS_ORIGIN } });
    });
    after(() => s.close());

    it('the session cookie is __Host-gatehouse_session; Secure; HttpOnly; SameSite=Lax; Path=/ without Domain (ASVS 3.3.1, security.md §3)', async () => {
      const browser = new Client(s.app);
      const response = await browser.post('/api/auth/register', { email: uniqueEmail('https'), password: STRONG_PASSWORD }, { origin: HTTPS_ORIGIN });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(response.cookies.find((c) => c.name === 'gatehouse_session'), undefined, 'no unprefixed cookie');
      const cookie = response.cookies.find((c) => c.name === '__Host-gatehouse_session');
      assert.ok(cookie, `__Host- cookie set: ${JSON.stringify(response.headers['set-cookie'])}`);
      assert.equal(cookie.secure, true);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
      assert.equal(cookie.domain, undefined, '__Host- cookies carry no Domain');
      assert.equal((await browser.get('/api/auth/session')).statusCode, 200, 'the __Host- cookie authenticates');
    });

    it('Strict-Transport-Security is sent under https', async () => {
      const response = await new Client(s.app).get('/healthz');
      assert.match(String(response.headers['strict-transport-security']), /max-age=\d{7,}/);
    });

    it('the same token under the unprefixed name is not accepted (a sibling subdomain could plant that one)', async () => {
      const browser = new Client(s.app);
      assert.equal((await browser.post('/api/auth/register', { email: uniqueEmail('https'), password: STRONG_PASSWORD }, { origin: HTTPS_ORIGIN })).statusCode, 201);
      const token = browser.cookie!.split('=')[1];
      assert.ok(token);
      assert.equal((await new Client(s.app).get('/api/auth/session', { cookie: `gatehouse_session=${token}` })).statusCode, 401);
    });

    it('the CSRF origin is the https origin: it is accepted, the http development origin is not (security.md §9)', async () => {
      const browser = new Client(s.app);
      assert.equal((await browser.post('/api/auth/register', { email: uniqueEmail('https'), password: STRONG_PASSWORD }, { origin: HTTPS_ORIGIN })).statusCode, 201);
      assertErrorShape(await browser.patch('/api/auth/profile', { displayName: 'Plain Http' }, { origin: PUBLIC_ORIGIN }), { status: 403, code: 'CSRF_REJECTED' });
      assertErrorShape(await browser.patch('/api/auth/profile', { displayName: 'Plain Http' }, { origin: 'http://auth.example.com' }), { status: 403, code: 'CSRF_REJECTED' });
      const ok = await browser.patch('/api/auth/profile', { displayName: 'Over Https' }, { origin: HTTPS_ORIGIN });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().user.displayName, 'Over Https');
    });

    it('sign-out clears the __Host- cookie with the attributes a browser needs to accept the clearing', async () => {
      const browser = new Client(s.app);
      assert.equal((await browser.post('/api/auth/register', { email: uniqueEmail('https'), password: STRONG_PASSWORD }, { origin: HTTPS_ORIGIN })).statusCode, 201);
      const logout = await browser.post('/api/auth/logout', {}, { origin: HTTPS_ORIGIN });
      assert.equal(logout.statusCode, 200, logout.body);
      const cleared = logout.cookies.find((c) => c.name === '__Host-gatehouse_session');
      assert.ok(cleared, 'the cookie is cleared');
      assert.equal(cleared.value, '');
      assert.equal(cleared.secure, true);
      assert.equal(cleared.path, '/');
      assert.ok(cleared.expires !== undefined && cleared.expires.getTime() < Date.now(), 'expired');
    });
  });

  it('under plain http (development) the cookie is gatehouse_session, not Secure, and no HSTS is sent', async () => {
    const response = await new Client(t.app).post('/api/auth/register', { email: uniqueEmail('http'), password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 201, response.body);
    const cookie = response.cookies.find((c) => c.name === 'gatehouse_session');
    assert.ok(cookie);
    assert.notEqual(cookie.secure, true);
    assert.equal(response.headers['strict-transport-security'], undefined);
  });

  describe('GET /api/openapi.json (docs/api.md)', () => {
    let doc: { openapi: string; paths: Record<string, Record<string, OpenApiOperation>>; components?: { securitySchemes?: Record<string, unknown> } };
    before(async () => {
      const response = await new Client(t.app).get('/api/openapi.json');
      assert.equal(response.statusCode, 200, response.body.slice(0, 300));
      assert.match(String(response.headers['content-type']), /^application\/json/);
      doc = response.json();
    });

    it('is an OpenAPI 3 document with the cookie and bearer security schemes', () => {
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.ok(doc.paths && typeof doc.paths === 'object');
      assert.ok(doc.components?.securitySchemes?.bearer, 'bearer scheme');
      assert.ok(doc.components?.securitySchemes?.sessionCookie, 'cookie scheme');
    });

    it('lists every documented /api route the app has, with its method and a success response', () => {
      const existing = SPEC_API_ROUTES.filter((route) => t.app.hasRoute({ method: route.method as 'GET', url: route.url }));
      const names = existing.map((route) => `${route.method} ${route.url}`);
      for (const name of EXISTING_AT_LEAST) assert.ok(names.includes(name), `${name} exists in the app`);
      const missing: string[] = [];
      for (const route of existing) {
        const operation = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
        if (!operation) {
          missing.push(`${route.method} ${route.url}`);
          continue;
        }
        assert.ok(Object.keys(operation.responses ?? {}).some((status) => /^2\d\d$/.test(status)), `${route.method} ${route.url}: a 2xx response is described`);
      }
      assert.deepEqual(missing, [], 'routes missing from the OpenAPI document');
    });

    it('describes the request body of every route that takes one: its fields, required unless optional', () => {
      const wrong: string[] = [];
      for (const route of SPEC_API_ROUTES.filter((r) => r.body && t.app.hasRoute({ method: r.method as 'GET', url: r.url }))) {
        const name = `${route.method} ${route.url}`;
        const schema = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;
        if (!schema?.properties) {
          wrong.push(`${name}: no JSON request-body schema`);
          continue;
        }
        for (const spec of route.body ?? []) {
          const optional = spec.endsWith('?');
          const field = spec.replace(/\?$/, '');
          if (!(field in schema.properties)) wrong.push(`${name}: body field ${field} not described`);
          else if (!optional && !(schema.required ?? []).includes(field)) wrong.push(`${name}: ${field} should be required`);
        }
      }
      assert.deepEqual(wrong, []);
    });

    it('documents every route the app registered (except the document itself)', () => {
      const routes = registeredRoutes(t.app).filter((route) => route.url !== '/api/openapi.json');
      const apiRoutes = routes.filter((route) => route.url.startsWith('/api/'));
      assert.ok(apiRoutes.length >= EXISTING_AT_LEAST.length, `the route tree was read: ${JSON.stringify(routes)}`);
      const undocumented = apiRoutes
        .concat(routes.filter((route) => route.url === '/healthz' || route.url === '/readyz'))
        .filter((route) => !doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()])
        .map((route) => `${route.method} ${route.url}`);
      assert.deepEqual(undocumented, []);
    });
  });
});
