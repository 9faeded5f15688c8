// The whole web app as a person uses it, in real Chromium against the real server: register, sign
// out, sign in, sign in from a second browser, sign that one out from the first (the second is sent
// back to sign-in on its next action), set up two-step verification by scanning the QR image the page
// shows (zbarimg) and typing the code oathtool computes, save the backup codes, sign in with a code,
// change the password, read it all in Recent activity, sign in with a backup code, turn two-step
// verification off, reset the password from the link in the mail, and open a notice mail's
// settings link. axe-core checks every page and state
// on the way (test/support/axe.ts: no serious or critical WCAG 2.2 A/AA violation), with the
// page's strict CSP on. It runs at desktop width on PostgreSQL and on the embedded PGlite, and at
// phone width (390 px) on PostgreSQL.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestApp } from '../support/app.ts';
import { oathtoolTotp, readQrCode } from '../support/authenticator.ts';
import { assertAccessible } from '../support/axe.ts';
import { browserMissing, launchChromium } from '../support/browser.ts';
import { CHROME_MAC, FIREFOX_LINUX, STRONG_PASSWORD, uniqueEmail } from '../support/client.ts';
import { databaseKinds, type DatabaseKind } from '../support/databases.ts';
import { linkInMail, waitForOutboxMail } from '../support/outbox.ts';
import { ensureWebAppBuilt, servedTestApp } from '../support/web-app.ts';

const skip = browserMissing();

const RUNS: { kind: DatabaseKind; width: number; height: number }[] = [
  { kind: 'postgres', width: 1280, height: 800 },
  { kind: 'postgres', width: 390, height: 844 },
  { kind: 'pglite', width: 1280, height: 800 },
];

