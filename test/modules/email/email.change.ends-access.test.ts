// security.md §8: confirming a change of email address ends what the previous address and the
// other sessions could still do (ASVS 6.3.7, 7.4.3). The audit's sequence: a reset link asked for
// at the old address, then a change to a new one; the old link must be refused, so its would-be
// password never signs in at the new address; every other session and remembered device ends.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { bearerClient, Client, FIREFOX_LINUX, signedUpBrowser, signInStatus, uniqueEmail } from '../../support/client.ts';
import { assertInvalidToken } from '../../support/error-shape.ts';
import { securityEvents } from '../../support/events.ts';
import { secondInstance } from '../../support/instances.ts';
import { linkIn } from '../../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../../support/suites.ts';
import { signedUpWithRememberedDevice, TRUSTED_DEVICE_COOKIE } from '../../support/two-factor.ts';

const WOULD_BE_PASSWORD = 'lantern-orchid-glacier-93';

describeWithMailOnEachDatabase('an email change ends what came before it', { rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  /** Asks for the change from `client` and returns the token mailed to the new address. */
  async function changeLink(client: Client, newEmail: string, password: string, code?: string): Promise<string> {
    const response = await client.post('/api/auth/email/change', { newEmail, password, ...(code ? { code } : {}) });
    assert.equal(response.statusCode, 202, response.body);
    return linkIn(await smtp.nextMailTo(newEmail, /Confirm your new email address/), '/confirm-email-change').token;
  }

  async function pendingLinks(userId: string) {
    return t.ctx.db
      .selectFrom('one_time_tokens')
      .select('purpose')
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .where('purpose', 'in', ['password_reset', 'email_verification', 'email_change'])
      .execute();
  }

  it('a reset link mailed to the previous address is refused after the change, and its password never signs in at the new one (ASVS 6.3.7)', async () => {
    const { client, email: oldEmail, password, user } = await signedUpBrowser(t.app);
    const verifyToken = linkIn(await smtp.nextMailTo(oldEmail, /Confirm your email address/), '/verify-email').token;
    assert.equal((await new Client(t.app).post('/api/auth/password/forgot', { email: oldEmail })).statusCode, 202);
    const resetToken = linkIn(await smtp.nextMailTo(oldEmail, /Reset your password/), '/reset-password').token;
    assert.deepEqual((await pendingLinks(user.id)).map((l) => l.purpose).sort(), ['email_verification', 'password_reset'], 'both links are pending');

    const newEmail = uniqueEmail('moved');
    const changeToken = await changeLink(client, newEmail, password);
    const confirmed = await client.post('/api/auth/email/change/confirm', { token: changeToken });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.deepEqual(await pendingLinks(user.id), [], 'every pending link was voided with the change');

    assertInvalidToken(await new Client(t.app).post('/api/auth/password/reset', { token: resetToken, newPassword: WOULD_BE_PASSWORD }));
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token: verifyToken }));
    assert.equal(await signInStatus(t.app, newEmail, WOULD_BE_PASSWORD), 401, 'the would-be password does not sign in at the new address');
    assert.equal(await signInStatus(t.app, oldEmail, WOULD_BE_PASSWORD), 401, 'nor at the old one');
    assert.equal(await signInStatus(t.app, newEmail, password), 200, 'the real password signs in at the new address');

    // Both addresses are told (ASVS 6.3.7).
    const toOld = await smtp.nextMailTo(oldEmail, /Your email address was changed/);
    assert.deepEqual(toOld.to, [oldEmail]);
    const toNew = await smtp.nextMailTo(newEmail, /This is now your account email address/);
    assert.deepEqual(toNew.to, [newEmail]);
  });

  it('every other session of the user (browser and bearer) is refused on its next request; the confirming browser stays (ASVS 7.4.3)', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const laptop = new Client(t.app, { userAgent: FIREFOX_LINUX });
    assert.equal((await laptop.post('/api/auth/login', { email, password })).statusCode, 200);
    const { client: api } = await bearerClient(t.app, email, password);
    for (const other of [client, laptop, api]) assert.equal((await other.get('/api/auth/session')).statusCode, 200, 'live before');

    const newEmail = uniqueEmail('moved');
    const token = await changeLink(client, newEmail, password);
    assert.equal((await client.post('/api/auth/email/change/confirm', { token })).statusCode, 200);

    assert.equal((await laptop.get('/api/auth/session')).statusCode, 401, 'the other browser is signed out');
    assert.equal((await api.get('/api/auth/profile')).statusCode, 401, 'the bearer session is signed out');
    const own = await client.get('/api/auth/session');
    assert.equal(own.statusCode, 200, 'the browser that confirmed stays signed in');
    assert.equal(own.json().user.email, newEmail);

    const events = await securityEvents(client);
    const changed = events.find((e) => e.type === 'email_changed');
    assert.ok(changed, events.map((e) => e.type).join(','));
    assert.equal(changed.metadata.revokedSessions, 2, 'the event counts the sessions it ended');
  });

  it('a session another instance has checked (and, on PostgreSQL, cached) is refused there on its next request', async () => {
    const other = await secondInstance(t);
    try {
      const { client, email, password } = await signedUpBrowser(t.app);
      const elsewhere = new Client(other.app, { userAgent: FIREFOX_LINUX });
      assert.equal((await elsewhere.post('/api/auth/login', { email, password })).statusCode, 200);
      assert.equal((await elsewhere.get('/api/auth/session')).statusCode, 200, 'the other instance accepts (and caches) it');
      const token = await changeLink(client, uniqueEmail('moved'), password);
      assert.equal((await client.post('/api/auth/email/change/confirm', { token })).statusCode, 200);
      assert.equal((await elsewhere.get('/api/auth/session')).statusCode, 401, 'refused by the other instance at once');
    } finally {
      await other.close();
    }
  });

  it('confirmed from a browser with no session of this user, every session ends', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const stranger = await signedUpBrowser(t.app);
    const token = await changeLink(client, uniqueEmail('moved'), password);
    // The page may open in another browser, even one signed in to another account.
    assert.equal((await stranger.client.post('/api/auth/email/change/confirm', { token })).statusCode, 200);
    assert.equal((await client.get('/api/auth/session')).statusCode, 401, 'the requesting session ended too');
    assert.equal((await stranger.client.get('/api/auth/session')).statusCode, 200, 'another account is untouched');
    assert.equal(await signInStatus(t.app, email, password), 401);
  });

  it('remembered devices are forgotten: the next sign-in asks for the second factor again', async () => {
    const { client, email, password, secret, device } = await signedUpWithRememberedDevice(t.app, t.clock);

    t.clock.advance(30);
    const newEmail = uniqueEmail('moved');
    const token = await changeLink(client, newEmail, password, await oathtoolTotp(secret, t.clock.now()));
    assert.equal((await client.post('/api/auth/email/change/confirm', { token })).statusCode, 200);

    const next = await new Client(t.app).post('/api/auth/login', { email: newEmail, password }, { cookie: `${TRUSTED_DEVICE_COOKIE}=${device}` });
    assert.equal(next.statusCode, 200, next.body);
    assert.equal(next.json().twoFactorRequired, true, 'the remembered browser must pass the second factor again');
  });
});
