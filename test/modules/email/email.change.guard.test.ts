// security.md §6, §8: asking to change the email address is a sensitive action (ASVS 7.5.1): it
// needs a session signed in or reauthenticated in the last 10 minutes, the password (each check
// spends the per-user password-check budget before the hash, so parallel guesses cannot exceed
// it, ASVS 6.3.1) and, when the account has a second factor, a TOTP or backup code.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { signedUpBrowser, uniqueEmail } from '../../support/client.ts';
import { queuedCount } from '../../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp } from '../../support/two-factor.ts';

/** Wrong password checks per signed-in user per day (security.md §6). */
const PASSWORD_CHECK_FAILURES_PER_DAY = 10;
const PARALLEL_GUESSES = 50;

describeWithMailOnEachDatabase('asking for an email change needs a fresh session, the password within its attempt limit, and the second factor', { rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  async function failureEvents(userId: string): Promise<number> {
    const row = await t.ctx.db
      .selectFrom('security_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('type', '=', 'email_change_failed')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it(`${PARALLEL_GUESSES} wrong passwords at once evaluate exactly ${PASSWORD_CHECK_FAILURES_PER_DAY}; the rest and then the right one answer 429 (ASVS 6.3.1)`, async () => {
    const { client, password, user } = await signedUpBrowser(t.app);
    const hasher = t.ctx.hasher;
    const verify = hasher.verify;
    let verifications = 0;
    hasher.verify = (storedHash, candidate) => {
      verifications += 1;
      return verify.call(hasher, storedHash, candidate);
    };
    let responses;
    try {
      responses = await Promise.all(
        Array.from({ length: PARALLEL_GUESSES }, (_, i) => client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password: `wrong-guess-${i}-abcdefgh` })),
      );
    } finally {
      hasher.verify = verify;
    }
    const statuses = responses.map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 400).length, PASSWORD_CHECK_FAILURES_PER_DAY, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, PARALLEL_GUESSES - PASSWORD_CHECK_FAILURES_PER_DAY, statuses.join(','));
    assert.equal(verifications, PASSWORD_CHECK_FAILURES_PER_DAY, 'password hashes evaluated');
    assert.equal(await failureEvents(user.id), PASSWORD_CHECK_FAILURES_PER_DAY, 'email_change_failed events');
    for (const refused of responses.filter((r) => r.statusCode === 429)) assert.ok(Number(refused.headers['retry-after']) > 0);

    const right = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password });
    assert.equal(right.statusCode, 429, 'the budget is spent: even the right password waits');
    assert.equal(await queuedCount(t, 'email_change'), 0, 'no link was ever queued');
  });

  it('a right password gives its attempt back: only wrong ones count towards the budget', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    const ask = (candidate: string) => client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password: candidate });
    for (let i = 1; i < PASSWORD_CHECK_FAILURES_PER_DAY; i++) assert.equal((await ask(`wrong-guess-${i}-abcdefgh`)).statusCode, 400);
    assert.equal((await ask(password)).statusCode, 202, 'the right password, with one attempt left');
    assert.equal((await ask('wrong-guess-last-abcdefgh')).statusCode, 400, 'the attempt the right password took was given back');
    assert.equal((await ask('wrong-guess-over-abcdefgh')).statusCode, 429);
  });

  it('a session last authenticated more than 10 minutes ago gets 403 REAUTH_REQUIRED; after reauthenticating it may (ASVS 7.5.1)', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    t.clock.advance(11 * 60);
    const stale = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password });
    assert.equal(stale.statusCode, 403, stale.body);
    assert.equal(stale.json().code, 'REAUTH_REQUIRED');
    assert.equal((await client.post('/api/auth/reauthenticate', { password })).statusCode, 200);
    const fresh = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password });
    assert.equal(fresh.statusCode, 202, fresh.body);
  });

  it('with a second factor on: no code is 400 CODE_REQUIRED, a wrong one 400 INVALID_CONFIRMATION_CODE, a TOTP or a backup code is accepted (ASVS 7.5.1)', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    const { secret, backupCodes } = await enrolTotp(client, t.clock);
    const linksBefore = await queuedCount(t, 'email_change');

    const missing = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password });
    assert.equal(missing.statusCode, 400, missing.body);
    assert.equal(missing.json().code, 'CODE_REQUIRED');
    assert.equal(typeof missing.json().fields?.code, 'string');

    const wrong = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password, code: '000000' });
    assert.equal(wrong.statusCode, 400, wrong.body);
    assert.equal(wrong.json().code, 'INVALID_CONFIRMATION_CODE');
    assert.equal(await queuedCount(t, 'email_change'), linksBefore, 'no link without the second factor');

    const withTotp = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(withTotp.statusCode, 202, withTotp.body);
    const withBackup = await client.post('/api/auth/email/change', { newEmail: uniqueEmail('new'), password, code: backupCodes[0]! });
    assert.equal(withBackup.statusCode, 202, withBackup.body);
    assert.equal(await queuedCount(t, 'email_change'), linksBefore + 2);
  });
});
