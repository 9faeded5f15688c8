// Email verification (docs/api.md, Email links; security.md §2, §5, §8) over a real SMTP server:
// registration mails a link to PUBLIC_URL/verify-email, the token in it is 256-bit, hashed, single
// use and lives 24 h, a GET of the link never spends it, a newer link replaces older ones; with
// REQUIRE_EMAIL_VERIFICATION sign-in waits for it and registration never reveals a taken address.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TestApp } from '../../support/app.ts';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../../support/client.ts';
import { assertInvalidToken } from '../../support/error-shape.ts';
import { securityEventTypes } from '../../support/events.ts';
import { linkIn, MAIL_FROM_ADDRESS, queuedCount, tamper, waitForQueueDrained, type ReceivedMail } from '../../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../../support/suites.ts';

const VERIFY_SUBJECT = /Confirm your email address/;
const VERIFY_PAGE = '/verify-email';

async function verifiedAt(t: TestApp, email: string): Promise<Date | null> {
  const row = await t.ctx.db.selectFrom('users').select('email_verified_at').where('email', '=', email).executeTakeFirstOrThrow();
  return row.email_verified_at;
}

describeWithMailOnEachDatabase('email verification over SMTP', { server: { user: 'gatehouse', password: 'smtp-pass-verify' }, rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  async function registerAndGetLink(options: { email?: string } = {}) {
    const signedUp = await signedUpBrowser(t.app, options);
    const mail = await smtp.nextMailTo(signedUp.email, VERIFY_SUBJECT);
    return { ...signedUp, mail, ...linkIn(mail, VERIFY_PAGE) };
  }

  it('registration mails a link to PUBLIC_URL/verify-email with a text and an HTML part and the product name', async () => {
    const { email, client, mail, url, token } = await registerAndGetLink();
    assert.equal(mail.from, MAIL_FROM_ADDRESS, 'From is MAIL_FROM');
    assert.deepEqual(mail.to, [email]);
    assert.deepEqual(mail.envelopeTo, [email]);
    assert.equal(mail.authenticatedUser, 'gatehouse', 'sent with the SMTP_URL credentials');
    assert.ok(url.startsWith('http://localhost:3000/verify-email?token='), url);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url (security.md §2: at least 128)');
    assert.ok(mail.text.includes(url), 'the plain-text part carries the link');
    assert.ok(mail.html.includes(url), 'the HTML part carries the same link');
    assert.match(mail.html, /<a [^>]*href="http:\/\/localhost:3000\/verify-email\?token=/);
    assert.match(mail.subject, /Gatehouse/);
    assert.match(mail.text, /Gatehouse/);
    assert.match(mail.html, /Gatehouse/);
    assert.match(mail.raw, /^Content-Type: multipart\/alternative/im, 'one message, two alternative parts');
    assert.match(mail.raw, /^Content-Type: text\/plain/im);
    assert.match(mail.raw, /^Content-Type: text\/html/im);
    const session = await client.get('/api/auth/session');
    assert.equal(session.json().user.emailVerified, false, 'not verified before the link is followed');
    assert.equal(session.json().user.emailVerifiedAt, null);
  });

  it('posting the token verifies the address: emailVerified true and an email_verified event', async () => {
    const { client, token, email } = await registerAndGetLink();
    t.clock.advance(5);
    const confirmedAt = t.clock.now();
    // The page at the link posts the token; it needs no session (it may open in another browser).
    const response = await new Client(t.app).post('/api/auth/email/verify', { token });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().success, true);
    const user = (await client.get('/api/auth/session')).json().user;
    assert.equal(user.emailVerified, true);
    assert.equal(user.emailVerifiedAt, confirmedAt.toISOString());
    assert.equal((await verifiedAt(t, email))?.getTime(), confirmedAt.getTime());
    assert.ok((await securityEventTypes(client)).includes('email_verified'));
  });

  it('the token works once (security.md §2)', async () => {
    const { token } = await registerAndGetLink();
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token })).statusCode, 200);
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token }));
  });

  it('a GET of the link never consumes the token (security.md §8: mail scanners that prefetch do no harm)', async () => {
    const { url, token, email } = await registerAndGetLink();
    const { pathname, search } = new URL(url);
    const prefetch = await new Client(t.app).get(pathname + search);
    assert.ok(prefetch.statusCode < 500, `GET of the link answered ${prefetch.statusCode}`);
    // A scanner trying the API with GET does not consume it either.
    const apiGet = await new Client(t.app).get(`/api/auth/email/verify?token=${encodeURIComponent(token)}`);
    assert.notEqual(apiGet.statusCode, 200);
    assert.equal(await verifiedAt(t, email), null, 'still unverified after the GETs');
    const verify = await new Client(t.app).post('/api/auth/email/verify', { token });
    assert.equal(verify.statusCode, 200, verify.body);
    assert.notEqual(await verifiedAt(t, email), null);
  });

  it('tampered and made-up tokens answer 400 INVALID_TOKEN and verify nothing', async () => {
    const { token, email } = await registerAndGetLink();
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token: tamper(token) }));
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token: 'Q'.repeat(43) }));
    const malformed = await new Client(t.app).post('/api/auth/email/verify', { token: `${token}x` });
    assert.equal(malformed.statusCode, 400);
    assert.equal(await verifiedAt(t, email), null);
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token })).statusCode, 200, 'the real token still works');
  });

  it('the token is stored only as a hash (security.md §2)', async () => {
    const { token, user } = await registerAndGetLink();
    const rows = await t.ctx.db.selectFrom('one_time_tokens').selectAll().where('user_id', '=', user.id).where('purpose', '=', 'email_verification').execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.token_hash, token);
    assert.ok(!JSON.stringify(rows).includes(token), 'the token appears nowhere in the stored row');
  });

  it('the link lives 24 hours: just before it works, after it answers 400', async () => {
    const early = await registerAndGetLink();
    const late = await registerAndGetLink();
    t.clock.advance(24 * 3600 - 60);
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token: early.token })).statusCode, 200, 'still valid a minute before 24 h');
    t.clock.advance(120);
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token: late.token }));
    assert.equal(await verifiedAt(t, late.email), null);
  });

  it('POST verify/request with a session sends a new link, and the older link stops working', async () => {
    const { client, token: first, email } = await registerAndGetLink();
    const request = await client.post('/api/auth/email/verify/request');
    assert.equal(request.statusCode, 202, request.body);
    assert.equal(request.json().success, true);
    const second = linkIn(await smtp.nextMailTo(email, VERIFY_SUBJECT), VERIFY_PAGE).token;
    assert.notEqual(second, first);
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token: first }));
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token: second })).statusCode, 200);
    const types = await securityEventTypes(client);
    assert.ok(types.includes('email_verification_requested'));
    assert.ok(types.includes('email_verified'));
  });

  it('an already verified address: verify/request answers 400 ALREADY_VERIFIED and sends nothing', async () => {
    const { client, token } = await registerAndGetLink();
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token })).statusCode, 200);
    const before = await queuedCount(t, 'email_verification');
    const response = await client.post('/api/auth/email/verify/request');
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, 'ALREADY_VERIFIED');
    assert.equal(await queuedCount(t, 'email_verification'), before, 'no new link queued');
  });

  it('verify/request with neither a session nor an address answers 401', async () => {
    const response = await new Client(t.app).post('/api/auth/email/verify/request', {});
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().code, 'UNAUTHENTICATED');
  });

  it('a verification link for an address the account no longer has is refused', async () => {
    const { client, token, password } = await registerAndGetLink();
    const newEmail = uniqueEmail('moved');
    const change = await client.post('/api/auth/email/change', { newEmail, password });
    assert.equal(change.statusCode, 202, change.body);
    const confirm = linkIn(await smtp.nextMailTo(newEmail, /Confirm your new email address/), '/confirm-email-change').token;
    assert.equal((await new Client(t.app).post('/api/auth/email/change/confirm', { token: confirm })).statusCode, 200);
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token }));
  });
});

