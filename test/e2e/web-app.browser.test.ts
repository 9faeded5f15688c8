// The web app in real Chromium against the real server: register, sign out, sign in and land on
// settings; a wrong password is refused next to the form; a user with an authenticator app passes
// the second step with a code computed by oathtool. (`npm run screenshots` draws the pages.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/app.ts';
import { oathtoolTotp } from '../support/authenticator.ts';
import { browserMissing, launchChromium } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { databaseKinds } from '../support/databases.ts';
import { enrolTotp } from '../support/two-factor.ts';
import { ensureWebAppBuilt } from '../support/web-app.ts';

const skip = browserMissing();

for (const kind of databaseKinds) {
  describe(`the web app in Chromium (${kind})`, { skip: skip ?? false }, () => {
    let t: TestApp;
    let browser: Browser;
    let origin: string;
    /** Anything the browser refused or logged as an error (a CSP violation would show here). */
    const consoleErrors: string[] = [];

    before(async () => {
      await ensureWebAppBuilt();
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      t = await createTestApp(kind, { env: { PUBLIC_URL: origin } });
      await t.app.listen({ port, host: '127.0.0.1' });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await t?.close();
    });

    async function newPage(): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.on('console', (message) => {
        // The signed-out session check answers 401 by design; anything else is a fault.
        if (message.type() === 'error' && !/status of 401/.test(message.text())) consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      return page;
    }

    /** Fills the sign-in form: on the page the browser is on, or on a fresh /login. */
    async function signIn(page: Page, email: string, password: string, { here = false } = {}): Promise<void> {
      if (!here) await page.goto(`${origin}/login`);
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    it('register → sign out → sign in → settings, with the name and address shown', async () => {
      const page = await newPage();
      const email = uniqueEmail('web');
      await page.goto(`${origin}/`);
      await page.waitForURL(`${origin}/login`);
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL(`${origin}/register`);
      await page.getByLabel('Name (optional)').fill('Ada Lovelace');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(STRONG_PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${origin}/settings`);
      assert.equal(await page.getByTestId('user-name').textContent(), 'Ada Lovelace');
      assert.equal(await page.getByTestId('user-email').textContent(), email);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${origin}/login`);
      await page.goto(`${origin}/settings`);
      await page.waitForURL(/\/login\?next=%2Fsettings$/);

      await signIn(page, email, STRONG_PASSWORD);
      await page.waitForURL(`${origin}/settings`);
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
      assert.equal(await page.getByRole('tab', { name: 'Profile' }).getAttribute('aria-selected'), 'true');
      assert.deepEqual(consoleErrors, []);
    });

    it('a wrong password is refused with the message in the form, and no session', async () => {
      const { email } = await signedUpBrowser(t.app, { origin });
      const page = await newPage();
      await signIn(page, email, 'not-the-password-at-all');
      const alert = page.getByRole('form', { name: 'Sign in' }).getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /Invalid email or password/);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal((await page.request.get(`${origin}/api/auth/session`)).status(), 401);
    });

    it('a user with an authenticator app signs in through the second step with the code oathtool computes; the notice link opens Security', async () => {
      const { client, email, password } = await signedUpBrowser(t.app, { origin });
      const { secret } = await enrolTotp(client, t.clock);
      const page = await newPage();
      await page.goto(`${origin}/settings#security`);
      await page.waitForURL(/\/login\?next=%2Fsettings%23security$/);
      await signIn(page, email, password, { here: true });
      await page.waitForURL(/\/login\/2fa\?next=/);
      await page.getByLabel('Code from your authenticator app').fill(await oathtoolTotp(secret, t.clock.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${origin}/settings#security`);
      assert.equal(await page.getByRole('tab', { name: 'Security' }).getAttribute('aria-selected'), 'true');
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      assert.deepEqual(consoleErrors, []);
    });
  });
}
