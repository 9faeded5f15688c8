// The idle timeout slides with activity for every accepted value, down to the smallest (one
// minute): lastActiveAt is written at most once per tenth of the idle timeout, not once a minute,
// so a session used more often than its timeout never ends for idleness (security.md §3, ASVS 7.3.1).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { signedUpBrowser } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

describeOnEachDatabase('idle timeout of 60 seconds slides with activity', { env: { SESSION_IDLE_TIMEOUT: '60' } }, (t) => {
  it('a request every 50 seconds keeps the session alive well past 60 seconds; 61 idle seconds end it', async () => {
    const { client } = await signedUpBrowser(t.app);
    for (let step = 1; step <= 4; step += 1) {
      t.clock.advance(50);
      const response = await client.get('/api/auth/session');
      assert.equal(response.statusCode, 200, `after ${step * 50} s with activity every 50 s: ${response.body}`);
    }
    t.clock.advance(61);
    assert.equal((await client.get('/api/auth/session')).statusCode, 401, 'idle for longer than the timeout');
  });

  it('the recorded activity is never more than a tenth of the timeout behind', async () => {
    const { client } = await signedUpBrowser(t.app);
    t.clock.advance(6);
    assert.equal((await client.get('/api/auth/session')).statusCode, 200);
    const listed = (await client.get('/api/auth/sessions')).json().sessions as { current: boolean; lastActiveAt: string }[];
    assert.equal(listed.find((session) => session.current)?.lastActiveAt, t.clock.now().toISOString(), 'six seconds of a sixty-second timeout is written');
  });
});
