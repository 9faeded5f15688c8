// `gatehouse migrate up|down|status` as an operator runs it, against a real PostgreSQL database
// and against the embedded database in a data dir.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { TEST_SECRET } from '../support/app.ts';
import { createScratchDatabase } from '../support/databases.ts';

const run = promisify(execFile);
/** The newest migration, the one `migrate down` reverts first. */
const newest = readdirSync('src/db/migrations').filter((file) => /^\d{4}_.+\.ts$/.test(file)).sort().at(-1)!.replace(/\.ts$/, '');

async function gatehouse(env: Record<string, string>, ...args: string[]) {
  const { stdout } = await run(process.execPath, ['src/cli.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  return stdout;
}

describe('gatehouse migrate (postgres)', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let env: Record<string, string>;
  before(async () => {
    database = await createScratchDatabase('cli');
    env = { DATABASE_URL: database.url, GATEHOUSE_SECRET: TEST_SECRET };
  });
  after(() => database.dispose());

  it('reports pending, applies, reverts one, and applies again', async () => {
    assert.match(await gatehouse(env, 'migrate', 'status'), /pending\s+0001_accounts_sessions_events/);
    assert.match(await gatehouse(env, 'migrate', 'up'), /applied 0001_accounts_sessions_events/);
    assert.match(await gatehouse(env, 'migrate', 'status'), /applied \d{4}-\d\d-\d\dT.*0001_accounts_sessions_events/);
    assert.match(await gatehouse(env, 'migrate', 'up'), /already up to date/);
    assert.match(await gatehouse(env, 'migrate', 'down'), new RegExp(`reverted ${newest}`));
    assert.match(await gatehouse(env, 'migrate', 'status'), new RegExp(`pending\\s+${newest}`));
    assert.match(await gatehouse(env, 'migrate', 'up'), new RegExp(`applied ${newest}`));
    assert.match(await gatehouse(env, 'migrate', 'down', '--all'), /reverted 0001/);
  });

  it('explains its usage for an unknown action', async () => {
    await assert.rejects(gatehouse(env, 'migrate', 'sideways'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /usage:/);
      return true;
    });
  });
});

describe('gatehouse migrate (embedded pglite)', () => {
  it('migrates the database inside GATEHOUSE_DATA_DIR', async () => {
    const env = { GATEHOUSE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gatehouse-cli-')) };
    assert.match(await gatehouse(env, 'migrate', 'up'), /applied 0001/);
    assert.match(await gatehouse(env, 'migrate', 'status'), /applied .*0001/);
  });
});
