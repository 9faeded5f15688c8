// Managing two-factor once it is on (security.md §3, §4; docs/api.md, Sensitive actions and
// reauthentication): disable needs the password and a TOTP or backup code and signs out the other
// sessions; regenerating backup codes and starting a set-up need a fresh authentication (≤ 10 min),
// renewed by POST /api/auth/reauthenticate; enabling signs out the other sessions; "remember this
// device" skips the second factor on that browser only, is listed and revocable, and is forgotten
// on password change and on disable.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { it } from 'node:test';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { Client, FIREFOX_LINUX, signedUpBrowser } from '../../support/client.ts';
import { securityEvents, securityEventTypes } from '../../support/events.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp, signedUpWithTotp, TRUSTED_DEVICE_COOKIE } from '../../support/two-factor.ts';

const THIRTY_DAYS = 30 * 86400;
const NEW_PASSWORD = 'copper-lantern-meadow-93';

describeOnEachDatabase('two-factor management', (t) => {
  /** A code from a time-step no earlier code used: a time-step is accepted once (security.md §4). */
  async function totp(secret: string): Promise<string> {
    t.clock.advance(30);
    return oathtoolTotp(secret, t.clock.now());
  }

  /** A 6-digit code that matches none of the steps the server accepts now (±1). */
  async function wrongTotp(secret: string): Promise<string> {
    const now = t.clock.now().getTime();
    const valid = new Set(await Promise.all([-30_000, 0, 30_000].map((d) => oathtoolTotp(secret, new Date(now + d)))));
    let candidate = 0;
    while (valid.has(String(candidate).padStart(6, '0'))) candidate += 1;
    return String(candidate).padStart(6, '0');
  }

  async function challenge(email: string, password: string, client = new Client(t.app)) {
    const response = await client.post('/api/auth/login', { email, password });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().twoFactorRequired, true, `expected a challenge: ${response.body}`);
    return { client, challengeId: response.json().challengeId as string };
  }

  /** Password, then the code: a fully signed-in browser. */
  async function signInWithCode(email: string, password: string, code: string, client = new Client(t.app)) {
    const { challengeId } = await challenge(email, password, client);
    const response = await client.post('/api/auth/login/2fa', { challengeId, code });
    assert.equal(response.statusCode, 200, response.body);
    return client;
  }

  async function status(client: Client) {
    const response = await client.get('/api/auth/2fa/status');
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { enabled: boolean; methods: string[]; pending: string[]; backupCodesRemaining: number };
  }

  // ---- disable ----

  it('disable with a wrong password answers 400 INVALID_PASSWORD and two-factor stays on', async () => {
    const { client, email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const response = await client.post('/api/auth/2fa/disable', { password: 'not-the-password-at-all', token: await totp(secret) });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, 'INVALID_PASSWORD');
    assert.equal(typeof response.json().fields?.password, 'string');
    assert.equal((await status(client)).enabled, true);
    await challenge(email, password); // still asked for the second factor
  });

  it('disable with a wrong code answers 400 INVALID_CONFIRMATION_CODE and two-factor stays on', async () => {
    const { client, email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const response = await client.post('/api/auth/2fa/disable', { password, token: await wrongTotp(secret) });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, 'INVALID_CONFIRMATION_CODE');
    const after = await status(client);
    assert.equal(after.enabled, true);
    assert.equal(after.backupCodesRemaining, 10);
    await challenge(email, password);
    assert.ok((await securityEvents(client)).some((e) => e.type === 'two_factor_failed'), 'the failure is logged');
  });

  it('disable refuses the code whose time-step was already used (security.md §4)', async () => {
    const { client, password, secret } = await signedUpWithTotp(t.app, t.clock);
    // enrolTotp confirmed set-up with the code of the previous step, still inside the ±1 window.
    const setupCode = await oathtoolTotp(secret, new Date(t.clock.now().getTime() - 30_000));
    const response = await client.post('/api/auth/2fa/disable', { password, token: setupCode });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, 'INVALID_CONFIRMATION_CODE');
    assert.equal((await status(client)).enabled, true);
  });

  it('disable with the password and a fresh TOTP turns it off, signs out the other sessions and is logged (security.md §3, §4)', async () => {
    const { client, email, password, secret, user } = await signedUpWithTotp(t.app, t.clock);
    const other = await signInWithCode(email, password, await totp(secret), new Client(t.app, { userAgent: FIREFOX_LINUX }));
    assert.equal((await other.get('/api/auth/session')).statusCode, 200, 'the other session works before');

    const response = await client.post('/api/auth/2fa/disable', { password, token: await totp(secret) });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().success, true);

    const after = await status(client);
    assert.equal(after.enabled, false);
    assert.deepEqual(after.methods, []);
    assert.equal(after.backupCodesRemaining, 0);
    assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'the session that disabled it stays');
    assert.equal((await other.get('/api/auth/session')).statusCode, 401, 'the other session is revoked on its next request');

    const backupRows = await t.ctx.db.selectFrom('backup_codes').select('id').where('user_id', '=', user.id).execute();
    assert.equal(backupRows.length, 0, 'the backup codes are gone');

    const login = await new Client(t.app).post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().twoFactorRequired, undefined, 'no challenge any more');
    assert.equal(login.json().session.verification, 'password');

    const disabled = (await securityEvents(client)).find((e) => e.type === 'two_factor_disabled');
    assert.ok(disabled, 'two_factor_disabled event');
    assert.equal(disabled.metadata.confirmedWith, 'totp');
    assert.equal(disabled.metadata.revokedSessions, 1);
  });

  it('disable accepts a backup code instead of a TOTP', async () => {
    const { client, email, password, backupCodes } = await signedUpWithTotp(t.app, t.clock);
    const response = await client.post('/api/auth/2fa/disable', { password, token: backupCodes[3]! });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal((await status(client)).enabled, false);
    assert.equal((await new Client(t.app).post('/api/auth/login', { email, password })).json().twoFactorRequired, undefined);
    assert.equal((await securityEvents(client)).find((e) => e.type === 'two_factor_disabled')?.metadata.confirmedWith, 'backup_code');
  });

  it('disable when two-factor is off answers 400 TWO_FACTOR_NOT_ENABLED', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    const response = await client.post('/api/auth/2fa/disable', { password, token: '123456' });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, 'TWO_FACTOR_NOT_ENABLED');
  });

  // ---- regenerate and re-authentication ----

  it('regenerate right after sign-in gives 10 new codes and the old ones stop working (security.md §3)', async () => {
    const { email, password, secret, backupCodes: old } = await signedUpWithTotp(t.app, t.clock);
    const browser = await signInWithCode(email, password, await totp(secret));
    const response = await browser.post('/api/auth/2fa/regenerate-codes');
    assert.equal(response.statusCode, 200, response.body);
    const fresh = response.json().backupCodes as string[];
    assert.equal(fresh.length, 10);
    assert.equal(new Set(fresh).size, 10);
    for (const code of fresh) assert.match(code, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    assert.equal(fresh.filter((code) => old.includes(code)).length, 0, 'all new');
    assert.equal((await status(browser)).backupCodesRemaining, 10);
    assert.ok((await securityEvents(browser)).some((e) => e.type === 'backup_codes_regenerated'));

    const { client, challengeId } = await challenge(email, password);
    const stale = await client.post('/api/auth/login/2fa', { challengeId, code: old[0]! });
    assert.equal(stale.statusCode, 401, 'an old code no longer signs in');
    assert.equal(stale.json().code, 'INVALID_CODE');
    const current = await client.post('/api/auth/login/2fa', { challengeId, code: fresh[0]! });
    assert.equal(current.statusCode, 200, current.body);
    assert.equal(current.json().backupCodesRemaining, 9);
  });

  it('regenerate after 11 minutes answers 403 REAUTH_REQUIRED; reauthenticate with password and code makes it work again (security.md §3, ASVS 7.5.1)', async () => {
    const { client, password, secret, backupCodes } = await signedUpWithTotp(t.app, t.clock);
    t.clock.advance(11 * 60);
    const stale = await client.post('/api/auth/2fa/regenerate-codes');
    assert.equal(stale.statusCode, 403, stale.body);
    assert.equal(stale.json().code, 'REAUTH_REQUIRED');
    assert.equal(stale.json().success, false);
    assert.equal((await status(client)).backupCodesRemaining, 10, 'nothing was replaced');

    const reauth = await client.post('/api/auth/reauthenticate', { password, code: await totp(secret) });
    assert.equal(reauth.statusCode, 200, reauth.body);
    const regenerated = await client.post('/api/auth/2fa/regenerate-codes');
    assert.equal(regenerated.statusCode, 200, regenerated.body);
    assert.equal(regenerated.json().backupCodes.length, 10);
    assert.ok(!regenerated.json().backupCodes.includes(backupCodes[0]));
    assert.ok((await securityEvents(client)).some((e) => e.type === 'reauthenticated' && e.metadata.method === 'totp'));

    // The freshness itself lasts 10 minutes.
    t.clock.advance(11 * 60);
    assert.equal((await client.post('/api/auth/2fa/regenerate-codes')).statusCode, 403);
  });

  it('reauthenticate accepts a backup code as the second factor', async () => {
    const { client, password, backupCodes } = await signedUpWithTotp(t.app, t.clock);
    t.clock.advance(11 * 60);
    const reauth = await client.post('/api/auth/reauthenticate', { password, code: backupCodes[0]! });
    assert.equal(reauth.statusCode, 200, reauth.body);
    assert.equal((await client.post('/api/auth/2fa/regenerate-codes')).statusCode, 200);
  });

  it('reauthenticate refuses a wrong password (400 INVALID_PASSWORD), a missing code (400 CODE_REQUIRED) and a wrong code (400 INVALID_CONFIRMATION_CODE), and none of them makes the session fresh', async () => {
    const { client, password, secret } = await signedUpWithTotp(t.app, t.clock);
    t.clock.advance(11 * 60);

    const wrongPassword = await client.post('/api/auth/reauthenticate', { password: 'not-the-password-at-all', code: await totp(secret) });
    assert.equal(wrongPassword.statusCode, 400, wrongPassword.body);
    assert.equal(wrongPassword.json().code, 'INVALID_PASSWORD');
    assert.equal(typeof wrongPassword.json().fields?.password, 'string');

    const noCode = await client.post('/api/auth/reauthenticate', { password });
    assert.equal(noCode.statusCode, 400, noCode.body);
    assert.equal(noCode.json().code, 'CODE_REQUIRED');
    assert.equal(typeof noCode.json().fields?.code, 'string');

    const wrongCode = await client.post('/api/auth/reauthenticate', { password, code: await wrongTotp(secret) });
    assert.equal(wrongCode.statusCode, 400, wrongCode.body);
    assert.equal(wrongCode.json().code, 'INVALID_CONFIRMATION_CODE');

    const still = await client.post('/api/auth/2fa/regenerate-codes');
    assert.equal(still.statusCode, 403, 'still not fresh');
    assert.equal(still.json().code, 'REAUTH_REQUIRED');
    assert.ok((await securityEvents(client)).some((e) => e.type === 'reauthentication_failed'));
  });

  // ---- enabling ----

  it('confirming set-up signs out the other sessions (ASVS 7.4.3)', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const other = new Client(t.app, { userAgent: FIREFOX_LINUX });
    assert.equal((await other.post('/api/auth/login', { email, password })).statusCode, 200);
    assert.equal((await other.get('/api/auth/session')).statusCode, 200);

    const enable = await client.post('/api/auth/2fa/enable');
    assert.equal(enable.statusCode, 200, enable.body);
    assert.equal((await other.get('/api/auth/session')).statusCode, 200, 'a pending set-up changes nothing yet');
    const verify = await client.post('/api/auth/2fa/verify-setup', { token: await oathtoolTotp(enable.json().secret, t.clock.now()) });
    assert.equal(verify.statusCode, 200, verify.body);

    assert.equal((await other.get('/api/auth/session')).statusCode, 401, 'the other session is revoked');
    assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'the one that enabled it stays');
    const enabled = (await securityEvents(client)).find((e) => e.type === 'two_factor_enabled');
    assert.equal(enabled?.metadata.revokedSessions, 1);
  });

  it('starting a set-up after 11 minutes without re-authentication answers 403 REAUTH_REQUIRED; the password alone renews it before 2FA is on (ASVS 7.5.1)', async () => {
    const { client, password } = await signedUpBrowser(t.app);
    t.clock.advance(11 * 60);
    const totpSetup = await client.post('/api/auth/2fa/enable');
    assert.equal(totpSetup.statusCode, 403, totpSetup.body);
    assert.equal(totpSetup.json().code, 'REAUTH_REQUIRED');
    const smsSetup = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: '+447911123456' });
    assert.equal(smsSetup.statusCode, 403, smsSetup.body);
    assert.equal(smsSetup.json().code, 'REAUTH_REQUIRED');
    assert.deepEqual((await status(client)).pending, [], 'nothing was started');

    const reauth = await client.post('/api/auth/reauthenticate', { password });
    assert.equal(reauth.statusCode, 200, reauth.body);
    const retry = await client.post('/api/auth/2fa/enable');
    assert.equal(retry.statusCode, 200, retry.body);
    assert.match(retry.json().secret, /^[A-Z2-7]{32}$/);
  });
});

