// The pages behind email links with JavaScript off (blocked script, strict browser settings): the
// forms post to the server, which does the work and answers with a page, and no password, address
// or token ever travels in a URL or reaches the request log (security.md §9, §10; ASVS 14.2.1).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/app.ts';
import { browserMissing, launchChromium } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { Client, signedUpBrowser } from '../support/client.ts';

const skip = browserMissing();

/** The link in the mail to `to` whose subject matches, once the queue has written it. */
async function linkFromMail(dir: string, to: string, subject: RegExp, page: string): Promise<{ url: string; token: string }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
      const mail = await simpleParser(await readFile(path.join(dir, name)));
      const recipients = [mail.to ?? []].flat().flatMap((address) => address.value.map((entry) => entry.address));
      if (!subject.test(mail.subject ?? '') || !recipients.includes(to)) continue;
      const match = new RegExp(`(http://[^\\s]+${page}\\?token=([A-Za-z0-9_-]{43}))`).exec(mail.text ?? '');
      if (!match?.[1] || !match[2]) throw new Error(`no ${page} link in "${mail.subject}"`);
      return { url: match[1], token: match[2] };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail matching ${subject} in ${dir}`);
}

describe('the link pages without JavaScript, in Chromium (pglite)', { skip: skip ?? false }, () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let origin: string;
  /** Every URL the browser asked for, with its method. */
  const requested: string[] = [];

  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await createTestApp('pglite', { env: { MAIL_POLL_INTERVAL_MS: '50', PUBLIC_URL: origin } });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
    context = await browser.newContext({ javaScriptEnabled: false });
    context.on('request', (request) => requested.push(`${request.method()} ${request.url()}`));
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function submit(page: Page): Promise<{ ok: boolean; text: string }> {
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    const status = page.locator('[role=status]');
    return { ok: (await status.getAttribute('class')) === 'ok', text: (await status.textContent()) ?? '' };
  }

  it('forgot-password, then the mailed reset link, complete by posting; nothing secret is in a URL or in the log', async () => {
    const { email, password } = await signedUpBrowser(t.app, { origin });
    const newPassword = `amber-lantern-orbit-${Date.now()}`;
    const weakPassword = 'password1234';
    const logsBefore = t.logs.length;
    const page = await context.newPage();

    await page.goto(`${origin}/forgot-password`);
    await page.fill('#email', email);
    const asked = await submit(page);
    assert.ok(asked.ok, asked.text);
    assert.match(asked.text, /If that address has an account/);
    assert.equal(page.url(), `${origin}/forgot-password`, 'the answer page has no query string');

    const link = await linkFromMail(path.join(t.ctx.config.dataDir, 'outbox', 'mail'), email, /Reset your password/, '/reset-password');
    await page.goto(link.url);
    // A refused password gives the form back, still carrying the link's token.
    await page.fill('#newPassword', weakPassword);
    const refused = await submit(page);
    assert.equal(refused.ok, false);
    assert.match(refused.text, /common|guess/i);
    assert.equal(page.url(), `${origin}/reset-password`);
    await page.fill('#newPassword', newPassword);
    const reset = await submit(page);
    assert.ok(reset.ok, reset.text);
    assert.match(reset.text, /password was reset/);
    assert.equal(page.url(), `${origin}/reset-password`, 'the token stayed in the form body, not the URL');

    assert.equal((await new Client(t.app, { origin }).post('/api/auth/login', { email, password })).statusCode, 401, 'the old password is gone');
    assert.equal((await new Client(t.app, { origin }).post('/api/auth/login', { email, password: newPassword })).statusCode, 200, 'the new one signs in');

    // The only URL that ever held the token is the mailed link itself; the forms posted to bare paths.
    const posts = requested.filter((line) => line.startsWith('POST '));
    assert.deepEqual(posts, [`POST ${origin}/forgot-password`, `POST ${origin}/reset-password`, `POST ${origin}/reset-password`]);
    for (const line of requested.filter((entry) => entry !== `GET ${link.url}`)) {
      for (const secret of [newPassword, weakPassword, email, encodeURIComponent(email), link.token]) assert.ok(!line.includes(secret), `${line} holds a secret`);
    }

    const logged = t.logs.slice(logsBefore).join('\n');
    assert.ok(logged.includes('/reset-password'), 'the requests were logged');
    for (const [what, secret] of Object.entries({ newPassword, weakPassword, email, encodedEmail: encodeURIComponent(email), token: link.token })) {
      assert.ok(!logged.includes(secret), `the log holds the ${what}`);
    }
  });

  it('the verification link confirms the address by posting', async () => {
    const { client, email } = await signedUpBrowser(t.app, { origin });
    const link = await linkFromMail(path.join(t.ctx.config.dataDir, 'outbox', 'mail'), email, /Confirm your email address/, '/verify-email');
    const page = await context.newPage();
    await page.goto(link.url);
    const confirmed = await submit(page);
    assert.ok(confirmed.ok, confirmed.text);
    assert.match(confirmed.text, /confirmed/);
    assert.equal(page.url(), `${origin}/verify-email`);
    const session = await client.get('/api/auth/session');
    assert.equal(session.json().user.emailVerified, true);
  });

  it('a link without its token explains itself and offers no form', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/reset-password`);
    assert.equal(await page.getAttribute('[role=status]', 'class'), 'error');
    assert.equal(await page.locator('form').count(), 0);
  });
});
