// Real Chromium for browser tests (Debian's package, driven by playwright-core). In CI a missing
// browser is a failure; on a developer's machine without one the test is skipped, loudly.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Returns a reason to skip, or null when a browser is there (never skips in CI). */
export function browserMissing(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  if (process.env.CI) throw new Error(`Chromium is required in CI but ${CHROMIUM_PATH} does not exist (apt-get install chromium)`);
  const reason = `!!! SKIPPED: no Chromium at ${CHROMIUM_PATH}; install Debian's chromium to run the browser tests !!!`;
  console.warn(reason);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
