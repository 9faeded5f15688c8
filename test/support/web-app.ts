// The built web app (dist/web) that the server serves. `npm test` builds it first; a browser test
// run on its own builds it here when it is missing or older than its sources. A lock directory
// keeps test files that start at once from building into the same folder together. servedTestApp
// gives a browser test an app listening on a free local port.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { freePort } from './ports.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createTestApp, type TestApp, type TestAppOptions } from './app.ts';
import type { DatabaseKind } from './databases.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INDEX = path.join(ROOT, 'dist/web/index.html');
const LOCK = path.join(ROOT, 'dist/.web-build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  return existsSync(INDEX) && statSync(INDEX).mtimeMs >= newestSource(path.join(ROOT, 'web'));
}

export async function ensureWebAppBuilt(): Promise<void> {
  if (isFresh()) return;
  mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building: wait for it, then use its build.
      await sleep(200);
      if (!existsSync(LOCK) && isFresh()) return;
    }
  }
  try {
    if (isFresh()) return;
    const { build } = await import('vite');
    await build({ configFile: path.join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * A test app listening on a free port of 127.0.0.1, with PUBLIC_URL that origin (the CSRF check and
 * the mail links need the address the browser uses), for a browser to open.
 */
export async function servedTestApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<{ t: TestApp; origin: string }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const t = await createTestApp(kind, { ...options, env: { PUBLIC_URL: origin, ...options.env } });
  await t.app.listen({ port, host: '127.0.0.1' });
  return { t, origin };
}
