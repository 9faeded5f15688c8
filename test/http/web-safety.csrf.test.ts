// CSRF, security.md §9 (ASVS 3.5.1/3.5.2/3.5.3): a state-changing request authenticated by the session
// cookie must come from our own origin (Origin, or Referer when Origin is missing), a browser's
// `Sec-Fetch-Site: cross-site` is refused, bearer-authenticated requests are exempt, and GET never
// changes anything. Every refusal is checked to have had no effect.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PUBLIC_ORIGIN } from '../support/app.ts';
import { bearerClient, Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

const EVIL_ORIGIN = 'https://evil.example';
const NEW_PASSWORD = 'copper-lantern-meadow-93';

describeOnEachDatabase('web safety: CSRF', (t) => {
  const refused = (response: Awaited<ReturnType<Client['get']>>) => assertErrorShape(response, { status: 403, code: 'CSRF_REJECTED' });

  async function displayNameOf(client: Client): Promise<string | null> {
    const profile = await client.get('/api/auth/profile');
    assert.equal(profile.statusCode, 200, profile.body);
    return profile.json().user.displayName as string | null;
  }

  /** A second signed-in device of the same user; returns its browser. */
  async function secondDevice(email: string, password: string): Promise<Client> {
    const other = new Client(t.app, { ip: '198.51.100.20' });
    const login = await other.post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 200, login.body);
    return other;
  }

  async function sessionIdOf(client: Client): Promise<string> {
    const session = await client.get('/api/auth/session');
    assert.equal(session.statusCode, 200, session.body);
    return session.json().session.id as string;
  }

  describe('cookie-authenticated PATCH /api/auth/profile', () => {
    it('without Origin and Referer → 403 CSRF_REJECTED and the profile is unchanged (security.md §9, ASVS 3.5.2)', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: '' }));
      assert.equal(await displayNameOf(client), 'Before');
    });

    it('with a foreign Origin → 403 and the profile is unchanged (security.md §9)', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: EVIL_ORIGIN }));
      assert.equal(await displayNameOf(client), 'Before');
    });

    it('with Origin "null" (sandboxed frame, privacy redirect) → 403', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: 'null' }));
      assert.equal(await displayNameOf(client), 'Before');
    });

    it('with a look-alike Origin (other port, other scheme, our host as a prefix) → 403', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      const lookAlikes = ['http://localhost:3001', 'https://localhost:3000', 'http://localhost', 'http://localhost:3000.evil.example', 'http://127.0.0.1:3000'];
      for (const origin of lookAlikes) {
        const response = await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin });
        assert.equal(response.statusCode, 403, `Origin ${origin}: ${response.body}`);
        assert.equal(response.json().code, 'CSRF_REJECTED');
      }
      assert.equal(await displayNameOf(client), 'Before');
    });

    it('with our Origin → allowed (the control for the refusals above)', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      const response = await client.patch('/api/auth/profile', { displayName: 'After' }, { origin: PUBLIC_ORIGIN });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(await displayNameOf(client), 'After');
    });

    it('with a Referer on our origin and no Origin → allowed (security.md §9: Referer when Origin is missing)', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      const response = await client.patch('/api/auth/profile', { displayName: 'Via Referer' }, { origin: '', referer: `${PUBLIC_ORIGIN}/settings?tab=profile` });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(await displayNameOf(client), 'Via Referer');
    });

    it('with a foreign Referer and no Origin → 403', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: '', referer: `${EVIL_ORIGIN}/page` }));
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: '', referer: 'not a url' }));
      assert.equal(await displayNameOf(client), 'Before');
    });

    it('with a foreign Origin and our Referer → 403: Origin decides when present', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: EVIL_ORIGIN, referer: `${PUBLIC_ORIGIN}/settings` }));
      assert.equal(await displayNameOf(client), 'Before');
    });

    it('with Sec-Fetch-Site: cross-site → 403 even when Origin looks like ours (OWASP CSRF: Fetch Metadata)', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { 'sec-fetch-site': 'cross-site' }));
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { 'sec-fetch-site': 'cross-site', origin: '' }));
      assert.equal(await displayNameOf(client), 'Before');
    });

    it('with Sec-Fetch-Site: same-origin and our Origin → allowed', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      const response = await client.patch('/api/auth/profile', { displayName: 'Same Origin' }, { 'sec-fetch-site': 'same-origin' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(await displayNameOf(client), 'Same Origin');
    });

    it('Sec-Fetch-Site: same-origin alone does not replace Origin/Referer for a cookie request (security.md §9)', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: '', 'sec-fetch-site': 'same-origin' }));
      assert.equal(await displayNameOf(client), 'Before');
    });
  });

  describe('every cookie-authenticated unsafe route', () => {
    it('POST /api/auth/logout without Origin or with a foreign Origin → 403, and the session still works', async () => {
      const { client } = await signedUpBrowser(t.app);
      refused(await client.post('/api/auth/logout', {}, { origin: '' }));
      refused(await client.post('/api/auth/logout', {}, { origin: EVIL_ORIGIN }));
      assert.ok(client.cookie, 'the cookie was not cleared');
      assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'the session was not revoked');
      const cookie = client.cookie!;
      const control = await client.post('/api/auth/logout');
      assert.equal(control.statusCode, 200, control.body);
      assert.equal((await new Client(t.app).get('/api/auth/session', { cookie })).statusCode, 401, 'with our Origin the same request signs out');
    });

    it('PUT /api/auth/change-password without Origin or with a foreign Origin → 403, and the password is unchanged', async () => {
      const { client, email, password } = await signedUpBrowser(t.app);
      const other = await secondDevice(email, password);
      const body = { currentPassword: password, newPassword: NEW_PASSWORD };
      refused(await client.put('/api/auth/change-password', body, { origin: '' }));
      refused(await client.put('/api/auth/change-password', body, { origin: EVIL_ORIGIN }));
      refused(await client.put('/api/auth/change-password', body, { 'sec-fetch-site': 'cross-site' }));
      assert.equal((await other.get('/api/auth/session')).statusCode, 200, 'other sessions were not revoked');
      assert.equal((await new Client(t.app, { ip: '198.51.100.21' }).post('/api/auth/login', { email, password })).statusCode, 200, 'the old password still works');
      assert.equal((await new Client(t.app, { ip: '198.51.100.22' }).post('/api/auth/login', { email, password: NEW_PASSWORD })).statusCode, 401, 'the new one does not');
    });

    it('DELETE /api/auth/sessions/:id without Origin or with a foreign Origin → 403, and the session is not revoked', async () => {
      const { client, email, password } = await signedUpBrowser(t.app);
      const other = await secondDevice(email, password);
      const otherId = await sessionIdOf(other);
      refused(await client.delete(`/api/auth/sessions/${otherId}`, { origin: '' }));
      refused(await client.delete(`/api/auth/sessions/${otherId}`, { origin: EVIL_ORIGIN }));
      assert.equal((await other.get('/api/auth/session')).statusCode, 200, 'the targeted session still works');
      const control = await client.delete(`/api/auth/sessions/${otherId}`, { origin: PUBLIC_ORIGIN });
      assert.equal(control.statusCode, 200, control.body);
      assert.equal((await other.get('/api/auth/session')).statusCode, 401, 'with our Origin the same request revokes it');
    });

    it('POST /api/auth/sessions/revoke-others without Origin or with a foreign Origin → 403, and the other sessions live', async () => {
      const { client, email, password } = await signedUpBrowser(t.app);
      const other = await secondDevice(email, password);
      refused(await client.post('/api/auth/sessions/revoke-others', {}, { origin: '' }));
      refused(await client.post('/api/auth/sessions/revoke-others', {}, { origin: EVIL_ORIGIN }));
      assert.equal((await other.get('/api/auth/session')).statusCode, 200);
      const control = await client.post('/api/auth/sessions/revoke-others');
      assert.equal(control.statusCode, 200, control.body);
      assert.equal(control.json().revoked, 1);
      assert.equal((await other.get('/api/auth/session')).statusCode, 401);
    });

    it('a refused request writes no security event for the action', async () => {
      const { client } = await signedUpBrowser(t.app);
      const eventTypes = async () => ((await client.get('/api/auth/events')).json().events as { type: string }[]).map((e) => e.type);
      const before = await eventTypes();
      refused(await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: EVIL_ORIGIN }));
      refused(await client.post('/api/auth/sessions/revoke-others', {}, { origin: EVIL_ORIGIN }));
      assert.deepEqual(await eventTypes(), before);
      assert.ok(before.length > 0, 'the log is readable (account_created at least)');
      // The control: the same change from our origin is recorded.
      assert.equal((await client.patch('/api/auth/profile', { displayName: 'Real' })).statusCode, 200);
      assert.equal((await eventTypes())[0], 'profile_updated');
    });

    it('a cookie that is not (or no longer) a valid session is still checked for CSRF first: 403, not 401', async () => {
      const forged = new Client(t.app);
      forged.cookie = `gatehouse_session=${'A'.repeat(43)}`;
      refused(await forged.patch('/api/auth/profile', { displayName: 'x' }, { origin: EVIL_ORIGIN }));
    });
  });

  describe('bearer-authenticated requests are exempt (security.md §9)', () => {
    it('a bearer client changes its profile without Origin, and with a foreign Origin', async () => {
      const { email, password } = await signedUpBrowser(t.app, { displayName: 'Before' });
      const { client: api } = await bearerClient(t.app, email, password);
      const withoutOrigin = await api.patch('/api/auth/profile', { displayName: 'No Origin' }, { origin: '' });
      assert.equal(withoutOrigin.statusCode, 200, withoutOrigin.body);
      assert.equal(await displayNameOf(api), 'No Origin');
      const foreign = await api.patch('/api/auth/profile', { displayName: 'Foreign Origin' }, { origin: EVIL_ORIGIN, 'sec-fetch-site': 'cross-site' });
      assert.equal(foreign.statusCode, 200, foreign.body);
      assert.equal(await displayNameOf(api), 'Foreign Origin');
    });

    it('a bearer client signs out without Origin', async () => {
      const { email, password } = await signedUpBrowser(t.app);
      const { client: api } = await bearerClient(t.app, email, password);
      const logout = await api.post('/api/auth/logout', {}, { origin: '' });
      assert.equal(logout.statusCode, 200, logout.body);
      assert.equal((await api.get('/api/auth/session')).statusCode, 401);
    });

    it('the exemption cannot be borrowed: a cookie plus a bogus Bearer header from a foreign site acts as nobody', async () => {
      const { client } = await signedUpBrowser(t.app, { displayName: 'Before' });
      for (const authorization of ['Bearer not-a-token', `Bearer ${'B'.repeat(43)}`, 'Bearer ']) {
        const response = await client.patch('/api/auth/profile', { displayName: 'Forged' }, { origin: EVIL_ORIGIN, authorization });
        assert.ok(response.statusCode === 401 || response.statusCode === 403, `${authorization}: ${response.statusCode} ${response.body}`);
        assertErrorShape(response);
      }
      assert.equal(await displayNameOf(client), 'Before', 'the cookie session was not used');
    });
  });

  describe('requests without a session cookie', () => {
    it('login from a foreign Origin → 403 and no session is issued (login CSRF)', async () => {
      const { email, password } = await signedUpBrowser(t.app);
      const attacker = new Client(t.app);
      const response = await attacker.post('/api/auth/login', { email, password }, { origin: EVIL_ORIGIN });
      refused(response);
      assert.equal(response.headers['set-cookie'], undefined);
      assert.equal(attacker.cookie, null);
    });

    it('login marked Sec-Fetch-Site: cross-site without Origin → 403 (login CSRF)', async () => {
      const { email, password } = await signedUpBrowser(t.app);
      const response = await new Client(t.app).post('/api/auth/login', { email, password }, { origin: '', 'sec-fetch-site': 'cross-site' });
      refused(response);
      assert.equal(response.headers['set-cookie'], undefined);
    });

    it('register from a foreign Origin → 403 and no account is created', async () => {
      const email = uniqueEmail('csrf-register');
      refused(await new Client(t.app).post('/api/auth/register', { email, password: STRONG_PASSWORD }, { origin: EVIL_ORIGIN }));
      const login = await new Client(t.app).post('/api/auth/login', { email, password: STRONG_PASSWORD });
      assert.equal(login.statusCode, 401, 'the account does not exist');
    });

    it('no cookie and no Origin (curl, a server) → register and login work', async () => {
      const email = uniqueEmail('curl');
      const register = await new Client(t.app).post('/api/auth/register', { email, password: STRONG_PASSWORD }, { origin: '' });
      assert.equal(register.statusCode, 201, register.body);
      const login = await new Client(t.app).post('/api/auth/login', { email, password: STRONG_PASSWORD }, { origin: '', 'x-session-transport': 'bearer' });
      assert.equal(login.statusCode, 200, login.body);
    });
  });

  describe('GET is never blocked and never changes state (ASVS 3.5.3)', () => {
    it('GET routes answer 200 with a foreign Origin, a foreign Referer and Sec-Fetch-Site: cross-site', async () => {
      const { client } = await signedUpBrowser(t.app);
      const crossSite = { origin: EVIL_ORIGIN, referer: `${EVIL_ORIGIN}/x`, 'sec-fetch-site': 'cross-site' };
      for (const url of ['/api/auth/session', '/api/auth/profile', '/api/auth/sessions', '/api/auth/events', '/healthz']) {
        const response = await client.get(url, crossSite);
        assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      }
    });

    it('the state-changing routes have no GET twin: GET answers 404 and the session survives', async () => {
      const { client, email, password } = await signedUpBrowser(t.app);
      const other = await secondDevice(email, password);
      const otherId = await sessionIdOf(other);
      for (const url of ['/api/auth/logout', '/api/auth/sessions/revoke-others', `/api/auth/sessions/${otherId}`, '/api/auth/change-password', '/api/auth/register', '/api/auth/login']) {
        assertErrorShape(await client.get(url), { status: 404, code: 'NOT_FOUND' });
      }
      assert.equal((await client.get('/api/auth/session')).statusCode, 200);
      assert.equal((await other.get('/api/auth/session')).statusCode, 200);
    });
  });
});
