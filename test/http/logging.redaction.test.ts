// security.md §10 (ASVS 16.2.5, 16.3.1): requests are logged as JSON lines, and no log line ever holds a
// password, a session token, a cookie value or a secret query parameter — whatever the flow did.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, it } from 'node:test';
import { oathtoolTotp } from '../support/authenticator.ts';
import { Client, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { textedCode } from '../support/sms-outbox.ts';
import { linkIn, waitForQueueDrained } from '../support/smtp.ts';
import { describeOnEachDatabase, describeWithMailOnEachDatabase } from '../support/suites.ts';
import type { TotpEnrolment } from '../support/two-factor.ts';

interface LogLine {
  level: number;
  time: number;
  msg?: string;
  req?: { method?: string; url?: string; headers?: unknown };
  res?: { statusCode?: number; headers?: unknown };
  [key: string]: unknown;
}

describeOnEachDatabase('logging: redaction', (t) => {
  // Distinctive values, so finding one anywhere in the logs is unambiguous.
  const unique = randomBytes(4).toString('hex');
  const password = `first-Pass-${unique}-violet-harbor`;
  const wrongPassword = `wrong-Pass-${unique}-copper-lantern`;
  const newPassword = `second-Pass-${unique}-quiet-meadow`;
  const queryToken = `secretvalue${unique}`;
  const queryCode = `code${unique}`;
  const email = uniqueEmail('logging');
  const ip = '198.51.100.77';
  const secrets = new Map<string, string>();
  let firstLine = 0;

  before(async () => {
    firstLine = t.logs.length;
    secrets.set('password', password);
    secrets.set('wrong password', wrongPassword);
    secrets.set('new password', newPassword);
    secrets.set('query token', queryToken);
    secrets.set('query code', queryCode);

    // Register with a cookie.
    const browser = new Client(t.app, { ip });
    const register = await browser.post('/api/auth/register', { email, password, displayName: 'Log Subject' });
    assert.equal(register.statusCode, 201, register.body);
    assert.ok(browser.cookie);
    secrets.set('register cookie', browser.cookie.split('=')[1]!);

    // A failed sign-in, and a malformed one carrying the password.
    assert.equal((await new Client(t.app, { ip }).post('/api/auth/login', { email, password: wrongPassword })).statusCode, 401);
    assert.equal((await new Client(t.app, { ip }).post('/api/auth/login', `{"email":"${email}","password":"${password}"`)).statusCode, 400);
    assert.equal((await new Client(t.app, { ip }).post('/api/auth/login', { email, password, unexpected: wrongPassword })).statusCode, 400);

    // Sign in as an API client: the token travels in the body and the Authorization header.
    const login = await new Client(t.app, { ip }).post('/api/auth/login', { email, password }, { 'x-session-transport': 'bearer' });
    assert.equal(login.statusCode, 200, login.body);
    const token = login.json().session.token as string;
    secrets.set('bearer token', token);
    const api = new Client(t.app, { ip, bearer: token });
    assert.equal((await api.get('/api/auth/session')).statusCode, 200);

    // Change the password with the bearer session; the cookie session is revoked by it.
    const change = await api.put('/api/auth/change-password', { currentPassword: password, newPassword });
    assert.equal(change.statusCode, 200, change.body);
    // A password change may go on under a new token: keep using (and looking for) that one.
    const renewed = change.json().token as string | undefined;
    if (renewed) {
      api.bearer = renewed;
      secrets.set('renewed bearer token', renewed);
    }
    const wrongChange = await api.put('/api/auth/change-password', { currentPassword: wrongPassword, newPassword: password });
    assert.equal(wrongChange.statusCode, 400, wrongChange.body);

    // Sign in with a cookie again, then sign out; a replay of that cookie afterwards.
    const again = new Client(t.app, { ip });
    assert.equal((await again.post('/api/auth/login', { email, password: newPassword })).statusCode, 200);
    const cookie = again.cookie!;
    secrets.set('second cookie', cookie.split('=')[1]!);
    assert.equal((await again.post('/api/auth/logout')).statusCode, 200);
    assert.equal((await new Client(t.app, { ip }).get('/api/auth/session', { cookie })).statusCode, 401);

    // Secrets in query strings (a link pasted into the API, a client bug).
    assert.ok((await api.get(`/api/auth/session?token=${queryToken}`)).statusCode < 500);
    assert.ok((await api.get(`/api/auth/events?token=${queryToken}&code=${queryCode}`)).statusCode < 500);
    assert.ok((await new Client(t.app, { ip }).get(`/verify-email?token=${queryToken}`)).statusCode < 500);
    assert.ok((await new Client(t.app, { ip }).get(`/nowhere?password=${password}&token=${queryToken}`)).statusCode < 500);

    // The bearer client signs out too.
    assert.equal((await api.post('/api/auth/logout', {}, { origin: '' })).statusCode, 200);
  });

  const lines = (): string[] => t.logs.slice(firstLine);
  const parsed = (): LogLine[] => lines().map((line) => JSON.parse(line) as LogLine);

  it('every log line is one JSON object with a level and a time', () => {
    assert.ok(lines().length > 20, `the flow was logged (${lines().length} lines)`);
    for (const line of lines()) {
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), `one line per entry: ${line.slice(0, 200)}`);
      const entry = JSON.parse(line) as LogLine;
      assert.equal(typeof entry.level, 'number');
      assert.equal(typeof entry.time, 'number');
    }
  });

  it('each request is logged with method, path and status (ASVS 16.3.1)', () => {
    const entries = parsed();
    const incoming = entries.filter((e) => e.req?.url !== undefined);
    const completed = entries.filter((e) => typeof e.res?.statusCode === 'number');
    const requests: [string, string][] = [['POST', '/api/auth/register'], ['POST', '/api/auth/login'], ['PUT', '/api/auth/change-password'], ['POST', '/api/auth/logout'], ['GET', '/api/auth/session']];
    for (const [method, path] of requests) {
      assert.ok(incoming.some((e) => e.req?.method === method && e.req.url?.startsWith(path)), `${method} ${path} is logged`);
    }
    for (const status of [201, 200, 401, 400]) assert.ok(completed.some((e) => e.res?.statusCode === status), `a ${status} answer is logged`);
  });

  it('no line contains a password, a session token, a cookie value or a secret query value (security.md §10, ASVS 16.2.5)', () => {
    assert.ok(secrets.size >= 8, 'every secret of the flow was captured');
    const leaks: string[] = [];
    for (const line of lines()) {
      for (const [what, value] of secrets) {
        assert.ok(value.length >= 10, `${what} is distinctive`);
        if (line.includes(value) || line.includes(encodeURIComponent(value))) leaks.push(`${what} in: ${line.slice(0, 300)}`);
      }
    }
    assert.deepEqual(leaks, []);
  });

  it('a URL with a query string is logged as its path and parameter names, without any value (security.md §10)', () => {
    const urls = parsed().map((e) => e.req?.url).filter((url): url is string => typeof url === 'string');
    assert.ok(urls.includes('/api/auth/session?token'), `URL logged without values: ${JSON.stringify(urls.filter((u) => u.includes('?')))}`);
    assert.ok(urls.includes('/api/auth/events?token&code'));
    assert.ok(urls.includes('/nowhere?password&token'));
  });

  it('no request headers, no Set-Cookie and no client address are logged', () => {
    for (const entry of parsed()) {
      assert.equal(entry.req?.headers, undefined, 'request headers are not logged');
      assert.equal(entry.res?.headers, undefined, 'response headers are not logged');
      const text = JSON.stringify(entry);
      assert.doesNotMatch(text, /set-cookie|authorization|"cookie"/i, text.slice(0, 300));
      assert.ok(!text.includes(ip) && !text.includes('remoteAddress'), `the client's address is not logged: ${text.slice(0, 300)}`);
    }
  });
});

