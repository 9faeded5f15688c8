// A person who forgot their password, end to end in a real browser: the forgot form, the mail in
// the outbox (an .eml file), the link, the new-password page, and signing in with the new one.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/app.ts';
import { browserMissing, launchChromium } from '../support/browser.ts';
import { Client, signedUpBrowser } from '../support/client.ts';
import { waitForOutboxMail } from '../support/outbox.ts';

const skip = browserMissing();

describe('password reset in Chromium (pglite)', { skip: skip ?? false }, () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  before(async () => {
    // PUBLIC_URL must be the origin the browser uses (CSRF check, links): pick a free port first.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    origin = `http://127.0.0.1:${port}`;
    t = await createTestApp('pglite', { env: { MAIL_POLL_INTERVAL_MS: '50', PUBLIC_URL: origin } });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t.close();
  });

  it('asks for a link, follows it from the email, sets a new password, and signs in with it', async () => {
    const { email, password } = await signedUpBrowser(t.app, { origin });
    const page = await browser.newPage();
    await page.goto(`${origin}/forgot-password`);
    await page.fill('#email', email);
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=status].ok');
    assert.match(await page.textContent('[role=status]') ?? '', /If that address has an account/);

    const mail = await waitForOutboxMail(t, /Reset your password/);
    const link = new RegExp(`${origin.replaceAll('.', '\\.')}/reset-password\\?token=([A-Za-z0-9_-]{43})`).exec(mail.text ?? '');
    assert.ok(link?.[1], 'the mail carries the reset link');
    assert.ok(mail.html && mail.html.includes('/reset-password?token='), 'and an HTML part with it');

    await page.goto(link[0]);
    // Opening the page consumed nothing: the link still works after the visit.
    const newPassword = 'amber-lantern-orbit-2291';
    await page.fill('#newPassword', newPassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=status].ok');
    assert.match(await page.textContent('[role=status]') ?? '', /password was reset/);

    assert.equal((await new Client(t.app, { origin }).post('/api/auth/login', { email, password })).statusCode, 401, 'the old password is gone');
    assert.equal((await new Client(t.app, { origin }).post('/api/auth/login', { email, password: newPassword })).statusCode, 200, 'the new one signs in');

    // The same link a second time is refused, and the page says so.
    await page.goto(`${origin}/reset-password?token=${link[1]}`);
    await page.fill('#newPassword', 'another-fresh-password-77');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=status].error');
    assert.match(await page.textContent('[role=status]') ?? '', /invalid or has expired/);
  });

  it('a page opened without a token explains itself and offers no form', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/verify-email`);
    await page.waitForSelector('[role=status].error');
    assert.equal(await page.isVisible('form'), false);
  });
});