describeOnEachDatabase('two-factor trusted devices', (t) => {
  async function totp(secret: string): Promise<string> {
    t.clock.advance(30);
    return oathtoolTotp(secret, t.clock.now());
  }

  function trustedCookie(response: LightMyRequestResponse) {
    return response.cookies.find((c) => c.name === TRUSTED_DEVICE_COOKIE);
  }

  /** Signs in with password and TOTP asking to remember the browser; returns the device cookie value. */
  async function rememberBrowser(client: Client, email: string, password: string, secret: string): Promise<string> {
    const login = await client.post('/api/auth/login', { email, password });
    assert.equal(login.json().twoFactorRequired, true, login.body);
    const response = await client.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: await totp(secret), rememberDevice: true });
    assert.equal(response.statusCode, 200, response.body);
    const cookie = trustedCookie(response);
    assert.ok(cookie, 'trusted-device cookie set');
    return cookie.value;
  }

  /** A password sign-in that presents the trusted-device cookie (and no session cookie). */
  function loginWithDevice(client: Client, email: string, password: string, device: string) {
    return client.post('/api/auth/login', { email, password }, { cookie: `${TRUSTED_DEVICE_COOKIE}=${device}` });
  }

  async function trustedDevices(client: Client) {
    const response = await client.get('/api/auth/sessions');
    assert.equal(response.statusCode, 200, response.body);
    return response.json().trustedDevices as { id: string; device: string; createdAt: string; lastUsedAt: string | null; expiresAt: string }[];
  }

  it('rememberDevice sets an HttpOnly 30-day cookie, and that browser then signs in without the second factor', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const browser = new Client(t.app);
    const login = await browser.post('/api/auth/login', { email, password });
    const response = await browser.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: await totp(secret), rememberDevice: true });
    assert.equal(response.statusCode, 200, response.body);
    const cookie = trustedCookie(response);
    assert.ok(cookie, 'trusted-device cookie set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.path, '/');
    assert.equal(cookie.sameSite, 'Lax');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/, '256-bit token');
    assert.ok(typeof cookie.maxAge === 'number' && cookie.maxAge > THIRTY_DAYS - 60 && cookie.maxAge <= THIRTY_DAYS, `Max-Age ${cookie.maxAge}`);
    const stored = await t.ctx.db.selectFrom('trusted_devices').select('token_hash').execute();
    assert.ok(stored.every((row) => row.token_hash !== cookie.value), 'only a hash of the token is stored');

    assert.equal((await browser.post('/api/auth/logout')).statusCode, 200);
    const again = await loginWithDevice(browser, email, password, cookie.value);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().twoFactorRequired, undefined, 'no challenge on the remembered browser');
    assert.equal(again.json().session.verification, 'trusted_device');
    assert.ok(browser.cookie, 'a session cookie was set');
    assert.equal((await browser.get('/api/auth/session')).json().session.verification, 'trusted_device');
  });

  it('without rememberDevice no trusted-device cookie is set', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const browser = new Client(t.app);
    const login = await browser.post('/api/auth/login', { email, password });
    const response = await browser.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: await totp(secret) });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(trustedCookie(response), undefined);
    assert.deepEqual(await trustedDevices(browser), []);
  });

  it('only that browser skips it: another browser is challenged, the password is still required, and the cookie is worthless for another user', async () => {
    const owner = await signedUpWithTotp(t.app, t.clock);
    const device = await rememberBrowser(new Client(t.app), owner.email, owner.password, owner.secret);

    const otherBrowser = await new Client(t.app, { userAgent: FIREFOX_LINUX }).post('/api/auth/login', { email: owner.email, password: owner.password });
    assert.equal(otherBrowser.json().twoFactorRequired, true, 'a browser without the cookie is challenged');

    const wrongPassword = await loginWithDevice(new Client(t.app), owner.email, 'not-the-password-at-all', device);
    assert.equal(wrongPassword.statusCode, 401, 'the device never replaces the password');
    assert.equal(wrongPassword.json().code, 'INVALID_CREDENTIALS');

    const someoneElse = await signedUpWithTotp(t.app, t.clock);
    const borrowed = await loginWithDevice(new Client(t.app), someoneElse.email, someoneElse.password, device);
    assert.equal(borrowed.statusCode, 200, borrowed.body);
    assert.equal(borrowed.json().twoFactorRequired, true, "another user's device cookie does not skip the second factor");
  });

  it('is listed with the sessions and can be forgotten one by one (ASVS 6.5.6)', async () => {
    const { client, email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const device = await rememberBrowser(new Client(t.app), email, password, secret);
    const listed = await trustedDevices(client);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.device, 'Chrome on macOS');
    assert.equal(new Date(listed[0]!.expiresAt).getTime() - new Date(listed[0]!.createdAt).getTime(), THIRTY_DAYS * 1000);
    assert.equal(listed[0]!.lastUsedAt, null);
    assert.equal((await loginWithDevice(new Client(t.app), email, password, device)).json().session.verification, 'trusted_device');
    assert.notEqual((await trustedDevices(client))[0]!.lastUsedAt, null, 'last use recorded');

    const stranger = await signedUpBrowser(t.app);
    const foreign = await stranger.client.delete(`/api/auth/trusted-devices/${listed[0]!.id}`);
    assert.equal(foreign.statusCode, 404, "another user cannot forget someone else's device (ASVS 8.2.2)");
    assert.equal((await trustedDevices(client)).length, 1);

    const forget = await client.delete(`/api/auth/trusted-devices/${listed[0]!.id}`);
    assert.equal(forget.statusCode, 200, forget.body);
    assert.deepEqual(await trustedDevices(client), []);
    assert.equal((await client.delete(`/api/auth/trusted-devices/${listed[0]!.id}`)).statusCode, 404, 'already forgotten');
    const next = await loginWithDevice(new Client(t.app), email, password, device);
    assert.equal(next.json().twoFactorRequired, true, 'the forgotten browser is challenged again');
    const types = await securityEventTypes(client);
    assert.ok(types.includes('trusted_device_added'));
    assert.ok(types.includes('trusted_device_revoked'));
  });

  it('a password change forgets every trusted device', async () => {
    const { client, email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const first = await rememberBrowser(new Client(t.app), email, password, secret);
    const second = await rememberBrowser(new Client(t.app, { userAgent: FIREFOX_LINUX }), email, password, secret);
    assert.equal((await trustedDevices(client)).length, 2);

    const change = await client.put('/api/auth/change-password', { currentPassword: password, newPassword: NEW_PASSWORD });
    assert.equal(change.statusCode, 200, change.body);
    assert.deepEqual(await trustedDevices(client), []);
    assert.equal((await loginWithDevice(new Client(t.app), email, NEW_PASSWORD, first)).json().twoFactorRequired, true);
    assert.equal((await loginWithDevice(new Client(t.app, { userAgent: FIREFOX_LINUX }), email, NEW_PASSWORD, second)).json().twoFactorRequired, true);
  });

  it('disabling two-factor forgets every trusted device: after turning it on again the browser is challenged', async () => {
    const { client, email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const device = await rememberBrowser(new Client(t.app), email, password, secret);
    assert.equal((await trustedDevices(client)).length, 1);

    const disable = await client.post('/api/auth/2fa/disable', { password, token: await totp(secret) });
    assert.equal(disable.statusCode, 200, disable.body);
    assert.deepEqual(await trustedDevices(client), []);

    const again = await enrolTotp(client, t.clock);
    assert.notEqual(again.secret, secret);
    const login = await loginWithDevice(new Client(t.app), email, password, device);
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().twoFactorRequired, true, 'the old device cookie no longer skips the second factor');
  });

  it('a trusted device lapses after 30 days', async () => {
    const { email, password, secret } = await signedUpWithTotp(t.app, t.clock);
    const device = await rememberBrowser(new Client(t.app), email, password, secret);
    t.clock.advance(THIRTY_DAYS - 60);
    assert.equal((await loginWithDevice(new Client(t.app), email, password, device)).json().session?.verification, 'trusted_device', 'still trusted on day 29');
    t.clock.advance(120);
    assert.equal((await loginWithDevice(new Client(t.app), email, password, device)).json().twoFactorRequired, true, 'challenged after 30 days');
  });
});
