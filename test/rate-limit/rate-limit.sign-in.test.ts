// security.md §6 (ASVS 6.1.1, 6.3.1, 2.4.1; NIST 800-63B): failed sign-ins for one account from one
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
import { Redis } from 'ioredis';
import { defaultRateLimits } from '../../src/config.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { databaseKinds, redisUrl } from '../support/databases.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { assertRateLimited, freshAddress, knownDeviceCookieOf, signInFrom, WRONG_PASSWORD } from '../support/rate-limit.ts';

const FAILURES_BEFORE_DELAY = 3;
const FAILURES_PER_ACCOUNT_PER_DAY = 8;
const FAILURES_PER_IP_PER_HOUR = 12;
async function fail(t: TestApp, ip: string, email: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    const response = await signInFrom(t, ip, email, WRONG_PASSWORD);
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
    /** With the default limits, for the test that pins them. */
    let d: TestApp;
    let redis: Redis | undefined;
    before(async () => {
      t = await createTestApp(kind, { rateLimits: limits });
      d = await createTestApp(kind);
      if (kind === 'postgres') redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis?.connect();
    });
    after(async () => {
      await Promise.all([t.close(), d.close()]);
      await redis?.quit();
    });

    /** The delay window of one account from one address, as limiters.ts names it in Redis. */
    const delayKey = (app: TestApp, email: string, ip: string): string =>
      `${app.ctx.config.rateLimitPrefix}:rl:signin-account-address-window:${app.ctx.keyring.mac('rate-limit-key', JSON.stringify([email, 0, ip]))}`;

    /** Memory store only: its timers are mocked for this test, so the test can move time on. */
    function mockStoreTime(context: TestContext): void {
      if (kind === 'pglite') context.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: Date.now() });
    }

    /** Lets the current delay (Retry-After seconds) pass without waiting for it. */
    async function letDelayPass(context: TestContext, app: TestApp, email: string, ip: string, retryAfter: number): Promise<void> {
      if (kind === 'pglite') {
        context.mock.timers.tick(retryAfter * 1000);
        return;
      }
      const key = delayKey(app, email, ip);
      const ttl = await redis!.pttl(key);
      assert.ok(ttl > 0 && Math.ceil(ttl / 1000) <= retryAfter && Math.ceil(ttl / 1000) >= retryAfter - 1, `the Redis delay key lives as long as Retry-After says (ttl ${ttl} ms, Retry-After ${retryAfter} s)`);
      assert.equal(await redis!.del(key), 1, 'the delay key was there');
    }

    it(`after ${FAILURES_BEFORE_DELAY} failures the next attempt is 429 with Retry-After, even with the right password (security.md §6)`, async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const ip = freshAddress();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      const blocked = await signInFrom(t, ip, email, password);
      const retryAfter = assertRateLimited(blocked);
      assert.ok(retryAfter <= 30, `the first delay is at most 30 s (got ${retryAfter})`);
      assertRateLimited(await signInFrom(t, ip, email, WRONG_PASSWORD));
    });

    it(`${FAILURES_BEFORE_DELAY - 1} failures are not yet delayed: the right password still signs in`, async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const ip = freshAddress();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY - 1);
      const response = await signInFrom(t, ip, email, password);
      assert.equal(response.statusCode, 200, response.body);
    });

    it('with the default settings the delay starts after 5 failures and doubles with each further one from 30 s up to an hour (security.md §6, ASVS V6.3.1)', async (context) => {
      mockStoreTime(context);
      const { email, password } = await signedUpBrowser(d.app, { ip: freshAddress() });
      const ip = freshAddress();
      await fail(d, ip, email, 4);
      assert.equal((await signInFrom(d, ip, email, WRONG_PASSWORD)).statusCode, 401, 'the fifth attempt is still checked');
      const expected = [30, 60, 120, 240, 480, 960, 1920, 3600, 3600];
      const delays: number[] = [];
      for (const [round, seconds] of expected.entries()) {
        if (round > 0) await fail(d, ip, email); // one more failure once the previous delay has passed
        const retryAfter = assertRateLimited(await signInFrom(d, ip, email, password));
        delays.push(retryAfter);
        assert.ok(retryAfter <= seconds && retryAfter >= seconds - 1, `delays so far ${delays.join(', ')}; expected ${expected.join(', ')}`);
        await letDelayPass(context, d, email, ip, retryAfter);
      }
      // Once the last delay has passed, the owner's right password works and clears everything.
      assert.equal((await signInFrom(d, ip, email, password)).statusCode, 200);
      await fail(d, ip, email, 4);
      assert.equal((await signInFrom(d, ip, email, password)).statusCode, 200, 'the count started again');
    });

    it('another address for the same account is not blocked by that (no lockout of the owner, ASVS 6.1.1); the blocked address stays blocked', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const attacker = freshAddress();
      await fail(t, attacker, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signInFrom(t, attacker, email, password));
      const owner = await signInFrom(t, freshAddress(), email, password);
      assert.equal(owner.statusCode, 200, owner.body);
      assertRateLimited(await signInFrom(t, attacker, email, password));
    });

    it(`after ${FAILURES_PER_ACCOUNT_PER_DAY} failures in a day from anywhere the account answers 429 everywhere (NIST 800-63B: at most 100)`, async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      // Spread over addresses, each staying under the per-address delay; every one of them is a 401.
      for (let spent = 0; spent < FAILURES_PER_ACCOUNT_PER_DAY; spent += FAILURES_BEFORE_DELAY - 1) {
        await fail(t, freshAddress(), email, Math.min(FAILURES_BEFORE_DELAY - 1, FAILURES_PER_ACCOUNT_PER_DAY - spent));
      }
      assertRateLimited(await signInFrom(t, freshAddress(), email, password));
      assertRateLimited(await signInFrom(t, freshAddress(), email, WRONG_PASSWORD));
      assert.ok(defaultRateLimits.signInFailuresPerAccountPerDay <= 100, 'the default stays within NIST 800-63B');
    });

    it('a success clears the failure count (NIST 800-63B)', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const ip = freshAddress();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY - 1);
      assert.equal((await signInFrom(t, ip, email, password)).statusCode, 200);
      // Without the reset the next failure would be the one that starts the delay.
      await fail(t, ip, email, FAILURES_BEFORE_DELAY - 1);
      const response = await signInFrom(t, ip, email, password);
      assert.equal(response.statusCode, 200, response.body);
    });

    it('unknown emails are limited exactly like real accounts: no enumeration through 429 (security.md §5)', async () => {
      const { email } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const unknown = uniqueEmail('nobody');
      const ipKnown = freshAddress();
      const ipUnknown = freshAddress();
      const answers = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i <= FAILURES_BEFORE_DELAY; i += 1) {
        answers.known.push((await signInFrom(t, ipKnown, email, WRONG_PASSWORD)).statusCode);
        answers.unknown.push((await signInFrom(t, ipUnknown, unknown, WRONG_PASSWORD)).statusCode);
      }
      assert.deepEqual(answers.known, [...Array<number>(FAILURES_BEFORE_DELAY).fill(401), 429]);
      assert.deepEqual(answers.unknown, answers.known);
      const known = await signInFrom(t, ipKnown, email, WRONG_PASSWORD);
      const nobody = await signInFrom(t, ipUnknown, unknown, WRONG_PASSWORD);
      assertRateLimited(known);
      assertRateLimited(nobody);
      assert.deepEqual(Object.keys(nobody.json()).sort(), Object.keys(known.json()).sort());
      assert.equal(nobody.json().code, known.json().code);
    });

    it(`after ${FAILURES_PER_IP_PER_HOUR} failures from one address across accounts, that address is limited for every stranger (credential stuffing), not for a known device of another account there`, async () => {
      const victim = await signedUpBrowser(t.app, { ip: freshAddress() });
      const stuffer = freshAddress();
      const neighbour = await signedUpBrowser(t.app, { ip: freshAddress() });
      const neighbourDevice = knownDeviceCookieOf(await signInFrom(t, stuffer, neighbour.email, neighbour.password));
      let spent = 0;
      while (spent < FAILURES_PER_IP_PER_HOUR) {
        const batch = Math.min(FAILURES_BEFORE_DELAY - 1, FAILURES_PER_IP_PER_HOUR - spent);
        await fail(t, stuffer, uniqueEmail('stuffed'), batch);
        spent += batch;
      }
      assertRateLimited(await signInFrom(t, stuffer, victim.email, victim.password));
      assert.equal((await signInFrom(t, freshAddress(), victim.email, victim.password)).statusCode, 200, 'other addresses are unaffected');
      assertRateLimited(await signInFrom(t, stuffer, neighbour.email, neighbour.password));
      const known = await signInFrom(t, stuffer, neighbour.email, neighbour.password, neighbourDevice);
      assert.equal(known.statusCode, 200, `the neighbour's known device at the same address: ${known.body}`);
    });

    it('a known device is not held by the delay strangers ran up at its own address (ASVS V6.1.1)', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const shared = freshAddress();
      const device = knownDeviceCookieOf(await signInFrom(t, shared, email, password));
      await fail(t, shared, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signInFrom(t, shared, email, password));
      const known = await signInFrom(t, shared, email, password, device);
      assert.equal(known.statusCode, 200, known.body);
    });

    it("a known-device cookie counts only for the account it was issued to, and only as issued", async () => {
      const other = await signedUpBrowser(t.app, { ip: freshAddress() });
      const othersDevice = knownDeviceCookieOf(await signInFrom(t, freshAddress(), other.email, other.password));
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const own = knownDeviceCookieOf(await signInFrom(t, freshAddress(), email, password));
      const ip = freshAddress();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signInFrom(t, ip, email, password, othersDevice));
      const [deviceId, expires] = own.split('.');
      assertRateLimited(await signInFrom(t, ip, email, password, `${deviceId}.${Number(expires) + 86400}.${own.split('.')[2]}`));
      assertRateLimited(await signInFrom(t, ip, email, password, `${deviceId}x`));
      assert.equal((await signInFrom(t, ip, email, password, own)).statusCode, 200);
    });

    it('X-Forwarded-For is not trusted by default: a forged header does not escape the delay', async () => {
      const { email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const ip = freshAddress();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      const forged = await new Client(t.app, { ip }).post('/api/auth/login', { email, password }, { 'x-forwarded-for': freshAddress() });
      assertRateLimited(forged);
    });

    it("a 'sign_in_rate_limited' event is written, and the owner sees it (security.md §10)", async () => {
      const { client: owner, email, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
      const ip = freshAddress();
      await fail(t, ip, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signInFrom(t, ip, email, password));
      const events = (await owner.get('/api/auth/events')).json().events as { type: string; metadata: unknown }[];
      assert.equal(events[0]?.type, 'sign_in_rate_limited', JSON.stringify(events.map((e) => e.type)));
      assert.equal(events.filter((e) => e.type === 'sign_in_failed').length, FAILURES_BEFORE_DELAY);
      const text = JSON.stringify(events[0]);
      assert.ok(!text.includes(email) && !text.includes(ip), `no email or address in the event: ${text}`);
    });

    it('an unknown email that is limited writes an event too, without a user', async () => {
      const unknown = uniqueEmail('ghost');
      const ip = freshAddress();
      const count = async () =>
        Number((await t.ctx.db.selectFrom('security_events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', 'sign_in_rate_limited').where('user_id', 'is', null).executeTakeFirstOrThrow()).n);
      const before = await count();
      await fail(t, ip, unknown, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signInFrom(t, ip, unknown, WRONG_PASSWORD));
      assert.equal(await count(), before + 1);
    });

    describe('registration', () => {
      let r: TestApp;
      before(async () => {
        r = await createTestApp(kind, { rateLimits: { registrationsPerIpPerHour: 2 } });
      });
      after(() => r.close());

      it('more than the per-address limit of registrations → 429 with Retry-After, and no account is created (security.md §6)', async () => {
        const ip = freshAddress();
        for (let i = 0; i < 2; i += 1) {
          const ok = await new Client(r.app, { ip }).post('/api/auth/register', { email: uniqueEmail('reg'), password: STRONG_PASSWORD });
          assert.equal(ok.statusCode, 201, ok.body);
        }
        const email = uniqueEmail('reg-refused');
        const refused = await new Client(r.app, { ip }).post('/api/auth/register', { email, password: STRONG_PASSWORD });
        assertRateLimited(refused);
        const login = await new Client(r.app, { ip: freshAddress() }).post('/api/auth/login', { email, password: STRONG_PASSWORD });
        assert.equal(login.statusCode, 401, 'the refused registration created nothing');
        const elsewhere = await new Client(r.app, { ip: freshAddress() }).post('/api/auth/register', { email, password: STRONG_PASSWORD });
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
        const ip = freshAddress();
        for (let i = 0; i < 3; i += 1) {
          const response = await new Client(off.app, { ip }).post('/api/auth/register', { email: uniqueEmail('unlimited'), password: STRONG_PASSWORD });
          assert.equal(response.statusCode, 201, response.body);
        }
        const { email, password } = await signedUpBrowser(off.app, { ip });
        await fail(off, ip, email, 5);
        assert.equal((await signInFrom(off, ip, email, password)).statusCode, 200);
      });
    });
  });
}

