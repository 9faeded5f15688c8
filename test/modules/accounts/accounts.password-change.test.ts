// PUT /api/auth/change-password (docs/api.md; security.md §1, §3, §6): the current password
// is verified, the new one must pass the policy and is told why when it does not, every other
// session ends on its next request while this one stays, the change is logged, and a user gets at
// most 5 attempts an hour.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TestApp } from '../../support/app.ts';
import { bearerClient, Client, FIREFOX_LINUX, signedUpBrowser, signInStatus } from '../../support/client.ts';
import { assertErrorBody } from '../../support/error-shape.ts';
import { securityEvents } from '../../support/events.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

const NEW_PASSWORD = 'lantern-orchid-glacier-93';

async function status(client: Client): Promise<number> {
  return (await client.get('/api/auth/session')).statusCode;
}

async function passwordRow(t: TestApp, userId: string) {
  return t.ctx.db.selectFrom('users').select(['password_hash', 'password_changed_at', 'updated_at']).where('id', '=', userId).executeTakeFirstOrThrow();
}

describeOnEachDatabase('accounts: password change', (t) => {
  it('changes the password: the old one stops working, the new one signs in (ASVS 6.2.2, 6.2.3)', async () => {
    const alice = await signedUpBrowser(t.app);
    const before = await passwordRow(t, alice.user.id);
    t.clock.advance(120);
    const changedAt = t.clock.now();

    const response = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.success, true);
    assert.equal(typeof body.message, 'string');
    assert.ok(body.message.length > 0);
    assert.deepEqual(Object.keys(body).sort(), ['message', 'success'], 'docs/api.md: { success, message }');

    assert.equal(await signInStatus(t.app, alice.email, alice.password), 401, 'the old password no longer signs in');
    assert.equal(await signInStatus(t.app, alice.email, NEW_PASSWORD), 200, 'the new password signs in');

    const after = await passwordRow(t, alice.user.id);
    assert.notEqual(after.password_hash, before.password_hash, 'a new hash is stored');
    assert.ok(after.password_hash?.startsWith('$argon2id$'), 'hashed with argon2id (security.md §1)');
    assert.ok(!after.password_hash?.includes(NEW_PASSWORD));
    assert.equal(after.password_changed_at?.getTime(), changedAt.getTime(), 'users.password_changed_at is the time of the change');
    assert.notEqual(before.password_changed_at?.getTime(), changedAt.getTime());
  });

  it('ends every other session, cookie and bearer, on its next request and keeps this one (security.md §3, ASVS 7.4.3)', async () => {
    const alice = await signedUpBrowser(t.app);
    const laptop = new Client(t.app, { userAgent: FIREFOX_LINUX });
    assert.equal((await laptop.post('/api/auth/login', { email: alice.email, password: alice.password, rememberDevice: true })).statusCode, 200);
    const api = await bearerClient(t.app, alice.email, alice.password);
    const bob = await signedUpBrowser(t.app);
    for (const client of [alice.client, laptop, api.client, bob.client]) assert.equal(await status(client), 200);

    const response = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(response.json().message, /\b2\b/, 'the message tells how many other sessions were signed out');

    const laptopNext = await laptop.get('/api/auth/session');
    assert.equal(laptopNext.statusCode, 401, 'the other browser (a remembered session) is signed out');
    assert.equal(laptopNext.json().code, 'UNAUTHENTICATED');
    assert.equal(await status(api.client), 401, 'the API client is signed out');
    assert.equal(await status(alice.client), 200, 'the session that made the change keeps working');
    assert.equal(await status(bob.client), 200, 'another user is untouched');

    const rows = await t.ctx.db.selectFrom('sessions').select(['id', 'revoked_at', 'revoked_reason']).where('user_id', '=', alice.user.id).execute();
    const current = (await alice.client.get('/api/auth/session')).json().session.id as string;
    for (const row of rows) {
      if (row.id === current) assert.equal(row.revoked_at, null);
      else assert.equal(row.revoked_reason, 'password_changed');
    }
    assert.equal(rows.length, 3);
  });

  it('records password_changed with the number of sessions it ended (security.md §10)', async () => {
    const alice = await signedUpBrowser(t.app);
    await bearerClient(t.app, alice.email, alice.password);
    const current = (await alice.client.get('/api/auth/session')).json().session.id as string;
    assert.equal((await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD })).statusCode, 200);
    const [latest] = await securityEvents(alice.client);
    assert.ok(latest);
    assert.equal(latest.type, 'password_changed');
    assert.equal(latest.sessionId, current);
    assert.deepEqual(latest.metadata, { revokedSessions: 1 });
    const serialized = JSON.stringify(await securityEvents(alice.client));
    assert.ok(!serialized.includes(alice.password) && !serialized.includes(NEW_PASSWORD), 'no password in the log');
  });

  it('refuses a wrong current password with 400 INVALID_CURRENT_PASSWORD, changes nothing and logs it (security.md §1)', async () => {
    const alice = await signedUpBrowser(t.app);
    const other = await bearerClient(t.app, alice.email, alice.password);
    const before = await passwordRow(t, alice.user.id);
    const response = await alice.client.put('/api/auth/change-password', { currentPassword: 'wrong-current-password-1', newPassword: NEW_PASSWORD });
    assert.equal(response.statusCode, 400, response.body);
    const body = response.json();
    assertErrorBody(body, 'INVALID_CURRENT_PASSWORD');
    assert.equal(typeof body.fields?.currentPassword, 'string', 'the field at fault is named');

    const after = await passwordRow(t, alice.user.id);
    assert.equal(after.password_hash, before.password_hash, 'the password is unchanged');
    assert.equal(after.password_changed_at?.getTime(), before.password_changed_at?.getTime());
    assert.equal(await status(other.client), 200, 'no session was revoked');
    assert.equal(await signInStatus(t.app, alice.email, alice.password), 200, 'the old password still works');
    assert.equal(await signInStatus(t.app, alice.email, NEW_PASSWORD), 401);

    const events = await securityEvents(alice.client);
    const failed = events.find((e) => e.type === 'password_change_failed');
    assert.ok(failed, 'password_change_failed is recorded');
    assert.equal(failed.metadata.reason, 'invalid_current_password');
    assert.ok(!JSON.stringify(events).includes('wrong-current-password-1'), 'the attempted password is not logged');
    assert.ok(!events.some((e) => e.type === 'password_changed'));
  });

  it('refuses a weak new password with 400 WEAK_PASSWORD and says why (security.md §1, ASVS 6.2.1, 6.2.4, 6.2.11)', async () => {
    // Each case on its own user: every attempt counts against the 5-an-hour budget.
    const cases: { newPassword: (email: string) => string; why: RegExp; displayName?: string }[] = [
      { newPassword: () => 'short-pw', why: /at least 12 characters/i },
      { newPassword: () => 'password1234', why: /common/i },
      { newPassword: () => 'qwertyuiop123', why: /common|guess/i },
      { newPassword: (email) => email, why: /your email|your name/i },
      { newPassword: () => 'margaret hamilton', why: /your email|your name/i, displayName: 'Margaret Hamilton' },
    ];
    for (const c of cases) {
      const user = await signedUpBrowser(t.app, c.displayName ? { displayName: c.displayName } : {});
      const before = await passwordRow(t, user.user.id);
      const newPassword = c.newPassword(user.email);
      const response = await user.client.put('/api/auth/change-password', { currentPassword: user.password, newPassword });
      assert.equal(response.statusCode, 400, `${newPassword}: ${response.body}`);
      const body = response.json();
      assertErrorBody(body, 'WEAK_PASSWORD');
      assert.match(body.message, c.why, `${newPassword}: the refusal says why`);
      assert.equal(typeof body.fields?.newPassword, 'string', 'the field at fault is named');
      assert.equal((await passwordRow(t, user.user.id)).password_hash, before.password_hash, `${newPassword}: nothing changed`);
      assert.equal(await signInStatus(t.app, user.email, user.password), 200);
    }
  });

  it('accepts a long passphrase without composition rules (ASVS 6.2.5, 6.2.9)', async () => {
    const alice = await signedUpBrowser(t.app);
    const passphrase = 'the quiet otter paddles past seven crooked lighthouses at dawn today';
    assert.ok(passphrase.length >= 64);
    const response = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: passphrase });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(await signInStatus(t.app, alice.email, passphrase), 200);
  });

  it('refuses the current password as the new one', async () => {
    const alice = await signedUpBrowser(t.app);
    const response = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: alice.password });
    assert.equal(response.statusCode, 400);
    assertErrorBody(response.json(), 'PASSWORD_UNCHANGED');
  });

  it('answers 400 in the error shape for a missing field or an unknown one', async () => {
    const alice = await signedUpBrowser(t.app);
    const missing = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password });
    assert.equal(missing.statusCode, 400);
    assertErrorBody(missing.json(), 'VALIDATION_FAILED');
    assert.ok('newPassword' in missing.json().fields);
    const extra = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD });
    assert.equal(extra.statusCode, 400);
    assertErrorBody(extra.json(), 'VALIDATION_FAILED');
    assert.equal(await signInStatus(t.app, alice.email, alice.password), 200, 'nothing changed');
  });

  it('answers 401 without a session', async () => {
    const response = await new Client(t.app).put('/api/auth/change-password', { currentPassword: 'whatever-it-is-1', newPassword: NEW_PASSWORD });
    assert.equal(response.statusCode, 401);
    assertErrorBody(response.json(), 'UNAUTHENTICATED');
  });

  it('refuses a cookie-authenticated change from another site (security.md §9, ASVS 3.5.1)', async () => {
    const alice = await signedUpBrowser(t.app);
    const response = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(response.statusCode, 403);
    assertErrorBody(response.json(), 'CSRF_REJECTED');
    assert.equal(await signInStatus(t.app, alice.email, alice.password), 200, 'the password is unchanged');
  });

  it('lets an API client change the password with its bearer token, ending the browser sessions', async () => {
    const alice = await signedUpBrowser(t.app);
    const api = await bearerClient(t.app, alice.email, alice.password);
    const response = await api.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD }, { origin: '' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(await status(api.client), 401, 'the token it changed the password with has ended (security.md §3)');
    api.client.bearer = response.json().token;
    assert.equal(await status(api.client), 200, 'the new one from the answer works');
    assert.equal(await status(alice.client), 401);
  });

  it('allows 5 attempts an hour per user; the 6th answers 429 with Retry-After, even with the right password (security.md §6)', async () => {
    const alice = await signedUpBrowser(t.app);
    const secondSession = await bearerClient(t.app, alice.email, alice.password);
    for (let i = 1; i <= 5; i += 1) {
      const attempt = await alice.client.put('/api/auth/change-password', { currentPassword: `wrong-guess-number-${i}`, newPassword: NEW_PASSWORD });
      assert.equal(attempt.statusCode, 400, `attempt ${i} is judged on its merits`);
      assert.equal(attempt.json().code, 'INVALID_CURRENT_PASSWORD');
    }
    // The budget is the user's, not the session's: the 6th attempt comes from another session.
    const sixth = await secondSession.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD }, { origin: '' });
    assert.equal(sixth.statusCode, 429, sixth.body);
    assertErrorBody(sixth.json(), 'RATE_LIMITED');
    const retryAfter = Number(sixth.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter), `Retry-After is whole seconds (got ${sixth.headers['retry-after']})`);
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After is within the hour (got ${retryAfter})`);

    assert.equal(await signInStatus(t.app, alice.email, alice.password), 200, 'the 6th attempt changed nothing');
    assert.equal(await status(alice.client), 200, 'and revoked nothing');
    const seventh = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: NEW_PASSWORD });
    assert.equal(seventh.statusCode, 429, 'still limited');

    const bob = await signedUpBrowser(t.app);
    const bobs = await bob.client.put('/api/auth/change-password', { currentPassword: bob.password, newPassword: NEW_PASSWORD });
    assert.equal(bobs.statusCode, 200, 'another user has a budget of their own');
  });

  it('counts successful changes against the same budget', async () => {
    const alice = await signedUpBrowser(t.app);
    let current = alice.password;
    for (let i = 1; i <= 5; i += 1) {
      const next = `${NEW_PASSWORD}-round-${i}`;
      const response = await alice.client.put('/api/auth/change-password', { currentPassword: current, newPassword: next });
      assert.equal(response.statusCode, 200, `change ${i}: ${response.body}`);
      current = next;
    }
    const sixth = await alice.client.put('/api/auth/change-password', { currentPassword: current, newPassword: `${NEW_PASSWORD}-round-6` });
    assert.equal(sixth.statusCode, 429);
    assert.ok(sixth.headers['retry-after']);
    assert.equal(await signInStatus(t.app, alice.email, current), 200, 'the password from the 5th change is still the one');
  });
});
