// Password reset (docs/api.md, Email links; security.md §2, §3, §5, §6, §8, §10; ASVS 6.4.1, 6.4.3,
// 6.3.7, 6.3.8) over a real SMTP server: forgot answers alike for every address, the link is single
// use, lives 30 minutes, dies when a newer one is sent or the password changes; the reset applies
// the policy, ends every session and trusted device, is logged and mailed, and never skips the
// second factor.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { bearerClient, Client, FIREFOX_LINUX, signedUpBrowser, signInStatus, uniqueEmail } from '../../support/client.ts';
import { assertInvalidToken } from '../../support/error-shape.ts';
import { securityEvents } from '../../support/events.ts';
import { linkIn, tamper, waitForQueueDrained } from '../../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp, signedUpWithRememberedDevice, TRUSTED_DEVICE_COOKIE } from '../../support/two-factor.ts';

const RESET_SUBJECT = /Reset your password/;
const RESET_PAGE = '/reset-password';
const NEW_PASSWORD = 'lantern-orchid-glacier-93';

describeWithMailOnEachDatabase('password reset over SMTP', { server: { user: 'gatehouse', password: 'smtp-pass-reset' }, rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  /** Every reset token this suite saw, for the log check at the end. */
  const tokensSeen: string[] = [];
  async function forgot(email: string, client = new Client(t.app)) {
    const response = await client.post('/api/auth/password/forgot', { email });
    assert.equal(response.statusCode, 202, response.body);
    return response;
  }

  /** Asks for a reset and returns the link from the mail that arrives. */
  async function resetLink(email: string) {
    await forgot(email);
    const mail = await smtp.nextMailTo(email, RESET_SUBJECT);
    const link = linkIn(mail, RESET_PAGE);
    tokensSeen.push(link.token);
    return { mail, ...link };
  }

  function reset(token: string, newPassword = NEW_PASSWORD) {
    return new Client(t.app).post('/api/auth/password/reset', { token, newPassword });
  }

  it('forgot answers 202 with the same body for an existing and an unknown address; only the existing one is mailed (security.md §5, ASVS 6.3.8)', async () => {
    const { email } = await signedUpBrowser(t.app);
    const unknown = uniqueEmail('nobody');
    const forUnknown = await new Client(t.app).post('/api/auth/password/forgot', { email: unknown });
    const forExisting = await new Client(t.app).post('/api/auth/password/forgot', { email });
    assert.equal(forExisting.statusCode, 202);
    assert.equal(forUnknown.statusCode, 202);
    assert.equal(forExisting.body, forUnknown.body, 'byte-for-byte the same body');
    assert.equal(forExisting.headers['set-cookie'], undefined);
    assert.equal(forUnknown.headers['set-cookie'], undefined);

    const mail = await smtp.nextMailTo(email, RESET_SUBJECT);
    const { url, token } = linkIn(mail, RESET_PAGE);
    tokensSeen.push(token);
    assert.ok(url.startsWith('http://localhost:3000/reset-password?token='), url);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 bits from the CSPRNG (ASVS 6.4.1)');
    assert.ok(mail.html.includes(url), 'the HTML part carries the link too');
    assert.match(mail.subject, /Gatehouse/);
    assert.match(mail.text, /Gatehouse/);

    // Barrier: a later request is mailed; by then the earlier background work is done.
    const marker = (await signedUpBrowser(t.app)).email;
    await forgot(marker);
    await smtp.nextMailTo(marker, RESET_SUBJECT);
    await waitForQueueDrained(t);
    assert.deepEqual(smtp.mailsTo(unknown), [], 'nothing was sent to the unknown address');
  });

  it('resetting sets the new password: the old one fails, the new one signs in', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const { token } = await resetLink(email);
    const response = await reset(token);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().success, true);
    assert.equal(await signInStatus(t.app, email, password), 401, 'old password refused');
    assert.equal(await signInStatus(t.app, email, NEW_PASSWORD), 200, 'new password signs in');
  });

  it('resetting ends every session, cookie and bearer, on its next request (security.md §3)', async () => {
    const { client: browser, email, password } = await signedUpBrowser(t.app);
    const laptop = new Client(t.app, { userAgent: FIREFOX_LINUX });
    assert.equal((await laptop.post('/api/auth/login', { email, password })).statusCode, 200);
    const { client: api } = await bearerClient(t.app, email, password);
    for (const client of [browser, laptop, api]) assert.equal((await client.get('/api/auth/session')).statusCode, 200);

    const { token } = await resetLink(email);
    assert.equal((await reset(token)).statusCode, 200);
    assert.equal((await browser.get('/api/auth/session')).statusCode, 401, 'cookie session ended');
    assert.equal((await laptop.get('/api/auth/sessions')).statusCode, 401, 'second browser ended');
    assert.equal((await api.get('/api/auth/profile')).statusCode, 401, 'bearer session ended');
    const live = await t.ctx.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select('sessions.id')
      .where('users.email', '=', email)
      .where('sessions.revoked_at', 'is', null)
      .execute();
    assert.deepEqual(live, [], 'no unrevoked session left in the database');
  });

  it('resetting forgets trusted devices and writes password_reset_requested and password_reset_completed', async () => {
    const { email, password, secret, device } = await signedUpWithRememberedDevice(t.app, t.clock);
    const skip = await new Client(t.app).post('/api/auth/login', { email, password }, { cookie: `${TRUSTED_DEVICE_COOKIE}=${device}` });
    assert.equal(skip.json().session?.verification, 'trusted_device', 'the device is trusted before the reset');

    const { token } = await resetLink(email);
    assert.equal((await reset(token)).statusCode, 200);
    const after = await new Client(t.app).post('/api/auth/login', { email, password: NEW_PASSWORD }, { cookie: `${TRUSTED_DEVICE_COOKIE}=${device}` });
    assert.equal(after.statusCode, 200, after.body);
    assert.equal(after.json().twoFactorRequired, true, 'the remembered browser must pass the second factor again');
    const devices = await t.ctx.db
      .selectFrom('trusted_devices')
      .innerJoin('users', 'users.id', 'trusted_devices.user_id')
      .select('trusted_devices.revoked_at')
      .where('users.email', '=', email)
      .execute();
    assert.ok(devices.length > 0 && devices.every((d) => d.revoked_at !== null), 'every trusted device revoked');

    t.clock.advance(30);
    const signIn = new Client(t.app);
    const next = await signIn.post('/api/auth/login', { email, password: NEW_PASSWORD });
    assert.equal((await signIn.post('/api/auth/login/2fa', { challengeId: next.json().challengeId, code: await oathtoolTotp(secret, t.clock.now()) })).statusCode, 200);
    const events = await securityEvents(signIn);
    const types = events.map((e) => e.type);
    assert.ok(types.includes('password_reset_requested'), types.join(','));
    const completed = events.find((e) => e.type === 'password_reset_completed');
    assert.ok(completed, types.join(','));
    assert.ok(Number(completed.metadata.revokedSessions) >= 2, 'the event counts the sessions it ended');
    assert.ok(types.indexOf('password_reset_completed') < types.indexOf('password_reset_requested'), 'newest first: completed after requested');
  });

  it('a "password was changed" notice arrives after the reset (ASVS 6.3.7)', async () => {
    const { email } = await signedUpBrowser(t.app);
    const { token } = await resetLink(email);
    assert.equal((await reset(token)).statusCode, 200);
    const notice = await smtp.nextMailTo(email, /Your password was changed/);
    assert.match(notice.text, /reset/i);
    assert.match(notice.subject, /^Gatehouse: /);
    assert.ok(notice.html.length > 0);
    assert.ok(notice.text.includes('http://localhost:3000/settings#security'), 'points to the security settings');
    assert.ok(!notice.text.includes(token), 'the notice does not repeat the link');
  });

  it('a weak new password is refused with 400 WEAK_PASSWORD and the link still works afterwards (security.md §1)', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const { token } = await resetLink(email);
    for (const weak of ['short', 'password1234']) {
      const response = await reset(token, weak);
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().code, 'WEAK_PASSWORD');
      assert.equal(typeof response.json().fields?.newPassword, 'string', 'the refusal says why');
    }
    assert.equal(await signInStatus(t.app, email, password), 200, 'nothing changed yet');
    assert.equal((await reset(token)).statusCode, 200, 'the link was not spent by the refused attempts');
    assert.equal(await signInStatus(t.app, email, NEW_PASSWORD), 200);
  });

  it('the link lives 30 minutes: at 29 it works, after 31 it answers 400 INVALID_TOKEN (ASVS 6.4.1)', async () => {
    const early = await signedUpBrowser(t.app);
    const late = await signedUpBrowser(t.app);
    const earlyLink = await resetLink(early.email);
    const lateLink = await resetLink(late.email);
    t.clock.advance(29 * 60);
    assert.equal((await reset(earlyLink.token)).statusCode, 200);
    t.clock.advance(2 * 60);
    assertInvalidToken(await reset(lateLink.token));
    assert.equal(await signInStatus(t.app, late.email, late.password), 200, 'the password did not change');
  });

  it('a used link cannot be used again', async () => {
    const { email } = await signedUpBrowser(t.app);
    const { token } = await resetLink(email);
    assert.equal((await reset(token)).statusCode, 200);
    assertInvalidToken(await reset(token, 'a-different-strong-passphrase-17'));
    assert.equal(await signInStatus(t.app, email, NEW_PASSWORD), 200, 'the second attempt changed nothing');
  });

  it('a newer link supersedes the older one', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const first = await resetLink(email);
    const second = await resetLink(email);
    assert.notEqual(first.token, second.token);
    assertInvalidToken(await reset(first.token));
    assert.equal(await signInStatus(t.app, email, password), 200);
    assert.equal((await reset(second.token)).statusCode, 200);
  });

  it('a tampered link (one character changed) and a made-up one answer 400 INVALID_TOKEN', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const { token } = await resetLink(email);
    assertInvalidToken(await reset(tamper(token)));
    assertInvalidToken(await reset('z'.repeat(43)));
    assert.equal(await signInStatus(t.app, email, password), 200);
    assert.equal((await reset(token)).statusCode, 200, 'the real link still works');
  });

  it('a password change invalidates an outstanding link', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const { token } = await resetLink(email);
    t.clock.advance(60);
    const change = await client.put('/api/auth/change-password', { currentPassword: password, newPassword: 'changed-by-owner-passphrase-55' });
    assert.equal(change.statusCode, 200, change.body);
    assertInvalidToken(await reset(token));
    assert.equal(await signInStatus(t.app, email, 'changed-by-owner-passphrase-55'), 200, 'the changed password stays');
  });

  it('a user with two-factor on who resets still passes the second factor at the next sign-in (ASVS 6.4.3)', async () => {
    const { client, email } = await signedUpBrowser(t.app);
    const { secret } = await enrolTotp(client, t.clock);
    const { token } = await resetLink(email);
    assert.equal((await reset(token)).statusCode, 200);
    const browser = new Client(t.app);
    const login = await browser.post('/api/auth/login', { email, password: NEW_PASSWORD });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().twoFactorRequired, true, 'a challenge, not a session');
    assert.equal(login.json().session, undefined);
    assert.equal(browser.cookie, null);
    assert.equal((await browser.get('/api/auth/session')).statusCode, 401);
    const status = await t.ctx.db
      .selectFrom('two_factor_methods')
      .innerJoin('users', 'users.id', 'two_factor_methods.user_id')
      .select('two_factor_methods.verified_at')
      .where('users.email', '=', email)
      .executeTakeFirst();
    assert.ok(status?.verified_at, 'the reset left the authenticator enrolled');
    const done = await browser.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(done.statusCode, 200, done.body);
  });

  it('no log line contains a reset token or a new password (security.md §10, ASVS 16.2.5)', async () => {
    const { email } = await signedUpBrowser(t.app);
    const { url, token } = await resetLink(email);
    const { pathname, search } = new URL(url);
    await new Client(t.app).get(pathname + search); // the page a person opens from the mail
    assert.equal((await reset(token, 'logged-nowhere-passphrase-31')).statusCode, 200);
    await smtp.nextMailTo(email, /Your password was changed/);
    assert.ok(tokensSeen.length >= 10, `the suite saw ${tokensSeen.length} tokens`);
    const logs = t.logs.join('');
    assert.ok(logs.length > 0, 'something was logged');
    for (const seen of tokensSeen) assert.ok(!logs.includes(seen), 'a reset token reached the log');
    assert.ok(!logs.includes('logged-nowhere-passphrase-31'));
    assert.ok(!logs.includes(NEW_PASSWORD));
  });
});

