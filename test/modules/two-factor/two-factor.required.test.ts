// security.md §4 / ASVS V6.3.3 (L2: multi-factor authentication is required): with
// REQUIRE_TWO_FACTOR=true an account without a second factor gets, after its password, a session
// that can only enrol one; every other route answers 403 TWO_FACTOR_REQUIRED until it has one.
// Users who have a second factor still meet the challenge first. Off by default.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { createTestApp, TEST_SECRET, type TestApp } from '../../support/app.ts';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { Client, STRONG_PASSWORD, uniqueEmail } from '../../support/client.ts';
import { databaseKinds } from '../../support/databases.ts';
import { assertErrorShape } from '../../support/error-shape.ts';
import { concreteUrl, registeredRoutes } from '../../support/registered-routes.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp } from '../../support/two-factor.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Probe {
  method: Method;
  url: string;
  body?: unknown;
}

// What a session without a second factor may still do: see itself, sign out, confirm it is the
// user, enrol an authenticator app or a phone.
const ENROLMENT: Probe[] = [
  { method: 'GET', url: '/api/auth/session' },
  { method: 'GET', url: '/api/auth/profile' },
  { method: 'GET', url: '/api/auth/2fa/status' },
  { method: 'POST', url: '/api/auth/reauthenticate', body: { password: STRONG_PASSWORD } },
  { method: 'POST', url: '/api/auth/2fa/sms/enable', body: { phoneNumber: '+14155550123' } },
  { method: 'POST', url: '/api/auth/2fa/sms/verify', body: { code: '000000' } },
  { method: 'POST', url: '/api/auth/2fa/enable' },
  { method: 'POST', url: '/api/auth/2fa/verify-setup', body: { token: '000000' } },
  { method: 'POST', url: '/api/auth/logout' },
];

// Everything else that needs a session, each with a body its schema accepts, so the answer
// comes from the session check and not from validation.
const REFUSED: Probe[] = [
  { method: 'GET', url: '/api/auth/sessions' },
  { method: 'DELETE', url: '/api/auth/sessions/:id' },
  { method: 'POST', url: '/api/auth/sessions/revoke-others' },
  { method: 'GET', url: '/api/auth/events' },
  { method: 'PATCH', url: '/api/auth/profile', body: { displayName: 'Mallory' } },
  { method: 'PUT', url: '/api/auth/change-password', body: { currentPassword: STRONG_PASSWORD, newPassword: 'granite-meadow-falcon-6021' } },
  { method: 'POST', url: '/api/auth/email/change', body: { newEmail: 'elsewhere@example.com', password: STRONG_PASSWORD } },
  { method: 'POST', url: '/api/auth/2fa/disable', body: { password: STRONG_PASSWORD, token: '123456' } },
  { method: 'POST', url: '/api/auth/2fa/regenerate-codes' },
  { method: 'POST', url: '/api/auth/password/strength', body: { password: 'granite-meadow-falcon-6021' } },
  { method: 'DELETE', url: '/api/auth/trusted-devices/:id' },
];

// Routes that take no session (or an optional one): signing in, links, health.
const WITHOUT_SESSION = new Set([
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/login/2fa',
  'POST /api/auth/login/2fa/sms',
  'POST /api/auth/email/verify/request',
  'POST /api/auth/email/verify',
  'POST /api/auth/password/forgot',
  'POST /api/auth/password/reset',
  'POST /api/auth/email/change/confirm',
  'GET /api/openapi.json',
]);

const key = (probe: { method: string; url: string }) => `${probe.method} ${probe.url}`;

function send(client: Client, probe: Probe) {
  return client.request(probe.method, concreteUrl(probe.url), probe.method === 'GET' || probe.method === 'DELETE' ? undefined : (probe.body ?? {}));
}

