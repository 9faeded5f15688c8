// POST /api/auth/password/strength: the strength meter of a signed-in user choosing a password. It
// rates the candidate by the policy a password change applies, with the user's own details as
// context, and says why in the change's own words (security.md §1); it changes, logs and stores
// nothing; it needs a session; and each user gets a budget of ratings per hour (security.md §6).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TestApp } from '../../support/app.ts';
import { Client, signedUpBrowser, uniqueEmail } from '../../support/client.ts';
import { assertErrorShape } from '../../support/error-shape.ts';
import { securityEventTypes } from '../../support/events.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

const ROUTE = '/api/auth/password/strength';
const STRONG_CANDIDATE = 'copper-meadow-lantern-61';

async function rate(client: Client, password: unknown) {
  return client.post(ROUTE, { password });
}

async function passwordHash(t: TestApp, userId: string) {
  return (await t.ctx.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow()).password_hash;
}

describeOnEachDatabase('password strength meter', (t) => {
  it('refuses a common password with the reason a password change gives for it (ASVS V6.2.12)', async () => {
    const alice = await signedUpBrowser(t.app);
    const response = await rate(alice.client, 'password1234');
    assert.equal(response.statusCode, 200, response.body);
    const verdict = response.json();
    assert.equal(verdict.acceptable, false);
    assert.ok(verdict.score >= 0 && verdict.score <= 2, `a refused password scores below 3: ${verdict.score}`);

    const change = await alice.client.put('/api/auth/change-password', { currentPassword: alice.password, newPassword: 'password1234' });
    assert.equal(change.statusCode, 400);
    assert.equal(verdict.reason, change.json().fields.newPassword, 'the meter says what the change would say');
  });

  it('refuses a password made of the user\'s own email and name (ASVS V6.2.11)', async () => {
    const bob = await signedUpBrowser(t.app, { email: uniqueEmail('marguerite'), displayName: 'Bartholomew Quince' });
    const candidate = 'marguerite-quince-2024';
    const verdict = (await rate(bob.client, candidate)).json();
    assert.equal(verdict.acceptable, false);
    assert.match(verdict.reason, /your email, your name/);
    // The same text is not about another account, with other details.
    const carol = await signedUpBrowser(t.app);
    assert.doesNotMatch((await rate(carol.client, candidate)).json().reason ?? '', /your email|your name/);
  });

  it('accepts a long unrelated passphrase: score 3 or 4, no reason', async () => {
    const alice = await signedUpBrowser(t.app);
    const response = await rate(alice.client, STRONG_CANDIDATE);
    assert.equal(response.statusCode, 200, response.body);
    const verdict = response.json();
    assert.equal(verdict.acceptable, true);
    assert.ok(verdict.score >= 3 && verdict.score <= 4, `score ${verdict.score}`);
    assert.equal(verdict.reason, undefined);
  });

  it('says how long a password must be for a short one', async () => {
    const alice = await signedUpBrowser(t.app);
    const verdict = (await rate(alice.client, 'Tr0ub4dor')).json();
    assert.equal(verdict.acceptable, false);
    assert.match(verdict.reason, new RegExp(`at least ${t.ctx.config.passwordMinLength} characters`));
  });

  it('changes nothing, records no event and never writes the candidate to the log (ASVS V16.2.5)', async () => {
    const alice = await signedUpBrowser(t.app);
    const hashBefore = await passwordHash(t, alice.user.id);
    const eventsBefore = await securityEventTypes(alice.client);
    const candidate = 'zephyr-candidate-never-logged-8842';
    assert.equal((await rate(alice.client, candidate)).statusCode, 200);
    assert.equal(await passwordHash(t, alice.user.id), hashBefore);
    assert.deepEqual(await securityEventTypes(alice.client), eventsBefore);
    assert.equal((await alice.client.get('/api/auth/session')).statusCode, 200, 'the session goes on');
    assert.ok(!t.logs.join('').includes(candidate), 'the candidate is in no log line');
  });

  it('answers 401 without a session', async () => {
    const stranger = new Client(t.app);
    assertErrorShape(await rate(stranger, STRONG_CANDIDATE), { status: 401, code: 'UNAUTHENTICATED' });
  });

  it('refuses malformed input with 400 in the error shape', async () => {
    const alice = await signedUpBrowser(t.app);
    for (const body of [{}, { password: '' }, { password: 42 }, { password: STRONG_CANDIDATE, extra: true }, { password: 'x'.repeat(1025) }]) {
      const response = await alice.client.post(ROUTE, body);
      assertErrorShape(response, { status: 400 });
    }
  });
});

describeOnEachDatabase('password strength meter: per-user budget', { rateLimits: { passwordStrengthChecksPerUserPerHour: 3 } }, (t) => {
  it('rates exactly the budget of 50 concurrent candidates and refuses the rest with 429; another user keeps theirs (security.md §6)', async () => {
    const alice = await signedUpBrowser(t.app);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => rate(alice.client, `${STRONG_CANDIDATE}-${i}`)));
    const statuses = answers.map((answer) => answer.statusCode);
    assert.equal(statuses.filter((status) => status === 200).length, 3, `rated: ${statuses.join(',')}`);
    for (const answer of answers.filter((a) => a.statusCode !== 200)) {
      assertErrorShape(answer, { status: 429, code: 'RATE_LIMITED' });
      assert.ok(Number(answer.headers['retry-after']) > 0, 'Retry-After says when');
    }
    const bob = await signedUpBrowser(t.app);
    assert.equal((await rate(bob.client, STRONG_CANDIDATE)).statusCode, 200);
    t.clock.advance(3601);
  });
});