describeWithMailOnEachDatabase('password reset rate limits', { rateLimits: { mailsPerAddressPerHour: 2, mailsPerIpPerHour: 5 } }, (t, smtp) => {
  it('forgot is limited per address: the third request in an hour answers 429 with Retry-After, alike for an unknown address (security.md §6, §5)', async () => {
    const { email } = await signedUpBrowser(t.app);
    const unknown = uniqueEmail('nobody');
    const answers = { known: [] as LightMyRequestResponse[], unknown: [] as LightMyRequestResponse[] };
    // Each address from its own IP, so only the per-address limit is in play.
    const knownClient = new Client(t.app, { ip: '203.0.113.10' });
    const unknownClient = new Client(t.app, { ip: '203.0.113.11' });
    for (let i = 0; i < 3; i++) {
      answers.known.push(await knownClient.post('/api/auth/password/forgot', { email }));
      answers.unknown.push(await unknownClient.post('/api/auth/password/forgot', { email: unknown }));
    }
    assert.deepEqual(answers.known.map((r) => r.statusCode), [202, 202, 429]);
    assert.deepEqual(answers.unknown.map((r) => r.statusCode), [202, 202, 429]);
    for (const limited of [answers.known[2]!, answers.unknown[2]!]) {
      assert.equal(limited.json().code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0, `Retry-After: ${limited.headers['retry-after']}`);
    }
    assert.equal(answers.known[2]!.json().code, answers.unknown[2]!.json().code);
    // The same address in other letters is the same address; from another IP it is still limited.
    const otherCase = await new Client(t.app, { ip: '203.0.113.12' }).post('/api/auth/password/forgot', { email: email.toUpperCase() });
    assert.equal(otherCase.statusCode, 429);
    // Another address is not affected.
    assert.equal((await new Client(t.app, { ip: '203.0.113.13' }).post('/api/auth/password/forgot', { email: uniqueEmail('other') })).statusCode, 202);
    // Exactly two links went out for the limited address.
    await smtp.nextMailTo(email, RESET_SUBJECT);
    await smtp.nextMailTo(email, RESET_SUBJECT);
    await waitForQueueDrained(t);
    assert.equal(smtp.mailsTo(email).filter((m) => RESET_SUBJECT.test(m.subject)).length, 2);
  });

  it('forgot is limited per IP across addresses (security.md §6)', async () => {
    const crawler = new Client(t.app, { ip: '198.51.100.7' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await crawler.post('/api/auth/password/forgot', { email: uniqueEmail('spray') })).statusCode);
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
    const limited = await crawler.post('/api/auth/password/forgot', { email: uniqueEmail('spray') });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await new Client(t.app, { ip: '198.51.100.8' }).post('/api/auth/password/forgot', { email: uniqueEmail('spray') })).statusCode, 202, 'another IP is not affected');
  });
});
