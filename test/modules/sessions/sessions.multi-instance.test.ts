// security.md §3: revocation is effective on the very next request on every instance. Two Gatehouse
// instances share one PostgreSQL database and one Redis (as in production), and each keeps the
// sessions it has checked in its session cache; a session revoked through one is refused by the
// other at once, because a write answers only after every instance has dropped what it changed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { buildApp, type BuiltApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { TEST_SECRET } from '../../support/app.ts';
import { Client, signedUpBrowser } from '../../support/client.ts';
import { openDatabase } from '../../../src/db/database.ts';
import { createTestDatabase, postgresUrl, redisUrl, type TestDatabase } from '../../support/databases.ts';

describe('two instances on one PostgreSQL (security.md §3)', () => {
  let database: TestDatabase;
  let a: BuiltApp;
  let b: BuiltApp;
  let closeB: () => Promise<void>;
  // pg warns (once) when a client is given a query while another runs: the listening connection
  // batches its notifications instead.
  const queueWarnings: string[] = [];
  const onWarning = (warning: Error) => warning.message.includes('already executing a query') && queueWarnings.push(warning.message);
  process.on('warning', onWarning);
  before(async () => {
    database = await createTestDatabase('postgres');
    const env = { GATEHOUSE_SECRET: TEST_SECRET, PUBLIC_URL: 'http://localhost:3000', REDIS_URL: redisUrl, RATE_LIMIT_PREFIX: `multi-${randomBytes(4).toString('hex')}`, LOG_LEVEL: 'warn' };
    // Each instance has its own connection pool on the same schema, as two processes would.
    const poolForB = await openDatabase({ databaseUrl: postgresUrl, searchPath: database.schema!, poolSize: 4 });
    a = await buildApp({ config: loadConfig(env), database: database.handle });
    b = await buildApp({ config: loadConfig(env), database: poolForB });
    closeB = () => poolForB.close();
  });
  after(async () => {
    process.off('warning', onWarning);
    await a.app.close();
    await b.app.close();
    await closeB();
    await database.dispose();
  });

  it('a session revoked on one instance is refused by the other on its next request', async () => {
    const { client, email, password } = await signedUpBrowser(a.app);
    assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'instance A accepts (and caches) the session');
    const onB = new Client(b.app);
    onB.cookie = client.cookie;
    assert.equal((await onB.get('/api/auth/session')).statusCode, 200, 'instance B accepts (and caches) the session');

    const other = new Client(b.app);
    assert.equal((await other.post('/api/auth/login', { email, password })).statusCode, 200);
    const sessions = (await other.get('/api/auth/sessions')).json().sessions as { id: string; current: boolean }[];
    const target = sessions.find((s) => !s.current)!;
    assert.equal((await other.delete(`/api/auth/sessions/${target.id}`)).statusCode, 200, 'revoked through B');

    assert.equal((await client.get('/api/auth/session')).statusCode, 401, 'A refuses it on the next request');
    assert.equal((await onB.get('/api/auth/session')).statusCode, 401, 'and so does B');
  });

  it('twenty sign-outs at once through one instance: each answers only after both instances dropped its session', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => signedUpBrowser(a.app, { ip: `10.20.0.${i + 1}` })));
    const onB = users.map(({ client }) => Object.assign(new Client(b.app), { cookie: client.cookie }));
    for (const client of onB) assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'cached on B');
    await Promise.all(
      users.map(async ({ client }, i) => {
        assert.equal((await client.post('/api/auth/logout')).statusCode, 200);
        assert.equal((await onB[i]!.get('/api/auth/session')).statusCode, 401, `B refuses session ${i} as soon as A answered`);
      }),
    );
    assert.deepEqual(queueWarnings, [], 'the listening connection never had two statements at once');
  });

  it('a password change on one instance ends the other sessions on both', async () => {
    const { client, email, password } = await signedUpBrowser(a.app);
    const elsewhere = new Client(b.app, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' });
    assert.equal((await elsewhere.post('/api/auth/login', { email, password })).statusCode, 200);
    const change = await client.put('/api/auth/change-password', { currentPassword: password, newPassword: 'granite-meadow-falcon-6021' });
    assert.equal(change.statusCode, 200, change.body);
    assert.equal((await elsewhere.get('/api/auth/session')).statusCode, 401);
    const elsewhereOnA = new Client(a.app);
    elsewhereOnA.cookie = elsewhere.cookie;
    assert.equal((await elsewhereOnA.get('/api/auth/session')).statusCode, 401);
  });

  // Changes the row behind a cached session without firing the triggers, the one way a cache hit
  // can be told from a database read from outside.
  async function renameQuietly(userId: string, name: string): Promise<void> {
    await database.handle.db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      await trx.updateTable('users').set({ display_name: name }).where('id', '=', userId).execute();
    });
  }

  it('serves a checked session from memory, and reads the database again after any change', async () => {
    const { client, user } = await signedUpBrowser(a.app, { displayName: 'Before' });
    assert.equal((await client.get('/api/auth/session')).json().user.displayName, 'Before');
    await renameQuietly(user.id, 'Quietly');
    assert.equal((await client.get('/api/auth/session')).json().user.displayName, 'Before', 'a cache hit: the database was not read');
    const renamed = await client.patch('/api/auth/profile', { displayName: 'After' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal((await client.get('/api/auth/session')).json().user.displayName, 'After', 'the change reached the cache');
  });

  it("an operator's SQL disabling a user ends its sessions on every instance", async () => {
    const { client, user } = await signedUpBrowser(a.app);
    const onB = new Client(b.app);
    onB.cookie = client.cookie;
    assert.equal((await client.get('/api/auth/session')).statusCode, 200);
    assert.equal((await onB.get('/api/auth/session')).statusCode, 200);
    // Through a third connection, as psql would: the trigger announces it at commit.
    const operator = await openDatabase({ databaseUrl: postgresUrl, searchPath: database.schema!, poolSize: 1 });
    await operator.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    await operator.close();
    await a.ctx.sessionCache!.barrier(); // waits until both instances have applied the notice
    assert.equal((await client.get('/api/auth/session')).statusCode, 401, 'refused on A');
    assert.equal((await onB.get('/api/auth/session')).statusCode, 401, 'refused on B');
  });

  it('an instance that loses its listening connection stops trusting its cache until it is back', async () => {
    const { client, user } = await signedUpBrowser(b.app, { displayName: 'Listening' });
    assert.equal((await client.get('/api/auth/session')).statusCode, 200);
    await database.handle.db.transaction().execute(async (trx) => {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'gatehouse-session-cache' and pid <> pg_backend_pid()`.execute(trx);
    });
    await renameQuietly(user.id, 'Read again');
    // Until the listeners reconnect, every check reads the database: no change can be missed.
    assert.equal((await client.get('/api/auth/session')).json().user.displayName, 'Read again');
    await renameQuietly(user.id, 'And again');
    assert.equal((await client.get('/api/auth/session')).json().user.displayName, 'And again');
  });
});
