// SPEC 4.10 (ASVS 16.2.5, 16.3.1): requests are logged as JSON lines, and no log line ever holds a
// password, a session token, a cookie value or a secret query parameter — whatever the flow did.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, uniqueEmail } from '../support/client.ts';
import { databaseKinds } from '../support/databases.ts';

interface LogLine {
  level: number;
  time: number;
  msg?: string;
  req?: { method?: string; url?: string; headers?: unknown };
  res?: { statusCode?: number; headers?: unknown };
  [key: string]: unknown;
}

for (const kind of databaseKinds) {
  describe(`logging: redaction (${kind})`, () => {
    let t: TestApp;
    // Distinctive values, so finding one anywhere in the logs is unambiguous.
    const unique = randomBytes(4).toString('hex');
    const password = `first-Pass-${unique}-violet-harbor`;
    const wrongPassword = `wrong-Pass-${unique}-copper-lantern`;
    const newPassword = `second-Pass-${unique}-quiet-meadow`;
    const queryToken = `secretvalue${unique}`;
    const queryCode = `code${unique}`;
    const email = uniqueEmail('logging');
    const ip = '198.51.100.77';
    const secrets = new Map<string, string>();
    let firstLine = 0;

    before(async () => {
      t = await createTestApp(kind);
      firstLine = t.logs.length;
      secrets.set('password', password);
      secrets.set('wrong password', wrongPassword);
      secrets.set('new password', newPassword);
      secrets.set('query token', queryToken);
      secrets.set('query code', queryCode);

      // Register with a cookie.
      const browser = new Client(t.app, { ip });
      const register = await browser.post('/api/auth/register', { email, password, displayName: 'Log Subject' });
      assert.equal(register.statusCode, 201, register.body);
      assert.ok(browser.cookie);
      secrets.set('register cookie', browser.cookie.split('=')[1]!);

      // A failed sign-in, and a malformed one carrying the password.
      assert.equal((await new Client(t.app, { ip }).post('/api/auth/login', { email, password: wrongPassword })).statusCode, 401);
      assert.equal((await new Client(t.app, { ip }).post('/api/auth/login', `{"email":"${email}","password":"${password}"`)).statusCode, 400);
      assert.equal((await new Client(t.app, { ip }).post('/api/auth/login', { email, password, unexpected: wrongPassword })).statusCode, 400);

      // Sign in as an API client: the token travels in the body and the Authorization header.
      const login = await new Client(t.app, { ip }).post('/api/auth/login', { email, password }, { 'x-session-transport': 'bearer' });
      assert.equal(login.statusCode, 200, login.body);
      const token = login.json().session.token as string;
      secrets.set('bearer token', token);
      const api = new Client(t.app, { ip, bearer: token });
      assert.equal((await api.get('/api/auth/session')).statusCode, 200);

      // Change the password with the bearer session; the cookie session is revoked by it.
      const change = await api.put('/api/auth/change-password', { currentPassword: password, newPassword });
      assert.equal(change.statusCode, 200, change.body);
      const wrongChange = await api.put('/api/auth/change-password', { currentPassword: wrongPassword, newPassword: password });
      assert.equal(wrongChange.statusCode, 400, wrongChange.body);

      // Sign in with a cookie again, then sign out; a replay of that cookie afterwards.
      const again = new Client(t.app, { ip });
      assert.equal((await again.post('/api/auth/login', { email, password: newPassword })).statusCode, 200);
      const cookie = again.cookie!;
      secrets.set('second cookie', cookie.split('=')[1]!);
      assert.equal((await again.post('/api/auth/logout')).statusCode, 200);
      assert.equal((await new Client(t.app, { ip }).get('/api/auth/session', { cookie })).statusCode, 401);

      // Secrets in query strings (a link pasted into the API, a client bug).
      assert.ok((await api.get(`/api/auth/session?token=${queryToken}`)).statusCode < 500);
      assert.ok((await api.get(`/api/auth/events?token=${queryToken}&code=${queryCode}`)).statusCode < 500);
      assert.ok((await new Client(t.app, { ip }).get(`/verify-email?token=${queryToken}`)).statusCode < 500);
      assert.ok((await new Client(t.app, { ip }).get(`/nowhere?password=${password}&token=${queryToken}`)).statusCode < 500);

      // The bearer client signs out too.
      assert.equal((await api.post('/api/auth/logout', {}, { origin: '' })).statusCode, 200);
    });
    after(() => t.close());

    const lines = (): string[] => t.logs.slice(firstLine);
    const parsed = (): LogLine[] => lines().map((line) => JSON.parse(line) as LogLine);

    it('every log line is one JSON object with a level and a time', () => {
      assert.ok(lines().length > 20, `the flow was logged (${lines().length} lines)`);
      for (const line of lines()) {
        assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), `one line per entry: ${line.slice(0, 200)}`);
        const entry = JSON.parse(line) as LogLine;
        assert.equal(typeof entry.level, 'number');
        assert.equal(typeof entry.time, 'number');
      }
    });

    it('each request is logged with method, path and status (ASVS 16.3.1)', () => {
      const entries = parsed();
      const incoming = entries.filter((e) => e.req?.url !== undefined);
      const completed = entries.filter((e) => typeof e.res?.statusCode === 'number');
      const requests: [string, string][] = [['POST', '/api/auth/register'], ['POST', '/api/auth/login'], ['PUT', '/api/auth/change-password'], ['POST', '/api/auth/logout'], ['GET', '/api/auth/session']];
      for (const [method, path] of requests) {
        assert.ok(incoming.some((e) => e.req?.method === method && e.req.url?.startsWith(path)), `${method} ${path} is logged`);
      }
      for (const status of [201, 200, 401, 400]) assert.ok(completed.some((e) => e.res?.statusCode === status), `a ${status} answer is logged`);
    });

    it('no line contains a password, a session token, a cookie value or a secret query value (SPEC 4.10, ASVS 16.2.5)', () => {
      assert.equal(secrets.size, 8, 'every secret of the flow was captured');
      const leaks: string[] = [];
      for (const line of lines()) {
        for (const [what, value] of secrets) {
          assert.ok(value.length >= 10, `${what} is distinctive`);
          if (line.includes(value) || line.includes(encodeURIComponent(value))) leaks.push(`${what} in: ${line.slice(0, 300)}`);
        }
      }
      assert.deepEqual(leaks, []);
    });

    it('the token in a query string is logged as [REDACTED], the rest of the URL kept', () => {
      const urls = parsed().map((e) => e.req?.url).filter((url): url is string => typeof url === 'string');
      assert.ok(urls.includes('/api/auth/session?token=[REDACTED]'), `redacted URL logged: ${JSON.stringify(urls.filter((u) => u.includes('?')))}`);
      assert.ok(urls.includes('/api/auth/events?token=[REDACTED]&code=[REDACTED]'));
      assert.ok(urls.some((url) => url.startsWith('/nowhere?password=[REDACTED]&token=[REDACTED]')));
    });

    it('no request headers, no Set-Cookie and no client address are logged', () => {
      for (const entry of parsed()) {
        assert.equal(entry.req?.headers, undefined, 'request headers are not logged');
        assert.equal(entry.res?.headers, undefined, 'response headers are not logged');
        const text = JSON.stringify(entry);
        assert.doesNotMatch(text, /set-cookie|authorization|"cookie"/i, text.slice(0, 300));
        assert.ok(!text.includes(ip) && !text.includes('remoteAddress'), `the client's address is not logged: ${text.slice(0, 300)}`);
      }
    });
  });
}