describeWithMailOnEachDatabase('email verification required for sign-in', { server: { user: 'gatehouse', password: 'smtp-pass-required' }, env: { REQUIRE_EMAIL_VERIFICATION: 'true' }, rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  async function register(email: string, password = STRONG_PASSWORD) {
    return new Client(t.app).post('/api/auth/register', { email, password });
  }

  it('sign-in before the link is followed answers exactly like a wrong password (security.md §5), then works', async () => {
    const email = uniqueEmail('pending');
    const registered = await register(email);
    assert.equal(registered.statusCode, 201, registered.body);
    assert.equal(registered.json().verificationRequired, true);
    assert.equal(registered.headers['set-cookie'], undefined, 'no session before verification');

    const browser = new Client(t.app);
    const early = await browser.post('/api/auth/login', { email, password: STRONG_PASSWORD });
    assert.equal(early.statusCode, 401, early.body);
    assert.match(early.json().message, /confirm your email address/);
    assert.equal(browser.cookie, null);
    // The right password on an unconfirmed account and a wrong one are indistinguishable, or
    // registering an address and signing in with one's own password would reveal whether the
    // address was taken before.
    const wrong = await new Client(t.app).post('/api/auth/login', { email, password: 'not-the-right-password-1' });
    assert.deepEqual(wrong.json(), early.json());
    assert.equal(wrong.statusCode, early.statusCode);

    const { token } = linkIn(await smtp.nextMailTo(email, VERIFY_SUBJECT), VERIFY_PAGE);
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token })).statusCode, 200);
    const late = await browser.post('/api/auth/login', { email, password: STRONG_PASSWORD });
    assert.equal(late.statusCode, 200, late.body);
    assert.equal(late.json().user.emailVerified, true);
    assert.equal((await browser.get('/api/auth/session')).statusCode, 200);
  });

  it('registering a taken address answers exactly like a new one, and the owner is mailed instead (security.md §5, ASVS 6.3.8)', async () => {
    const owner = uniqueEmail('owner');
    await register(owner);
    const ownerLink = linkIn(await smtp.nextMailTo(owner, VERIFY_SUBJECT), VERIFY_PAGE).token;
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token: ownerLink })).statusCode, 200);

    const fresh = await register(uniqueEmail('fresh'), 'another-strong-passphrase-82');
    const taken = await register(owner, 'another-strong-passphrase-82');
    const takenOtherCase = await register(owner.toUpperCase(), 'another-strong-passphrase-82');
    for (const response of [taken, takenOtherCase]) {
      assert.equal(response.statusCode, fresh.statusCode);
      assert.equal(response.body, fresh.body, 'byte-for-byte the same body');
      assert.equal(response.headers['set-cookie'], undefined);
    }
    assert.equal(fresh.statusCode, 201);
    assert.equal(fresh.headers['set-cookie'], undefined);

    const notice = await smtp.nextMailTo(owner, /Someone tried to sign up/);
    assert.match(notice.subject, /^Gatehouse: /);
    assert.ok(!notice.text.includes('/verify-email'), 'the owner gets no verification link');
    assert.ok(notice.html.length > 0);
    await waitForQueueDrained(t);
    assert.equal(smtp.mailsTo(owner).filter((m) => VERIFY_SUBJECT.test(m.subject)).length, 1, 'only the original verification mail');
    // The attempt changed nothing: the owner's password still signs in, the intruder's does not.
    assert.equal((await new Client(t.app).post('/api/auth/login', { email: owner, password: STRONG_PASSWORD })).statusCode, 200);
    assert.equal((await new Client(t.app).post('/api/auth/login', { email: owner, password: 'another-strong-passphrase-82' })).statusCode, 401);
  });

  it('verify/request without a session answers 202 alike for known and unknown addresses, and only the unverified owner gets a link', async () => {
    const pending = uniqueEmail('resend');
    await register(pending);
    const original = linkIn(await smtp.nextMailTo(pending, VERIFY_SUBJECT), VERIFY_PAGE).token;
    const unknown = uniqueEmail('nobody');

    const forUnknown = await new Client(t.app).post('/api/auth/email/verify/request', { email: unknown });
    const forPending = await new Client(t.app).post('/api/auth/email/verify/request', { email: pending });
    assert.equal(forUnknown.statusCode, 202, forUnknown.body);
    assert.equal(forPending.statusCode, 202);
    assert.equal(forPending.body, forUnknown.body);

    const renewed = linkIn(await smtp.nextMailTo(pending, VERIFY_SUBJECT), VERIFY_PAGE).token;
    assert.notEqual(renewed, original);
    assertInvalidToken(await new Client(t.app).post('/api/auth/email/verify', { token: original }));
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token: renewed })).statusCode, 200);
    // A verified address answers alike too, and gets nothing.
    const forVerified = await new Client(t.app).post('/api/auth/email/verify/request', { email: pending });
    assert.equal(forVerified.statusCode, 202);
    assert.equal(forVerified.body, forUnknown.body);

    // Barrier: a later request for another address is mailed; by then the earlier ones were handled.
    const marker = uniqueEmail('marker');
    await register(marker);
    await smtp.nextMailTo(marker, VERIFY_SUBJECT);
    await new Client(t.app).post('/api/auth/email/verify/request', { email: marker });
    await smtp.nextMailTo(marker, VERIFY_SUBJECT);
    await waitForQueueDrained(t);
    assert.deepEqual(smtp.mailsTo(unknown), [], 'nothing was sent to the unknown address');
    assert.equal(smtp.mailsTo(pending).filter((m: ReceivedMail) => VERIFY_SUBJECT.test(m.subject)).length, 2, 'no link after the address was verified');
  });
});

