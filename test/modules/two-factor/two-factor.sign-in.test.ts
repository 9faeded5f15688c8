// The sign-in step that cannot be bypassed (security.md §4, §6): a correct password gives a
// challenge and no session; the challenge is never a session, is single use, expires in 5
// minutes, dies after 5 wrong codes and is bound to the client that started it; a TOTP time-step
// and a backup code work once; repeated failures lock the account's second factor.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { Client, FIREFOX_LINUX } from '../../support/client.ts';
import { securityEventTypes } from '../../support/events.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { signedUpWithTotp } from '../../support/two-factor.ts';

describeOnEachDatabase('two-factor sign-in', { rateLimits: { secondFactorFailuresBeforeLockout: 8 } }, (t) => {
  async function challenge(email: string, password: string, client = new Client(t.app)) {
    const response = await client.post('/api/auth/login', { email, password });
    assert.equal(response.statusCode, 200, response.body);
    return { client, response, challengeId: response.json().challengeId as string };
  }

  it('a correct password yields a challenge and no session (security.md §4)', async () => {
    const { email, password } = await signedUpWithTotp(t.app, t.clock);
    const { client, response } = await challenge(email, password);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['challengeId', 'methods', 'success', 'twoFactorRequired']);
    assert.equal(body.twoFactorRequired, true);
    assert.deepEqual(body.methods, ['totp', 'backup_code']);
    assert.equal(response.cookies.find((c) => c.name.endsWith('gatehouse_session')), undefined, 'no session cookie (only the known-device one, security.md §6)');
    assert.equal(client.cookie, null);
    assert.equal((await client.get('/api/auth/session')).statusCode, 401);
  });

  it('no route accepts the challenge as a session, as cookie or as bearer (security.md §4)', async () => {
    const { email, password } = await signedUpWithTotp(t.app, t.clock);
    const { challengeId } = await challenge(email, password);
    for (const path of ['/api/auth/session', '/api/auth/profile', '/api/auth/sessions', '/api/auth/events', '/api/auth/2fa/status']) {
      assert.equal((await new Client(t.app, { bearer: challengeId }).get(path)).statusCode, 401, `bearer ${path}`);
      assert.equal((await new Client(t.app).get(path, { cookie: `gatehouse_session=${challengeId}` })).statusCode, 401, `cookie ${path}`);
    }
    const patch = await new Client(t.app, { bearer: challengeId }).patch('/api/auth/profile', { displayName: 'x' });
    assert.equal(patch.statusCode, 401);
  });

  it('a TOTP from the authenticator completes sign-in with verification two_factor and a higher trust score', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const passwordOnly = await new Client(t.app).post('/api/auth/login', { email, password });
    assert.equal(passwordOnly.json().twoFactorRequired, true);
    const { client, challengeId } = await challenge(email, password);
    const response = await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.session.verification, 'two_factor');
    assert.ok(body.session.trustScore >= 70, `trust ${body.session.trustScore}`);
    assert.equal(body.backupCodesRemaining, null);
    assert.ok(client.cookie);
    assert.equal((await client.get('/api/auth/session')).json().session.verification, 'two_factor');
  });

  it('refuses a replayed TOTP: the same time-step works once (security.md §4)', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const code = await oathtoolTotp(secret, t.clock.now());
    const first = await challenge(email, password);
    assert.equal((await first.client.post('/api/auth/login/2fa', { challengeId: first.challengeId, code })).statusCode, 200);
    const second = await challenge(email, password);
    const replay = await second.client.post('/api/auth/login/2fa', { challengeId: second.challengeId, code });
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().code, 'INVALID_CODE');
    assert.equal(second.client.cookie, null);
    // A code from the previous step is also refused now, even though it is inside the drift window.
    const previous = await oathtoolTotp(secret, new Date(t.clock.now().getTime() - 30_000));
    assert.equal((await second.client.post('/api/auth/login/2fa', { challengeId: second.challengeId, code: previous })).statusCode, 401);
    t.clock.advance(30);
    const next = await oathtoolTotp(secret, t.clock.now());
    assert.equal((await second.client.post('/api/auth/login/2fa', { challengeId: second.challengeId, code: next })).statusCode, 200);
  });

  it('a backup code works once, is logged, and the response warns when 2 or fewer remain', async () => {
    const { email, password, backupCodes } = await signedUpWithTotp(t.app, t.clock);
    const first = await challenge(email, password);
    const used = await first.client.post('/api/auth/login/2fa', { challengeId: first.challengeId, code: backupCodes[0]!.toLowerCase() });
    assert.equal(used.statusCode, 200, used.body);
    assert.equal(used.json().backupCodesRemaining, 9);
    assert.equal(used.json().warning, undefined);
    const events = ((await first.client.get('/api/auth/events')).json().events as { type: string; metadata: { remaining?: number } }[]);
    assert.ok(events.some((e) => e.type === 'backup_code_used' && e.metadata.remaining === 9));

    const again = await challenge(email, password);
    const reuse = await again.client.post('/api/auth/login/2fa', { challengeId: again.challengeId, code: backupCodes[0]! });
    assert.equal(reuse.statusCode, 401, 'a used backup code is refused');

    for (const code of backupCodes.slice(1, 8)) {
      const step = await challenge(email, password);
      assert.equal((await step.client.post('/api/auth/login/2fa', { challengeId: step.challengeId, code, method: 'backup_code' })).statusCode, 200);
    }
    const low = await challenge(email, password);
    const response = await low.client.post('/api/auth/login/2fa', { challengeId: low.challengeId, code: backupCodes[8]! });
    assert.equal(response.json().backupCodesRemaining, 1);
    assert.match(response.json().warning, /Only 1 backup codes left/);
    const status = (await low.client.get('/api/auth/2fa/status')).json();
    assert.equal(status.backupCodesRemaining, 1);
  });

  it('a challenge is single use', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const { client, challengeId } = await challenge(email, password);
    assert.equal((await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) })).statusCode, 200);
    t.clock.advance(30);
    const reuse = await new Client(t.app).post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(reuse.statusCode, 401);
    assert.equal(reuse.json().code, 'INVALID_CHALLENGE');
  });

  it('a challenge expires after 5 minutes', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const { client, challengeId } = await challenge(email, password);
    t.clock.advance(301);
    const late = await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(late.statusCode, 401);
    assert.equal(late.json().code, 'INVALID_CHALLENGE');
  });

  it('a challenge is bound to the client that started it and to its user', async () => {
    const victim = await signedUpWithTotp(t.app, t.clock);
    const { challengeId } = await challenge(victim.email, victim.password);
    const otherBrowser = new Client(t.app, { userAgent: FIREFOX_LINUX });
    const stolen = await otherBrowser.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(victim.secret, t.clock.now()) });
    assert.equal(stolen.statusCode, 401, 'another browser cannot finish it');
    const otherAddress = new Client(t.app, { ip: '198.51.100.20' });
    assert.equal((await otherAddress.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(victim.secret, t.clock.now()) })).statusCode, 401, 'nor another address');

    // An attacker's own valid code never completes someone else's challenge.
    const attacker = await signedUpWithTotp(t.app, t.clock);
    const attackerCode = await oathtoolTotp(attacker.secret, t.clock.now());
    const crossed = await new Client(t.app).post('/api/auth/login/2fa', { challengeId, code: attackerCode });
    assert.equal(crossed.statusCode, 401);
  });

  it('the sixth code on one challenge is refused even when right (security.md §6)', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const { client, challengeId } = await challenge(email, password);
    for (let i = 1; i <= 5; i++) {
      const wrong = await client.post('/api/auth/login/2fa', { challengeId, code: '000000' });
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.json().message, i < 5 ? new RegExp(`${5 - i} attempts? left`) : /Sign in again/);
    }
    const sixth = await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(sixth.statusCode, 401);
    assert.equal(sixth.json().code, 'INVALID_CHALLENGE');
  });

  it('repeated failures across challenges lock the second factor and write events', async () => {
    const { email, password, secret, client: owner } = await signedUpWithTotp(t.app, t.clock);
    let locked = false;
    for (let round = 0; round < 3 && !locked; round++) {
      const { client, challengeId } = await challenge(email, password);
      for (let i = 0; i < 5; i++) {
        const response = await client.post('/api/auth/login/2fa', { challengeId, code: '111111' });
        if (response.statusCode === 429) {
          locked = true;
          assert.ok(Number(response.headers['retry-after']) > 0);
          break;
        }
      }
    }
    assert.ok(locked, 'the 9th failure across challenges answers 429');
    const { client, challengeId } = await challenge(email, password);
    const right = await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(right.statusCode, 429, 'even the right code waits out the lockout');
    const types = await securityEventTypes(owner);
    assert.ok(types.includes('two_factor_failed'));
    assert.ok(types.includes('two_factor_locked'));
  });

  it('refuses malformed second-step bodies with 400', async () => {
    for (const body of [{}, { challengeId: 'short', code: '123456' }, { challengeId: 'A'.repeat(43) }, { challengeId: 'A'.repeat(43), code: '123456', method: 'email' }]) {
      const response = await new Client(t.app).post('/api/auth/login/2fa', body);
      assert.equal(response.statusCode, 400, JSON.stringify(body));
      assert.equal(response.json().success, false);
    }
    const unknown = await new Client(t.app).post('/api/auth/login/2fa', { challengeId: 'A'.repeat(43), code: '123456' });
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().code, 'INVALID_CHALLENGE');
  });
});