it('REQUIRE_TWO_FACTOR is off unless set', () => {
  assert.equal(loadConfig({ GATEHOUSE_SECRET: TEST_SECRET }).requireTwoFactor, false);
  assert.equal(loadConfig({ GATEHOUSE_SECRET: TEST_SECRET, REQUIRE_TWO_FACTOR: 'true' }).requireTwoFactor, true);
});

describeOnEachDatabase('REQUIRE_TWO_FACTOR=true', { env: { REQUIRE_TWO_FACTOR: 'true' } }, (t) => {
  async function register() {
    const client = new Client(t.app);
    const email = uniqueEmail('mfa');
    const response = await client.post('/api/auth/register', { email, password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 201, response.body);
    return { client, email, response };
  }

  it('every /api route is either open, for enrolment, or refused to a session without a second factor', () => {
    const classified = new Set([...WITHOUT_SESSION, ...ENROLMENT.map(key), ...REFUSED.map(key)]);
    const unclassified = registeredRoutes(t.app).filter((route) => route.url.startsWith('/api/') && !classified.has(key(route)));
    assert.deepEqual(unclassified, [], 'a new route must be put in one of the lists');
  });

  it('after the password, an account without a second factor can only enrol one: 403 TWO_FACTOR_REQUIRED elsewhere (V6.3.3)', async () => {
    const { client, response } = await register();
    assert.equal(response.json().twoFactorSetupRequired, true, 'registration says enrolment comes first');
    for (const probe of REFUSED) {
      assertErrorShape(await send(client, probe), { status: 403, code: 'TWO_FACTOR_REQUIRED' });
    }
    for (const probe of ENROLMENT) {
      const answer = await send(client, probe);
      assert.notEqual(answer.json().code, 'TWO_FACTOR_REQUIRED', `${key(probe)} stays open: ${answer.statusCode} ${answer.body}`);
      assert.ok(answer.statusCode < 500, answer.body);
    }
  });

  it('signing in again still gives a session that can only enrol, and says so', async () => {
    const { email } = await register();
    const client = new Client(t.app);
    const login = await client.post('/api/auth/login', { email, password: STRONG_PASSWORD });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().twoFactorSetupRequired, true);
    assert.equal(login.json().twoFactorRequired, undefined, 'no challenge: there is no factor to ask for');
    const session = await client.get('/api/auth/session');
    assert.equal(session.statusCode, 200);
    assert.equal(session.json().twoFactorSetupRequired, true);
    assertErrorShape(await client.get('/api/auth/sessions'), { status: 403, code: 'TWO_FACTOR_REQUIRED' });
  });

  it('once an authenticator app is verified the same session works fully, and the next sign-in meets the challenge first', async () => {
    const { client, email } = await register();
    const { secret } = await enrolTotp(client, t.clock);
    assert.equal((await client.get('/api/auth/sessions')).statusCode, 200, 'the enrolling session is released');
    const session = await client.get('/api/auth/session');
    assert.equal(session.json().twoFactorSetupRequired, undefined);

    const browser = new Client(t.app);
    const login = await browser.post('/api/auth/login', { email, password: STRONG_PASSWORD });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().twoFactorRequired, true, 'a challenge, not a session');
    assert.equal(browser.cookie, null);
    const second = await browser.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(second.json().twoFactorSetupRequired, undefined);
    assert.equal((await browser.get('/api/auth/events')).statusCode, 200, 'a second-factor session works fully');
  });
});

describe('REQUIRE_TWO_FACTOR unset', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(databaseKinds[0]!);
  });
  after(() => t.close());

  it('a password-only account works fully and is not told to enrol', async () => {
    const client = new Client(t.app);
    const response = await client.post('/api/auth/register', { email: uniqueEmail('optional'), password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 201, response.body);
    assert.equal(response.json().twoFactorSetupRequired, undefined);
    for (const probe of REFUSED.filter((p) => p.method === 'GET')) assert.equal((await send(client, probe)).statusCode, 200, key(probe));
  });
});
