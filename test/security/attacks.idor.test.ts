// Insecure direct object references on the two routes that take an id (ASVS 8.2.2): revoking
// another user's session or forgetting another user's remembered device answers exactly as for an
// id that does not exist — 404, the same body, so the answer is no oracle for which ids exist —
// and has no effect at all: the owner's session and device keep working, and neither user's
// security log records anything. (The plain 404-and-still-works cases are also in
// test/modules/sessions/sessions.revocation.test.ts and two-factor.manage.test.ts.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { oathtoolTotp } from '../support/authenticator.ts';
import { Client, signedUpBrowser } from '../support/client.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { describeOnEachDatabase } from '../support/suites.ts';
import { passwordStep, signedUpWithTotp } from '../support/two-factor.ts';

describeOnEachDatabase('attack: IDOR on sessions and trusted devices', (t) => {
  const eventCount = async (userId: string) => (await t.ctx.db.selectFrom('security_events').select('id').where('user_id', '=', userId).execute()).length;

  it("revoking another user's session id answers like an unknown id and leaves that session working", async () => {
    const owner = await signedUpBrowser(t.app);
    const ownerSession = (await owner.client.get('/api/auth/session')).json().session.id as string;
    const attacker = await signedUpBrowser(t.app);
    const [ownerEvents, attackerEvents] = [await eventCount(owner.user.id), await eventCount(attacker.user.id)];

    const foreign = await attacker.client.delete(`/api/auth/sessions/${ownerSession}`);
    const unknown = await attacker.client.delete(`/api/auth/sessions/${randomUUID()}`);
    assertErrorShape(foreign, { status: 404 });
    assert.equal(foreign.body, unknown.body, 'the same answer as for an id that does not exist');

    assert.equal((await owner.client.get('/api/auth/session')).statusCode, 200, "the owner's session still works");
    assert.equal((await attacker.client.get('/api/auth/session')).statusCode, 200, "the attacker's own session is untouched");
    assert.deepEqual([await eventCount(owner.user.id), await eventCount(attacker.user.id)], [ownerEvents, attackerEvents], 'nothing logged for either');
  });

  it("forgetting another user's trusted device answers like an unknown id, and the device still skips the second factor", async () => {
    const owner = await signedUpWithTotp(t.app, t.clock);
    t.clock.advance(30);
    const step = await passwordStep(t.app, owner.email, owner.password);
    const remembered = await step.client.post('/api/auth/login/2fa', { challengeId: step.challengeId, code: await oathtoolTotp(owner.secret, t.clock.now()), rememberDevice: true });
    assert.equal(remembered.statusCode, 200, remembered.body);
    const deviceCookie = remembered.cookies.find((c) => c.name === 'gatehouse_trusted_device')!;
    const [device] = (await owner.client.get('/api/auth/sessions')).json().trustedDevices as { id: string }[];
    assert.ok(device, 'the device is listed');

    const attacker = await signedUpWithTotp(t.app, t.clock);
    const attackerEvents = await eventCount(attacker.user.id);
    const foreign = await attacker.client.delete(`/api/auth/trusted-devices/${device.id}`);
    const unknown = await attacker.client.delete(`/api/auth/trusted-devices/${randomUUID()}`);
    assertErrorShape(foreign, { status: 404 });
    assert.equal(foreign.body, unknown.body, 'the same answer as for an id that does not exist');

    assert.equal(((await owner.client.get('/api/auth/sessions')).json().trustedDevices as unknown[]).length, 1, 'still listed');
    const again = await new Client(t.app).post('/api/auth/login', { email: owner.email, password: owner.password }, { cookie: `gatehouse_trusted_device=${deviceCookie.value}` });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().session?.verification, 'trusted_device', 'the remembered browser still skips the second factor');
    assert.equal(await eventCount(attacker.user.id), attackerEvents, 'nothing logged for the attacker');
    const revokedEvents = await t.ctx.db.selectFrom('security_events').select('id').where('type', '=', 'trusted_device_revoked').where('user_id', 'in', [owner.user.id, attacker.user.id]).execute();
    assert.deepEqual(revokedEvents, [], 'no revocation was recorded');
  });
});
