// GET /api/auth/sessions: the caller's own live device sessions, newest first, each described so a
// person can recognise it (device, masked network, coarse location, trust score) without the raw
// IP address or the token ever leaving the database — or entering it (docs/api.md; security.md §2, §7).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TestApp } from '../../support/app.ts';
import { bearerClient, CHROME_MAC, Client, FIREFOX_LINUX, signedUpBrowser, type ClientOptions } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

interface ListedSession {
  id: string;
  device: string;
  browser: string | null;
  os: string | null;
  location: string | null;
  ipAddress: string | null;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  trustScore: number;
  verification: string;
  current: boolean;
}

const DAY = 86400;

/** Signs in through the API as a browser; returns the client (cookie set) and its session. */
async function browserSignIn(t: TestApp, email: string, password: string, options: ClientOptions & { remember?: boolean } = {}) {
  const client = new Client(t.app, options);
  const response = await client.post('/api/auth/login', { email, password, ...(options.remember ? { rememberDevice: true } : {}) });
  assert.equal(response.statusCode, 200, response.body);
  assert.ok(client.cookie, 'a browser sign-in sets the session cookie');
  return { client, session: response.json().session as ListedSession };
}

async function listSessions(client: Client): Promise<ListedSession[]> {
  const response = await client.get('/api/auth/sessions');
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json().success, true);
  return response.json().sessions as ListedSession[];
}

function byId(sessions: ListedSession[], id: string): ListedSession {
  const found = sessions.find((s) => s.id === id);
  assert.ok(found, `session ${id} is listed`);
  return found;
}

