// GET /api/auth/events: a user reads their own security log (docs/api.md, Sessions and the
// security log), newest first, in pages that walk every event exactly once; bad paging input is a
// 400 in the error shape of docs/api.md; nothing in the log identifies a person or a secret — no
// email, raw IP, password or token (security.md §10).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bearerClient, Client, FIREFOX_LINUX, signedUpBrowser, uniqueEmail } from '../../support/client.ts';
import { assertErrorBody } from '../../support/error-shape.ts';
import type { EventView } from '../../support/events.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

interface Page {
  events: EventView[];
  nextCursor: string | null;
}

async function page(client: Client, query = ''): Promise<Page> {
  const response = await client.get(`/api/auth/events${query ? `?${query}` : ''}`);
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  assert.equal(body.success, true);
  return { events: body.events as EventView[], nextCursor: body.nextCursor as string | null };
}

/** Follows nextCursor to the end and returns every event seen, in order. */
async function walk(client: Client, limit: number): Promise<{ events: EventView[]; pages: number }> {
  const events: EventView[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const current = await page(client, query);
    assert.ok(current.events.length <= limit, 'a page holds at most limit events');
    if (current.nextCursor) assert.equal(current.events.length, limit, 'only the last page is short');
    events.push(...current.events);
    cursor = current.nextCursor;
    pages += 1;
    assert.ok(pages < 1000, 'the walk ends');
  } while (cursor);
  return { events, pages };
}

