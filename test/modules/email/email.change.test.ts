// Change of email address (docs/api.md, Email links and Sensitive actions and reauthentication;
// security.md §5, §8; ASVS 6.3.7, 7.5.1) over a real SMTP server: it needs a session and the
// password, mails a link to the new address and a notice to the old one, changes nothing until the
// link is followed, and never reveals that an address is taken.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Client, signedUpBrowser, signInStatus, STRONG_PASSWORD, uniqueEmail } from '../../support/client.ts';
import { assertInvalidToken } from '../../support/error-shape.ts';
import { securityEventTypes } from '../../support/events.ts';
import { linkIn, queuedCount, tamper, waitForQueueDrained } from '../../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../../support/suites.ts';

const CONFIRM_SUBJECT = /Confirm your new email address/;
const REQUESTED_SUBJECT = /A change of email address was requested/;
const CHANGED_SUBJECT = /Your email address was changed/;
const NOW_YOURS_SUBJECT = /This is now your account email address/;
const CONFIRM_PAGE = '/confirm-email-change';

describeWithMailOnEachDatabase('change of email address over SMTP', { server: { user: 'gatehouse', password: 'smtp-pass-change' }, rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  /** The page at the link posts the token, from the user's own browser or from one with no session. */
  function confirm(token: string, browser = new Client(t.app)) {
    return browser.post('/api/auth/email/change/confirm', { token });
  }

  async function requestChange(client: Client, newEmail: string, password: string) {
    const response = await client.post('/api/auth/email/change', { newEmail, password });
    assert.equal(response.statusCode, 202, response.body);
    return response;
  }

  it('requires a session: 401 without one', async () => {
    const response = await new Client(t.app).post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().code, 'UNAUTHENTICATED');
  });

  it('a wrong password answers 400 INVALID_PASSWORD and mails nothing (security.md §3)', async () => {
    const { client, email } = await signedUpBrowser(t.app);
    const linksBefore = await queuedCount(t, 'email_change');
    const noticesBefore = await queuedCount(t, 'email_change_requested');
    const response = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password: 'not-my-password-at-all' });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, 'INVALID_PASSWORD');
    assert.equal(await queuedCount(t, 'email_change'), linksBefore, 'no link queued');
    assert.equal(await queuedCount(t, 'email_change_requested'), noticesBefore, 'no notice queued');
    assert.equal((await client.get('/api/auth/session')).json().user.email, email);
  });

  it('the right password answers 202: a link to the NEW address, a notice to the OLD one, and nothing changes yet', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const newEmail = uniqueEmail('new');
    await requestChange(client, newEmail, password);

    const link = await smtp.nextMailTo(newEmail, CONFIRM_SUBJECT);
    assert.deepEqual(link.to, [newEmail]);
    const { url, token } = linkIn(link, CONFIRM_PAGE);
    assert.ok(url.startsWith('http://localhost:3000/confirm-email-change?token='), url);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(link.html.includes(url));
    assert.match(link.subject, /Gatehouse/);

    const notice = await smtp.nextMailTo(email, REQUESTED_SUBJECT);
    assert.deepEqual(notice.to, [email]);
    assert.ok(!notice.text.includes(token), 'the old address does not get the link');
    assert.ok(!notice.text.includes(CONFIRM_PAGE));
    assert.ok(notice.html.length > 0);

    assert.equal((await client.get('/api/auth/session')).json().user.email, email, 'unchanged until the link is followed');
    assert.equal(await signInStatus(t.app, email, password), 200);
    assert.equal(await signInStatus(t.app, newEmail, password), 401);
  });

  it('following the link changes the address: the new one signs in, the old does not, verified, logged, and the old address is told (ASVS 6.3.7)', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const newEmail = uniqueEmail('new');
    await requestChange(client, newEmail, password);
    const { url, token } = linkIn(await smtp.nextMailTo(newEmail, CONFIRM_SUBJECT), CONFIRM_PAGE);
    await smtp.nextMailTo(email, REQUESTED_SUBJECT);

    // A prefetch of the link changes nothing (security.md §8).
    const { pathname, search } = new URL(url);
    assert.ok((await new Client(t.app).get(pathname + search)).statusCode < 500);
    assert.equal((await client.get('/api/auth/session')).json().user.email, email);

    const confirmed = await confirm(token, client);
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(confirmed.json().success, true);

    assert.equal(await signInStatus(t.app, newEmail, password), 200, 'the new address signs in');
    assert.equal(await signInStatus(t.app, email, password), 401, 'the old address no longer does');
    const user = (await client.get('/api/auth/session')).json().user;
    assert.equal(user.email, newEmail);
    assert.equal(user.emailVerified, true, 'following the link proved the new address');
    const types = await securityEventTypes(client);
    assert.ok(types.includes('email_change_requested'), types.join(','));
    assert.ok(types.includes('email_changed'), types.join(','));

    const changed = await smtp.nextMailTo(email, CHANGED_SUBJECT);
    assert.deepEqual(changed.to, [email], 'the notice goes to the OLD address');
    assert.match(changed.subject, /^Gatehouse: /);
    assert.ok(changed.html.length > 0);
    const welcomed = await smtp.nextMailTo(newEmail, NOW_YOURS_SUBJECT);
    assert.deepEqual(welcomed.to, [newEmail], 'and a notice to the NEW address');
    assert.ok(!welcomed.text.includes(token), 'the notice does not repeat the link');

    assertInvalidToken(await confirm(token)); // single use
  });

  it('a taken new address answers the same 202, but no link is sent to it (security.md §5)', async () => {
    const owner = await signedUpBrowser(t.app);
    const mover = await signedUpBrowser(t.app);
    const fresh = await mover.client.post('/api/auth/email/change', { newEmail: uniqueEmail('free'), password: mover.password });
    const taken = await mover.client.post('/api/auth/email/change', { newEmail: owner.email, password: mover.password });
    assert.equal(taken.statusCode, 202, taken.body);
    assert.equal(taken.statusCode, fresh.statusCode);
    assert.equal(taken.body, fresh.body, 'byte-for-byte the same body');

    await smtp.nextMailTo(mover.email, REQUESTED_SUBJECT);
    await smtp.nextMailTo(mover.email, REQUESTED_SUBJECT);
    await waitForQueueDrained(t);
    assert.deepEqual(
      smtp.mailsTo(owner.email).map((m) => m.subject).filter((s) => !/Confirm your email address/.test(s)),
      [],
      'the owner of the taken address got nothing but their own sign-up mail',
    );
    assert.equal((await mover.client.get('/api/auth/session')).json().user.email, mover.email);
    assert.equal(await signInStatus(t.app, owner.email, owner.password), 200, 'the owner keeps the address');
  });

  it('tampered and made-up tokens answer 400 INVALID_TOKEN and change nothing', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const newEmail = uniqueEmail('new');
    await requestChange(client, newEmail, password);
    const { token } = linkIn(await smtp.nextMailTo(newEmail, CONFIRM_SUBJECT), CONFIRM_PAGE);
    assertInvalidToken(await confirm(tamper(token)));
    assertInvalidToken(await confirm('k'.repeat(43)));
    assert.equal((await client.get('/api/auth/session')).json().user.email, email);
    assert.equal((await confirm(token, client)).statusCode, 200, 'the real link still works');
  });

  it('a newer request replaces the older link', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    await requestChange(client, first, password);
    const firstToken = linkIn(await smtp.nextMailTo(first, CONFIRM_SUBJECT), CONFIRM_PAGE).token;
    await requestChange(client, second, password);
    const secondToken = linkIn(await smtp.nextMailTo(second, CONFIRM_SUBJECT), CONFIRM_PAGE).token;
    assertInvalidToken(await confirm(firstToken));
    assert.equal((await client.get('/api/auth/session')).json().user.email, email);
    assert.equal((await confirm(secondToken, client)).statusCode, 200);
    assert.equal((await client.get('/api/auth/session')).json().user.email, second);
  });

  it('the link expires after 24 hours', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const newEmail = uniqueEmail('new');
    await requestChange(client, newEmail, password);
    const { token } = linkIn(await smtp.nextMailTo(newEmail, CONFIRM_SUBJECT), CONFIRM_PAGE);
    t.clock.advance(24 * 3600 + 60);
    assertInvalidToken(await confirm(token));
    assert.equal(await signInStatus(t.app, email, password), 200, 'the old address still signs in');
  });

  it('if the new address was taken in the meantime, confirming answers 409 EMAIL_TAKEN and changes nothing', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const newEmail = uniqueEmail('contested');
    await requestChange(client, newEmail, password);
    const { token } = linkIn(await smtp.nextMailTo(newEmail, CONFIRM_SUBJECT), CONFIRM_PAGE);
    await signedUpBrowser(t.app, { email: newEmail });
    const response = await confirm(token);
    assert.equal(response.statusCode, 409, response.body);
    assert.equal(response.json().code, 'EMAIL_TAKEN');
    assert.equal((await client.get('/api/auth/session')).json().user.email, email);
    assert.equal(await signInStatus(t.app, email, password), 200);
  });

  it('asking to change to the current address answers 400 EMAIL_UNCHANGED', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const response = await client.post('/api/auth/email/change', { newEmail: email.toUpperCase(), password });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, 'EMAIL_UNCHANGED');
  });
});

describeWithMailOnEachDatabase('change of email address rate limits', { rateLimits: { mailsPerAddressPerHour: 2, mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  it('links to one new address are limited per address: the third request in an hour answers 429 with Retry-After (security.md §6)', async () => {
    const target = uniqueEmail('target');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { client, password } = await signedUpBrowser(t.app);
      const response = await client.post('/api/auth/email/change', { newEmail: target, password });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) assert.ok(Number(response.headers['retry-after']) > 0);
    }
    assert.deepEqual(statuses, [202, 202, 429]);
    await waitForQueueDrained(t);
    assert.equal(smtp.mailsTo(target).length, 2, 'two links, no more');
  });
});
