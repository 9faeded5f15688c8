// An error's `fields` names the body property the client sent: the authenticator code travels as
// `token` at verify-setup and disable, and as `code` at re-authentication (docs/api.md, Requests
// and answers).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { wrongTotp } from '../../support/authenticator.ts';
import { signedUpBrowser } from '../../support/client.ts';
import { assertErrorShape } from '../../support/error-shape.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { signedUpWithTotp } from '../../support/two-factor.ts';

describeOnEachDatabase('a wrong second-factor code names the field it came in', (t) => {
  it('verify-setup {token}: 400 INVALID_CONFIRMATION_CODE with fields.token', async () => {
    const { client } = await signedUpBrowser(t.app);
    const { secret } = (await client.post('/api/auth/2fa/enable')).json() as { secret: string };
    const body = assertErrorShape(await client.post('/api/auth/2fa/verify-setup', { token: await wrongTotp(secret, t.clock.now()) }), { status: 400, code: 'INVALID_CONFIRMATION_CODE' });
    assert.deepEqual(Object.keys(body.fields ?? {}), ['token']);
  });

  it('disable {password, token}: 400 INVALID_CONFIRMATION_CODE with fields.token', async () => {
    const { client, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const body = assertErrorShape(await client.post('/api/auth/2fa/disable', { password, token: await wrongTotp(secret, t.clock.now()) }), { status: 400, code: 'INVALID_CONFIRMATION_CODE' });
    assert.deepEqual(Object.keys(body.fields ?? {}), ['token']);
  });

  it('reauthenticate {password, code}: 400 INVALID_CONFIRMATION_CODE with fields.code', async () => {
    const { client, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const body = assertErrorShape(await client.post('/api/auth/reauthenticate', { password, code: await wrongTotp(secret, t.clock.now()) }), { status: 400, code: 'INVALID_CONFIRMATION_CODE' });
    assert.deepEqual(Object.keys(body.fields ?? {}), ['code']);
  });
});
