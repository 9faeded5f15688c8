// README "Rate limits": if Redis fails, limited routes answer 503 rather than go unlimited. The app
// runs against a Redis of its own that the test stops under it, then starts again: while it is
// gone, every limited route answers 503 SERVICE_UNAVAILABLE in the error shape and does nothing
// (not even for the right password), the routes that need no counter keep working, and once Redis
// is back the limited routes work again (ASVS 6.3.1 holds under failure: the limit fails closed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../support/app.ts';
import { Client, signedUpBrowser, signInStatus, uniqueEmail } from '../support/client.ts';
import { databaseKinds } from '../support/databases.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { appWithOwnRedis, closeAppWithOwnRedis, type TestRedisServer } from '../support/redis-server.ts';
import { eventually } from '../support/smtp.ts';

const NEW_PASSWORD = 'copper-lantern-meadow-93';

for (const kind of databaseKinds) {
  describe(`rate limits: Redis goes away (${kind})`, () => {
    let t: TestApp;
    let redis: TestRedisServer;
    before(async () => ({ t, redis } = await appWithOwnRedis(kind)));
    after(() => closeAppWithOwnRedis(t, redis));

    const unavailable = (response: Awaited<ReturnType<Client['post']>>, what: string) => {
      assert.equal(response.statusCode, 503, `${what}: ${response.statusCode} ${response.body}`);
      assertErrorShape(response, { status: 503, code: 'SERVICE_UNAVAILABLE' });
      assert.equal(response.cookies.find((c) => c.name.endsWith('gatehouse_session')), undefined, `${what}: no session cookie`);
    };

    it('limited routes answer 503 SERVICE_UNAVAILABLE and do nothing while Redis is down, and work again when it is back', async () => {
      const { client, email, password } = await signedUpBrowser(t.app);
      assert.equal(await signInStatus(t.app, email, password), 200, 'with Redis up, sign-in works');

      await redis.stop();

      unavailable(await new Client(t.app).post('/api/auth/login', { email, password }), 'the right password');
      unavailable(await new Client(t.app).post('/api/auth/login', { email, password: 'not-the-password-at-all' }), 'a wrong password');
      unavailable(await new Client(t.app).post('/api/auth/login', { email: uniqueEmail('nobody'), password }), 'an unknown email');
      const newcomer = uniqueEmail('newcomer');
      unavailable(await new Client(t.app).post('/api/auth/register', { email: newcomer, password }), 'registration');
      unavailable(await client.put('/api/auth/change-password', { currentPassword: password, newPassword: NEW_PASSWORD }), 'password change');

      const created = await t.ctx.db.selectFrom('users').select('id').where('email', '=', newcomer).executeTakeFirst();
      assert.equal(created, undefined, 'no account was created');
      const changed = await t.ctx.db.selectFrom('security_events').select('id').where('type', '=', 'password_changed').execute();
      assert.deepEqual(changed, [], 'the password was not changed');
      // What needs no counter keeps working: the existing session, reading the profile.
      assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'a signed-in session still works');
      assert.equal((await client.get('/api/auth/profile')).statusCode, 200);

      await redis.resume();
      await eventually('sign-in to work again once Redis is back', async () => (await signInStatus(t.app, email, password)) === 200);
      assert.equal((await client.put('/api/auth/change-password', { currentPassword: password, newPassword: NEW_PASSWORD })).statusCode, 200, 'the unchanged password is still the current one');
      assert.equal(await signInStatus(t.app, email, NEW_PASSWORD), 200);
    });
  });
}