describeOnEachDatabase('events: your security log', (t) => {
  it('answers 401 without a session', async () => {
    const response = await new Client(t.app).get('/api/auth/events');
    assert.equal(response.statusCode, 401);
    assertErrorBody(response.json(), 'UNAUTHENTICATED');
  });

  it('records sign-in success and failure, sign-out and profile change, newest first, each with the device and place of its session (security.md §10, ASVS 16.3.1)', async () => {
    const alice = await signedUpBrowser(t.app);
    const registeredSession = (await alice.client.get('/api/auth/session')).json().session.id as string;
    t.clock.advance(1);
    const failed = await new Client(t.app, { userAgent: FIREFOX_LINUX }).post('/api/auth/login', { email: alice.email, password: 'not-alices-password-9' });
    assert.equal(failed.statusCode, 401);
    t.clock.advance(1);
    const laptop = new Client(t.app, { userAgent: FIREFOX_LINUX });
    const login = await laptop.post('/api/auth/login', { email: alice.email, password: alice.password });
    assert.equal(login.statusCode, 200);
    const laptopSession = login.json().session.id as string;
    t.clock.advance(1);
    assert.equal((await alice.client.patch('/api/auth/profile', { displayName: 'Alice A.' })).statusCode, 200);
    t.clock.advance(1);
    assert.equal((await laptop.post('/api/auth/logout')).statusCode, 200);

    const { events } = await page(alice.client);
    assert.deepEqual(
      events.map((e) => e.type),
      ['sign_out', 'profile_updated', 'sign_in_succeeded', 'sign_in_failed', 'account_created'],
      'every action, newest first',
    );
    for (let i = 1; i < events.length; i += 1) {
      assert.ok(Date.parse(events[i - 1]!.createdAt) > Date.parse(events[i]!.createdAt), 'createdAt descends');
    }
    const [signOut, profile, signIn, signInFailed, created] = events;
    assert.equal(signOut?.sessionId, laptopSession, 'sign-out names the session that ended');
    assert.equal(profile?.sessionId, registeredSession);
    assert.deepEqual(profile?.metadata, { fields: ['displayName'] });
    assert.equal(signIn?.sessionId, laptopSession);
    assert.equal(signIn?.metadata.device, 'Firefox on Linux');
    assert.equal(signIn?.metadata.verification, 'password');
    assert.equal(signInFailed?.metadata.reason, 'invalid_password', 'a failed sign-in on your account shows up with its reason');
    assert.equal(signInFailed?.sessionId, null, 'a failed sign-in has no session');
    assert.deepEqual([signOut?.device, signOut?.location], ['Firefox on Linux', 'Local network'], 'an event names the device and place of its session, even once that session has ended');
    assert.deepEqual([signInFailed?.device, signInFailed?.location], [null, null], 'an event outside a session names none');
    assert.equal(created?.sessionId, registeredSession);
    for (const event of events) assert.match(event.id, /^[0-9a-f-]{36}$/);
  });

  it('shows only your own events: never another user’s, nor failures on unknown accounts (ASVS 8.2.2)', async () => {
    const alice = await signedUpBrowser(t.app);
    const bob = await signedUpBrowser(t.app);
    await new Client(t.app).post('/api/auth/login', { email: bob.email, password: 'not-bobs-password-42' });
    await new Client(t.app).post('/api/auth/login', { email: uniqueEmail('nobody'), password: 'no-such-account-pw' });
    await bob.client.patch('/api/auth/profile', { displayName: 'Bob' });
    await bearerClient(t.app, bob.email, bob.password);
    await alice.client.patch('/api/auth/profile', { displayName: 'Alice' });

    const aliceEvents = (await walk(alice.client, 100)).events;
    const bobEvents = (await walk(bob.client, 100)).events;
    const owned = async (userId: string) =>
      new Set((await t.ctx.db.selectFrom('security_events').select('id').where('user_id', '=', userId).execute()).map((r) => r.id));
    assert.deepEqual(new Set(aliceEvents.map((e) => e.id)), await owned(alice.user.id), 'alice sees exactly her events');
    assert.deepEqual(new Set(bobEvents.map((e) => e.id)), await owned(bob.user.id), 'bob sees exactly his events');
    assert.deepEqual(aliceEvents.map((e) => e.type), ['profile_updated', 'account_created']);
    assert.ok(bobEvents.some((e) => e.type === 'sign_in_failed'), 'bob sees the failed attempt on his account');

    const orphan = await t.ctx.db.selectFrom('security_events').select('id').where('user_id', 'is', null).execute();
    assert.ok(orphan.length >= 1, 'the unknown-account failure is recorded for admins');
    const seen = new Set([...aliceEvents, ...bobEvents].map((e) => e.id));
    for (const row of orphan) assert.ok(!seen.has(row.id), 'and shown to no user');

    // A cursor taken from bob's log only pages within alice's own events when alice uses it.
    const bobFirst = await page(bob.client, 'limit=1');
    assert.ok(bobFirst.nextCursor);
    const aliceWithBobsCursor = await page(alice.client, `cursor=${bobFirst.nextCursor}`);
    const bobIds = new Set(bobEvents.map((e) => e.id));
    assert.ok(aliceWithBobsCursor.events.every((e) => !bobIds.has(e.id)), 'no event of bob’s through his cursor');
  });

  it('pages with limit and nextCursor through every event once, without duplicates or gaps', async () => {
    const alice = await signedUpBrowser(t.app);
    for (let i = 0; i < 12; i += 1) {
      assert.equal((await alice.client.patch('/api/auth/profile', { displayName: `Name ${i}` })).statusCode, 200);
    }
    // 13 events, all with the same createdAt: the order must not depend on the clock.
    const all = await page(alice.client, 'limit=100');
    assert.equal(all.events.length, 13);
    assert.equal(all.nextCursor, null, 'one page holds everything');

    for (const limit of [1, 3, 5, 13]) {
      const walked = await walk(alice.client, limit);
      assert.deepEqual(walked.events.map((e) => e.id), all.events.map((e) => e.id), `limit=${limit}: same events, same order`);
      assert.equal(new Set(walked.events.map((e) => e.id)).size, 13, `limit=${limit}: no duplicates`);
      assert.equal(walked.pages, Math.ceil(13 / limit), `limit=${limit}: pages`);
    }
    const exact = await page(alice.client, 'limit=13');
    assert.equal(exact.nextCursor, null, 'no cursor when nothing follows');
    const defaultPage = await page(alice.client);
    assert.equal(defaultPage.events.length, 13, 'limit defaults to 20');
  });

  it('keeps a walk consistent while new events arrive, and limits the default page to 20', async () => {
    const alice = await signedUpBrowser(t.app);
    for (let i = 0; i < 24; i += 1) await alice.client.patch('/api/auth/profile', { displayName: `Name ${i}` });
    const first = await page(alice.client);
    assert.equal(first.events.length, 20, 'the default limit is 20');
    assert.ok(first.nextCursor);

    // New events while paging go to the top; the next page continues where the first ended.
    await alice.client.patch('/api/auth/profile', { displayName: 'Interrupting' });
    const second = await page(alice.client, `cursor=${first.nextCursor}`);
    assert.equal(second.nextCursor, null);
    const walked = [...first.events, ...second.events];
    assert.equal(walked.length, 25, '24 profile changes and the account creation');
    assert.equal(new Set(walked.map((e) => e.id)).size, 25, 'no duplicates');
    assert.equal(walked.at(-1)?.type, 'account_created', 'the walk reaches the very first event');
    const newest = await page(alice.client, 'limit=1');
    assert.ok(!walked.some((e) => e.id === newest.events[0]?.id), 'the newer event is not slipped into the old walk');
  });

  it('answers 400 in the error shape for bad paging input (docs/api.md, ASVS 2.2.1)', async () => {
    const alice = await signedUpBrowser(t.app);
    const cases = [
      'cursor=not-a-cursor',
      `cursor=${Buffer.from('e-1').toString('base64url')}`,
      `cursor=${Buffer.from('x12').toString('base64url')}`,
      'cursor=%21%21%21',
      `cursor=${'A'.repeat(300)}`,
      'cursor=',
      'limit=0',
      'limit=-1',
      'limit=101',
      'limit=1000',
      'limit=abc',
      'limit=2.5',
      'page=2',
      'userId=00000000-0000-0000-0000-000000000000',
    ];
    for (const query of cases) {
      const response = await alice.client.get(`/api/auth/events?${query}`);
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
      assertErrorBody(response.json(), 'VALIDATION_FAILED');
      assert.doesNotMatch(response.body, /\.ts:\d+|node_modules|\n\s+at /, 'no stack trace');
    }
  });

  it('answers 400, not 500, for a well-formed cursor past any position this service gives out (docs/api.md)', async () => {
    const alice = await signedUpBrowser(t.app);
    // Nineteen digits pass the cursor's shape but exceed a bigint: the database must never see it.
    const cursor = Buffer.from('e9999999999999999999').toString('base64url');
    const response = await alice.client.get(`/api/auth/events?cursor=${cursor}`);
    assert.notEqual(response.statusCode, 500, response.body);
    assert.equal(response.statusCode, 400, response.body);
    assertErrorBody(response.json(), 'VALIDATION_FAILED');
  });

  it('keeps email, raw IP, passwords and tokens out of the log, in the answer and in the table (security.md §10)', async () => {
    const ip = '81.2.69.142';
    const otherIp = '81.2.69.143';
    const alice = await signedUpBrowser(t.app, { ip, displayName: 'Alice Liddell' });
    const cookieToken = alice.client.cookie!.split('=')[1]!;
    const wrongPassword = 'a-wrong-guess-for-alice-77';
    await new Client(t.app, { ip: otherIp }).post('/api/auth/login', { email: alice.email, password: wrongPassword });
    const api = await bearerClient(t.app, alice.email, alice.password, { ip: otherIp });
    const wrongCurrent = 'wrong-current-password-55';
    await alice.client.put('/api/auth/change-password', { currentPassword: wrongCurrent, newPassword: 'another-new-password-66' });
    const newPassword = 'silver-meadow-compass-28';
    assert.equal((await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword })).statusCode, 200);
    const second = await bearerClient(t.app, alice.email, newPassword, { ip: otherIp });
    assert.equal((await alice.client.delete(`/api/auth/sessions/${second.session.id}`)).statusCode, 200);
    await alice.client.patch('/api/auth/profile', { displayName: 'Alice L.' });

    const response = await alice.client.get('/api/auth/events?limit=100');
    assert.equal(response.statusCode, 200);
    const types = (response.json().events as EventView[]).map((e) => e.type);
    for (const type of ['account_created', 'sign_in_failed', 'sign_in_succeeded', 'password_change_failed', 'password_changed', 'session_revoked', 'profile_updated']) {
      assert.ok(types.includes(type), `${type} is in the log`);
    }
    const rows = await t.ctx.db.selectFrom('security_events').selectAll().where('user_id', '=', alice.user.id).execute();
    const secrets: Record<string, string> = {
      email: alice.email,
      'email (upper case)': alice.email.toUpperCase(),
      'raw IP': ip,
      'other raw IP': otherIp,
      password: alice.password,
      'new password': newPassword,
      'wrong password': wrongPassword,
      'wrong current password': wrongCurrent,
      'cookie token': cookieToken,
      'bearer token': api.session.token,
      'second bearer token': second.session.token,
    };
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(!response.body.includes(value), `the ${what} is not in the answer`);
      assert.ok(!JSON.stringify(rows).includes(value), `the ${what} is not in security_events`);
    }
  });
});