for (const run of RUNS.filter((entry) => databaseKinds.includes(entry.kind))) {
  describe(`the web app, the whole flow in Chromium (${run.kind}, ${run.width} px)`, { skip: skip ?? false }, () => {
    let t: TestApp;
    let origin: string;
    let browser: Browser;
    const contexts: BrowserContext[] = [];
    /** Anything a page logged as an error or threw (a CSP refusal would show here). */
    const pageErrors: string[] = [];
    const email = uniqueEmail('flow');
    let password = STRONG_PASSWORD;
    /** The first browser (Chrome on a Mac) and the second (Firefox on Linux). */
    let first: Page;
    let second: Page;
    /** The authenticator app's key, as read from the QR image, and the saved backup codes. */
    let totpSecret = '';
    let backupCodes: string[] = [];

    before(async () => {
      await ensureWebAppBuilt();
      ({ t, origin } = await servedTestApp(run.kind, { env: { MAIL_POLL_INTERVAL_MS: '50' } }));
      browser = await launchChromium();
      first = await newPage(CHROME_MAC);
      second = await newPage(FIREFOX_LINUX);
    });
    after(async () => {
      await browser?.close();
      await t?.close();
    });

    async function newPage(userAgent: string): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: run.width, height: run.height }, userAgent });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (message) => {
        // Refusals the flow provokes on purpose (a wrong password, a revoked session) log as failed loads.
        if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      return page;
    }

    async function signIn(page: Page, withPassword: string): Promise<void> {
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(withPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    /** Opens the Security tab afresh (a page already on /settings would only change its hash). */
    async function openSecurity(page: Page): Promise<void> {
      await page.goto('about:blank');
      await page.goto(`${origin}/settings#security`);
      await page.getByTestId('session').first().waitFor();
      await page.getByTestId('activity-event').first().waitFor();
    }

    /** Every sentence in Recent activity, newest first, following "Show more" to the end. */
    async function activity(page: Page): Promise<string[]> {
      const more = page.getByRole('button', { name: 'Show more' });
      while (await more.isVisible()) {
        const shown = await page.getByTestId('activity-event').count();
        await more.click();
        // More than `shown` entries: the next page arrived. (A string predicate for waitForFunction
        // cannot be evaluated again under the page's CSP, which has no 'unsafe-eval'.)
        await page.getByTestId('activity-event').nth(shown).waitFor();
        await assertAccessible(page, 'Recent activity after Show more');
      }
      return (await page.getByTestId('activity-event').locator('.item__text').allTextContents()).map((text) => text.replace(/^⚠/, '').trim());
    }

    it('register → sign out → a wrong password is refused in the form → sign in, each page accessible', async () => {
      await first.goto(`${origin}/`);
      await first.waitForURL(`${origin}/login`);
      await assertAccessible(first, 'sign-in');
      await first.getByRole('link', { name: 'Create an account' }).click();
      await first.waitForURL(`${origin}/register`);
      await assertAccessible(first, 'register');
      await first.getByLabel('Name (optional)').fill('Ada Lovelace');
      await first.getByLabel('Email address').fill(email);
      await first.getByLabel('Password').fill(password);
      await first.getByRole('button', { name: 'Create account' }).click();
      await first.waitForURL(`${origin}/settings`);
      await first.getByRole('heading', { name: 'Profile' }).waitFor();
      await assertAccessible(first, 'settings, Profile');

      await first.getByRole('button', { name: 'Sign out' }).click();
      await first.waitForURL(`${origin}/login`);
      await signIn(first, 'not-the-password-at-all');
      await first.getByRole('form', { name: 'Sign in' }).getByRole('alert').waitFor();
      await assertAccessible(first, 'sign-in, wrong password');
      await signIn(first, password);
      await first.waitForURL(`${origin}/settings`);
      await openSecurity(first);
      assert.equal(await first.getByRole('tab', { name: 'Security' }).getAttribute('aria-selected'), 'true');
      assert.equal(await first.getByTestId('session').count(), 1);
      assert.match((await first.getByTestId('session').textContent()) ?? '', /This device/);
      await first.getByText('No remembered devices.').waitFor();
      await assertAccessible(first, 'settings, Security');
    });

    it('a second browser signs in; the first signs it out from Where you are signed in; the second is sent to sign-in on its next action', async () => {
      await second.goto(`${origin}/login`);
      await signIn(second, password);
      await second.waitForURL(`${origin}/settings`);

      await openSecurity(first);
      const sessions = first.getByTestId('session');
      assert.equal(await sessions.count(), 2);
      const other = sessions.filter({ hasText: 'Firefox on Linux' });
      assert.doesNotMatch((await other.textContent()) ?? '', /This device/);
      assert.match((await other.textContent()) ?? '', /Last active .* · Signed in with a password/);
      await other.getByRole('button', { name: /^Sign out/ }).click();
      const dialog = first.getByRole('dialog', { name: 'Sign out Firefox on Linux?' });
      await dialog.waitFor();
      await assertAccessible(first, 'Security, sign-out confirmation');
      await dialog.getByRole('button', { name: 'Sign out' }).click();
      await first.getByTestId('announcer').filter({ hasText: 'Firefox on Linux is signed out.' }).waitFor();
      await first.getByText('No other device is signed in.').waitFor();
      assert.equal(await sessions.count(), 1, 'the list was read again');
      await first.getByTestId('activity-event').first().filter({ hasText: 'Another device was signed out' }).waitFor();
      await assertAccessible(first, 'Security, after signing a device out');

      // The second browser still shows settings; its next action meets the revoked session.
      await second.getByRole('button', { name: 'Save profile' }).click();
      await second.waitForURL(/\/login\?next=%2Fsettings/);
      await second.getByText('Your session has ended. Sign in again.').waitFor();
      await assertAccessible(second, 'sign-in after the session was revoked');
    });

    /** A code the authenticator app shows now; the clock moves on a period first, as a code is good once. */
    async function nextTotp(): Promise<string> {
      t.clock.advance(30);
      return oathtoolTotp(totpSecret, t.clock.now());
    }

    async function signOutAndSignIn(page: Page, method: 'Authenticator app' | 'Backup code', code: string): Promise<void> {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${origin}/login`);
      await signIn(page, password);
      await page.waitForURL(/\/login\/2fa/);
      await page.getByRole('group', { name: 'How to confirm' }).getByRole('button', { name: method }).click();
      await assertAccessible(page, `second step, ${method}`);
      await page.getByLabel(method === 'Backup code' ? 'Backup code' : 'Code from your authenticator app').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${origin}/settings`);
    }

    it('sets up two-step verification by scanning the QR image on the page and typing the code oathtool computes; the backup codes download as .txt', async () => {
      await openSecurity(first);
      await first.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const setup = first.getByTestId('totp-setup');
      await setup.waitFor();
      await assertAccessible(first, 'two-step set-up, QR code');
      // What a phone camera sees: the image as the page draws it.
      const picture = await setup.getByRole('img', { name: /QR code/ }).screenshot();
      const otpauth = new URL(await readQrCode(`data:image/png;base64,${picture.toString('base64')}`));
      assert.equal(otpauth.protocol, 'otpauth:');
      totpSecret = otpauth.searchParams.get('secret') ?? '';
      assert.equal(((await first.getByTestId('totp-key').textContent()) ?? '').replace(/\s/g, ''), totpSecret, 'the key to type is the one in the QR code');
      await first.getByLabel('6-digit code from the app').fill(await oathtoolTotp(totpSecret, t.clock.now()));
      await first.getByRole('button', { name: 'Turn on' }).click();

      const codes = first.getByTestId('backup-codes');
      await codes.waitFor();
      await assertAccessible(first, 'two-step on, backup codes shown');
      backupCodes = (await codes.getByRole('list', { name: 'Backup codes' }).locator('li').allTextContents()).map((code) => code.trim());
      assert.equal(backupCodes.length, 10);
      const [download] = await Promise.all([first.waitForEvent('download'), codes.getByRole('button', { name: 'Download (.txt)' }).click()]);
      assert.equal(download.suggestedFilename(), 'backup-codes.txt');
      const saved = await readFile((await download.path())!, 'utf8');
      for (const code of backupCodes) assert.ok(saved.includes(code), 'every code is in the file');
      await codes.getByRole('button', { name: 'I have saved them' }).click();
      await first.getByTestId('two-factor-on').waitFor();
      await assertAccessible(first, 'two-step on');
    });

    it('signs out and signs in again with a code from the authenticator app', async () => {
      await signOutAndSignIn(first, 'Authenticator app', await nextTotp());
    });

    it('changes the password in Security and reads the result in the page and in Recent activity', async () => {
      await openSecurity(first);
      const form = first.getByRole('form', { name: 'Change password' });
      const newPassword = 'copper-meadow-lantern-58';
      await form.getByLabel('Current password').fill(password);
      await form.getByLabel('New password', { exact: true }).fill(newPassword);
      await form.getByLabel('New password again').fill(newPassword);
      await assertAccessible(first, 'change password, filled in');
      await form.getByRole('button', { name: 'Change password' }).click();
      await form.getByRole('status').filter({ hasText: /changed/i }).waitFor();
      password = newPassword;
      await first.getByTestId('activity-event').first().filter({ hasText: 'Password changed' }).waitFor();
      await assertAccessible(first, 'password changed');
    });

    it('Recent activity tells each step in plain words, newest first, with the date', async () => {
      await openSecurity(first);
      const sentences = await activity(first);
      const expected = [
        /^Password changed from Chrome on /,
        /^Signed in with a code from your authenticator app from Chrome on /,
        /^Signed out from Chrome on /,
        /^Two-step verification turned on \(authenticator app\) from Chrome on /,
        /^Another device was signed out from Chrome on /,
        /^Signed in with your password from Firefox on Linux/,
        /^Signed in with your password from Chrome on /,
        /^A sign-in failed \(wrong password\)$/,
        /^Signed out from Chrome on /,
        /^Account created from Chrome on /,
      ];
      let at = 0;
      for (const pattern of expected) {
        const found = sentences.findIndex((sentence, index) => index >= at && pattern.test(sentence));
        assert.ok(found >= 0, `${pattern} after position ${at} in:\n${sentences.join('\n')}`);
        at = found + 1;
      }
      const time = first.getByTestId('activity-event').first().locator('time');
      assert.ok(Date.parse((await time.getAttribute('datetime')) ?? '') > 0);
      assert.match((await time.textContent()) ?? '', /\d{4}/, 'a date a person reads, with the year');
    });

    it('signs in with a backup code, then turns two-step verification off with the password and a code', async () => {
      await signOutAndSignIn(first, 'Backup code', backupCodes[0]!);
      await openSecurity(first);
      assert.equal(await first.getByTestId('backup-codes-remaining').textContent(), '9 unused');
      await first.getByTestId('two-factor-on').getByRole('button', { name: 'Turn off' }).click();
      const dialog = first.getByRole('dialog', { name: 'Turn off two-step verification?' });
      await dialog.waitFor();
      await dialog.getByLabel('Password').fill(password);
      await dialog.getByLabel('Code from your authenticator app, or a backup code').fill(await nextTotp());
      await assertAccessible(first, 'turn off two-step, filled in');
      await dialog.getByRole('button', { name: 'Turn off' }).click();
      await first.getByTestId('two-factor-off').waitFor();
      await first.getByTestId('activity-event').first().filter({ hasText: 'Two-step verification turned off' }).waitFor();
      const sentences = await activity(first);
      assert.match(sentences[0]!, /^Two-step verification turned off from Chrome on /);
      assert.match(sentences[1]!, /^Signed in with a backup code from Chrome on /);
      assert.match(sentences[2]!, /^A backup code was used \(9 codes left\)/);
      await assertAccessible(first, 'two-step off');
    });

    it('forgot password from the sign-in page → the link in the mail → a new password → signed in with it; the first browser is signed out', async () => {
      await second.goto(`${origin}/login`);
      await second.getByRole('link', { name: 'Forgot password?' }).click();
      await second.waitForURL(`${origin}/forgot-password`);
      await assertAccessible(second, 'forgot password');
      await second.fill('#email', email);
      await second.click('button[type=submit]');
      await second.waitForSelector('[role=status].ok');
      await assertAccessible(second, 'forgot password, sent');

      const mail = await waitForOutboxMail(t, /Reset your password/, { to: email });
      await second.goto(linkInMail(mail, origin, '/reset-password?token='));
      await assertAccessible(second, 'reset password');
      password = 'amber-lantern-orbit-2291';
      await second.fill('#newPassword', password);
      await second.click('button[type=submit]');
      await second.waitForSelector('[role=status].ok');
      await assertAccessible(second, 'reset password, done');

      await second.goto(`${origin}/login`);
      await signIn(second, password);
      await second.waitForURL(`${origin}/settings`);

      // A reset ends every session: the first browser's next action sends it to sign in.
      await first.getByRole('button', { name: 'Refresh' }).click();
      await first.waitForURL(/\/login\?next=%2Fsettings/);
    });

    it('the settings link in a notice mail opens the Security tab', async () => {
      const notice = await waitForOutboxMail(t, /Your password was changed/, { to: email });
      const link = linkInMail(notice, origin, '/settings#security');
      assert.equal(link, `${origin}/settings#security`);
      await second.goto(link);
      await second.getByTestId('session').first().waitFor();
      assert.equal(await second.getByRole('tab', { name: 'Security' }).getAttribute('aria-selected'), 'true');
      const sentences = await activity(second);
      assert.match(sentences.find((sentence) => sentence.startsWith('Password reset')) ?? '', /^Password reset from an email link; 1 device was signed out$/);
      await assertAccessible(second, 'Security, from the notice link');
    });

    it('no page logged an error or broke the Content-Security-Policy', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
}
