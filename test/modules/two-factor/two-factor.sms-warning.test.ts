// Adding a phone for text-message codes says plainly that an authenticator app is safer, and why
// (a SIM swap hands the codes to whoever has the number): ASVS 6.6.1, security.md §4.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { signedUpBrowser } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

describeOnEachDatabase('SMS enrolment warns about SIM swap', (t) => {
  it('the answer to POST /api/auth/2fa/sms/enable recommends an authenticator app in its message and explains the risk in warning (ASVS 6.6.1)', async () => {
    const { client } = await signedUpBrowser(t.app);
    const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: '+14155550123' });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as { success: boolean; message: string; warning: string };
    assert.match(body.message, /authenticator app is safer/);
    assert.match(body.warning, /authenticator app is safer/);
    assert.match(body.warning, /SIM swap/);
  });
});
