// security.md §3 / ASVS V7.1.2 (a documented limit on concurrent sessions, and what happens at it):
// a user holds at most 100 live sessions; a sign-in beyond that ends the least recently used one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { MAX_SESSIONS_PER_USER } from '../../../src/modules/sessions/service.ts';
import { Client, signedUpBrowser } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

describeOnEachDatabase('concurrent sessions per user', (t) => {
  it(`a sign-in beyond ${MAX_SESSIONS_PER_USER} live sessions ends the least recently used one (V7.1.2)`, async () => {
    assert.equal(MAX_SESSIONS_PER_USER, 100, 'the limit security.md states');
    const { client, email, password, user } = await signedUpBrowser(t.app);
    // The other devices, each used a second longer ago than the one before.
    const own = await t.ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    const now = t.clock.now().getTime();
    const others = Array.from({ length: MAX_SESSIONS_PER_USER - 1 }, (_, i) => {
      const { id: _id, ...rest } = own;
      return { ...rest, token_hash: randomBytes(32).toString('base64url'), last_active_at: new Date(now - (i + 1) * 1000) };
    });
    await t.ctx.db.insertInto('sessions').values(others).execute();
    const leastRecent = others.at(-1)!.token_hash;

    const login = await new Client(t.app).post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 200, login.body);
    const live = await t.ctx.db.selectFrom('sessions').select(['token_hash', 'revoked_reason']).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
    assert.equal(live.length, MAX_SESSIONS_PER_USER);
    assert.ok(!live.some((s) => s.token_hash === leastRecent), 'the least recently used one ended');
    const ended = await t.ctx.db.selectFrom('sessions').select('revoked_reason').where('token_hash', '=', leastRecent).executeTakeFirstOrThrow();
    assert.equal(ended.revoked_reason, 'session_limit');
    assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'the browser in use keeps its session');
  });
});