describeOnEachDatabase('sessions: listing your devices', (t) => {
  it('answers 401 without a session', async () => {
    const response = await new Client(t.app).get('/api/auth/sessions');
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().code, 'UNAUTHENTICATED');
  });

  it('lists only the caller’s live sessions, newest first, with current set on the caller’s own (ASVS 7.5.2, 8.2.2)', async () => {
    const alice = await signedUpBrowser(t.app);
    const first = (await alice.client.get('/api/auth/session')).json().session.id as string;
    t.clock.advance(1);
    const firefox = await browserSignIn(t, alice.email, alice.password, { userAgent: FIREFOX_LINUX, ip: '10.0.0.8' });
    t.clock.advance(1);
    const api = await bearerClient(t.app, alice.email, alice.password, { ip: '81.2.69.142' });
    t.clock.advance(1);
    const signedOut = await browserSignIn(t, alice.email, alice.password);
    assert.equal((await signedOut.client.post('/api/auth/logout')).statusCode, 200);
    const bob = await signedUpBrowser(t.app);
    const bobSession = (await bob.client.get('/api/auth/session')).json().session.id as string;

    const seenByFirefox = await listSessions(firefox.client);
    assert.deepEqual(
      seenByFirefox.map((s) => s.id),
      [api.session.id, firefox.session.id, first],
      'newest first; the signed-out session and the other user’s session are not there',
    );
    assert.ok(!seenByFirefox.some((s) => s.id === bobSession || s.id === signedOut.session.id));
    assert.deepEqual(seenByFirefox.map((s) => s.current), [false, true, false], 'only the caller’s own session is current');
    for (let i = 1; i < seenByFirefox.length; i += 1) {
      assert.ok(Date.parse(seenByFirefox[i - 1]!.createdAt) > Date.parse(seenByFirefox[i]!.createdAt), 'createdAt descends');
    }

    const seenByApi = await listSessions(api.client);
    assert.deepEqual(seenByApi.map((s) => s.id), seenByFirefox.map((s) => s.id), 'a bearer client sees the same list');
    assert.deepEqual(seenByApi.filter((s) => s.current).map((s) => s.id), [api.session.id]);

    const live = await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', alice.user.id).where('revoked_at', 'is', null).execute();
    assert.deepEqual(new Set(live.map((r) => r.id)), new Set(seenByFirefox.map((s) => s.id)), 'the list is exactly the live rows of this user');

    const seenByBob = await listSessions(bob.client);
    assert.deepEqual(seenByBob.map((s) => s.id), [bobSession], 'bob sees his one session and nothing of alice’s');
  });

  it('leaves out sessions that ended by idle timeout or absolute lifetime (ASVS 7.3.1, 7.3.2)', async () => {
    const alice = await signedUpBrowser(t.app); // a default session: 1 h idle, 24 h absolute
    const idleOne = (await alice.client.get('/api/auth/session')).json().session.id as string;
    const remembered = await browserSignIn(t, alice.email, alice.password, { remember: true });
    const shortLived = await browserSignIn(t, alice.email, alice.password, { userAgent: FIREFOX_LINUX });
    assert.equal((await listSessions(remembered.client)).length, 3);

    // The Firefox session stays active every 50 minutes, the first one is left alone.
    for (let i = 0; i < 3; i += 1) {
      t.clock.advance(50 * 60);
      assert.equal((await shortLived.client.get('/api/auth/session')).statusCode, 200);
    }
    const afterIdle = await listSessions(remembered.client);
    assert.deepEqual(afterIdle.map((s) => s.id).sort(), [remembered.session.id, shortLived.session.id].sort(), `the idle session ${idleOne} is gone`);

    // Keep the Firefox session active past its 24 h absolute lifetime: it still ends.
    let elapsed = 3 * 50 * 60;
    while (elapsed <= DAY) {
      t.clock.advance(50 * 60);
      elapsed += 50 * 60;
      await shortLived.client.get('/api/auth/session');
      await remembered.client.get('/api/auth/session');
    }
    const afterDay = await listSessions(remembered.client);
    assert.deepEqual(afterDay.map((s) => s.id), [remembered.session.id], 'only the remembered session outlives a day');
  });

  it('describes each device: label from the user agent, masked IP, coarse location', async () => {
    const alice = await signedUpBrowser(t.app, { userAgent: CHROME_MAC, ip: '127.0.0.1' });
    const registered = (await alice.client.get('/api/auth/session')).json().session.id as string;
    const cases = [
      { options: { userAgent: FIREFOX_LINUX, ip: '192.168.1.20' }, device: 'Firefox on Linux', browser: 'Firefox', os: 'Linux', ip: '192.168.1.x', location: /^Local network$/ },
      { options: { userAgent: CHROME_MAC, ip: '10.20.30.40' }, device: 'Chrome on macOS', browser: 'Chrome', os: 'macOS', ip: '10.20.30.x', location: /^Local network$/ },
      { options: { userAgent: FIREFOX_LINUX, ip: '81.2.69.142' }, device: 'Firefox on Linux', browser: 'Firefox', os: 'Linux', ip: '81.2.69.x', location: /\bGB$/ },
      { options: { userAgent: CHROME_MAC, ip: '203.0.113.7' }, device: 'Chrome on macOS', browser: 'Chrome', os: 'macOS', ip: '203.0.113.x', location: /./ },
      { options: { userAgent: CHROME_MAC, ip: '::ffff:81.2.69.142' }, device: 'Chrome on macOS', browser: 'Chrome', os: 'macOS', ip: '81.2.69.x', location: /\bGB$/ },
      { options: { userAgent: FIREFOX_LINUX, ip: '2a00:1450:4009:81f::200e' }, device: 'Firefox on Linux', browser: 'Firefox', os: 'Linux', ip: '2a00:1450:4009::x', location: /./ },
      { options: { userAgent: '', ip: '10.9.8.7' }, device: 'Unknown device', browser: null, os: null, ip: '10.9.8.x', location: /^Local network$/ },
    ];
    const ids: string[] = [];
    for (const c of cases) {
      t.clock.advance(1);
      ids.push((await browserSignIn(t, alice.email, alice.password, c.options)).session.id);
    }

    const response = await alice.client.get('/api/auth/sessions');
    assert.equal(response.statusCode, 200);
    const listed = response.json().sessions as ListedSession[];
    const own = byId(listed, registered);
    assert.equal(own.device, 'Chrome on macOS');
    assert.equal(own.ipAddress, '127.0.0.x');
    assert.equal(own.location, 'Local network');
    cases.forEach((c, i) => {
      const session = byId(listed, ids[i]!);
      const label = `${c.options.ip} / ${c.device}`;
      assert.equal(session.device, c.device, label);
      assert.equal(session.browser, c.browser, label);
      assert.equal(session.os, c.os, label);
      assert.equal(session.ipAddress, c.ip, label);
      assert.ok(session.location, label);
      assert.match(session.location, c.location, label);
      assert.equal(session.verification, 'password', label);
    });

    // security.md §7: no raw address anywhere in the answer.
    for (const raw of ['127.0.0.1', '192.168.1.20', '10.20.30.40', '81.2.69.142', '203.0.113.7', '10.9.8.7', '2a00:1450:4009:81f::200e', '2a00:1450:4009:81f']) {
      assert.ok(!response.body.includes(raw), `the raw address ${raw} is not in the answer`);
    }
  });

  it('stores the raw IP address nowhere: only a keyed hash and the masked form (security.md §7)', async () => {
    const alice = await signedUpBrowser(t.app, { ip: '81.2.69.142' });
    await browserSignIn(t, alice.email, alice.password, { ip: '2a00:1450:4009:81f::200e', userAgent: FIREFOX_LINUX });
    await new Client(t.app, { ip: '81.2.69.143' }).post('/api/auth/login', { email: alice.email, password: 'certainly-not-the-password' });

    const sessions = await t.ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', alice.user.id).execute();
    assert.equal(sessions.length, 2);
    assert.deepEqual(sessions.map((s) => s.ip_masked).sort(), ['2a00:1450:4009::x', '81.2.69.x']);
    for (const row of sessions) {
      assert.ok(row.ip_hash, 'a keyed hash is kept to recognise the network');
      assert.ok(!row.ip_hash.includes('81.2.69') && !row.ip_hash.includes('2a00'));
    }
    const events = await t.ctx.db.selectFrom('security_events').selectAll().where('user_id', '=', alice.user.id).execute();
    assert.ok(events.length >= 3, 'account_created, sign_in_succeeded, sign_in_failed');
    const stored = JSON.stringify({ sessions, events });
    for (const raw of ['81.2.69.142', '81.2.69.143', '2a00:1450:4009:81f']) {
      assert.ok(!stored.includes(raw), `${raw} is not stored in sessions or security_events`);
    }
  });

  it('scores trust from the sign-in: known device and network add to it (trust-score rules)', async () => {
    const alice = await signedUpBrowser(t.app, { userAgent: CHROME_MAC, ip: '127.0.0.1' });
    const firstScore = (await alice.client.get('/api/auth/session')).json().session.trustScore as number;
    const sameDeviceSameNetwork = await browserSignIn(t, alice.email, alice.password, { userAgent: CHROME_MAC, ip: '127.0.0.1' });
    const otherBrowserSameNetwork = await browserSignIn(t, alice.email, alice.password, { userAgent: FIREFOX_LINUX, ip: '127.0.0.9' });
    const sameBrowserOtherNetwork = await browserSignIn(t, alice.email, alice.password, { userAgent: CHROME_MAC, ip: '81.2.69.142' });
    const strangerUa = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0';
    const newDeviceNewNetwork = await browserSignIn(t, alice.email, alice.password, { userAgent: strangerUa, ip: '2a00:1450:4009:81f::200e' });

    // 40 base for a verified password, +15 known browser, +15 known network (trust-score.ts).
    assert.equal(firstScore, 40, 'a first sign-in has nothing to recognise');
    assert.equal(sameDeviceSameNetwork.session.trustScore, 70);
    assert.ok(sameDeviceSameNetwork.session.trustScore > firstScore, 'the second sign-in from the same browser and network scores higher');
    assert.equal(otherBrowserSameNetwork.session.trustScore, 55, 'network known, browser new');
    assert.equal(sameBrowserOtherNetwork.session.trustScore, 55, 'browser known, network new');
    assert.equal(newDeviceNewNetwork.session.trustScore, 40, 'neither known');

    const listed = await listSessions(alice.client);
    for (const signedIn of [sameDeviceSameNetwork, otherBrowserSameNetwork, sameBrowserOtherNetwork, newDeviceNewNetwork]) {
      assert.equal(byId(listed, signedIn.session.id).trustScore, signedIn.session.trustScore, 'the listing shows the same score as the sign-in');
    }
    const stored = await t.ctx.db.selectFrom('sessions').select(['id', 'trust_score']).where('user_id', '=', alice.user.id).execute();
    for (const row of stored) assert.equal(row.trust_score, byId(listed, row.id).trustScore, 'stored score matches while the sign-in is recent');
  });

  it('lets trust decay by 5 per full week since sign-in, and a request does not reset it', async () => {
    const alice = await signedUpBrowser(t.app);
    const remembered = await browserSignIn(t, alice.email, alice.password, { remember: true }); // 7 days idle, 30 days absolute
    const signInScore = remembered.session.trustScore;
    assert.equal(signInScore, 70);

    const scoreNow = async (): Promise<number> => byId(await listSessions(remembered.client), remembered.session.id).trustScore;
    // Each step stays inside the 7-day idle window; the request keeps the session alive.
    const steps: [days: number, expected: number][] = [
      [6, signInScore], // day 6: no full week yet
      [6, signInScore - 5], // day 12
      [6, signInScore - 10], // day 18
      [6, signInScore - 15], // day 24
      [5, signInScore - 20], // day 29
    ];
    let day = 0;
    for (const [days, expected] of steps) {
      t.clock.advance(days * DAY);
      day += days;
      assert.equal(await scoreNow(), expected, `trust score on day ${day}`);
    }
    const row = await t.ctx.db.selectFrom('sessions').select('trust_score').where('id', '=', remembered.session.id).executeTakeFirstOrThrow();
    assert.equal(row.trust_score, signInScore, 'the sign-in score is stored; the decay is applied when read');
  });

  it('reports when each session ends: the idle deadline, capped by the absolute lifetime', async () => {
    const alice = await signedUpBrowser(t.app);
    const plain = await browserSignIn(t, alice.email, alice.password);
    const remembered = await browserSignIn(t, alice.email, alice.password, { remember: true });
    const listed = await listSessions(plain.client);
    const now = t.clock.now().getTime();
    assert.equal(Date.parse(byId(listed, plain.session.id).expiresAt), now + 3600_000, 'a default session ends after 1 h idle');
    assert.equal(Date.parse(byId(listed, remembered.session.id).expiresAt), now + 7 * DAY * 1000, 'a remembered session ends after 7 days idle');
    assert.equal(byId(listed, plain.session.id).lastActiveAt, new Date(now).toISOString());

    // Active every 50 minutes for 23 h 20 min: the idle deadline now lies past the 24 h lifetime.
    for (let i = 0; i < 28; i += 1) {
      t.clock.advance(50 * 60);
      assert.equal((await plain.client.get('/api/auth/session')).statusCode, 200);
    }
    const later = byId(await listSessions(plain.client), plain.session.id);
    assert.equal(later.lastActiveAt, t.clock.now().toISOString());
    assert.equal(Date.parse(later.expiresAt), Date.parse(plain.session.createdAt) + DAY * 1000, 'capped by the absolute lifetime');
  });

  it('never stores the token: only its hash, and the token is in no column of any row (security.md §2, ASVS 7.2.3)', async () => {
    const alice = await signedUpBrowser(t.app);
    const cookieToken = alice.client.cookie!.split('=')[1]!;
    const api = await bearerClient(t.app, alice.email, alice.password);
    const apiToken = api.session.token;
    assert.match(apiToken, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(apiToken, cookieToken);

    const rows = await t.ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', alice.user.id).execute();
    assert.equal(rows.length, 2);
    const hashes = new Set(rows.map((r) => r.token_hash));
    assert.equal(hashes.size, 2, 'each session has its own token hash');
    for (const row of rows) {
      assert.ok(row.token_hash.length > 0);
      assert.notEqual(row.token_hash, apiToken);
      assert.notEqual(row.token_hash, cookieToken);
    }
    const everything = JSON.stringify({
      sessions: await t.ctx.db.selectFrom('sessions').selectAll().execute(),
      users: await t.ctx.db.selectFrom('users').selectAll().execute(),
      events: await t.ctx.db.selectFrom('security_events').selectAll().execute(),
    });
    assert.ok(!everything.includes(apiToken), 'the bearer token is stored nowhere');
    assert.ok(!everything.includes(cookieToken), 'the cookie token is stored nowhere');

    const listing = await api.client.get('/api/auth/sessions');
    assert.equal(listing.statusCode, 200);
    for (const secret of [apiToken, cookieToken, ...hashes]) assert.ok(!listing.body.includes(secret), 'the listing carries no token or token hash');
  });
});

// A remembered session that may live 90 days, so more than four weeks can pass.
describeOnEachDatabase('sessions: trust decay is capped', { env: { REMEMBERED_SESSION_ABSOLUTE_LIFETIME: '90d' } }, (t) => {
  it('takes at most 20 points off however old the sign-in is', async () => {
    const alice = await signedUpBrowser(t.app);
    const remembered = await browserSignIn(t, alice.email, alice.password, { remember: true });
    const signInScore = remembered.session.trustScore;
    // Six weeks in 6-day steps (each inside the 7-day idle window): 0, 5, 10, 15, 20, 20, 20 off.
    for (let day = 6; day <= 48; day += 6) {
      t.clock.advance(6 * DAY);
      const score = byId(await listSessions(remembered.client), remembered.session.id).trustScore;
      assert.equal(score, signInScore - Math.min(20, 5 * Math.floor(day / 7)), `trust score on day ${day}`);
    }
  });
});