describeWithMailOnEachDatabase('verification mail rate limits', { env: { REQUIRE_EMAIL_VERIFICATION: 'true' }, rateLimits: { mailsPerAddressPerHour: 2, mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  it('verify/request without a session is limited per address: 429 with Retry-After, alike for an unknown address (security.md §6, §5)', async () => {
    const pending = uniqueEmail('pending');
    assert.equal((await new Client(t.app).post('/api/auth/register', { email: pending, password: STRONG_PASSWORD })).statusCode, 201);
    const unknown = uniqueEmail('nobody');
    const statuses: Record<string, number[]> = { [pending]: [], [unknown]: [] };
    for (let i = 0; i < 3; i++) {
      for (const email of [pending, unknown]) {
        const response = await new Client(t.app, { ip: `192.0.2.${10 + i}` }).post('/api/auth/email/verify/request', { email });
        statuses[email]!.push(response.statusCode);
        if (response.statusCode === 429) {
          assert.equal(response.json().code, 'RATE_LIMITED');
          assert.ok(Number(response.headers['retry-after']) > 0);
        }
      }
    }
    assert.deepEqual(statuses[pending], [202, 202, 429]);
    assert.deepEqual(statuses[unknown], statuses[pending], 'known and unknown addresses are limited alike');
  });

  it('registering a taken address over and over, from many IPs, does not flood its owner with mail (security.md §6: per-address limits on every mail-sending route)', async () => {
    const owner = uniqueEmail('flooded');
    const fresh = uniqueEmail('fresh');
    const answers: Record<string, number[]> = { [owner]: [], [fresh]: [] };
    assert.equal((await new Client(t.app, { ip: '198.51.100.1' }).post('/api/auth/register', { email: owner, password: STRONG_PASSWORD })).statusCode, 201);
    answers[fresh]!.push((await new Client(t.app, { ip: '198.51.100.1' }).post('/api/auth/register', { email: fresh, password: STRONG_PASSWORD })).statusCode);
    for (let i = 2; i <= 6; i++) {
      for (const email of [owner, fresh]) {
        const response = await new Client(t.app, { ip: `198.51.100.${i}` }).post('/api/auth/register', { email, password: 'intruder-passphrase-2024' });
        answers[email]!.push(response.statusCode);
      }
    }
    // Whatever the answer to a repeated registration is, it is the same for a taken address.
    assert.deepEqual(answers[owner], answers[fresh]!.slice(1), 'a taken and a just-created address answer alike');
    await waitForQueueDrained(t);
    const attempts = smtp.mailsTo(owner).filter((m) => /Someone tried to sign up/.test(m.subject)).length;
    assert.ok(attempts <= 2, `the owner received ${attempts} "Someone tried to sign up" mails within the hour; the per-address limit is 2`);
  });
});
