// Ending sessions: one by id, all but this one, and by time (idle timeout, absolute lifetime).
// A revoked or expired session is refused on its very next request (security.md §3), whether the check
// reads the database or the session cache; lastActiveAt is written at most once a minute.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TestApp } from '../../support/app.ts';
import { bearerClient, Client, FIREFOX_LINUX, signedUpBrowser, type ClientOptions } from '../../support/client.ts';
import { assertErrorBody } from '../../support/error-shape.ts';
import { securityEvents } from '../../support/events.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

const HOUR = 3600;
const DAY = 86400;

async function browserSignIn(t: TestApp, email: string, password: string, options: ClientOptions & { remember?: boolean } = {}) {
  const client = new Client(t.app, options);
  const response = await client.post('/api/auth/login', { email, password, ...(options.remember ? { rememberDevice: true } : {}) });
  assert.equal(response.statusCode, 200, response.body);
  return { client, sessionId: response.json().session.id as string };
}

async function currentSessionId(client: Client): Promise<string> {
  const response = await client.get('/api/auth/session');
  assert.equal(response.statusCode, 200, response.body);
  return response.json().session.id as string;
}

async function status(client: Client): Promise<number> {
  return (await client.get('/api/auth/session')).statusCode;
}

async function sessionRow(t: TestApp, id: string) {
  return t.ctx.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describeOnEachDatabase('sessions: revocation and expiry', (t) => {
  describe('DELETE /api/auth/sessions/:id', () => {
    it('revokes another of your devices, which gets 401 on its very next request (security.md §3, ASVS 7.5.2)', async () => {
      const alice = await signedUpBrowser(t.app);
      const laptop = await browserSignIn(t, alice.email, alice.password, { userAgent: FIREFOX_LINUX });
      const api = await bearerClient(t.app, alice.email, alice.password);
      assert.equal(await status(laptop.client), 200);
      assert.equal(await status(api.client), 200);

      const revoked = await alice.client.delete(`/api/auth/sessions/${laptop.sessionId}`);
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.deepEqual(revoked.json(), { success: true });
      assert.ok(alice.client.cookie, 'revoking another session leaves the caller’s cookie alone');

      const next = await laptop.client.get('/api/auth/session');
      assert.equal(next.statusCode, 401, 'the revoked browser is refused at once');
      assert.equal(next.json().code, 'UNAUTHENTICATED');
      assert.equal(await status(alice.client), 200, 'the caller keeps working');
      assert.equal(await status(api.client), 200, 'other sessions keep working');

      const revokedApi = await alice.client.delete(`/api/auth/sessions/${api.session.id}`);
      assert.equal(revokedApi.statusCode, 200, revokedApi.body);
      assert.equal(await status(api.client), 401, 'a bearer session is revoked the same way');

      const row = await sessionRow(t, laptop.sessionId);
      assert.ok(row.revoked_at, 'revoked_at is set');
      assert.equal(row.revoked_reason, 'revoked_by_user');
      const listed = (await alice.client.get('/api/auth/sessions')).json().sessions as { id: string }[];
      assert.deepEqual(listed.map((s) => s.id), [await currentSessionId(alice.client)]);
    });

    it('answers 404 for another user’s session and leaves it working (ASVS 8.2.2)', async () => {
      const alice = await signedUpBrowser(t.app);
      const aliceSession = await currentSessionId(alice.client);
      const mallory = await signedUpBrowser(t.app);
      const malloryApi = await bearerClient(t.app, mallory.email, mallory.password);

      const byCookie = await mallory.client.delete(`/api/auth/sessions/${aliceSession}`);
      const byBearer = await malloryApi.client.delete(`/api/auth/sessions/${aliceSession}`);
      const unknown = await mallory.client.delete(`/api/auth/sessions/${randomUUID()}`);
      for (const response of [byCookie, byBearer, unknown]) {
        assert.equal(response.statusCode, 404, response.body);
        assertErrorBody(response.json(), 'SESSION_NOT_FOUND');
      }
      assert.deepEqual(byCookie.json(), unknown.json(), 'someone else’s session looks exactly like no session');

      assert.equal(await status(alice.client), 200, 'alice is still signed in');
      assert.equal((await sessionRow(t, aliceSession)).revoked_at, null);
      assert.ok(!(await securityEvents(alice.client)).some((e) => e.type === 'session_revoked'), 'nothing was revoked on alice’s account');
      assert.ok(!(await securityEvents(mallory.client)).some((e) => e.type === 'session_revoked'), 'no revocation is recorded for a refusal');
    });

    it('answers 400 in the error shape for an id that is not a UUID, and revokes nothing (docs/api.md)', async () => {
      const alice = await signedUpBrowser(t.app);
      for (const bad of ['not-a-uuid', '123', `${randomUUID()}x`, "1' or '1'='1"]) {
        const response = await alice.client.delete(`/api/auth/sessions/${encodeURIComponent(bad)}`);
        assert.equal(response.statusCode, 400, `${bad}: ${response.body}`);
        const body = response.json();
        assertErrorBody(body, 'VALIDATION_FAILED');
        assert.ok(body.fields && typeof body.fields.id === 'string', 'the offending field is named');
        assert.doesNotMatch(response.body, /\.ts:\d+|node_modules|\n\s+at /, 'no stack trace');
      }
      assert.equal(await status(alice.client), 200);
      const live = await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', alice.user.id).where('revoked_at', 'is', null).execute();
      assert.equal(live.length, 1);
    });

    it('answers 404 when the session was already revoked', async () => {
      const alice = await signedUpBrowser(t.app);
      const other = await browserSignIn(t, alice.email, alice.password);
      assert.equal((await alice.client.delete(`/api/auth/sessions/${other.sessionId}`)).statusCode, 200);
      const again = await alice.client.delete(`/api/auth/sessions/${other.sessionId}`);
      assert.equal(again.statusCode, 404);
      assertErrorBody(again.json(), 'SESSION_NOT_FOUND');
    });

    it('revoking your own current session signs you out and clears the cookie (ASVS 7.4.1)', async () => {
      const alice = await signedUpBrowser(t.app);
      const own = await currentSessionId(alice.client);
      const cookie = alice.client.cookie!;
      const response = await alice.client.delete(`/api/auth/sessions/${own}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(alice.client.cookie, null, 'the cookie is cleared');
      assert.equal((await new Client(t.app).get('/api/auth/session', { cookie })).statusCode, 401, 'the old cookie no longer works');
    });

    it('refuses a cookie-authenticated revocation from another site (security.md §9, ASVS 3.5.1)', async () => {
      const alice = await signedUpBrowser(t.app);
      const other = await browserSignIn(t, alice.email, alice.password);
      const crossSite = await alice.client.delete(`/api/auth/sessions/${other.sessionId}`, { origin: 'https://evil.example' });
      const noOrigin = await alice.client.delete(`/api/auth/sessions/${other.sessionId}`, { origin: '' });
      for (const response of [crossSite, noOrigin]) {
        assert.equal(response.statusCode, 403, response.body);
        assertErrorBody(response.json(), 'CSRF_REJECTED');
      }
      assert.equal(await status(other.client), 200, 'the targeted session still works');
    });

    it('answers 401 without a session', async () => {
      const response = await new Client(t.app).delete(`/api/auth/sessions/${randomUUID()}`);
      assert.equal(response.statusCode, 401);
      assertErrorBody(response.json(), 'UNAUTHENTICATED');
    });

    it('records session_revoked in the owner’s log with the revoked id (security.md §10)', async () => {
      const alice = await signedUpBrowser(t.app);
      const own = await currentSessionId(alice.client);
      const other = await browserSignIn(t, alice.email, alice.password);
      assert.equal((await alice.client.delete(`/api/auth/sessions/${other.sessionId}`)).statusCode, 200);

      const [latest] = await securityEvents(alice.client);
      assert.ok(latest);
      assert.equal(latest.type, 'session_revoked');
      assert.equal(latest.sessionId, own, 'the event names the session that did it');
      assert.deepEqual(latest.metadata, { revokedSessionId: other.sessionId, current: false });
      const rows = await t.ctx.db.selectFrom('security_events').select(['type', 'user_id']).where('type', '=', 'session_revoked').where('user_id', '=', alice.user.id).execute();
      assert.equal(rows.length, 1);
    });
  });

  describe('POST /api/auth/sessions/revoke-others', () => {
    it('keeps the current session, ends every other one (cookie and bearer) and answers the count (ASVS 7.5.2, security.md §3)', async () => {
      const alice = await signedUpBrowser(t.app);
      const own = await currentSessionId(alice.client);
      const laptop = await browserSignIn(t, alice.email, alice.password, { userAgent: FIREFOX_LINUX });
      const apiOne = await bearerClient(t.app, alice.email, alice.password);
      const apiTwo = await bearerClient(t.app, alice.email, alice.password, { ip: '81.2.69.142' });
      const bob = await signedUpBrowser(t.app);

      const response = await alice.client.post('/api/auth/sessions/revoke-others');
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), { success: true, revoked: 3 });

      assert.equal(await status(laptop.client), 401, 'the other browser is out');
      assert.equal(await status(apiOne.client), 401, 'the first API client is out');
      assert.equal(await status(apiTwo.client), 401, 'the second API client is out');
      assert.equal(await status(alice.client), 200, 'the current session stays');
      assert.equal(await status(bob.client), 200, 'another user is untouched');

      const listed = (await alice.client.get('/api/auth/sessions')).json().sessions as { id: string }[];
      assert.deepEqual(listed.map((s) => s.id), [own]);
      const again = await alice.client.post('/api/auth/sessions/revoke-others');
      assert.deepEqual(again.json(), { success: true, revoked: 0 }, 'nothing left to revoke');
    });

    it('works from a bearer session and keeps that one', async () => {
      const alice = await signedUpBrowser(t.app);
      const api = await bearerClient(t.app, alice.email, alice.password);
      const response = await api.client.post('/api/auth/sessions/revoke-others', undefined, { origin: '' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().revoked, 1);
      assert.equal(await status(alice.client), 401);
      assert.equal(await status(api.client), 200);
    });

    it('counts only sessions that were still live (an idle-expired one is not “signed out” again)', async () => {
      const alice = await signedUpBrowser(t.app); // default session: 1 h idle
      const remembered = await browserSignIn(t, alice.email, alice.password, { remember: true });
      t.clock.advance(2 * HOUR);
      assert.equal(await status(alice.client), 401, 'the default session has ended by idle timeout');
      const listed = (await remembered.client.get('/api/auth/sessions')).json().sessions as { id: string }[];
      assert.deepEqual(listed.map((s) => s.id), [remembered.sessionId], 'the listing shows no other session');

      const response = await remembered.client.post('/api/auth/sessions/revoke-others');
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().revoked, 0, 'the answer matches the listing the user saw: no other live session');
    });

    it('records other_sessions_revoked with the count (security.md §10)', async () => {
      const alice = await signedUpBrowser(t.app);
      const own = await currentSessionId(alice.client);
      await browserSignIn(t, alice.email, alice.password);
      await bearerClient(t.app, alice.email, alice.password);
      assert.equal((await alice.client.post('/api/auth/sessions/revoke-others')).json().revoked, 2);
      const [latest] = await securityEvents(alice.client);
      assert.ok(latest);
      assert.equal(latest.type, 'other_sessions_revoked');
      assert.equal(latest.sessionId, own);
      assert.deepEqual(latest.metadata, { count: 2 });
    });

    it('refuses a cookie-authenticated call from another site (security.md §9)', async () => {
      const alice = await signedUpBrowser(t.app);
      const other = await browserSignIn(t, alice.email, alice.password);
      const response = await alice.client.post('/api/auth/sessions/revoke-others', undefined, { origin: 'https://evil.example' });
      assert.equal(response.statusCode, 403);
      assertErrorBody(response.json(), 'CSRF_REJECTED');
      assert.equal(await status(other.client), 200);
    });
  });

  describe('idle timeout and absolute lifetime', () => {
    it('ends a default session after 1 h without a request (ASVS 7.3.1)', async () => {
      const alice = await signedUpBrowser(t.app);
      t.clock.advance(HOUR + 1);
      const response = await alice.client.get('/api/auth/session');
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().code, 'UNAUTHENTICATED');
    });

    it('slides the idle deadline with each request inside the window', async () => {
      const alice = await signedUpBrowser(t.app);
      t.clock.advance(HOUR - 1);
      assert.equal(await status(alice.client), 200, 'just inside the first hour');
      t.clock.advance(HOUR - 1);
      assert.equal(await status(alice.client), 200, 'nearly two hours after sign-in, but active an hour ago');
      t.clock.advance(HOUR + 1);
      assert.equal(await status(alice.client), 401, 'an hour and a second of silence ends it');
    });

    it('enforces the expiry it reports, also when the last request came exactly a minute after the previous write', async () => {
      const alice = await signedUpBrowser(t.app);
      t.clock.advance(60);
      const seen = (await alice.client.get('/api/auth/session')).json().session as { lastActiveAt: string; expiresAt: string };
      assert.equal(seen.lastActiveAt, t.clock.now().toISOString(), 'the answer says the session was active now');
      const reportedEnd = Date.parse(seen.expiresAt);
      const stored = await t.ctx.db.selectFrom('sessions').select('last_active_at').where('user_id', '=', alice.user.id).executeTakeFirstOrThrow();
      t.clock.advance((reportedEnd - t.clock.now().getTime()) / 1000 - 1);
      assert.equal(await status(alice.client), 200, 'one second before the expiry it reported, the session still works');
      assert.equal(stored.last_active_at.toISOString(), seen.lastActiveAt, 'what the answer reported is what was stored');
    });

    it('ends a default session after 24 h however active it is (ASVS 7.3.2)', async () => {
      const alice = await signedUpBrowser(t.app);
      // Active every 50 minutes: never idle for an hour.
      for (let i = 0; i < 28; i += 1) {
        t.clock.advance(50 * 60);
        assert.equal(await status(alice.client), 200, `still signed in after ${(i + 1) * 50} minutes`);
      }
      t.clock.advance(DAY - 28 * 50 * 60 - 1);
      assert.equal(await status(alice.client), 200, 'one second before 24 h');
      t.clock.advance(1);
      assert.equal(await status(alice.client), 401, 'at 24 h it is over');
    });

    it('gives a remembered session 7 days idle and 30 days in all (ASVS 7.3.1, 7.3.2)', async () => {
      const alice = await signedUpBrowser(t.app);
      const remembered = await browserSignIn(t, alice.email, alice.password, { remember: true });
      const idle = await browserSignIn(t, alice.email, alice.password, { remember: true });
      t.clock.advance(2 * HOUR);
      assert.equal(await status(alice.client), 401, 'the default session has ended');
      assert.equal(await status(remembered.client), 200, 'a remembered one outlives the 1 h idle timeout');

      t.clock.advance(7 * DAY - 2 * HOUR);
      assert.equal(await status(idle.client), 401, 'seven days without a request end a remembered session');

      // Active every 6 days (inside the 7-day idle window) until the 30-day lifetime is nearly over.
      let elapsed = 7 * DAY;
      assert.equal(await status(remembered.client), 200, 'day 7');
      while (elapsed + 6 * DAY < 30 * DAY) {
        t.clock.advance(6 * DAY);
        elapsed += 6 * DAY;
        assert.equal(await status(remembered.client), 200, `day ${elapsed / DAY}`);
      }
      t.clock.advance(30 * DAY - elapsed - 1);
      assert.equal(await status(remembered.client), 200, 'one second before 30 days');
      t.clock.advance(1);
      assert.equal(await status(remembered.client), 401, 'at 30 days it is over');
    });

    it('gives a remembered browser a persistent cookie and a default one a browser-session cookie', async () => {
      const alice = await signedUpBrowser(t.app);
      const plain = await new Client(t.app).post('/api/auth/login', { email: alice.email, password: alice.password });
      const remembered = await new Client(t.app).post('/api/auth/login', { email: alice.email, password: alice.password, rememberDevice: true });
      const plainCookie = plain.cookies.find((c) => c.name === 'gatehouse_session');
      const rememberedCookie = remembered.cookies.find((c) => c.name === 'gatehouse_session');
      assert.ok(plainCookie && rememberedCookie);
      assert.equal(plainCookie.maxAge, undefined, 'ends with the browser');
      assert.equal(rememberedCookie.maxAge, 30 * DAY);
    });
  });

  describe('lastActiveAt', () => {
    it('is written at most once a minute, and an activity after that moves it', async () => {
      const alice = await signedUpBrowser(t.app);
      const id = await currentSessionId(alice.client);
      const signedInAt = t.clock.now();
      const stored = async () => (await sessionRow(t, id)).last_active_at.getTime();
      assert.equal(await stored(), signedInAt.getTime());

      t.clock.advance(10);
      assert.equal(await status(alice.client), 200);
      t.clock.advance(10);
      assert.equal(await status(alice.client), 200);
      assert.equal(await stored(), signedInAt.getTime(), 'requests 10 and 20 s later do not write');

      t.clock.advance(41); // 61 s after the last write
      assert.equal(await status(alice.client), 200);
      assert.equal(await stored(), t.clock.now().getTime(), 'a request 61 s after the last write moves it');
      const movedAt = t.clock.now().getTime();

      t.clock.advance(30);
      assert.equal(await status(alice.client), 200);
      assert.equal(await stored(), movedAt, 'and the next minute starts from there');
    });

    it('measures the idle hour from the last recorded activity', async () => {
      const alice = await signedUpBrowser(t.app);
      const id = await currentSessionId(alice.client);
      t.clock.advance(30 * 60);
      assert.equal(await status(alice.client), 200); // written: 30 min after sign-in
      const written = (await sessionRow(t, id)).last_active_at.getTime();
      assert.equal(written, t.clock.now().getTime());
      t.clock.advance(HOUR - 1);
      assert.equal(await status(alice.client), 200, 'inside an hour of the last recorded activity');
      t.clock.advance(HOUR + 1);
      assert.equal(await status(alice.client), 401);
    });
  });
});
