// security.md §3 / ASVS V7.2.4: a new session token on every authentication, and the old one ends.
// A sign-in (the password step, or the second-factor step) ends whatever session the request
// carried — cookie or bearer, whoever's it is — in the transaction that starts the new one.
// Re-authentication and a password change give the session a new token (a new cookie, or the
// token in the body for a bearer client); the old token is refused on the next request, on every
// instance; a re-authentication's freshness carries over.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../support/app.ts';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { bearerClient, Client, signedUpBrowser } from '../../support/client.ts';
import { databaseKinds } from '../../support/databases.ts';
import { secondInstance, type SecondInstance } from '../../support/instances.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp } from '../../support/two-factor.ts';

const NEW_PASSWORD = 'granite-meadow-falcon-6021';
/** Past the 10 minutes a sign-in or re-authentication counts as fresh. */
const STALE_SECONDS = 11 * 60;

/** A browser holding the same cookie, on this or another instance. */
function sameCookie(client: Client, app: TestApp['app']): Client {
  return Object.assign(new Client(app, { userAgent: client.userAgent }), { cookie: client.cookie });
}

function withBearer(app: TestApp['app'], token: string): Client {
  return new Client(app, { bearer: token });
}

describeOnEachDatabase('a new token on every authentication', (t) => {
  async function statusOf(client: Client): Promise<number> {
    return (await client.get('/api/auth/session')).statusCode;
  }

  it('signing in again ends the session the browser presented (V7.2.4)', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const held = sameCookie(client, t.app);
    const login = await client.post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 200, login.body);
    assert.notEqual(client.cookie, held.cookie, 'a new cookie');
    assert.equal(await statusOf(held), 401, 'the old token is refused');
    assert.equal(await statusOf(client), 200);
    const sessions = (await client.get('/api/auth/sessions')).json().sessions as unknown[];
    assert.equal(sessions.length, 1, 'not two sessions side by side');
  });

  it("a sign-in ends another user's session presented with it, and logs it for that user", async () => {
    const first = await signedUpBrowser(t.app);
    const second = await signedUpBrowser(t.app);
    const held = sameCookie(first.client, t.app);
    const login = await first.client.post('/api/auth/login', { email: second.email, password: second.password });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(await statusOf(held), 401, "the first user's session ended");
    const events = await t.ctx.db.selectFrom('security_events').select(['type', 'metadata']).where('user_id', '=', first.user.id).where('type', '=', 'session_revoked').execute();
    assert.equal(events.length, 1);
    assert.equal((events[0]!.metadata as { reason?: string }).reason, 'replaced_by_sign_in');
  });

  it('a bearer token presented at sign-in ends too', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const { client, session } = await bearerClient(t.app, email, password);
    const again = await client.post('/api/auth/login', { email, password }, { 'x-session-transport': 'bearer', origin: '' });
    assert.equal(again.statusCode, 200, again.body);
    assert.notEqual(again.json().session.token, session.token);
    assert.equal(await statusOf(withBearer(t.app, session.token)), 401);
    assert.equal(await statusOf(withBearer(t.app, again.json().session.token)), 200);
  });

  it('the second-factor step ends the session presented with it; the password step alone ends nothing', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const { secret } = await enrolTotp(client, t.clock);
    const held = sameCookie(client, t.app);
    const login = await client.post('/api/auth/login', { email, password });
    assert.equal(login.json().twoFactorRequired, true);
    assert.equal(await statusOf(held), 200, 'a challenge starts no session, so it ends none');
    const second = await client.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(await statusOf(held), 401);
    assert.equal(await statusOf(client), 200);
  });

  it('re-authentication issues a new cookie, ends the old one and makes the session fresh (V7.2.4, V7.5.3)', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    const sessionId = (await client.get('/api/auth/session')).json().session.id;
    t.clock.advance(STALE_SECONDS);
    assert.equal((await client.post('/api/auth/2fa/enable')).json().code, 'REAUTH_REQUIRED');
    const held = sameCookie(client, t.app);
    const reauth = await client.post('/api/auth/reauthenticate', { password });
    assert.equal(reauth.statusCode, 200, reauth.body);
    assert.equal(reauth.json().token, undefined, 'a browser gets the token only as a cookie');
    assert.notEqual(client.cookie, held.cookie);
    assert.equal(await statusOf(held), 401, 'the old cookie is refused');
    const current = await client.get('/api/auth/session');
    assert.equal(current.json().session.id, sessionId, 'the device session goes on');
    assert.equal((await client.post('/api/auth/2fa/enable')).statusCode, 200, 'and it is fresh');
  });

  it('re-authentication of a bearer client answers the new token in the body', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const { client, session } = await bearerClient(t.app, email, password);
    const reauth = await client.post('/api/auth/reauthenticate', { password }, { origin: '' });
    assert.equal(reauth.statusCode, 200, reauth.body);
    assert.equal(reauth.headers['set-cookie'], undefined, 'no cookie for a bearer client');
    const token = reauth.json().token as string;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await statusOf(withBearer(t.app, session.token)), 401);
    assert.equal(await statusOf(withBearer(t.app, token)), 200);
  });

  it('a password change issues a new token and ends the old one; freshness carries over, and is not renewed by it', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    t.clock.advance(STALE_SECONDS);
    assert.equal((await client.post('/api/auth/reauthenticate', { password })).statusCode, 200);
    t.clock.advance(5 * 60);
    const held = sameCookie(client, t.app);
    const change = await client.put('/api/auth/change-password', { currentPassword: password, newPassword: NEW_PASSWORD });
    assert.equal(change.statusCode, 200, change.body);
    assert.match(change.json().message, /^Password changed\./);
    assert.notEqual(client.cookie, held.cookie);
    assert.equal(await statusOf(held), 401);
    assert.equal((await client.post('/api/auth/2fa/enable')).statusCode, 200, 'the re-authentication of 5 minutes ago still counts');
    t.clock.advance(6 * 60);
    assert.equal((await client.post('/api/auth/2fa/enable')).json().code, 'REAUTH_REQUIRED', 'the change itself did not refresh it');
  });

  it('a password change of a bearer client answers the new token in the body', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const { client, session } = await bearerClient(t.app, email, password);
    const change = await client.put('/api/auth/change-password', { currentPassword: password, newPassword: NEW_PASSWORD }, { origin: '' });
    assert.equal(change.statusCode, 200, change.body);
    assert.equal(await statusOf(withBearer(t.app, session.token)), 401);
    assert.equal(await statusOf(withBearer(t.app, change.json().token)), 200);
  });
});

