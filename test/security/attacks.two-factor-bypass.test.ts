// Attacks on the second step of sign-in that held in the black-box audit, kept as tests (ASVS
// 6.3.3, 6.4.x; security.md §4). Already covered elsewhere and not repeated here
// (test/modules/two-factor/two-factor.sign-in.test.ts): the challenge as a session on the read
// routes, completing a challenge from another browser or address, reusing a completed challenge,
// an expired challenge, an attacker's own code on someone else's challenge.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { oathtoolTotp } from '../support/authenticator.ts';
import { Client, type ClientOptions } from '../support/client.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { concreteUrl, registeredRoutes } from '../support/registered-routes.ts';
import { textedCode } from '../support/sms-outbox.ts';
import { linkIn } from '../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../support/suites.ts';
import { passwordStep, signedUpWithTotp } from '../support/two-factor.ts';

type Response = Awaited<ReturnType<Client['get']>>;
const PHONE = '+447911123456';

describeWithMailOnEachDatabase('attack: bypassing the second factor', {}, (t, smtp) => {
  const noSession = (response: Response, what: string) => {
    assert.equal(response.cookies.find((c) => c.name.endsWith('gatehouse_session')), undefined, `${what}: no session cookie`);
    assert.doesNotMatch(response.body, /"session"\s*:/, `${what}: no session in the body`);
  };

  it('the challenge id presented as a bearer token or a session cookie opens no route at all, read or write (security.md §4)', async () => {
    const victim = await signedUpWithTotp(t.app, t.clock);
    const { challengeId } = await passwordStep(t.app, victim.email, victim.password);
    const opened: string[] = [];
    const routes = registeredRoutes(t.app).filter((route) => route.url.startsWith('/api/auth/'));
    assert.ok(routes.length > 20, `the sweep covers the API (${routes.length} routes)`);
    const as: [string, ClientOptions, Record<string, string>][] = [
      ['bearer', { bearer: challengeId }, {}],
      ['cookie', {}, { cookie: `gatehouse_session=${challengeId}` }],
    ];
    for (const route of routes) {
      for (const [how, options, headers] of as) {
        const client = new Client(t.app, options);
        const url = concreteUrl(route.url);
        const response = route.method === 'GET' || route.method === 'DELETE'
          ? await client.request(route.method, url, undefined, headers)
          : await client.request(route.method as 'POST' | 'PUT' | 'PATCH', url, {}, headers);
        if (response.statusCode < 300 || response.statusCode >= 500) opened.push(`${route.method} ${route.url} as ${how} → ${response.statusCode}`);
        noSession(response, `${route.method} ${route.url} as ${how}`);
      }
    }
    assert.deepEqual(opened, [], 'no route answered a success (or failed) for a challenge id');
    // The challenge itself is untouched by all that and still completes normally.
    const finish = await new Client(t.app).post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(victim.secret, t.clock.now()) });
    assert.equal(finish.statusCode, 200, finish.body);
  });

  it('the second step without a real challenge: a missing, made-up, session, reset or verification token is refused and signs no one in', async () => {
    const victim = await signedUpWithTotp(t.app, t.clock);
    const code = await oathtoolTotp(victim.secret, t.clock.now());
    // Every other 43-character secret the victim's account has handed out.
    const verification = linkIn(await smtp.nextMailTo(victim.email, /Confirm your email address/), '/verify-email').token;
    assert.equal((await new Client(t.app).post('/api/auth/password/forgot', { email: victim.email })).statusCode, 202);
    const reset = linkIn(await smtp.nextMailTo(victim.email, /Reset your password/), '/reset-password').token;
    // A session token of the victim's, from a completed sign-in as an API client.
    const signedIn = await passwordStep(t.app, victim.email, victim.password);
    const done = await signedIn.client.post('/api/auth/login/2fa', { challengeId: signedIn.challengeId, code }, { 'x-session-transport': 'bearer' });
    assert.equal(done.statusCode, 200, done.body);
    const sessionToken = done.json().session.token as string;
    t.clock.advance(30);
    const freshCode = await oathtoolTotp(victim.secret, t.clock.now());

    const missing = await new Client(t.app).post('/api/auth/login/2fa', { code: freshCode });
    assertErrorShape(missing, { status: 400 });
    noSession(missing, 'no challengeId');
    for (const [what, challengeId] of [
      ['a made-up id', 'A'.repeat(43)],
      ['the victim’s session token', sessionToken],
      ['the victim’s password-reset token', reset],
      ['the victim’s email-verification token', verification],
    ] as const) {
      const response = await new Client(t.app).post('/api/auth/login/2fa', { challengeId, code: freshCode });
      assertErrorShape(response, { status: 401, code: 'INVALID_CHALLENGE' });
      noSession(response, what);
      const text = await new Client(t.app).post('/api/auth/login/2fa/sms', { challengeId });
      assertErrorShape(text, { status: 401, code: 'INVALID_CHALLENGE' });
    }
    // None of it spent the code's time-step or anything else: a real challenge still completes.
    const step = await passwordStep(t.app, victim.email, victim.password);
    assert.equal((await step.client.post('/api/auth/login/2fa', { challengeId: step.challengeId, code: freshCode })).statusCode, 200);
  });

  it('method confusion: a code sent under another method’s name is refused and spends nothing (ASVS 6.6.2)', async () => {
    const victim = await signedUpWithTotp(t.app, t.clock);
    const setupCode = await textedCode(t, PHONE, async () => {
      assert.equal((await victim.client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE })).statusCode, 200);
    });
    assert.equal((await victim.client.post('/api/auth/2fa/sms/verify', { code: setupCode })).statusCode, 200);
    const backupCode = victim.backupCodes[0]!;

    // Each challenge takes two wrong-method attempts, then the right code under its own name.
    const totpStep = await passwordStep(t.app, victim.email, victim.password);
    const totp = await oathtoolTotp(victim.secret, t.clock.now());
    for (const method of ['sms', 'backup_code'] as const) {
      const response = await totpStep.client.post('/api/auth/login/2fa', { challengeId: totpStep.challengeId, code: totp, method });
      assertErrorShape(response, { status: 401, code: 'INVALID_CODE' });
      noSession(response, `a TOTP code as ${method}`);
    }
    assert.equal((await totpStep.client.post('/api/auth/login/2fa', { challengeId: totpStep.challengeId, code: totp, method: 'totp' })).statusCode, 200, 'the TOTP time-step was not spent');
    t.clock.advance(30);

    const backupStep = await passwordStep(t.app, victim.email, victim.password);
    for (const method of ['totp', 'sms'] as const) {
      const response = await backupStep.client.post('/api/auth/login/2fa', { challengeId: backupStep.challengeId, code: backupCode, method });
      assertErrorShape(response, { status: 401, code: 'INVALID_CODE' });
      noSession(response, `a backup code as ${method}`);
    }
    assert.equal((await victim.client.get('/api/auth/2fa/status')).json().backupCodesRemaining, 10, 'the backup code was not used');
    const byBackup = await backupStep.client.post('/api/auth/login/2fa', { challengeId: backupStep.challengeId, code: backupCode, method: 'backup_code' });
    assert.equal(byBackup.statusCode, 200, byBackup.body);

    const smsStep = await passwordStep(t.app, victim.email, victim.password);
    const smsCode = await textedCode(t, PHONE, async () => {
      assert.equal((await smsStep.client.post('/api/auth/login/2fa/sms', { challengeId: smsStep.challengeId })).statusCode, 200);
    });
    const asTotp = await smsStep.client.post('/api/auth/login/2fa', { challengeId: smsStep.challengeId, code: smsCode, method: 'totp' });
    assertErrorShape(asTotp, { status: 401, code: 'INVALID_CODE' });
    const asBackup = await smsStep.client.post('/api/auth/login/2fa', { challengeId: smsStep.challengeId, code: smsCode, method: 'backup_code' });
    assertErrorShape(asBackup, { status: 401, code: 'INVALID_CODE' });
    assert.equal((await smsStep.client.post('/api/auth/login/2fa', { challengeId: smsStep.challengeId, code: smsCode, method: 'sms' })).statusCode, 200, 'the texted code was not spent');
  });

  it('method confusion: asking for a method the account does not have (sms on an app-only account) is refused', async () => {
    const victim = await signedUpWithTotp(t.app, t.clock);
    const step = await passwordStep(t.app, victim.email, victim.password);
    const text = await step.client.post('/api/auth/login/2fa/sms', { challengeId: step.challengeId });
    assertErrorShape(text, { status: 400, code: 'SMS_NOT_ENABLED' });
    const totp = await oathtoolTotp(victim.secret, t.clock.now());
    const asSms = await step.client.post('/api/auth/login/2fa', { challengeId: step.challengeId, code: totp, method: 'sms' });
    assertErrorShape(asSms, { status: 401, code: 'INVALID_CODE' });
    noSession(asSms, 'sms on an app-only account');
  });
});
