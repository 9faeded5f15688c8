// security.md §6 under concurrency, with the default limits: every sign-in budget is taken before
// the password hash is checked, in one atomic step per budget, so a burst of parallel guesses gets
// exactly as many passwords checked as the limits say (ASVS V6.3.1, V2.4.1) — no more because they
// arrived together. "Checked" is counted on the hashing threads (every verification given to them)
// and in the sign_in_failed events.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultRateLimits } from '../../src/config.ts';
import { signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { assertRateLimited, countEvents, countingVerifications, freshAddress, knownDeviceCookieOf, signInFrom, statusesOf, WRONG_PASSWORD } from '../support/rate-limit.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

/** The defaults security.md §6 states; each is also proven by behaviour below. */
const FAILURES_BEFORE_DELAY = 5;
const FAILURES_PER_ACCOUNT_PER_DAY = 100;
const KNOWN_DEVICE_FAILURES_PER_DAY = 10;

describeOnEachDatabase('sign-in limits hold under concurrency, default settings', (t) => {
  it('the defaults are the ones security.md §6 states', () => {
    assert.equal(defaultRateLimits.signInFailuresBeforeDelay, FAILURES_BEFORE_DELAY);
    assert.equal(defaultRateLimits.signInFailuresPerAccountPerDay, FAILURES_PER_ACCOUNT_PER_DAY, 'NIST 800-63B: at most 100');
    assert.equal(defaultRateLimits.signInFailuresPerIpPerHour, 100);
    assert.equal(defaultRateLimits.signInFailuresPerKnownDevicePerDay, KNOWN_DEVICE_FAILURES_PER_DAY);
    assert.equal(defaultRateLimits.passwordCheckFailuresPerUserPerDay, 10);
    assert.equal(defaultRateLimits.passwordChangesPerUserPerHour, 5);
  });

  it(`60 wrong passwords at once for one account from one address: exactly ${FAILURES_BEFORE_DELAY} are checked, the rest 429; then the right password from there is 429 (V6.3.1)`, async () => {
    const { email, password, user } = await signedUpBrowser(t.app, { ip: freshAddress() });
    const attacker = freshAddress();
    const { result: burst, verifications } = await countingVerifications(() => statusesOf(Array.from({ length: 60 }, () => signInFrom(t, attacker, email, WRONG_PASSWORD))));
    assert.equal(verifications, FAILURES_BEFORE_DELAY, 'passwords verified');
    assert.equal(burst.count(401), FAILURES_BEFORE_DELAY, `answers: ${burst.responses.map((r) => r.statusCode).join(' ')}`);
    assert.equal(burst.count(429), 60 - FAILURES_BEFORE_DELAY);
    for (const refused of burst.responses.filter((r) => r.statusCode === 429)) assertRateLimited(refused);
    assert.equal(await countEvents(t, 'sign_in_failed', user.id), FAILURES_BEFORE_DELAY, 'passwords really checked');
    const retryAfter = assertRateLimited(await signInFrom(t, attacker, email, password));
    assert.ok(retryAfter <= 30, `the first delay is 30 s (Retry-After ${retryAfter})`);
  });

  it('an unknown account meets the same limit under the same burst (no enumeration through 429, V6.3.8)', async () => {
    const nobody = uniqueEmail('nobody');
    const attacker = freshAddress();
    const { result: burst, verifications } = await countingVerifications(() => statusesOf(Array.from({ length: 60 }, () => signInFrom(t, attacker, nobody, WRONG_PASSWORD))));
    assert.equal(verifications, FAILURES_BEFORE_DELAY, 'dummy verifications, one per admitted attempt');
    assert.equal(burst.count(401), FAILURES_BEFORE_DELAY);
    assert.equal(burst.count(429), 60 - FAILURES_BEFORE_DELAY);
  });

  it(`150 wrong passwords at once from 150 addresses: exactly ${FAILURES_PER_ACCOUNT_PER_DAY} are checked; a new address is then refused, but a known device signs in (V6.1.1, V6.3.1)`, async () => {
    const { email, password, user } = await signedUpBrowser(t.app, { ip: freshAddress() });
    const ownerAddress = freshAddress();
    const earlier = await signInFrom(t, ownerAddress, email, password);
    assert.equal(earlier.statusCode, 200, earlier.body);
    const device = knownDeviceCookieOf(earlier);

    const attackers = Array.from({ length: 150 }, () => freshAddress());
    const { result: burst, verifications } = await countingVerifications(() => statusesOf(attackers.map((address) => signInFrom(t, address, email, WRONG_PASSWORD))));
    assert.equal(verifications, FAILURES_PER_ACCOUNT_PER_DAY, 'passwords verified');
    assert.equal(burst.count(401), FAILURES_PER_ACCOUNT_PER_DAY, `answers: ${burst.count(401)} × 401, ${burst.count(429)} × 429`);
    assert.equal(burst.count(429), 150 - FAILURES_PER_ACCOUNT_PER_DAY);
    assert.equal(await countEvents(t, 'sign_in_failed', user.id), FAILURES_PER_ACCOUNT_PER_DAY);

    assertRateLimited(await signInFrom(t, freshAddress(), email, password));
    assertRateLimited(await signInFrom(t, ownerAddress, email, password)); // without the cookie the owner is a stranger
    const known = await signInFrom(t, ownerAddress, email, password, device);
    assert.equal(known.statusCode, 200, known.body);
    const knownFromAnAttackersAddress = await signInFrom(t, attackers[0]!, email, password, device);
    assert.equal(knownFromAnAttackersAddress.statusCode, 200, knownFromAnAttackersAddress.body);
  });

  it(`a stolen known-device cookie is no free pass: 50 wrong passwords at once with it get ${FAILURES_BEFORE_DELAY} checked`, async () => {
    const { email, password, user } = await signedUpBrowser(t.app, { ip: freshAddress() });
    const device = knownDeviceCookieOf(await signInFrom(t, freshAddress(), email, password));
    const thief = freshAddress();
    const { result: burst, verifications } = await countingVerifications(() => statusesOf(Array.from({ length: 50 }, () => signInFrom(t, thief, email, WRONG_PASSWORD, device))));
    assert.equal(verifications, FAILURES_BEFORE_DELAY, 'passwords verified');
    assert.equal(burst.count(401), FAILURES_BEFORE_DELAY);
    assert.equal(burst.count(429), 50 - FAILURES_BEFORE_DELAY);
    assert.equal(await countEvents(t, 'sign_in_failed', user.id), FAILURES_BEFORE_DELAY);
    assertRateLimited(await signInFrom(t, thief, email, password, device));
    // Strangers were not touched by the thief's guesses.
    assert.equal((await signInFrom(t, freshAddress(), email, password)).statusCode, 200);
  });
});
