// Settings → Security in real Chromium against the real server, on each database: change the
// password (the live meter shows the server's reason for a weak one; the page keeps working on
// the renewed cookie), set up an authenticator app by reading the QR code from the page's own
// image with zbarimg and computing the code with oathtool, download the backup codes file (10
// codes), ask for a change of email (a code is asked with a second factor on), make new backup
// codes after the reauthentication dialog, and turn two-step verification off with the password
// and a code. axe finds no serious or critical violation in any of these states, and there is no
// CSP violation or page error along the way. With WEB_SCREENSHOTS=<dir> it saves
// the Security tab in each state at 1280 and 390 px, light and dark.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import type { TestApp } from '../support/app.ts';
import { assertAccessible } from '../support/axe.ts';
import { oathtoolTotp, readQrCode } from '../support/authenticator.ts';
import { browserMissing, launchChromium } from '../support/browser.ts';
import { signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { textedCode } from '../support/sms-outbox.ts';
import { databaseKinds } from '../support/databases.ts';
import { ensureWebAppBuilt, servedTestApp } from '../support/web-app.ts';

const skip = browserMissing();
const screenshots = process.env.WEB_SCREENSHOTS;
const NEW_PASSWORD = 'saffron-tundra-beacon-58';

for (const kind of databaseKinds) {
  describe(`Settings → Security in Chromium (${kind})`, { skip: skip ?? false }, () => {
    let t: TestApp;
    let origin: string;
    let browser: Browser;
    const pageErrors: string[] = [];

    before(async () => {
      await ensureWebAppBuilt();
      ({ t, origin } = await servedTestApp(kind));
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await t?.close();
    });

    async function signedInPage(email: string, password: string): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      // Refusals the flow provokes on purpose (a wrong code, a code asked for) log as failed loads; a CSP violation or a script error does not.
      page.on('console', (message) => {
        if (message.type() === 'error' && !/the server responded with a status of 4\d\d/.test(message.text())) pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${origin}/login?next=%2Fsettings%23security`);
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${origin}/settings#security`);
      return page;
    }

    /** Checks the page as it is now with axe; with WEB_SCREENSHOTS, saves the section (or the open dialog) at both widths, light and dark. */
    async function snap(page: Page, state: string, shown: Locator): Promise<void> {
      await assertAccessible(page, state);
      if (!screenshots) return;
      mkdirSync(screenshots, { recursive: true });
      for (const [width, height] of [[1280, 900], [390, 844]] as const) {
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.setViewportSize({ width, height });
          await page.emulateMedia({ colorScheme });
          await shown.screenshot({ path: path.join(screenshots, `${kind}-security-${state}-${width}-${colorScheme}.png`) });
        }
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.emulateMedia({ colorScheme: 'light' });
    }

    /** The code the app shows now; the clock moves on a step first, as a used step is refused again. */
    async function nextCode(secret: string): Promise<string> {
      t.clock.advance(30);
      return oathtoolTotp(secret, t.clock.now());
    }

    it('password, two-step set-up from the QR image, backup codes, email change, new codes after reauthentication, turning it off', async () => {
      const alice = await signedUpBrowser(t.app, { origin, email: uniqueEmail('security') });
      const page = await signedInPage(alice.email, alice.password);

      // The CSP stays strict and lets the QR code's data: URL show.
      const csp = String((await page.request.get(`${origin}/settings`)).headers()['content-security-policy']);
      assert.match(csp, /img-src 'self' data:/);
      assert.match(csp, /style-src 'self'(;|$)/);

      // Password: the meter says why a weak one is refused, in the server's words.
      const password = page.locator('#security-password');
      await password.getByLabel('New password', { exact: true }).fill('password1234');
      await password.getByText('not accepted').waitFor();
      await password.getByText(/This password is too easy to guess/).waitFor();
      await snap(page, 'password-weak', password);
      await password.getByLabel('Current password').fill(alice.password);
      await password.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await password.getByText('good to use').waitFor();
      await password.getByLabel('New password again').fill(NEW_PASSWORD);
      await password.getByRole('button', { name: 'Change password' }).click();
      await password.getByText(/Password changed/).waitFor();
      // The renewed cookie keeps the page signed in.
      await page.reload();
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      assert.equal((await page.request.get(`${origin}/api/auth/session`)).status(), 200);

      // Two-step verification, read from the page's own QR image.
      const twoFactor = page.locator('#security-two-factor');
      await twoFactor.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const qr = twoFactor.getByRole('img', { name: /QR code/ });
      await qr.waitFor();
      const otpauth = new URL(await readQrCode((await qr.getAttribute('src'))!));
      assert.equal(otpauth.protocol, 'otpauth:');
      const secret = otpauth.searchParams.get('secret')!;
      assert.equal((await twoFactor.getByTestId('totp-key').textContent())?.replace(/\s/g, ''), secret, 'the manual key is the QR code\'s');
      await snap(page, 'totp-setup', twoFactor);
      await twoFactor.getByLabel('6-digit code from the app').fill(await nextCode(secret));
      await twoFactor.getByRole('button', { name: 'Turn on' }).click();
      await twoFactor.getByTestId('backup-codes').waitFor();
      await snap(page, 'backup-codes', twoFactor);
      const [download] = await Promise.all([page.waitForEvent('download'), twoFactor.getByRole('button', { name: 'Download (.txt)' }).click()]);
      assert.equal(download.suggestedFilename(), 'backup-codes.txt');
      const file = await readFile((await download.path())!, 'utf8');
      const firstCodes = await twoFactor.getByRole('list', { name: 'Backup codes' }).getByRole('listitem').allTextContents();
      assert.equal(firstCodes.length, 10);
      for (const code of firstCodes) assert.ok(file.includes(code), `the file holds ${code}`);
      assert.equal(file.split('\n').filter((line) => firstCodes.includes(line)).length, 10, 'the file holds the 10 codes, one a line');
      await twoFactor.getByRole('button', { name: 'I have saved them' }).click();
      await twoFactor.getByTestId('two-factor-on').waitFor();
      assert.equal(await twoFactor.getByTestId('backup-codes-remaining').textContent(), '10 unused');
      await snap(page, 'two-factor-on', twoFactor);

      // Email change: with a second factor on, the form asks for a code too.
      const emailSection = page.locator('#security-email');
      await emailSection.getByLabel('New email address').fill(uniqueEmail('moved'));
      await emailSection.getByLabel('Password').fill(NEW_PASSWORD);
      await emailSection.getByLabel(/Code from your authenticator app/).fill(await nextCode(secret));
      await emailSection.getByRole('button', { name: 'Send confirmation link' }).click();
      await emailSection.getByText(/Check your new inbox/).waitFor();
      await snap(page, 'email-sent', emailSection);

      // New backup codes need a recent sign-in: the dialog asks for the password, then a code.
      t.clock.advance(11 * 60);
      await twoFactor.getByRole('button', { name: 'Make new backup codes' }).click();
      const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
      await reauth.getByLabel('Password').fill(NEW_PASSWORD);
      await reauth.getByRole('button', { name: 'Confirm' }).click();
      await reauth.getByLabel(/Code from your authenticator app/).fill(await nextCode(secret));
      await reauth.getByRole('button', { name: 'Confirm' }).click();
      await twoFactor.getByTestId('backup-codes').waitFor();
      const newCodes = await twoFactor.getByRole('list', { name: 'Backup codes' }).getByRole('listitem').allTextContents();
      assert.equal(newCodes.length, 10);
      assert.equal(newCodes.filter((code) => firstCodes.includes(code)).length, 0, 'every code is new');
      await twoFactor.getByRole('button', { name: 'I have saved them' }).click();

      // Turning it off: a dialog with the password and a code; a wrong code is refused next to its field.
      await twoFactor.getByRole('button', { name: 'Turn off' }).click();
      const disable = page.getByRole('dialog', { name: 'Turn off two-step verification?' });
      await disable.getByLabel('Password').fill(NEW_PASSWORD);
      await disable.getByLabel(/Code from your authenticator app/).fill('000000' === (await oathtoolTotp(secret, t.clock.now())) ? '111111' : '000000');
      await disable.getByRole('button', { name: 'Turn off' }).click();
      await disable.getByText('The code is not valid.').waitFor();
      await snap(page, 'disable-dialog', disable);
      await disable.getByLabel(/Code from your authenticator app/).fill(await nextCode(secret));
      await disable.getByRole('button', { name: 'Turn off' }).click();
      await twoFactor.getByTestId('two-factor-off').waitFor();
      const status = await (await page.request.get(`${origin}/api/auth/2fa/status`)).json();
      assert.equal(status.enabled, false);
      assert.deepEqual(pageErrors, []);
    });

    it('text-message codes: a number in E.164 gets a code and the SIM-swap warning, the code turns them on, and few backup codes left are warned about', async () => {
      const bob = await signedUpBrowser(t.app, { origin, email: uniqueEmail('phone') });
      const page = await signedInPage(bob.email, bob.password);
      const twoFactor = page.locator('#security-two-factor');
      await twoFactor.getByRole('button', { name: 'Use text messages instead' }).click();
      await twoFactor.getByLabel('Mobile number').fill('07911 123456');
      await twoFactor.getByRole('button', { name: 'Text me a code' }).click();
      await twoFactor.getByText('The number is not a valid international (E.164) number.').waitFor();
      const phone = '+447911123456';
      await twoFactor.getByLabel('Mobile number').fill('+44 7911 123456');
      const code = await textedCode(t, phone, async () => {
        await twoFactor.getByRole('button', { name: 'Text me a code' }).click();
        await twoFactor.getByText(/We sent a 6-digit code/).waitFor();
      });
      await twoFactor.getByRole('status').filter({ hasText: 'Use text messages only if you cannot use an app' }).waitFor();
      await snap(page, 'sms-code', twoFactor);
      await twoFactor.getByLabel('6-digit code from the text').fill(code);
      await twoFactor.getByRole('button', { name: 'Confirm phone' }).click();
      await twoFactor.getByTestId('backup-codes').waitFor();
      const codes = await twoFactor.getByRole('list', { name: 'Backup codes' }).getByRole('listitem').allTextContents();
      assert.equal(codes.length, 10);
      await twoFactor.getByRole('button', { name: 'I have saved them' }).click();
      await twoFactor.getByText(/To \+44/).waitFor();

      // Eight backup codes spent elsewhere: the section warns at two left.
      const spent = await t.ctx.db.selectFrom('backup_codes').select('id').where('user_id', '=', bob.user.id).limit(8).execute();
      await t.ctx.db.updateTable('backup_codes').set({ used_at: t.clock.now() }).where('id', 'in', spent.map((row) => row.id)).execute();
      await page.reload();
      await twoFactor.getByText('Only 2 backup codes are left.', { exact: false }).waitFor();
      assert.equal(await twoFactor.getByTestId('backup-codes-remaining').textContent(), '2 unused');
      await snap(page, 'backup-codes-low', twoFactor);
      assert.deepEqual(pageErrors, []);
    });
  });
}
