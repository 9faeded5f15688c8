// `npm run screenshots`: pictures of the web app's main pages for the README. It builds nothing
// itself (the npm script runs build:web first), starts Gatehouse on a throwaway embedded database
// in a temporary folder, fills an account the way a person would (two-step verification on, three
// devices, one remembered, a failed sign-in), and saves each page at desktop (1280 px) and phone
// (390 px) width, light and dark, as docs/screenshots/<page>-<desktop|phone>-<light|dark>.png.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as OTPAuth from 'otpauth';
import { chromium, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PORT = Number(process.env.SCREENSHOTS_PORT || 3999);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const USER_AGENTS = {
  mac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  linux: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
};
const ACCOUNT = { email: 'ada@example.com', password: 'violet-harbor-quantum-47', displayName: 'Ada Lovelace' };
const VARIANTS = [
  { name: 'desktop-light', width: 1280, height: 800, colorScheme: 'light' },
  { name: 'desktop-dark', width: 1280, height: 800, colorScheme: 'dark' },
  { name: 'phone-light', width: 390, height: 844, colorScheme: 'light' },
  { name: 'phone-dark', width: 390, height: 844, colorScheme: 'dark' },
] as const;

/** One API call as the browser context makes it (its cookies, an Origin the CSRF check accepts). */
async function call(request: APIRequestContext, method: 'GET' | 'POST', url: string, data?: object, expectedStatus = 200): Promise<Record<string, unknown>> {
  const response = await request.fetch(`${ORIGIN}${url}`, { method, headers: { origin: ORIGIN }, ...(data ? { data } : {}) });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status() !== expectedStatus && !(expectedStatus === 200 && response.ok())) throw new Error(`${method} ${url} answered ${response.status()}: ${JSON.stringify(body)}`);
  return body;
}

function totpCode(secret: string): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate();
}

/** The account the pictures show: two-step verification on, signed in on three devices. */
async function fillAccount(browser: Browser): Promise<{ signedIn: BrowserContext }> {
  const mac = await browser.newContext({ userAgent: USER_AGENTS.mac });
  await call(mac.request, 'POST', '/api/auth/register', ACCOUNT);
  const setup = await call(mac.request, 'POST', '/api/auth/2fa/enable');
  const secret = String(setup.secret);
  const backupCodes = setup.backupCodes as string[];
  await call(mac.request, 'POST', '/api/auth/2fa/verify-setup', { token: totpCode(secret) });

  const linux = await browser.newContext({ userAgent: USER_AGENTS.linux });
  const challenge = await call(linux.request, 'POST', '/api/auth/login', { email: ACCOUNT.email, password: ACCOUNT.password });
  // The set-up used this period's code, and a code is good once: the other devices use backup codes.
  await call(linux.request, 'POST', '/api/auth/login/2fa', { challengeId: challenge.challengeId, code: backupCodes[0], method: 'backup_code', rememberDevice: true });

  const iphone = await browser.newContext({ userAgent: USER_AGENTS.iphone });
  await call(iphone.request, 'POST', '/api/auth/login', { email: ACCOUNT.email, password: 'a-wrong-password-typed' }, 401);
  const second = await call(iphone.request, 'POST', '/api/auth/login', { email: ACCOUNT.email, password: ACCOUNT.password });
  await call(iphone.request, 'POST', '/api/auth/login/2fa', { challengeId: second.challengeId, code: backupCodes[1], method: 'backup_code' });
  await call(mac.request, 'POST', '/api/auth/reauthenticate', { password: ACCOUNT.password, code: backupCodes[2] });
  return { signedIn: mac };
}

async function shoot(page: Page, name: string, variant: string): Promise<void> {
  // Let fonts and the spinner-free state settle, then the whole page.
  await page.evaluate('document.fonts.ready');
  await page.screenshot({ path: path.join(OUT, `${name}-${variant}.png`), fullPage: true, animations: 'disabled' });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-screenshots-'));
  const config = loadConfig({
    GATEHOUSE_SECRET: randomBytes(32).toString('hex'),
    GATEHOUSE_DATA_DIR: dataDir,
    PUBLIC_URL: ORIGIN,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  const { app } = await buildApp({ config });
  await app.listen({ port: PORT, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'] });
  try {
    mkdirSync(OUT, { recursive: true });
    const { signedIn } = await fillAccount(browser);
    const storageState = await signedIn.storageState();
    // The signed-in pages first, so the activity they show is the account's, not the pictures' own
    // sign-ins; they share the first device's session, so every picture shows the same account.
    for (const variant of VARIANTS) {
      const context = await browser.newContext({ viewport: { width: variant.width, height: variant.height }, colorScheme: variant.colorScheme, userAgent: USER_AGENTS.mac, storageState });
      const settings = await context.newPage();
      await settings.goto(`${ORIGIN}/settings#profile`);
      await settings.getByRole('button', { name: 'Save profile' }).waitFor();
      await shoot(settings, 'settings-profile', variant.name);
      await settings.goto(`${ORIGIN}/settings#security`);
      await settings.getByTestId('session').first().waitFor();
      await settings.getByTestId('trusted-device').first().waitFor();
      await settings.getByTestId('activity-event').first().waitFor();
      await settings.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      await shoot(settings, 'settings-security', variant.name);
      await context.close();
    }
    for (const variant of VARIANTS) {
      const context = await browser.newContext({ viewport: { width: variant.width, height: variant.height }, colorScheme: variant.colorScheme, userAgent: USER_AGENTS.mac });
      const page = await context.newPage();
      await page.goto(`${ORIGIN}/login`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await shoot(page, 'sign-in', variant.name);
      await page.goto(`${ORIGIN}/register`);
      await page.getByRole('button', { name: 'Create account' }).waitFor();
      await shoot(page, 'register', variant.name);
      await page.goto(`${ORIGIN}/login`);
      await page.getByLabel('Email address').fill(ACCOUNT.email);
      await page.getByLabel('Password').fill(ACCOUNT.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/login\/2fa/);
      await page.getByRole('button', { name: 'Verify' }).waitFor();
      await shoot(page, 'two-factor-step', variant.name);
      await context.close();
    }
    console.log(`screenshots written to ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await browser.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