// The secrets of the second factor and of the email links, at the most talkative log level: the
// TOTP secret, its otpauth URL and QR code, backup codes, TOTP and SMS codes, the sign-in
// challenge, the verification and reset tokens and the password set by a reset never reach a log
// line, at any level (security.md §10, ASVS 16.2.5).
describeWithMailOnEachDatabase('logging: second-factor and email-link secrets at LOG_LEVEL=trace', { env: { LOG_LEVEL: 'trace' } }, (t, smtp) => {
  /** Long values: found as a substring (raw or URL-encoded) anywhere in the logs is a leak. */
  const secrets = new Map<string, string>();
  /** Six-digit codes: a leak when they stand alone as a number or inside a string. */
  const codes = new Map<string, string>();
  const resetPassword = `reset-Pass-${randomBytes(4).toString('hex')}-amber-orchard`;

  before(async () => {
    // Registration mails a verification link; following it spends the token.
    const totpUser = await signedUpBrowser(t.app);
    const verifyLink = linkIn(await smtp.nextMailTo(totpUser.email, /Confirm your email address/), '/verify-email');
    secrets.set('verification token', verifyLink.token);
    assert.equal((await totpUser.client.post('/api/auth/email/verify', { token: verifyLink.token })).statusCode, 200);

    // Authenticator-app set-up: secret, otpauth URL, QR code, backup codes, the confirming code.
    const enable = await totpUser.client.post('/api/auth/2fa/enable');
    assert.equal(enable.statusCode, 200, enable.body);
    const setup = enable.json() as TotpEnrolment;
    secrets.set('TOTP secret', setup.secret);
    secrets.set('otpauth URL', setup.otpauthUrl);
    secrets.set('QR code', setup.qrCodeUrl.slice(-64));
    setup.backupCodes.forEach((code, i) => {
      secrets.set(`backup code ${i}`, code);
      secrets.set(`backup code ${i} without its dash`, code.replace('-', ''));
    });
    const setupCode = await oathtoolTotp(setup.secret, t.clock.now());
    codes.set('TOTP set-up code', setupCode);
    assert.equal((await totpUser.client.post('/api/auth/2fa/verify-setup', { token: setupCode })).statusCode, 200);
    t.clock.advance(30);

    // Sign-in with the second factor: the challenge, a TOTP code, then a backup code.
    for (const code of [await oathtoolTotp(setup.secret, t.clock.now()), setup.backupCodes[0]!]) {
      const browser = new Client(t.app);
      const login = await browser.post('/api/auth/login', { email: totpUser.email, password: totpUser.password });
      const challengeId = login.json().challengeId as string;
      secrets.set(`challenge for ${code.length === 6 ? 'TOTP' : 'backup code'}`, challengeId);
      if (code.length === 6) codes.set('TOTP sign-in code', code);
      const second = await browser.post('/api/auth/login/2fa', { challengeId, code });
      assert.equal(second.statusCode, 200, second.body);
    }

    // Text-message codes: enrolment, then sign-in.
    const smsUser = await signedUpBrowser(t.app);
    const phone = '+447911123456';
    const smsSetupCode = await textedCode(t, phone, async () => {
      assert.equal((await smsUser.client.post('/api/auth/2fa/sms/enable', { phoneNumber: phone })).statusCode, 200);
    });
    codes.set('SMS set-up code', smsSetupCode);
    const smsVerify = await smsUser.client.post('/api/auth/2fa/sms/verify', { code: smsSetupCode });
    assert.equal(smsVerify.statusCode, 200, smsVerify.body);
    (smsVerify.json().backupCodes as string[]).forEach((code, i) => secrets.set(`SMS user's backup code ${i}`, code));
    const phoneBrowser = new Client(t.app);
    const smsChallenge = (await phoneBrowser.post('/api/auth/login', { email: smsUser.email, password: smsUser.password })).json().challengeId as string;
    secrets.set('SMS challenge', smsChallenge);
    const smsSignInCode = await textedCode(t, phone, async () => {
      assert.equal((await phoneBrowser.post('/api/auth/login/2fa/sms', { challengeId: smsChallenge })).statusCode, 200);
    });
    codes.set('SMS sign-in code', smsSignInCode);
    assert.equal((await phoneBrowser.post('/api/auth/login/2fa', { challengeId: smsChallenge, code: smsSignInCode, method: 'sms' })).statusCode, 200);

    // Password reset: the mailed token and the password it sets.
    assert.equal((await new Client(t.app).post('/api/auth/password/forgot', { email: smsUser.email })).statusCode, 202);
    const resetLink = linkIn(await smtp.nextMailTo(smsUser.email, /Reset your password/), '/reset-password');
    secrets.set('reset token', resetLink.token);
    secrets.set('password set by the reset', resetPassword);
    const reset = await new Client(t.app).post('/api/auth/password/reset', { token: resetLink.token, newPassword: resetPassword });
    assert.equal(reset.statusCode, 200, reset.body);
    await waitForQueueDrained(t);
  });

  it('logs at trace level, and the flow was logged', () => {
    assert.equal(t.app.log.level, 'trace');
    assert.ok(t.logs.length > 30, `the flow was logged (${t.logs.length} lines)`);
  });

  it('no log line holds a TOTP secret, otpauth URL, QR code, backup code, code, challenge, verification or reset token (security.md §10, ASVS 16.2.5)', () => {
    assert.equal(codes.size, 4, 'every code of the flow was captured');
    assert.ok(secrets.size >= 30, `every secret of the flow was captured (${secrets.size})`);
    const logs = t.logs.join('');
    const leaks: string[] = [];
    for (const [what, value] of secrets) {
      assert.ok(value.length >= 10, `${what} is distinctive`);
      for (const form of new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])) {
        const at = logs.indexOf(form);
        if (at >= 0) leaks.push(`${what} in: …${logs.slice(Math.max(0, at - 150), at + 150)}…`);
      }
    }
    for (const [what, code] of codes) {
      const match = new RegExp(`(?<![\\d.])${code}(?!\\d)`).exec(logs);
      if (match) leaks.push(`${what} in: …${logs.slice(Math.max(0, match.index - 150), match.index + 150)}…`);
    }
    assert.deepEqual(leaks, []);
  });
});