// security.md §6 / README: with REDIS_URL, any number of instances share the counters.
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
      for (const app of [a, b, other]) assert.equal((await new Client(app.app, { ip: freshAddress() }).post('/api/auth/register', { email, password: STRONG_PASSWORD })).statusCode, 201);
      const ip = freshAddress();
      await fail(a, ip, email, FAILURES_BEFORE_DELAY);
      assertRateLimited(await signInFrom(b, ip, email, STRONG_PASSWORD));
      assert.equal((await signInFrom(other, ip, email, STRONG_PASSWORD)).statusCode, 200, 'the control with its own prefix is not limited');
    });

    it('failures split between instances add up', async () => {
      const email = uniqueEmail('split');
      for (const app of [a, b]) assert.equal((await new Client(app.app, { ip: freshAddress() }).post('/api/auth/register', { email, password: STRONG_PASSWORD })).statusCode, 201);
      const ip = freshAddress();
      await fail(a, ip, email, FAILURES_BEFORE_DELAY - 1);
      await fail(b, ip, email, 1);
      assertRateLimited(await signInFrom(a, ip, email, STRONG_PASSWORD));
    });

    it('a success on instance B clears the count that instance A keeps', async () => {
      const email = uniqueEmail('cleared');
      for (const app of [a, b]) assert.equal((await new Client(app.app, { ip: freshAddress() }).post('/api/auth/register', { email, password: STRONG_PASSWORD })).statusCode, 201);
      const ip = freshAddress();
      await fail(a, ip, email, FAILURES_BEFORE_DELAY - 1);
      assert.equal((await signInFrom(b, ip, email, STRONG_PASSWORD)).statusCode, 200);
      await fail(a, ip, email, FAILURES_BEFORE_DELAY - 1);
      assert.equal((await signInFrom(a, ip, email, STRONG_PASSWORD)).statusCode, 200);
    });
  });
}
