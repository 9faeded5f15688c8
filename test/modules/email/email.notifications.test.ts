// Security notices (ASVS 6.3.5, 6.3.7) over a real SMTP server: password changed, two-factor
// on and off, backup code used, and a sign-in from a device or place not seen before for the user
// (with device, location, time and a link to review sessions). The new-sign-in notice can be
// turned off in the profile; the others always go.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { oathtoolTotp } from '../../support/authenticator.ts';
import { CHROME_MAC, Client, FIREFOX_LINUX, signedUpBrowser } from '../../support/client.ts';
import { queuedCount, waitForQueueDrained, type ReceivedMail } from '../../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp } from '../../support/two-factor.ts';

const NEW_SIGN_IN = /New sign-in to your account/;
const SETTINGS_LINK = 'http://localhost:3000/settings#security';
const GB_IP = '81.2.69.142';

function assertWellFormed(mail: ReceivedMail, to: string): void {
  assert.deepEqual(mail.to, [to]);
  assert.match(mail.subject, /^Gatehouse: /, 'the product name in the subject');
  assert.ok(mail.text.length > 0, 'a plain-text part');
  assert.ok(mail.html.length > 0, 'an HTML part');
  assert.match(mail.html, /Gatehouse/);
}

describeWithMailOnEachDatabase('security notices over SMTP', { server: { user: 'gatehouse', password: 'smtp-pass-notices' } }, (t, smtp) => {
  function newSignInMails(email: string): ReceivedMail[] {
    return smtp.mailsTo(email).filter((m) => NEW_SIGN_IN.test(m.subject));
  }

  it('a password change is notified to the account address (ASVS 6.3.7)', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const response = await client.put('/api/auth/change-password', { currentPassword: password, newPassword: 'lantern-orchid-glacier-93' });
    assert.equal(response.statusCode, 200, response.body);
    const mail = await smtp.nextMailTo(email, /Your password was changed/);
    assertWellFormed(mail, email);
    assert.match(mail.text, /other sessions were signed out/);
    assert.ok(mail.text.includes(SETTINGS_LINK), 'tells where to review sessions');
    assert.ok(!mail.text.includes('lantern-orchid-glacier-93'), 'never the password');
  });

  it('turning two-factor on and off are both notified (ASVS 6.3.7)', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const { secret } = await enrolTotp(client, t.clock);
    const on = await smtp.nextMailTo(email, /Two-factor authentication is on/);
    assertWellFormed(on, email);
    assert.match(on.text, /authenticator app/);
    assert.ok(!on.text.includes(secret), 'never the secret');

    const off = await client.post('/api/auth/2fa/disable', { password, token: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(off.statusCode, 200, off.body);
    const mail = await smtp.nextMailTo(email, /Two-factor authentication was turned off/);
    assertWellFormed(mail, email);
    assert.match(mail.text, /turned off/);
  });

  it('a backup code used at sign-in is notified with the number of codes left', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const { backupCodes } = await enrolTotp(client, t.clock);
    const browser = new Client(t.app);
    const login = await browser.post('/api/auth/login', { email, password });
    const used = await browser.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: backupCodes[0]! });
    assert.equal(used.statusCode, 200, used.body);
    const remaining = used.json().backupCodesRemaining as number;
    assert.equal(remaining, backupCodes.length - 1);
    const mail = await smtp.nextMailTo(email, /A backup code was used/);
    assertWellFormed(mail, email);
    assert.match(mail.text, new RegExp(`\\b${remaining} unused codes remain`));
    assert.ok(!mail.text.includes(backupCodes[0]!), 'never the code itself');
  });

  it('a sign-in from a browser not seen before is notified with device, location, time and a link to review sessions (ASVS 6.3.5)', async () => {
    const { email, password } = await signedUpBrowser(t.app, { userAgent: CHROME_MAC });
    t.clock.advance(60);
    const signedInAt = t.clock.now();
    const laptop = new Client(t.app, { userAgent: FIREFOX_LINUX });
    assert.equal((await laptop.post('/api/auth/login', { email, password })).statusCode, 200);
    const session = (await laptop.get('/api/auth/session')).json().session as { device: string; location: string };
    assert.equal(session.device, 'Firefox on Linux');

    const mail = await smtp.nextMailTo(email, NEW_SIGN_IN);
    assertWellFormed(mail, email);
    assert.ok(mail.text.includes(session.device), `names the device: ${mail.text}`);
    assert.ok(mail.text.includes(session.location), `names the location: ${mail.text}`);
    assert.ok(mail.text.includes(signedInAt.toUTCString()), `says when: ${mail.text}`);
    assert.ok(mail.text.includes(SETTINGS_LINK), 'links to the sessions');
    assert.ok(mail.html.includes(SETTINGS_LINK));
  });

  it('a sign-in from a place not seen before is notified with the looked-up location (ASVS 6.3.5)', async () => {
    const { email, password } = await signedUpBrowser(t.app, { userAgent: CHROME_MAC });
    const travelling = new Client(t.app, { userAgent: CHROME_MAC, ip: GB_IP });
    assert.equal((await travelling.post('/api/auth/login', { email, password })).statusCode, 200);
    const session = (await travelling.get('/api/auth/session')).json().session as { device: string; location: string };
    assert.match(session.location, /GB/, `a GeoIP location for ${GB_IP}: ${session.location}`);

    const mail = await smtp.nextMailTo(email, NEW_SIGN_IN);
    assert.ok(mail.text.includes(session.location), `names the location: ${mail.text}`);
    assert.ok(mail.text.includes('Chrome on macOS'), 'and the device');
    assert.ok(mail.text.includes(SETTINGS_LINK));
    assert.ok(!mail.text.includes(GB_IP), 'the raw address is not mailed');
  });

  it('a new-device sign-in finished with the second factor is notified too, and the challenge alone sends nothing', async () => {
    const { client, email, password } = await signedUpBrowser(t.app, { userAgent: CHROME_MAC });
    const { secret } = await enrolTotp(client, t.clock);
    const laptop = new Client(t.app, { userAgent: FIREFOX_LINUX });
    const before = await queuedCount(t, 'new_sign_in');
    const login = await laptop.post('/api/auth/login', { email, password });
    assert.equal(login.json().twoFactorRequired, true);
    assert.equal(await queuedCount(t, 'new_sign_in'), before, 'a password alone is not yet a sign-in');
    const done = await laptop.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code: await oathtoolTotp(secret, t.clock.now()) });
    assert.equal(done.statusCode, 200, done.body);
    const mail = await smtp.nextMailTo(email, NEW_SIGN_IN);
    assert.ok(mail.text.includes('Firefox on Linux'));
    assert.ok(mail.text.includes(SETTINGS_LINK));
  });

  it('no notice for a sign-in from the same browser and place', async () => {
    const { email, password } = await signedUpBrowser(t.app, { userAgent: CHROME_MAC });
    const before = await queuedCount(t, 'new_sign_in');
    for (let i = 0; i < 2; i++) {
      assert.equal((await new Client(t.app, { userAgent: CHROME_MAC }).post('/api/auth/login', { email, password })).statusCode, 200);
    }
    assert.equal(await queuedCount(t, 'new_sign_in'), before, 'no new-sign-in notice queued');
    await waitForQueueDrained(t);
    assert.deepEqual(newSignInMails(email), []);
  });

  it('no notice when a client that sends no user agent (an app, a script) signs in again from the same network', async () => {
    const { email, password } = await signedUpBrowser(t.app, { userAgent: '' });
    const before = await queuedCount(t, 'new_sign_in');
    for (let i = 0; i < 2; i++) {
      assert.equal((await new Client(t.app, { userAgent: '' }).post('/api/auth/login', { email, password })).statusCode, 200);
    }
    assert.equal(await queuedCount(t, 'new_sign_in'), before, 'an absent user agent is the same device as last time');
    assert.equal((await new Client(t.app, { userAgent: FIREFOX_LINUX }).post('/api/auth/login', { email, password })).statusCode, 200);
    assert.equal(await queuedCount(t, 'new_sign_in'), before + 1, 'a browser after the app is a new device');
  });

  it('notifyNewSignIn:false turns the new-sign-in notice off while the other notices still go; true turns it back on', async () => {
    const { client, email, password } = await signedUpBrowser(t.app, { userAgent: CHROME_MAC });
    assert.equal((await client.get('/api/auth/profile')).json().user.notifyNewSignIn, true, 'on by default');
    const off = await client.patch('/api/auth/profile', { notifyNewSignIn: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().user.notifyNewSignIn, false);
    assert.equal((await client.get('/api/auth/session')).json().user.notifyNewSignIn, false);

    const before = await queuedCount(t, 'new_sign_in');
    assert.equal((await new Client(t.app, { userAgent: FIREFOX_LINUX }).post('/api/auth/login', { email, password })).statusCode, 200);
    assert.equal((await new Client(t.app, { userAgent: CHROME_MAC, ip: GB_IP }).post('/api/auth/login', { email, password })).statusCode, 200);
    assert.equal(await queuedCount(t, 'new_sign_in'), before, 'no new-sign-in notice queued while off');

    // The password-change notice always goes.
    const changed = await client.put('/api/auth/change-password', { currentPassword: password, newPassword: 'lantern-orchid-glacier-93' });
    assert.equal(changed.statusCode, 200, changed.body);
    await smtp.nextMailTo(email, /Your password was changed/);
    await waitForQueueDrained(t);
    assert.deepEqual(newSignInMails(email), [], 'no new-sign-in mail arrived');

    const on = await client.patch('/api/auth/profile', { notifyNewSignIn: true });
    assert.equal(on.json().user.notifyNewSignIn, true);
    const phone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    assert.equal((await new Client(t.app, { userAgent: phone }).post('/api/auth/login', { email, password: 'lantern-orchid-glacier-93' })).statusCode, 200);
    const mail = await smtp.nextMailTo(email, NEW_SIGN_IN);
    assert.match(mail.text, /Safari|iOS/);
  });
});
