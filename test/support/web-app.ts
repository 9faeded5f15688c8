// The built web app (dist/web) that the server serves. `npm test` builds it first; a browser test
// run on its own builds it here when it is missing or older than its sources. A lock directory
// keeps test files that start at once from building into the same folder together.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

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
