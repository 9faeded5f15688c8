// docs/api.md "Never a 500 for bad input, never a stack trace" (ASVS 2.2.1, 16.5.1): malformed JSON,
// wrong types, missing and unknown fields, null and array bodies, huge and odd strings, prototype
// pollution keys, wrong content types and oversized bodies — on every route — answer 4xx with
// exactly the error shape of docs/api.md.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { assertErrorShape, assertNoStackTrace } from '../support/error-shape.ts';
import { concreteUrl, registeredRoutes } from '../support/registered-routes.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const BODY_LIMIT = 16 * 1024;
const MALFORMED_JSON = ['{', '{"email":', "{'email':'a@example.com'}", '{"a":1,}', '[1,2', 'undefined', 'NaN', '{"a":"\u0000', 'nul', '{"a":1}}'];
const NOT_AN_OBJECT = ['null', '[]', '[{"displayName":"x"}]', '"a string"', '42', 'true'];

/** A JSON body of exactly `bytes` bytes: {"pad":"xxxx…"}. */
function bodyOfSize(bytes: number): string {
  const overhead = '{"pad":""}'.length;
  return `{"pad":"${'x'.repeat(bytes - overhead)}"}`;
}

describeOnEachDatabase('web safety: bad input is a 4xx with the docs/api.md error shape', (t) => {
  let logsBefore = 0;

  /** A user of its own for each test, so a test that finds a bug cannot break the next one. */
  interface Signed {
    browser: Client;
    email: string;
    password: string;
    /** Sends a raw body with this browser (cookie + our Origin). */
    raw(method: Method, url: string, payload: string | undefined, headers?: Record<string, string>): ReturnType<Client['request']>;
    displayName(): Promise<string | null>;
  }
  async function signedIn(): Promise<Signed> {
    const { client: browser, email, password } = await signedUpBrowser(t.app, { displayName: 'Original Name' });
    return {
      browser,
      email,
      password,
      raw: (method, url, payload, headers = {}) => browser.request(method, url, payload, headers),
      async displayName() {
        const profile = await browser.get('/api/auth/profile');
        assert.equal(profile.statusCode, 200, profile.body);
        return profile.json().user.displayName as string | null;
      },
    };
  }

  /** No new error-level (≥ 50) log line since the test started: nothing crashed inside. */
  function assertNoServerErrorLogged(): void {
    const crashed = t.logs.slice(logsBefore).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    assert.deepEqual(crashed, [], 'no error-level log line');
  }

  // The routes the README lists (The API) that exist today. `valid` is a body the route accepts (for this user);
  // `required` are the fields it cannot do without.
  interface BodyRoute {
    method: Method;
    url: string;
    required: string[];
    stringFields: string[];
    valid(user: Signed): Record<string, unknown>;
  }
  const bodyRoutes: BodyRoute[] = [
    { method: 'POST', url: '/api/auth/register', required: ['email', 'password'], stringFields: ['email', 'password', 'displayName'], valid: () => ({ email: uniqueEmail('input'), password: STRONG_PASSWORD }) },
    { method: 'POST', url: '/api/auth/login', required: ['email', 'password'], stringFields: ['email', 'password'], valid: (user) => ({ email: user.email, password: 'not-the-password-at-all' }) },
    { method: 'PATCH', url: '/api/auth/profile', required: [], stringFields: ['displayName'], valid: () => ({ displayName: 'Original Name' }) },
    { method: 'PUT', url: '/api/auth/change-password', required: ['currentPassword', 'newPassword'], stringFields: ['currentPassword', 'newPassword'], valid: () => ({ currentPassword: 'not-the-password-at-all', newPassword: 'copper-lantern-meadow-93' }) },
  ];
  const bodylessUnsafeRoutes: { method: Method; url: string }[] = [
    { method: 'POST', url: '/api/auth/logout' },
    { method: 'POST', url: '/api/auth/sessions/revoke-others' },
    { method: 'DELETE', url: '/api/auth/sessions/00000000-0000-4000-8000-000000000000' },
  ];
  const getRoutes = ['/api/auth/session', '/api/auth/profile', '/api/auth/sessions', '/api/auth/events', '/healthz', '/readyz'];
  const unsafeRoutes = [...bodyRoutes, ...bodylessUnsafeRoutes];

  it('malformed JSON → 400 MALFORMED_JSON on every unsafe route (docs/api.md)', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    for (const route of unsafeRoutes) {
      for (const payload of MALFORMED_JSON) {
        assertErrorShape(await user.raw(route.method, route.url, payload), { status: 400, code: 'MALFORMED_JSON' });
      }
      // An empty body declared as JSON.
      assertErrorShape(await user.raw(route.method, route.url, '', { 'content-type': 'application/json' }), { status: 400, code: 'MALFORMED_JSON' });
    }
    assert.equal(await user.displayName(), 'Original Name');
    assertNoServerErrorLogged();
  });

  it('null, an array or a scalar instead of an object → 400 VALIDATION_FAILED on every route with a body', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    for (const route of bodyRoutes) {
      for (const payload of NOT_AN_OBJECT) {
        const response = await user.raw(route.method, route.url, payload);
        const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
        assert.ok(body.fields, `fields say what is wrong: ${route.url} ${payload} → ${response.body}`);
      }
    }
    assert.equal(await user.displayName(), 'Original Name');
    assertNoServerErrorLogged();
  });

  it('an empty object, or one without a required field → 400 naming the missing field', async () => {
    const user = await signedIn();
    for (const route of bodyRoutes) {
      const response = await user.raw(route.method, route.url, '{}');
      const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
      assert.ok(body.fields, response.body);
      if (route.required.length > 0) assert.ok(route.required.some((field) => field in body.fields!), `${route.url}: names a missing field in ${response.body}`);
      for (const missing of route.required) {
        const valid = route.valid(user);
        delete valid[missing];
        const without = await user.raw(route.method, route.url, JSON.stringify(valid));
        const answer = assertErrorShape(without, { status: 400, code: 'VALIDATION_FAILED' });
        assert.ok(answer.fields && missing in answer.fields, `${route.url} without ${missing}: ${without.body}`);
      }
    }
  });

  it('unknown extra fields are refused, not ignored → 400 naming the field (ASVS 2.2.1)', async () => {
    const user = await signedIn();
    for (const route of bodyRoutes) {
      for (const extra of ['isAdmin', 'role', 'status', 'emailVerified']) {
        const response = await user.raw(route.method, route.url, JSON.stringify({ ...route.valid(user), [extra]: true }));
        const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
        assert.ok(body.fields && extra in body.fields, `${route.url} + ${extra}: ${response.body}`);
      }
    }
    assert.equal(await user.displayName(), 'Original Name');
    const me = (await user.browser.get('/api/auth/session')).json().user;
    assert.equal(me.role, 'USER');
  });

  it('an unknown field named like an Object.prototype member (toString, constructor, __proto__) is named in fields too (ASVS 2.2.1)', async () => {
    const user = await signedIn();
    const unnamed: string[] = [];
    for (const route of bodyRoutes) {
      for (const extra of ['toString', 'hasOwnProperty', 'constructor', 'valueOf']) {
        const response = await user.raw(route.method, route.url, JSON.stringify({ ...route.valid(user), [extra]: 'x' }));
        assert.equal(response.statusCode, 400, `${route.url} + ${extra}: ${response.body}`);
        assertNoStackTrace(response.body);
        const fields = (response.json() as { fields?: Record<string, unknown> }).fields ?? {};
        if (typeof fields[extra] !== 'string' || !Object.hasOwn(fields, extra)) unnamed.push(`${route.method} ${route.url} + ${extra} → ${response.body}`);
      }
    }
    const query = await user.browser.get('/api/auth/events?__proto__=x');
    assert.equal(query.statusCode, 400, query.body);
    if (!Object.hasOwn((query.json() as { fields?: object }).fields ?? {}, '__proto__')) unnamed.push(`GET /api/auth/events?__proto__=x → ${query.body}`);
    assert.deepEqual(unnamed, [], 'the refused field is named in fields');
    assert.equal(await user.displayName(), 'Original Name');
  });

  it('values of a JSON type no schema allows (objects, nested arrays) → 400 naming the field', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    for (const route of bodyRoutes) {
      for (const field of route.stringFields) {
        for (const value of [{}, { $gt: '' }, [[1]], [{}]]) {
          const response = await user.raw(route.method, route.url, JSON.stringify({ ...route.valid(user), [field]: value }));
          const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
          assert.ok(body.fields && field in body.fields, `${route.url} ${field}=${JSON.stringify(value)}: ${response.body}`);
        }
      }
    }
    assert.equal(await user.displayName(), 'Original Name');
    assertNoServerErrorLogged();
  });

  it('a scalar of the wrong type is refused, not coerced: 42, true or ["x"] for a string, 1 for a boolean (docs/api.md: 400 invalid input, ASVS 2.2.1)', async () => {
    const user = await signedIn();
    const cases: { method: Method; url: string; body: Record<string, unknown>; field: string }[] = [
      { method: 'PATCH', url: '/api/auth/profile', body: { displayName: 42 }, field: 'displayName' },
      { method: 'PATCH', url: '/api/auth/profile', body: { displayName: true }, field: 'displayName' },
      { method: 'PATCH', url: '/api/auth/profile', body: { displayName: ['Array Name'] }, field: 'displayName' },
      { method: 'POST', url: '/api/auth/login', body: { email: user.email, password: [user.password] }, field: 'password' },
      { method: 'POST', url: '/api/auth/login', body: { email: [user.email], password: user.password }, field: 'email' },
      { method: 'POST', url: '/api/auth/login', body: { email: user.email, password: user.password, rememberDevice: 'yes' }, field: 'rememberDevice' },
      { method: 'POST', url: '/api/auth/login', body: { email: user.email, password: user.password, rememberDevice: 1 }, field: 'rememberDevice' },
    ];
    const accepted: string[] = [];
    for (const c of cases) {
      const client = c.method === 'PATCH' ? user.browser : new Client(t.app, { ip: '203.0.113.90' });
      const response = await client.request(c.method, c.url, c.body);
      if (response.statusCode < 400) {
        accepted.push(`${c.method} ${c.url} ${JSON.stringify(c.body).replace(user.password, '<password>')} → ${response.statusCode}`);
        continue;
      }
      const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
      assert.ok(body.fields && c.field in body.fields, `${c.url} ${c.field}: ${response.body}`);
    }
    assert.deepEqual(accepted, [], 'wrong-typed values were accepted (coerced) instead of refused');
  });

  it('huge strings within the body limit → 400 naming the field, never a 500', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    const huge = 'a'.repeat(15_000);
    const cases: { method: Method; url: string; body: Record<string, unknown>; field: string }[] = [
      { method: 'POST', url: '/api/auth/register', body: { email: `${huge}@example.com`, password: STRONG_PASSWORD }, field: 'email' },
      { method: 'POST', url: '/api/auth/register', body: { email: uniqueEmail('huge'), password: huge }, field: 'password' },
      { method: 'POST', url: '/api/auth/register', body: { email: uniqueEmail('huge'), password: STRONG_PASSWORD, displayName: huge }, field: 'displayName' },
      { method: 'POST', url: '/api/auth/login', body: { email: user.email, password: huge }, field: 'password' },
      { method: 'POST', url: '/api/auth/login', body: { email: `a@${huge}.com`, password: user.password }, field: 'email' },
      { method: 'PATCH', url: '/api/auth/profile', body: { displayName: huge }, field: 'displayName' },
      { method: 'PATCH', url: '/api/auth/profile', body: { displayName: 'x'.repeat(101) }, field: 'displayName' },
      { method: 'PUT', url: '/api/auth/change-password', body: { currentPassword: user.password, newPassword: huge }, field: 'newPassword' },
      { method: 'PUT', url: '/api/auth/change-password', body: { currentPassword: huge, newPassword: 'copper-lantern-meadow-93' }, field: 'currentPassword' },
    ];
    for (const c of cases) {
      const response = await user.raw(c.method, c.url, JSON.stringify(c.body));
      const body = assertErrorShape(response, { status: 400 });
      assert.ok(body.fields && c.field in body.fields, `${c.url} ${c.field}: ${response.body.slice(0, 300)}`);
      assert.ok(response.body.length < 2000, 'the answer does not echo the huge value');
    }
    assert.equal(await user.displayName(), 'Original Name');
    assertNoServerErrorLogged();
  });

  it('control characters in a display name → 400 fields.displayName; real Unicode is kept exactly', async () => {
    const user = await signedIn();
    for (const bad of ['a\u0000b', 'line\nbreak', 'carriage\rreturn', 'tab\there', 'esc\u001b[31mred', 'del\u007f']) {
      const response = await user.raw('PATCH', '/api/auth/profile', JSON.stringify({ displayName: bad }));
      const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
      assert.ok(body.fields && 'displayName' in body.fields, response.body);
    }
    assert.equal(await user.displayName(), 'Original Name');
    for (const good of ['Zoë Ångström', '山田 太郎', 'محمد', '👩‍💻 Ada', 'A\u030a (combining)']) {
      const response = await user.raw('PATCH', '/api/auth/profile', JSON.stringify({ displayName: good }));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().user.displayName, good.normalize('NFC'));
      assert.equal(await user.displayName(), good.normalize('NFC'));
    }
  });

  it('unicode, control and invisible characters in passwords are input, not errors: sign-in answers 401, never 500', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    const odd = ['\u0000\u0000\u0000', 'pass\u202eword-rtl-override', '\ud800 lone surrogate', '💥'.repeat(200), '\u200b'.repeat(50), 'ﬀﬁﬂ compat ligatures'];
    for (const [i, value] of odd.entries()) {
      // One address per attempt, so the sign-in delay (security.md §6) does not answer instead.
      const response = await new Client(t.app, { ip: `203.0.113.${100 + i}` }).post('/api/auth/login', { email: user.email, password: value });
      assertErrorShape(response, { status: 401, code: 'INVALID_CREDENTIALS' });
    }
    assertNoServerErrorLogged();
  });

  it('an invalid email → 400 with fields.email, on register and on login', async () => {
    const invalid = [
      'plainaddress',
      '@example.com',
      'user@',
      'user@example',
      'user name@example.com',
      'user@exa mple.com',
      'user@example..com',
      '"quoted"@example.com',
      'user@[127.0.0.1]',
      `${'l'.repeat(65)}@example.com`,
      'a\u0000b@example.com',
      'a\u202eb@example.com',
      'a\u200bb@example.com',
      'a\nb@example.com',
    ];
    for (const address of invalid) {
      for (const url of ['/api/auth/register', '/api/auth/login']) {
        const response = await new Client(t.app, { ip: '203.0.113.92' }).post(url, { email: address, password: STRONG_PASSWORD });
        const body = assertErrorShape(response, { status: 400 });
        assert.ok(body.fields && 'email' in body.fields, `${url} ${JSON.stringify(address)}: ${response.body}`);
      }
    }
  });

  it('text that is not well-formed Unicode (a lone surrogate) is refused, not silently replaced by U+FFFD', async () => {
    const user = await signedIn();
    const register = await new Client(t.app, { ip: '203.0.113.93' }).post('/api/auth/register', { email: `lone\ud800.${Date.now()}@example.com`, password: STRONG_PASSWORD });
    const profile = await user.raw('PATCH', '/api/auth/profile', JSON.stringify({ displayName: 'lone \udc00 surrogate' }));
    const altered: string[] = [];
    if (register.statusCode < 400) altered.push(`register stored email ${JSON.stringify(register.json().user.email)}`);
    else assert.ok(assertErrorShape(register, { status: 400 }).fields?.email, register.body);
    if (profile.statusCode < 400) altered.push(`profile stored displayName ${JSON.stringify(profile.json().user.displayName)}`);
    else assert.ok(assertErrorShape(profile, { status: 400 }).fields?.displayName, profile.body);
    assert.deepEqual(altered, [], 'ill-formed input was accepted and altered');
  });

  it('prototype-pollution keys → 400, and nothing is polluted', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    const payloads = (valid: Record<string, unknown>) => [
      `{"__proto__":{"polluted":"yes","isAdmin":true},${JSON.stringify(valid).slice(1)}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},${JSON.stringify(valid).slice(1)}`,
      `{${JSON.stringify(valid).slice(1, -1)},"nested":{"__proto__":{"polluted":"yes"}}}`,
      `{"__proto__":null}`,
    ];
    for (const route of bodyRoutes) {
      for (const payload of payloads(route.valid(user))) {
        assertErrorShape(await user.raw(route.method, route.url, payload), { status: 400 });
      }
    }
    const probe: Record<string, unknown> = {};
    assert.equal(probe.polluted, undefined, 'Object.prototype is untouched');
    assert.equal(probe.isAdmin, undefined);
    assert.equal(await user.displayName(), 'Original Name');
    assert.equal((await user.browser.get('/api/auth/session')).json().user.role, 'USER');
    assertNoServerErrorLogged();
  });

  it('a content type other than JSON → 415 UNSUPPORTED_MEDIA_TYPE (form posts, XML, multipart)', async () => {
    const user = await signedIn();
    for (const route of unsafeRoutes) {
      for (const [contentType, payload] of [
        ['application/x-www-form-urlencoded', 'displayName=Forged&email=a%40example.com'],
        ['application/xml', '<displayName>Forged</displayName>'],
        ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="displayName"\r\n\r\nForged\r\n--x--'],
      ] as const) {
        assertErrorShape(await user.raw(route.method, route.url, payload, { 'content-type': contentType }), { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      }
    }
    assert.equal(await user.displayName(), 'Original Name');
    assert.equal((await user.browser.get('/api/auth/session')).statusCode, 200, 'still signed in');
  });

  it('text/plain (the content type a cross-site form or no-cors fetch can send) → 415 on every unsafe route, with no effect', async () => {
    const answers: string[] = [];
    for (const route of unsafeRoutes) {
      const user = await signedIn();
      const payload = JSON.stringify(route.method === 'PATCH' ? { displayName: 'Via Text Plain' } : {});
      const response = await user.raw(route.method, route.url, payload, { 'content-type': 'text/plain' });
      if (response.statusCode !== 415) answers.push(`${route.method} ${route.url} → ${response.statusCode} ${response.body.slice(0, 120)}`);
      else assertErrorShape(response, { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      const stillIn = await user.browser.get('/api/auth/session');
      if (stillIn.statusCode !== 200) answers.push(`${route.method} ${route.url} with text/plain signed the user out`);
      else if ((await user.displayName()) !== 'Original Name') answers.push(`${route.method} ${route.url} with text/plain changed the profile`);
    }
    assert.deepEqual(answers, [], 'text/plain bodies must be refused with 415');
  });

  it('a body over the 16 KiB limit → 413 PAYLOAD_TOO_LARGE on every unsafe route; exactly 16 KiB is read (docs/api.md)', async () => {
    logsBefore = t.logs.length;
    for (const route of unsafeRoutes) {
      const user = await signedIn();
      const over = await user.raw(route.method, route.url, bodyOfSize(BODY_LIMIT + 1));
      assertErrorShape(over, { status: 413, code: 'PAYLOAD_TOO_LARGE' });
      const far = await user.raw(route.method, route.url, bodyOfSize(1024 * 1024));
      assertErrorShape(far, { status: 413, code: 'PAYLOAD_TOO_LARGE' });
      assert.equal((await user.browser.get('/api/auth/session')).statusCode, 200, `${route.url}: the refused request had no effect`);
      const atLimit = await user.raw(route.method, route.url, bodyOfSize(BODY_LIMIT));
      assert.notEqual(atLimit.statusCode, 413, `${route.url}: ${BODY_LIMIT} bytes is within the limit`);
      assert.ok(atLimit.statusCode < 500, `${route.url}: ${atLimit.statusCode} ${atLimit.body}`);
    }
    assertNoServerErrorLogged();
  });

  it('bad path and query parameters on the GET and DELETE routes → 400 naming the parameter', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    const cases: { method: Method; url: string; field: string }[] = [
      { method: 'DELETE', url: '/api/auth/sessions/not-a-uuid', field: 'id' },
      { method: 'DELETE', url: "/api/auth/sessions/1'%20OR%20'1'='1", field: 'id' },
      { method: 'GET', url: '/api/auth/events?limit=abc', field: 'limit' },
      { method: 'GET', url: '/api/auth/events?limit=0', field: 'limit' },
      { method: 'GET', url: '/api/auth/events?limit=101', field: 'limit' },
      { method: 'GET', url: '/api/auth/events?limit=-1', field: 'limit' },
      { method: 'GET', url: '/api/auth/events?limit=1.5', field: 'limit' },
      { method: 'GET', url: '/api/auth/events?limit=1&limit=2', field: 'limit' },
      { method: 'GET', url: '/api/auth/events?cursor=%00%01', field: 'cursor' },
      { method: 'GET', url: `/api/auth/events?cursor=${'A'.repeat(500)}`, field: 'cursor' },
      { method: 'GET', url: '/api/auth/events?cursor=bm90LW91cnM', field: 'cursor' },
      { method: 'GET', url: `/api/auth/events?cursor=${Buffer.from('e9999999999999999999').toString('base64url')}`, field: 'cursor' },
      { method: 'GET', url: `/api/auth/events?cursor=${Buffer.from('e-1').toString('base64url')}`, field: 'cursor' },
      { method: 'GET', url: '/api/auth/events?__proto__[polluted]=yes', field: '__proto__' },
      { method: 'GET', url: '/api/auth/events?unknown=1', field: 'unknown' },
    ];
    for (const c of cases) {
      const response = c.method === 'GET' ? await user.browser.get(c.url) : await user.browser.delete(c.url);
      const body = assertErrorShape(response, { status: 400 });
      assert.ok(body.fields && Object.keys(body.fields).some((name) => name.startsWith(c.field)), `${c.url}: ${response.body}`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assertNoServerErrorLogged();
  });

  it('a well-formed but unknown session id → 404 SESSION_NOT_FOUND in the error shape', async () => {
    const user = await signedIn();
    assertErrorShape(await user.browser.delete('/api/auth/sessions/00000000-0000-4000-8000-000000000000'), { status: 404, code: 'SESSION_NOT_FOUND' });
  });

  it('every GET route with junk in the query and headers: no 5xx; events refuses unknown parameters, the others ignore them', async () => {
    const user = await signedIn();
    logsBefore = t.logs.length;
    const junk = '?a=%00&b[]=1&b[]=2&c=%E2%80%AE&__proto__=x&constructor[prototype][x]=1&' + 'k=v&'.repeat(200);
    for (const url of getRoutes) {
      const response = await user.browser.get(url + junk, { 'x-forwarded-for': '1.2.3.4, <script>', 'user-agent': 'x'.repeat(4000) });
      if (url === '/api/auth/events') assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
      else assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    }
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assertNoServerErrorLogged();
  });

  it('an unknown route or method → 404 NOT_FOUND in the error shape', async () => {
    const user = await signedIn();
    assertErrorShape(await user.browser.get('/api/does-not-exist'), { status: 404, code: 'NOT_FOUND' });
    assertErrorShape(await user.browser.get('/api/auth/nothing/here'), { status: 404, code: 'NOT_FOUND' });
    assertErrorShape(await user.browser.put('/api/auth/login', {}), { status: 404, code: 'NOT_FOUND' });
    assertErrorShape(await user.browser.post('/healthz', {}), { status: 404, code: 'NOT_FOUND' });
  });

  it('a URL the router itself refuses (broken percent-encoding, over-long path parameter) → 4xx in the error shape', async () => {
    const user = await signedIn();
    assertErrorShape(await user.browser.get('/api/auth/%E0%A4%A'));
    assertErrorShape(await user.browser.get('/%'));
    assertErrorShape(await user.browser.delete(`/api/auth/sessions/${'a'.repeat(300)}`));
  });

  it('every registered route survives the bad-input sweep unauthenticated: no 5xx, the error shape on every error', async () => {
    logsBefore = t.logs.length;
    const routes = registeredRoutes(t.app);
    assert.ok(routes.length >= 13, `the app's routes were read: ${JSON.stringify(routes)}`);
    const anonymous = new Client(t.app, { ip: '203.0.113.94' });
    const problems: string[] = [];
    for (const route of routes) {
      const url = concreteUrl(route.url);
      const attempts: [string, string | undefined, Record<string, string>][] =
        route.method === 'GET'
          ? [['query junk', undefined, {}]]
          : [
              ['malformed JSON', '{"a":', {}],
              ['null', 'null', {}],
              ['array', '[1,2,3]', {}],
              ['proto', '{"__proto__":{"polluted":1}}', {}],
              ['oversized', bodyOfSize(BODY_LIMIT + 100), {}],
              ['form', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }],
            ];
      for (const [label, payload, headers] of attempts) {
        const response = await anonymous.request(route.method as Method, route.method === 'GET' ? `${url}?limit=x&junk=%00` : url, payload, headers);
        // A served stylesheet or script is code by nature; every other answer must not leak any.
        const staticAsset = response.statusCode === 200 && /^(text\/css|text\/javascript|application\/javascript)/.test(String(response.headers['content-type']));
        if (!staticAsset) assertNoStackTrace(response.body);
        if (response.statusCode >= 500) problems.push(`${route.method} ${route.url} ${label} → ${response.statusCode} ${response.body.slice(0, 200)}`);
        else if (response.statusCode >= 400) {
          try {
            assertErrorShape(response);
          } catch (error) {
            problems.push(`${route.method} ${route.url} ${label}: ${(error as Error).message}`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);
    assertNoServerErrorLogged();
  });
});
