// `gatehouse cleanup` as an operator runs it (README: deletes sessions that ended more than 90 days
// ago), as a real CLI process against a PostgreSQL schema: sessions that expired or were revoked
// more than 90 days ago are deleted, every other one stays (ASVS 7.3: an ended session is never
// brought back, and the table does not grow without end).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/app.ts';
import { signedUpBrowser } from '../support/client.ts';
import { postgresUrl } from '../support/databases.ts';

const run = promisify(execFile);
const DAY = 86400_000;
const CLI = path.resolve('src/cli.ts');

describe('gatehouse cleanup (postgres)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('postgres');
  });
  after(() => t.close());

  /** A session of a new user, its row then moved in time as given. */
  async function session(change: { expires_at?: Date; revoked_at?: Date }): Promise<string> {
    const { user } = await signedUpBrowser(t.app);
    const row = await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    if (Object.keys(change).length > 0) await t.ctx.db.updateTable('sessions').set(change).where('id', '=', row.id).execute();
    return row.id;
  }

  it('deletes the sessions that ended more than 90 days ago and keeps every other one', async () => {
    // The CLI reads the real clock, so the rows are placed around the real now.
    const now = Date.now();
    const expiredLongAgo = await session({ expires_at: new Date(now - 91 * DAY) });
    const revokedLongAgo = await session({ revoked_at: new Date(now - 91 * DAY) });
    const expiredRecently = await session({ expires_at: new Date(now - 89 * DAY) });
    const revokedRecently = await session({ revoked_at: new Date(now - 89 * DAY) });
    const live = await session({});

    // Its own working directory, so no .env is read; the schema is chosen through the URL.
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${t.database.schema}`);
    const { stdout } = await run(process.execPath, [CLI, 'cleanup'], {
      cwd: mkdtempSync(path.join(tmpdir(), 'gatehouse-cleanup-')),
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: url.toString(), GATEHOUSE_SECRET: TEST_SECRET },
    });
    assert.match(stdout, /^deleted 2 ended sessions, /m);

    const remaining = new Set((await t.ctx.db.selectFrom('sessions').select('id').execute()).map((row) => row.id));
    assert.equal(remaining.has(expiredLongAgo), false, 'expired 91 days ago: deleted');
    assert.equal(remaining.has(revokedLongAgo), false, 'revoked 91 days ago: deleted');
    assert.ok(remaining.has(expiredRecently), 'expired 89 days ago: kept');
    assert.ok(remaining.has(revokedRecently), 'revoked 89 days ago: kept');
    assert.ok(remaining.has(live), 'live: kept');
    assert.equal(remaining.size, 3);
  });
});
