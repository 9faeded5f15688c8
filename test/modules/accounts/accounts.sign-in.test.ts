// Register, sign in, sign out, session read: the account basics over HTTP, on both databases.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

describeOnEachDatabase('accounts: register and sign in', (t) => {
  it('registers, normalises the email, sets the session cookie and answers 201 with the user', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail('Mixed.Case');
    const response = await client.post('/api/auth/register', { email: `  ${email.toUpperCase()} `, password: STRONG_PASSWORD, displayName: 'Ada Lovelace' });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json();
    assert.equal(body.success, true);
    assert.equal(body.user.email, email.toLowerCase());
    assert.equal(body.user.displayName, 'Ada Lovelace');
    assert.equal(body.user.role, 'USER');
    assert.equal(body.user.status, 'active');
    assert.equal(body.user.passwordHash, undefined);
    assert.equal(body.session.token, undefined, 'a browser never sees the token in the body');
    const cookie = response.cookies.find((c) => c.name === 'gatehouse_session');
    assert.ok(cookie, 'session cookie set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/, '256-bit base64url token');

    const session = await client.get('/api/auth/session');
    assert.equal(session.statusCode, 200);
    assert.equal(session.json().user.id, body.user.id);
    assert.equal(session.json().session.current, true);
    assert.equal(session.json().session.device, 'Chrome on macOS');
  });

  it('refuses a second account for the same email in any case', async () => {
    const { email } = await signedUpBrowser(t.app);
    const response = await new Client(t.app).post('/api/auth/register', { email: email.toUpperCase(), password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 409);
    assert.equal(response.json().code, 'EMAIL_TAKEN');
  });

  it('signs in with the password and gives a new token each time (ASVS 7.2.4)', async () => {
    const { email, password, client: first } = await signedUpBrowser(t.app);
    const browser = new Client(t.app);
    const response = await browser.post('/api/auth/login', { email: email.toUpperCase(), password });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().user.email, email);
    assert.ok(browser.cookie);
    assert.notEqual(browser.cookie, first.cookie);
    assert.equal((await browser.get('/api/auth/session')).statusCode, 200);
  });

  it('answers one generic 401 for a wrong password and for an unknown email (security.md §5)', async () => {
    const { email } = await signedUpBrowser(t.app);
    const wrongPassword = await new Client(t.app).post('/api/auth/login', { email, password: 'not-the-password-at-all' });
    const unknownEmail = await new Client(t.app).post('/api/auth/login', { email: uniqueEmail('nobody'), password: 'not-the-password-at-all' });
    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(unknownEmail.statusCode, 401);
    assert.deepEqual(wrongPassword.json(), unknownEmail.json());
    assert.deepEqual(wrongPassword.json(), { success: false, code: 'INVALID_CREDENTIALS', message: 'Invalid email or password.' });
    assert.equal(wrongPassword.headers['set-cookie'], undefined);
  });

  it('gives an API client a bearer token that works without cookies', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const api = new Client(t.app);
    const login = await api.post('/api/auth/login', { email, password }, { 'x-session-transport': 'bearer' });
    assert.equal(login.statusCode, 200);
    assert.equal(login.headers['set-cookie'], undefined, 'no cookie for a bearer client');
    const token = login.json().session.token as string;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const session = await new Client(t.app, { bearer: token }).get('/api/auth/session');
    assert.equal(session.statusCode, 200);
    assert.equal(session.json().user.email, email);
  });

  it('signs out: the session is revoked on the server and the cookie cleared', async () => {
    const { client } = await signedUpBrowser(t.app);
    const cookie = client.cookie!;
    const logout = await client.post('/api/auth/logout');
    assert.equal(logout.statusCode, 200);
    assert.equal(client.cookie, null, 'cookie cleared');
    const replay = await new Client(t.app).get('/api/auth/session', { cookie });
    assert.equal(replay.statusCode, 401, 'the old token no longer works (ASVS 7.4.1)');
  });

  it('answers 401 without a session and for a made-up token', async () => {
    assert.equal((await new Client(t.app).get('/api/auth/session')).statusCode, 401);
    const fake = await new Client(t.app, { bearer: 'A'.repeat(43) }).get('/api/auth/session');
    assert.equal(fake.statusCode, 401);
    assert.equal(fake.json().code, 'UNAUTHENTICATED');
  });

  it('refuses sign-in for a disabled user and ends the sessions it already had', async () => {
    const { client, email, password, user } = await signedUpBrowser(t.app);
    await t.ctx.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    // Written outside any route, as an operator would: the trigger's notice reaches the session
    // cache (PostgreSQL) within one notification round trip, which the barrier waits for.
    await t.ctx.sessionCache?.barrier();
    assert.equal((await client.get('/api/auth/session')).statusCode, 401, 'existing session stops working (ASVS 7.4.2)');
    const login = await new Client(t.app).post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 403);
    assert.equal(login.json().code, 'ACCOUNT_DISABLED');
  });

  it('reads and updates the profile, and records the change', async () => {
    const { client } = await signedUpBrowser(t.app, { displayName: 'Old Name' });
    assert.equal((await client.get('/api/auth/profile')).json().user.displayName, 'Old Name');
    const updated = await client.patch('/api/auth/profile', { displayName: '  Grace Hopper ' });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json().user.displayName, 'Grace Hopper');
    assert.equal((await client.get('/api/auth/profile')).json().user.displayName, 'Grace Hopper');
    const events = (await client.get('/api/auth/events')).json().events as { type: string }[];
    assert.equal(events[0]?.type, 'profile_updated');
  });
});
