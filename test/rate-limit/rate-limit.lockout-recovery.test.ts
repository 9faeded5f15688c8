// security.md §6: how an owner gets back in after strangers ran up the counts. A completed password
// reset clears every failure count of the account; a known device has its own small budget; the
// known-device cookie is HttpOnly, SameSite=Lax and long-lived, and only browsers get one.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createKeyring } from '../../src/crypto/keyring.ts';
import { issueKnownDeviceCookie, knownDeviceOf } from '../../src/modules/sign-in/known-device.ts';
import { TEST_SECRET } from '../support/app.ts';
import { Client, signedUpBrowser } from '../support/client.ts';
import { assertRateLimited, countingVerifications, freshAddress, KNOWN_DEVICE_COOKIE, knownDeviceCookieOf, signInFrom, statusesOf, WRONG_PASSWORD } from '../support/rate-limit.ts';
import { linkIn } from '../support/smtp.ts';
import { describeOnEachDatabase, describeWithMailOnEachDatabase } from '../support/suites.ts';
import { signedUpWithTotp } from '../support/two-factor.ts';

const FAILURES_BEFORE_DELAY = 3;
const FAILURES_PER_ACCOUNT_PER_DAY = 8;
const NEW_PASSWORD = 'lantern-orchid-glacier-93';

it('a known-device cookie stays valid after the root secret is rotated (GATEHOUSE_PREVIOUS_SECRETS)', () => {
  const now = new Date();
  const issued = issueKnownDeviceCookie(createKeyring(Buffer.from(TEST_SECRET)), 'user-1', null, now);
  const rotated = createKeyring(Buffer.from('a-new-root-secret-that-is-long-enough-0123456789'), [Buffer.from(TEST_SECRET)]);
  assert.equal(knownDeviceOf(rotated, 'user-1', issued.value, now), issued.value.split('.')[0]);
  assert.equal(knownDeviceOf(rotated, 'user-2', issued.value, now), null, 'bound to its user');
  assert.equal(knownDeviceOf(rotated, 'user-1', issued.value, issued.expiresAt), null, 'not past its expiry');
});

describeWithMailOnEachDatabase(
  'getting back in after a lockout',
  {
    server: { user: 'gatehouse', password: 'smtp-pass-lockout' },
    rateLimits: { signInFailuresBeforeDelay: FAILURES_BEFORE_DELAY, signInFailuresPerAccountPerDay: FAILURES_PER_ACCOUNT_PER_DAY, mailsPerIpPerHour: 1000 },
  },
  (t, smtp) => {
    it('a completed password reset clears the account counts: locked out at its own address and everywhere, the owner resets from the mailed link and signs in (ASVS V6.1.1)', async () => {
      const { email } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const home = freshAddress();
      for (let i = 0; i < FAILURES_BEFORE_DELAY; i += 1) assert.equal((await signInFrom(t, home, email, WRONG_PASSWORD)).statusCode, 401);
      for (let spent = FAILURES_BEFORE_DELAY; spent < FAILURES_PER_ACCOUNT_PER_DAY; spent += 1) {
        assert.equal((await signInFrom(t, freshAddress(), email, WRONG_PASSWORD)).statusCode, 401);
      }
      assertRateLimited(await signInFrom(t, home, email, NEW_PASSWORD));
      assertRateLimited(await signInFrom(t, freshAddress(), email, NEW_PASSWORD));

      const forgot = await new Client(t.app, { ip: home }).post('/api/auth/password/forgot', { email });
      assert.equal(forgot.statusCode, 202, forgot.body);
      const { token } = linkIn(await smtp.nextMailTo(email, /Reset your password/), '/reset-password');
      const reset = await new Client(t.app, { ip: home }).post('/api/auth/password/reset', { token, newPassword: NEW_PASSWORD });
      assert.equal(reset.statusCode, 200, reset.body);

      const atHome = await signInFrom(t, home, email, NEW_PASSWORD);
      assert.equal(atHome.statusCode, 200, `at the address that was delayed: ${atHome.body}`);
      const elsewhere = await signInFrom(t, freshAddress(), email, NEW_PASSWORD);
      assert.equal(elsewhere.statusCode, 200, `from a new address: ${elsewhere.body}`);
    });

    it('the known-device cookie: HttpOnly, SameSite=Lax, Path=/, a year long, renewed at each sign-in; none for a bearer client or a wrong password', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const response = await signInFrom(t, freshAddress(), email, password);
      const cookie = response.cookies.find((c) => c.name === KNOWN_DEVICE_COOKIE);
      assert.ok(cookie, JSON.stringify(response.headers['set-cookie']));
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
      assert.ok(cookie.maxAge !== undefined && cookie.maxAge <= 365 * 86400 && cookie.maxAge >= 365 * 86400 - 1, `a year (Max-Age ${cookie.maxAge})`);
      const again = knownDeviceCookieOf(await signInFrom(t, freshAddress(), email, password, cookie.value));
      assert.equal(again.split('.')[0], cookie.value.split('.')[0], 'the same device keeps its id');

      const wrong = await signInFrom(t, freshAddress(), email, WRONG_PASSWORD);
      assert.equal(wrong.cookies.find((c) => c.name === KNOWN_DEVICE_COOKIE), undefined);
      const bearer = await new Client(t.app, { ip: freshAddress() }).post('/api/auth/login', { email, password }, { 'x-session-transport': 'bearer', origin: '' });
      assert.equal(bearer.statusCode, 200, bearer.body);
      assert.equal(bearer.headers['set-cookie'], undefined, 'a bearer client gets no cookie at all');
    });

    it('a right password that goes on to ask for the second factor earns the cookie too: the password was proven', async () => {
      const { email, password } = await signedUpWithTotp(t.app, t.clock);
      const challenged = await signInFrom(t, freshAddress(), email, password);
      assert.equal(challenged.json().twoFactorRequired, true, challenged.body);
      const device = knownDeviceCookieOf(challenged);
      const ip = freshAddress();
      for (let i = 0; i < FAILURES_BEFORE_DELAY; i += 1) assert.equal((await signInFrom(t, ip, email, WRONG_PASSWORD)).statusCode, 401);
      assertRateLimited(await signInFrom(t, ip, email, password));
      assert.equal((await signInFrom(t, ip, email, password, device)).json().twoFactorRequired, true, 'the device is known; the second factor is still asked');
    });
  },
);

// The delay is moved out of the way so the device's daily budget is what stops the burst.
describeOnEachDatabase(`a known device's own budget, default size`, { rateLimits: { signInFailuresBeforeDelay: 60 } }, (t) => {
  it('50 wrong passwords at once with a known-device cookie: exactly 10 are checked, then the device waits like a stranger would', async () => {
    const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
    const device = knownDeviceCookieOf(await signInFrom(t, freshAddress(), email, password));
    const thief = freshAddress();
    const { result: burst, verifications } = await countingVerifications(() => statusesOf(Array.from({ length: 50 }, () => signInFrom(t, thief, email, WRONG_PASSWORD, device))));
    assert.equal(verifications, 10);
    assert.equal(burst.count(401), 10);
    assert.equal(burst.count(429), 40);
    assertRateLimited(await signInFrom(t, thief, email, password, device));
    assert.equal((await signInFrom(t, freshAddress(), email, password)).statusCode, 200, 'strangers are not touched by the device budget');
  });
});
