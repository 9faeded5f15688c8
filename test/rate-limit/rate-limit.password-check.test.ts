// security.md §6: the password checks of a signed-in user — re-authentication, password change,
// email change, turning off the second factor — share one budget of 10 wrong passwords per user
// per 24 hours, taken before the hash is checked and given back when the password was right, so a
// stolen session is no way to guess the password. Password change also takes its own 5 per hour.
// Bursts are counted on the hashing threads (ASVS V6.3.1, V2.4.1).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { signedUpBrowser } from '../support/client.ts';
import { assertRateLimited, countEvents, countingVerifications, freshAddress, statusesOf, WRONG_PASSWORD } from '../support/rate-limit.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

const PASSWORD_CHECK_FAILURES_PER_DAY = 10;
const PASSWORD_CHANGES_PER_HOUR = 5;
const NEW_PASSWORD = 'lantern-orchid-glacier-93';

describeOnEachDatabase('password checks of a signed-in user, default limits', (t) => {
  it(`re-authentication: 50 wrong passwords at once from one session get exactly ${PASSWORD_CHECK_FAILURES_PER_DAY} checked, the rest 429; then the right one waits too`, async () => {
    const { client, password, user } = await signedUpBrowser(t.app, { ip: freshAddress() });
    const { result: burst, verifications } = await countingVerifications(() =>
      statusesOf(Array.from({ length: 50 }, () => client.post('/api/auth/reauthenticate', { password: WRONG_PASSWORD }))),
    );
    assert.equal(verifications, PASSWORD_CHECK_FAILURES_PER_DAY, 'passwords verified');
    assert.equal(burst.count(400), PASSWORD_CHECK_FAILURES_PER_DAY);
    assert.equal(burst.count(429), 50 - PASSWORD_CHECK_FAILURES_PER_DAY);
    for (const refused of burst.responses.filter((r) => r.statusCode === 429)) assertRateLimited(refused);
    assert.equal(await countEvents(t, 'reauthentication_failed', user.id), PASSWORD_CHECK_FAILURES_PER_DAY);
    assertRateLimited(await client.post('/api/auth/reauthenticate', { password }));
  });

  it('a right password gives its attempt back: only wrong ones use up the budget', async () => {
    const { client, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
    for (let i = 0; i < PASSWORD_CHECK_FAILURES_PER_DAY - 1; i += 1) assert.equal((await client.post('/api/auth/reauthenticate', { password: WRONG_PASSWORD })).statusCode, 400);
    for (let i = 0; i < 3; i += 1) {
      const right = await client.post('/api/auth/reauthenticate', { password });
      assert.equal(right.statusCode, 200, right.body);
    }
    assert.equal((await client.post('/api/auth/reauthenticate', { password: WRONG_PASSWORD })).statusCode, 400, 'the tenth wrong password is still checked');
    assertRateLimited(await client.post('/api/auth/reauthenticate', { password: WRONG_PASSWORD }));
  });

  it(`password change: 50 wrong current passwords at once get exactly ${PASSWORD_CHANGES_PER_HOUR} checked, the rest 429`, async () => {
    const { client, user } = await signedUpBrowser(t.app, { ip: freshAddress() });
    const { result: burst, verifications } = await countingVerifications(() =>
      statusesOf(Array.from({ length: 50 }, () => client.put('/api/auth/change-password', { currentPassword: WRONG_PASSWORD, newPassword: NEW_PASSWORD }))),
    );
    assert.equal(verifications, PASSWORD_CHANGES_PER_HOUR, 'passwords verified');
    assert.equal(burst.count(400), PASSWORD_CHANGES_PER_HOUR);
    assert.equal(burst.count(429), 50 - PASSWORD_CHANGES_PER_HOUR);
    assert.equal(await countEvents(t, 'password_change_failed', user.id), PASSWORD_CHANGES_PER_HOUR);
  });

  it('password change shares the budget: after the wrong re-authentications it is 429 even with the right password', async () => {
    const { client, password } = await signedUpBrowser(t.app, { ip: freshAddress() });
    for (let i = 0; i < PASSWORD_CHECK_FAILURES_PER_DAY; i += 1) assert.equal((await client.post('/api/auth/reauthenticate', { password: WRONG_PASSWORD })).statusCode, 400);
    assertRateLimited(await client.put('/api/auth/change-password', { currentPassword: password, newPassword: NEW_PASSWORD }));
  });
});