describe('the old token is refused at once on every instance (postgres, session cache)', { skip: !databaseKinds.includes('postgres') && 'TEST_DATABASES leaves PostgreSQL out' }, () => {
  let t: TestApp;
  let b: SecondInstance;
  before(async () => {
    t = await createTestApp('postgres');
    b = await secondInstance(t);
  });
  after(async () => {
    await b.close();
    await t.close();
  });

  async function cachedOnBoth(client: Client): Promise<Client> {
    const onB = sameCookie(client, b.app);
    assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'A accepts (and caches) it');
    assert.equal((await onB.get('/api/auth/session')).statusCode, 200, 'B accepts (and caches) it');
    return onB;
  }

  it('re-authentication on A: B refuses the old cookie on its next request and accepts the new one', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    const oldOnB = await cachedOnBoth(client);
    assert.equal((await client.post('/api/auth/reauthenticate', { password })).statusCode, 200);
    assert.equal((await oldOnB.get('/api/auth/session')).statusCode, 401);
    assert.equal((await sameCookie(client, b.app).get('/api/auth/session')).statusCode, 200);
  });

  it('a password change on A: B refuses the old cookie on its next request', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    const oldOnB = await cachedOnBoth(client);
    assert.equal((await client.put('/api/auth/change-password', { currentPassword: password, newPassword: NEW_PASSWORD })).statusCode, 200);
    assert.equal((await oldOnB.get('/api/auth/session')).statusCode, 401);
  });

  it('a sign-in on A presenting a session: B refuses that session on its next request', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const oldOnB = await cachedOnBoth(client);
    assert.equal((await client.post('/api/auth/login', { email, password })).statusCode, 200);
    assert.equal((await oldOnB.get('/api/auth/session')).statusCode, 401);
  });
});
