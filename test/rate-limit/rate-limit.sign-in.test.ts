// SPEC 4.5 (ASVS 6.1.1, 6.3.1, 2.4.1; NIST 800-63B): failed sign-ins for one account from one
// address meet a growing delay, answered 429 + Retry-After; the owner elsewhere is not locked out
// until the per-account daily limit; a success clears the count; unknown emails are limited alike;
// registration is limited per address; the limits hold across instances through Redis.
//
// Tests cannot wait out a delay (no sleeping), so where a test needs a delay to have passed it
// makes it pass: the in-memory store (PGlite variant) runs on mocked timers that the test moves
// forward; in Redis (PostgreSQL variant) the delay key is removed once its TTL has been checked
// against Retry-After.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { defaultRateLimits } from '../../src/config.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { databaseKinds, redisUrl } from '../support/databases.ts';
import { assertErrorShape } from '../support/error-shape.ts';

const FAILURES_BEFORE_DELAY = 3;
const FAILURES_PER_ACCOUNT_PER_DAY = 8;
const FAILURES_PER_IP_PER_HOUR = 12;
const WRONG = 'not-the-password-at-all';

let ipCounter = 0;
/** A fresh client address per use, so tests in one app never share an IP counter by accident. */
function freshIp(): string {
  ipCounter += 1;
  return `198.51.${100 + Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

/** Asserts a SPEC 4.5 answer: 429 RATE_LIMITED with a whole number of seconds in Retry-After. */
function assertRateLimited(response: LightMyRequestResponse): number {
  assertErrorShape(response, { status: 429, code: 'RATE_LIMITED' });
  const header = response.headers['retry-after'];
  assert.match(String(header), /^[1-9]\d*$/, `Retry-After is a positive number of seconds (got ${String(header)})`);
  assert.equal(response.headers['set-cookie'], undefined, 'no session is issued');
  return Number(header);
}

function signIn(t: TestApp, ip: string, email: string, password: string): Promise<LightMyRequestResponse> {
  return new Client(t.app, { ip }).post('/api/auth/login', { email, password });
}

async function fail(t: TestApp, ip: string, email: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    const response = await signIn(t, ip, email, WRONG);
    assertErrorShape(response, { status: 401, code: 'INVALID_CREDENTIALS' });
  }
}

const limits = {
  signInFailuresBeforeDelay: FAILURES_BEFORE_DELAY,
  signInFailuresPerAccountPerDay: FAILURES_PER_ACCOUNT_PER_DAY,
  signInFailuresPerIpPerHour: FAILURES_PER_IP_PER_HOUR,
};

for (const kind of databaseKinds) {
  describe(`rate limits: sign-in and registration (${kind})`, () => {
    let t: TestApp;
    let redis: Redis | undefined;
    before(async () => {
      t = await createTestApp(kind, { rateLimits: limits });
      if (kind === 'postgres') redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis?.connect();
    });
    after(async () => {
      await t.close();
      await redis?.quit();
    });

    /** The delay window of one account from one address, as limiters.ts names it in Redis. */
    const delayKey = (email: string, ip: string): string =>
      `${t.ctx.config.rateLimitPrefix}:rl:signin-account-address-window:${t.ctx.keyring.mac('rate-limit-key', JSON.stringify([email, 0, ip]))}`;

    /** Memory store only: its timers are mocked for this test, so the test can move time on. */
    function mockStoreTime(context: TestContext): void {
      if (kind === 'pglite') context.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: Date.now() });
    }

    /** Lets the current delay (Retry-After seconds) pass without waiting for it. */
    async function letDelayPass(context: TestContext, email: string, ip: string, retryAfter: number): Promise<void> {
      if (kind === 'pglite') {
        context.mock.timers.tick(retryAfter * 1000);
        return;
      }
      const key = delayKey(email, ip);
      const ttl = await redis!.pttl(key);
      assert.ok(ttl > 0 && Math.ceil(ttl / 1000) <= retryAfter && Math.ceil(ttl / 1000) >= retryAfter - 1, `the Redis delay key lives as long as Retry-After says (ttl ${ttl} ms, Retry-After ${retryAfter} s)`);
      assert.equal(await redis!.del(key), 1, 'the delay key was there');
    }

    it(`after ${FAILURES_BEFORE_DELAY} failures the next attempt is 429 with Retry-After, even with the right password (SPEC 4.5)`, async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      const ip = freshIp();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      const blocked = await signIn(t, ip, email, password);
      const retryAfter = assertRateLimited(blocked);
      assert.ok(retryAfter <= 30, `the first delay is at most 30 s (got ${retryAfter})`);
      assertRateLimited(await signIn(t, ip, email, WRONG));
    });

    it(`${FAILURES_BEFORE_DELAY - 1} failures are not yet delayed: the right password still signs in`, async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      const ip = freshIp();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY - 1);
      const response = await signIn(t, ip, email, password);
      assert.equal(response.statusCode, 200, response.body);
    });

    it('the delay grows with each further failure: 30 s, then 60 s, then 120 s (SPEC 4.5, ASVS 6.3.1)', async (context) => {
      mockStoreTime(context);
      const { email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      const ip = freshIp();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      const delays: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        if (round > 0) await fail(t, ip, email); // one more failure once the previous delay has passed
        const retryAfter = assertRateLimited(await signIn(t, ip, email, password));
        delays.push(retryAfter);
        await letDelayPass(context, email, ip, retryAfter);
      }
      assert.ok(delays[0]! > 0 && delays[0]! <= 30, `first delay ≤ 30 s: ${delays.join(', ')}`);
      assert.ok(delays[1]! > 30 && delays[1]! <= 60, `second delay in (30, 60]: ${delays.join(', ')}`);
      assert.ok(delays[2]! > 60 && delays[2]! <= 120, `third delay in (60, 120]: ${delays.join(', ')}`);
      // Once the last delay has passed, the owner's right password works and clears everything.
      assert.equal((await signIn(t, ip, email, password)).statusCode, 200);
    });

    it('another address for the same account is not blocked by that (no lockout of the owner, ASVS 6.1.1); the blocked address stays blocked', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      const attacker = freshIp();
      await fail(t, attacker, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signIn(t, attacker, email, password));
      const owner = await signIn(t, freshIp(), email, password);
      assert.equal(owner.statusCode, 200, owner.body);
      assertRateLimited(await signIn(t, attacker, email, password));
    });

    it(`after ${FAILURES_PER_ACCOUNT_PER_DAY} failures in a day from anywhere the account answers 429 everywhere (NIST 800-63B: at most 100)`, async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      // Spread over addresses, each staying under the per-address delay; every one of them is a 401.
      for (let spent = 0; spent < FAILURES_PER_ACCOUNT_PER_DAY; spent += FAILURES_BEFORE_DELAY - 1) {
        await fail(t, freshIp(), email, Math.min(FAILURES_BEFORE_DELAY - 1, FAILURES_PER_ACCOUNT_PER_DAY - spent));
      }
      assertRateLimited(await signIn(t, freshIp(), email, password));
      assertRateLimited(await signIn(t, freshIp(), email, WRONG));
      assert.ok(defaultRateLimits.signInFailuresPerAccountPerDay <= 100, 'the default stays within NIST 800-63B');
    });

    it('a success clears the failure count (NIST 800-63B)', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      const ip = freshIp();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY - 1);
      assert.equal((await signIn(t, ip, email, password)).statusCode, 200);
      // Without the reset the next failure would be the one that starts the delay.
      await fail(t, ip, email, FAILURES_BEFORE_DELAY - 1);
      const response = await signIn(t, ip, email, password);
      assert.equal(response.statusCode, 200, response.body);
    });

    it('unknown emails are limited exactly like real accounts: no enumeration through 429 (SPEC 4.6)', async () => {
      const { email } = await signedUpBrowser(t.app, { ip: freshIp() });
      const unknown = uniqueEmail('nobody');
      const ipKnown = freshIp();
      const ipUnknown = freshIp();
      const answers = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i <= FAILURES_BEFORE_DELAY; i += 1) {
        answers.known.push((await signIn(t, ipKnown, email, WRONG)).statusCode);
        answers.unknown.push((await signIn(t, ipUnknown, unknown, WRONG)).statusCode);
      }
      assert.deepEqual(answers.known, [...Array<number>(FAILURES_BEFORE_DELAY).fill(401), 429]);
      assert.deepEqual(answers.unknown, answers.known);
      const known = await signIn(t, ipKnown, email, WRONG);
      const nobody = await signIn(t, ipUnknown, unknown, WRONG);
      assertRateLimited(known);
      assertRateLimited(nobody);
      assert.deepEqual(Object.keys(nobody.json()).sort(), Object.keys(known.json()).sort());
      assert.equal(nobody.json().code, known.json().code);
    });

    it(`after ${FAILURES_PER_IP_PER_HOUR} failures from one address across accounts, that address is limited for every account (credential stuffing)`, async () => {
      const victim = await signedUpBrowser(t.app, { ip: freshIp() });
      const stuffer = freshIp();
      let spent = 0;
      while (spent < FAILURES_PER_IP_PER_HOUR) {
        const batch = Math.min(FAILURES_BEFORE_DELAY - 1, FAILURES_PER_IP_PER_HOUR - spent);
        await fail(t, stuffer, uniqueEmail('stuffed'), batch);
        spent += batch;
      }
      assertRateLimited(await signIn(t, stuffer, victim.email, victim.password));
      assert.equal((await signIn(t, freshIp(), victim.email, victim.password)).statusCode, 200, 'other addresses are unaffected');
    });

    it('X-Forwarded-For is not trusted by default: a forged header does not escape the delay', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      const ip = freshIp();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      const forged = await new Client(t.app, { ip }).post('/api/auth/login', { email, password }, { 'x-forwarded-for': freshIp() });
      assertRateLimited(forged);
    });

    it("a 'sign_in_rate_limited' event is written, and the owner sees it (SPEC 4.9)", async () => {
      const { client: owner, email, password } = await signedUpBrowser(t.app, { ip: freshIp() });
      const ip = freshIp();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signIn(t, ip, email, password));
      const events = (await owner.get('/api/auth/events')).json().events as { type: string; metadata: unknown }[];
      assert.equal(events[0]?.type, 'sign_in_rate_limited', JSON.stringify(events.map((e) => e.type)));
      assert.equal(events.filter((e) => e.type === 'sign_in_failed').length, FAILURES_BEFORE_DELAY);
      const text = JSON.stringify(events[0]);
      assert.ok(!text.includes(email) && !text.includes(ip), `no email or address in the event: ${text}`);
    });

    it('an unknown email that is limited writes an event too, without a user', async () => {
      const unknown = uniqueEmail('ghost');
      const ip = freshIp();
      const count = async () =>
        Number((await t.ctx.db.selectFrom('security_events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', 'sign_in_rate_limited').where('user_id', 'is', null).executeTakeFirstOrThrow()).n);
      const before = await count();
      await fail(t, ip, unknown, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signIn(t, ip, unknown, WRONG));
      assert.equal(await count(), before + 1);
    });

    describe('registration', () => {
      let r: TestApp;
      before(async () => {
        r = await createTestApp(kind, { rateLimits: { registrationsPerIpPerHour: 2 } });
      });
      after(() => r.close());

      it('more than the per-address limit of registrations → 429 with Retry-After, and no account is created (SPEC 4.5)', async () => {
        const ip = freshIp();
        for (let i = 0; i < 2; i += 1) {
          const ok = await new Client(r.app, { ip }).post('/api/auth/register', { email: uniqueEmail('reg'), password: STRONG_PASSWORD });
          assert.equal(ok.statusCode, 201, ok.body);
        }
        const email = uniqueEmail('reg-refused');
        const refused = await new Client(r.app, { ip }).post('/api/auth/register', { email, password: STRONG_PASSWORD });
        assertRateLimited(refused);
        const login = await new Client(r.app, { ip: freshIp() }).post('/api/auth/login', { email, password: STRONG_PASSWORD });
        assert.equal(login.statusCode, 401, 'the refused registration created nothing');
        const elsewhere = await new Client(r.app, { ip: freshIp() }).post('/api/auth/register', { email, password: STRONG_PASSWORD });
        assert.equal(elsewhere.statusCode, 201, `another address can still register: ${elsewhere.body}`);
      });
    });

    describe('RATE_LIMIT_ENABLED=false', () => {
      let off: TestApp;
      before(async () => {
        off = await createTestApp(kind, {
          env: { RATE_LIMIT_ENABLED: 'false' },
          rateLimits: { signInFailuresBeforeDelay: 1, signInFailuresPerAccountPerDay: 2, signInFailuresPerIpPerHour: 2, registrationsPerIpPerHour: 1 },
        });
      });
      after(() => off.close());

      it('turns the sign-in and registration limits off (benchmarks only)', async () => {
        const ip = freshIp();
        for (let i = 0; i < 3; i += 1) {
          const response = await new Client(off.app, { ip }).post('/api/auth/register', { email: uniqueEmail('unlimited'), password: STRONG_PASSWORD });
          assert.equal(response.statusCode, 201, response.body);
        }
        const { email, password } = await signedUpBrowser(off.app, { ip });
        await fail(off, ip, email, 5);
        assert.equal((await signIn(off, ip, email, password)).statusCode, 200);
      });
    });
  });
}

// SPEC 4.5 / SPEC §1: with REDIS_URL, any number of instances share the counters.
if (databaseKinds.includes('postgres')) {
  describe('rate limits: across instances through Redis (postgres)', () => {
    const prefix = `same-prefix-${randomBytes(6).toString('hex')}`;
    let a: TestApp;
    let b: TestApp;
    let other: TestApp;
    before(async () => {
      a = await createTestApp('postgres', { env: { RATE_LIMIT_PREFIX: prefix }, rateLimits: limits });
      b = await createTestApp('postgres', { env: { RATE_LIMIT_PREFIX: prefix }, rateLimits: limits });
      other = await createTestApp('postgres', { rateLimits: limits });
    });
    after(async () => {
      await Promise.all([a.close(), b.close(), other.close()]);
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    it('failures on instance A make instance B answer 429 for that account and address; an unshared store does not', async () => {
      const email = uniqueEmail('shared');
      // The account exists on both instances' databases (in production they share one).
      for (const app of [a, b, other]) assert.equal((await new Client(app.app, { ip: freshIp() }).post('/api/auth/register', { email, password: STRONG_PASSWORD })).statusCode, 201);
      const ip = freshIp();
      await fail(a, ip, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signIn(b, ip, email, STRONG_PASSWORD));
      assert.equal((await signIn(other, ip, email, STRONG_PASSWORD)).statusCode, 200, 'the control with its own prefix is not limited');
    });

    it('failures split between instances add up', async () => {
      const email = uniqueEmail('split');
      for (const app of [a, b]) assert.equal((await new Client(app.app, { ip: freshIp() }).post('/api/auth/register', { email, password: STRONG_PASSWORD })).statusCode, 201);
      const ip = freshIp();
      await fail(a, ip, email, FAILURES_BEFORE_DELAY - 1);
      await fail(b, ip, email, 1);
      assertRateLimited(await signIn(a, ip, email, STRONG_PASSWORD));
    });

    it('a success on instance B clears the count that instance A keeps', async () => {
      const email = uniqueEmail('cleared');
      for (const app of [a, b]) assert.equal((await new Client(app.app, { ip: freshIp() }).post('/api/auth/register', { email, password: STRONG_PASSWORD })).statusCode, 201);
      const ip = freshIp();
      await fail(a, ip, email, FAILURES_BEFORE_DELAY - 1);
      assert.equal((await signIn(b, ip, email, STRONG_PASSWORD)).statusCode, 200);
      await fail(a, ip, email, FAILURES_BEFORE_DELAY - 1);
      assert.equal((await signIn(a, ip, email, STRONG_PASSWORD)).statusCode, 200);
    });
  });
}
