// Mass assignment (ASVS 15.3.3, 2.2.1): registration and profile bodies carrying server-owned
// fields — role, status, the verification date, the id, the password hash, the timestamps — are
// refused whole, and nothing of them reaches the account. (That unknown fields are refused on
// every route, including isAdmin/role/status/emailVerified, is in test/http/web-safety.input.test.ts;
// here the database row is read back.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

/** Server-owned fields, under the names of the database and of the API. */
const FORGED: Record<string, unknown> = {
  role: 'ADMIN',
  status: 'active',
  email_verified_at: '2020-01-01T00:00:00.000Z',
  emailVerifiedAt: '2020-01-01T00:00:00.000Z',
  emailVerified: true,
  id: randomUUID(),
  user_id: randomUUID(),
  password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA',
  created_at: '2020-01-01T00:00:00.000Z',
  last_login_at: '2020-01-01T00:00:00.000Z',
  failed_attempts: 0,
};

describeOnEachDatabase('attack: mass assignment', (t) => {
  it('registration with a server-owned field is refused and creates no account', async () => {
    for (const [field, value] of Object.entries(FORGED)) {
      const email = uniqueEmail('forged');
      const response = await new Client(t.app).post('/api/auth/register', { email, password: STRONG_PASSWORD, [field]: value });
      const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
      assert.ok(body.fields && field in body.fields, `${field} is named: ${response.body}`);
      const created = await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      assert.equal(created, undefined, `${field}: no account`);
    }
  });

  it('a profile update with a server-owned field (or the email) is refused and the account row is unchanged', async () => {
    const { client, user } = await signedUpBrowser(t.app, { displayName: 'Original Name' });
    const before = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    for (const [field, value] of Object.entries({ ...FORGED, email: uniqueEmail('taken-over') })) {
      const response = await client.patch('/api/auth/profile', { displayName: 'Forged Name', [field]: value });
      const body = assertErrorShape(response, { status: 400, code: 'VALIDATION_FAILED' });
      assert.ok(body.fields && field in body.fields, `${field} is named: ${response.body}`);
    }
    const after = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.deepEqual(after, before, 'not even the display name sent alongside was applied');
    const me = (await client.get('/api/auth/session')).json().user;
    assert.equal(me.role, 'USER');
    assert.equal(me.emailVerified, false);
  });
});
