// Second-factor attempt limits under concurrency (security.md §4, §6): every attempt is taken
// before its code is checked, so a burst of codes sent at once gets no more of them checked than
// the limits allow — 5 per challenge or texted code, 10 per account before a lockout that starts
// at 15 minutes and doubles, 30 a day — on PostgreSQL as on PGlite. Disabling two-factor takes the
// password-check budget before the password and the account's budget before the code; texts take
// the hourly budget before they are sent. The defaults are the app's own: nothing is overridden.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { Client, signedUpBrowser } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { signedUpWithTotp } from '../../support/two-factor.ts';

const BURST = 60;
const WRONG_CODE = '000000';
const PHONE = '+447911123456';

/** How many of each status came back, e.g. { '401 INVALID_CODE': 5, '401 INVALID_CHALLENGE': 55 }. */
function tally(responses: LightMyRequestResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of responses) {
    const key = `${r.statusCode} ${(r.json() as { code?: string }).code ?? ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function assertLocked(response: LightMyRequestResponse, retryAfterSeconds: number): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.equal(response.headers['retry-after'], String(retryAfterSeconds));
  assert.deepEqual(Object.keys(response.json()).sort(), ['code', 'message', 'success']);
  assert.equal(response.json().code, 'RATE_LIMITED');
}

describeOnEachDatabase('two-factor attempt limits under concurrency', (t) => {
  /** A fresh browser that has passed the password step. */
  async function challenge(email: string, password: string) {
    const client = new Client(t.app);
    const response = await client.post('/api/auth/login', { email, password });
    assert.equal(response.json().twoFactorRequired, true, response.body);
    return { client, challengeId: response.json().challengeId as string };
  }

  /** Codes checked and found wrong so far: one two_factor_failed event each. */
  async function eventCount(userId: string, type: 'two_factor_failed' | 'two_factor_locked'): Promise<number> {
    const row = await t.ctx.db
      .selectFrom('security_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('type', '=', type)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Codes actually checked while `action` runs: each TOTP check opens the user's sealed secret once. */
  async function totpChecksDuring<T>(action: () => Promise<T>): Promise<{ result: T; checked: number }> {
    const keyring = t.ctx.keyring;
    const open = keyring.open.bind(keyring);
    let checked = 0;
    keyring.open = (sealed, context) => {
      if (context.startsWith('two_factor_methods:totp:')) checked += 1;
      return open(sealed, context);
    };
    try {
      return { result: await action(), checked };
    } finally {
      keyring.open = open;
    }
  }

  /** 60 wrong codes at once, 5 on each of 12 challenges; returns the answers and the codes checked. */
  async function wrongCodesAcrossChallenges(email: string, password: string) {
    const challenges: Awaited<ReturnType<typeof challenge>>[] = [];
    for (let i = 0; i < BURST / 5; i++) challenges.push(await challenge(email, password));
    const { result, checked } = await totpChecksDuring(() =>
      Promise.all(challenges.flatMap(({ client, challengeId }) => Array.from({ length: 5 }, () => client.post('/api/auth/login/2fa', { challengeId, code: WRONG_CODE })))),
    );
    assert.equal(checked, 10, 'codes checked in this burst');
    return result;
  }

  async function signInWithRightCode(email: string, password: string, secret: string) {
    const { client, challengeId } = await challenge(email, password);
    return client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
  }

  it('60 wrong codes at once on one challenge: exactly 5 are checked, and the right code after them is refused (V6.3.1)', async () => {
    const { email, password, secret, user } = await signedUpWithTotp(t.app, t.clock);
    const { client, challengeId } = await challenge(email, password);
    const { result: responses, checked } = await totpChecksDuring(() => Promise.all(Array.from({ length: BURST }, () => client.post('/api/auth/login/2fa', { challengeId, code: WRONG_CODE }))));
    assert.equal(checked, 5);
    assert.deepEqual(tally(responses), { '401 INVALID_CODE': 5, '401 INVALID_CHALLENGE': BURST - 5 });
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 5);
    const right = await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(right.statusCode, 401);
    assert.equal(right.json().code, 'INVALID_CHALLENGE');
    assert.equal(client.cookie, null, 'no session');
  });

  it('60 wrong codes at once across challenges: exactly 10 are checked, then 15 minutes locked, then 30; the day stops at 30 wrong codes (V6.3.1)', async () => {
    const { email, password, secret, user } = await signedUpWithTotp(t.app, t.clock);

    // Round 1: 10 checked, the account waits 15 minutes; even the right code waits.
    const first = await wrongCodesAcrossChallenges(email, password);
    assert.deepEqual(tally(first), { '401 INVALID_CODE': 10, '429 RATE_LIMITED': BURST - 10 });
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 10);
    assert.equal(await eventCount(user.id, 'two_factor_locked'), 1);
    assertLocked(first.find((r) => r.statusCode === 429)!, 15 * 60);
    assertLocked(await signInWithRightCode(email, password, secret), 15 * 60);
    t.clock.advance(15 * 60 - 1);
    assertLocked(await signInWithRightCode(email, password, secret), 1);
    t.clock.advance(1);

    // Round 2: another 10, and the lockout doubles.
    const second = await wrongCodesAcrossChallenges(email, password);
    assert.deepEqual(tally(second), { '401 INVALID_CODE': 10, '429 RATE_LIMITED': BURST - 10 });
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 20);
    assertLocked(second.find((r) => r.statusCode === 429)!, 30 * 60);
    t.clock.advance(30 * 60);

    // Round 3 reaches 30 wrong codes in the day: locked until the day (from the first) is over.
    const third = await wrongCodesAcrossChallenges(email, password);
    assert.deepEqual(tally(third), { '401 INVALID_CODE': 10, '429 RATE_LIMITED': BURST - 10 });
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 30);
    // The day began with the first attempt: the set-up code, 30 s before the first burst.
    const dayLeft = 24 * 3600 - 30 - 15 * 60 - 30 * 60;
    assertLocked(third.find((r) => r.statusCode === 429)!, dayLeft);
    const events = ((await t.ctx.db.selectFrom('security_events').select('metadata').where('user_id', '=', user.id).where('type', '=', 'two_factor_locked').orderBy('seq').execute()).map((e) => e.metadata.reason));
    assert.deepEqual(events, ['lockout', 'lockout', 'daily_cap']);
    t.clock.advance(2 * 3600); // past what a third doubled lockout (1 hour) would be
    assertLocked(await signInWithRightCode(email, password, secret), dayLeft - 2 * 3600);
    t.clock.advance(dayLeft - 2 * 3600);

    // A new day: 10 more, and the lockouts keep growing (the fourth is 2 hours).
    const fourth = await wrongCodesAcrossChallenges(email, password);
    assert.deepEqual(tally(fourth), { '401 INVALID_CODE': 10, '429 RATE_LIMITED': BURST - 10 });
    assertLocked(fourth.find((r) => r.statusCode === 429)!, 2 * 3600);
    t.clock.advance(2 * 3600);

    // The owner's right code starts the lockouts over; the day's wrong codes stay counted.
    assert.equal((await signInWithRightCode(email, password, secret)).statusCode, 200);
    t.clock.advance(30);
    const fifth = await wrongCodesAcrossChallenges(email, password);
    assert.deepEqual(tally(fifth), { '401 INVALID_CODE': 10, '429 RATE_LIMITED': BURST - 10 });
    assertLocked(fifth.find((r) => r.statusCode === 429)!, 15 * 60);
    t.clock.advance(15 * 60);
    const sixth = await wrongCodesAcrossChallenges(email, password);
    assert.deepEqual(tally(sixth), { '401 INVALID_CODE': 10, '429 RATE_LIMITED': BURST - 10 });
    const newDayLeft = 24 * 3600 - 2 * 3600 - 30 - 15 * 60;
    assertLocked(sixth.find((r) => r.statusCode === 429)!, newDayLeft);
  });

  it('lockouts stop growing at 24 hours: the 7th is 16 h, the 8th 24 h rather than 32 h (V6.3.1)', async () => {
    const { email, password, user } = await signedUpWithTotp(t.app, t.clock);
    // Six lockouts behind it, as after days of guessing (walking there takes days of bursts).
    await t.ctx.db.updateTable('second_factor_attempts').set({ lockouts: 6 }).where('user_id', '=', user.id).execute();
    assertLocked((await wrongCodesAcrossChallenges(email, password)).find((r) => r.statusCode === 429)!, 16 * 3600);
    t.clock.advance(16 * 3600);
    assertLocked((await wrongCodesAcrossChallenges(email, password)).find((r) => r.statusCode === 429)!, 24 * 3600);
  });

  it('re-authentication codes share the account budget: 60 at once after 9 wrong sign-in codes get 1 checked (V6.3.1)', async () => {
    const { email, password, user, client: owner } = await signedUpWithTotp(t.app, t.clock);
    const { client, challengeId } = await challenge(email, password);
    for (let i = 0; i < 5; i++) await client.post('/api/auth/login/2fa', { challengeId, code: WRONG_CODE });
    const again = await challenge(email, password);
    for (let i = 0; i < 4; i++) await again.client.post('/api/auth/login/2fa', { challengeId: again.challengeId, code: WRONG_CODE });
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 9);
    const { result: responses, checked } = await totpChecksDuring(() => Promise.all(Array.from({ length: BURST }, () => owner.post('/api/auth/reauthenticate', { password, code: WRONG_CODE }))));
    assert.equal(checked, 1);
    assert.equal(tally(responses)['400 INVALID_CONFIRMATION_CODE'], 1, JSON.stringify(tally(responses)));
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 10);
  });

  it('60 wrong passwords at once to turn two-factor off: exactly the 10 wrong password checks of the day run (V6.3.1)', async () => {
    const { client, user } = await signedUpWithTotp(t.app, t.clock);
    const verify = t.ctx.hasher.verify.bind(t.ctx.hasher);
    let checked = 0;
    t.ctx.hasher.verify = async (...args) => {
      checked += 1;
      return verify(...args);
    };
    try {
      const responses = await Promise.all(
        Array.from({ length: BURST }, (_, i) => client.post('/api/auth/2fa/disable', { password: `Wrong-Guess-${i}-abcdef`, token: WRONG_CODE })),
      );
      assert.deepEqual(tally(responses), { '400 INVALID_PASSWORD': 10, '429 RATE_LIMITED': BURST - 10 });
      assert.equal(checked, 10);
    } finally {
      t.ctx.hasher.verify = verify;
    }
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 0, 'no code was checked');
    assert.equal((await client.get('/api/auth/2fa/status')).json().enabled, true);
  });

  it('60 right passwords with wrong codes at once to turn two-factor off: no more codes are checked than the account has left (V6.3.1)', async () => {
    const { email, password, user, client: owner } = await signedUpWithTotp(t.app, t.clock);
    const { client, challengeId } = await challenge(email, password);
    for (let i = 0; i < 5; i++) await client.post('/api/auth/login/2fa', { challengeId, code: WRONG_CODE });
    // 5 of the account's 10 are spent; a right password gives its password check back, so only
    // the second-factor budget stands between these codes and the check.
    const { result: responses, checked } = await totpChecksDuring(() => Promise.all(Array.from({ length: BURST }, () => owner.post('/api/auth/2fa/disable', { password, token: WRONG_CODE }))));
    assert.equal(checked, 5);
    assert.equal(tally(responses)['400 INVALID_CONFIRMATION_CODE'], 5, JSON.stringify(tally(responses)));
    assert.equal(await eventCount(user.id, 'two_factor_failed'), 10);
    assert.equal(await eventCount(user.id, 'two_factor_locked'), 1);
  });

  describe('text messages', () => {
    let sent: { to: string; body: string }[];
    before(() => {
      sent = [];
      const send = t.ctx.sms.send.bind(t.ctx.sms);
      t.ctx.sms.send = async (message) => {
        sent.push(message);
        return send(message);
      };
    });

    const lastCode = (): string => /(\d{6})/.exec(sent.at(-1)!.body)![1]!;

    it('60 enrolment texts asked for at once: exactly 5 are sent, the rest answer 429 (V6.6.3)', async () => {
      const { client } = await signedUpBrowser(t.app);
      const before = sent.length;
      const responses = await Promise.all(Array.from({ length: BURST }, () => client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE })));
      assert.deepEqual(tally(responses), { '200 ': 5, '429 RATE_LIMITED': BURST - 5 }, JSON.stringify(tally(responses)));
      assert.equal(sent.length - before, 5);
      assert.ok(Number(responses.find((r) => r.statusCode === 429)!.headers['retry-after']) > 0);
    });

    it('60 wrong enrolment codes at once: exactly 5 are checked, and the right code after them is refused (V6.6.3)', async () => {
      const { client, user } = await signedUpBrowser(t.app);
      assert.equal((await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE })).statusCode, 200);
      const code = lastCode();
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const responses = await Promise.all(Array.from({ length: BURST }, () => client.post('/api/auth/2fa/sms/verify', { code: wrong })));
      assert.deepEqual(tally(responses), { '400 INVALID_CONFIRMATION_CODE': BURST });
      assert.equal(await eventCount(user.id, 'two_factor_failed'), 5);
      assert.equal((await client.post('/api/auth/2fa/sms/verify', { code })).statusCode, 400);
    });

    it('60 sign-in texts asked for at once: exactly the 5 of the hour are sent (V6.6.3)', async () => {
      const { client, email, password } = await signedUpBrowser(t.app);
      assert.equal((await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE })).statusCode, 200);
      assert.equal((await client.post('/api/auth/2fa/sms/verify', { code: lastCode() })).statusCode, 200);
      const { client: browser, challengeId } = await challenge(email, password);
      const before = sent.length;
      const responses = await Promise.all(Array.from({ length: BURST }, () => browser.post('/api/auth/login/2fa/sms', { challengeId })));
      // One of the hour's 5 went on the enrolment text.
      assert.equal(tally(responses)['429 RATE_LIMITED'], BURST - 4, JSON.stringify(tally(responses)));
      assert.equal(sent.length - before, 4);
    });
  });
});
