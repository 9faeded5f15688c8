// Versioned migrations with up and down: all the way down and up again, indexes for every lookup,
// cascade on user delete, unique case-insensitive email.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateDown, migrateToLatest, migrationStatus } from '../../src/db/migrator.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.ts';

const tables = ['users', 'sessions', 'security_events', 'one_time_tokens', 'two_factor_methods', 'backup_codes', 'trusted_devices', 'mail_queue', 'second_factor_attempts'];

for (const kind of databaseKinds) {
  describe(`migrations (${kind})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(kind, { migrate: false });
    });
    after(() => database.dispose());

    const existingTables = async () => {
      const { rows } = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema()`.execute(database.handle.db);
      return rows.map((r) => r.table_name).filter((name) => tables.includes(name)).sort();
    };

    it('migrates up from nothing, all the way down, and up again', async () => {
      const db = database.handle.db;
      assert.deepEqual(await existingTables(), []);
      const applied = await migrateToLatest(db);
      assert.ok(applied.length >= 1);
      assert.deepEqual(await existingTables(), [...tables].sort());
      assert.ok((await migrationStatus(db)).every((m) => m.executedAt instanceof Date));

      await migrateDown(db, { all: true });
      assert.deepEqual(await existingTables(), []);
      assert.ok((await migrationStatus(db)).every((m) => m.executedAt === undefined));

      await migrateToLatest(db);
      assert.deepEqual(await existingTables(), [...tables].sort());
      assert.deepEqual(await migrateToLatest(db), [], 'nothing left to apply');
    });

    it('has an index for every lookup the service makes', async () => {
      const { rows } = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where schemaname = current_schema()`.execute(database.handle.db);
      const defs = rows.map((r) => r.indexdef);
      const has = (pattern: RegExp) => assert.ok(defs.some((d) => pattern.test(d)), `missing index ${pattern}`);
      has(/UNIQUE INDEX users_email_key ON .*users.* \(email\)/);
      has(/UNIQUE INDEX sessions_token_hash_key ON .*sessions.* \(token_hash\)/);
      has(/sessions_user_id_created_at_idx ON .*sessions.* \(user_id, created_at DESC\)/);
      has(/sessions_expires_at_idx ON .*sessions.* \(expires_at\)/);
      has(/security_events_user_id_seq_idx ON .*security_events.* \(user_id, seq DESC\)/);
      has(/UNIQUE INDEX one_time_tokens_token_hash_key/);
      has(/UNIQUE INDEX two_factor_methods_user_type_key ON .* \(user_id, type\)/);
      has(/UNIQUE INDEX backup_codes_user_code_key ON .* \(user_id, code_hash\)/);
      has(/UNIQUE INDEX trusted_devices_token_hash_key/);
    });

    it('keeps email unique case-insensitively and cascades a user delete to everything of theirs', async () => {
      const db = database.handle.db;
      const now = new Date();
      const user = await db.insertInto('users').values({ email: 'cascade@example.com', created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
      await assert.rejects(db.insertInto('users').values({ email: 'Cascade@example.com', created_at: now, updated_at: now }).execute(), 'upper-case copy refused');
      await assert.rejects(db.insertInto('users').values({ email: 'cascade@example.com', created_at: now, updated_at: now }).execute(), 'duplicate refused');
      const session = await db
        .insertInto('sessions')
        .values({ user_id: user.id, token_hash: 'h1', device: 'Test', trust_score: 40, verification: 'password', idle_timeout_seconds: 60, persistent: false, authenticated_at: now, last_active_at: now, expires_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('security_events').values({ user_id: user.id, session_id: session.id, type: 'sign_out', metadata: '{}' }).execute();
      await db.insertInto('one_time_tokens').values({ user_id: user.id, purpose: 'test', token_hash: 't1', payload: '{}', expires_at: now }).execute();
      await db.insertInto('two_factor_methods').values({ user_id: user.id, type: 'totp', secret_encrypted: 'x' }).execute();
      await db.insertInto('backup_codes').values({ user_id: user.id, code_hash: 'c1' }).execute();
      await db.insertInto('trusted_devices').values({ user_id: user.id, token_hash: 'd1', device: 'Test', expires_at: now }).execute();
      await db.insertInto('second_factor_attempts').values({ user_id: user.id, failures: 1, lockouts: 0, day_started_at: now, day_failures: 1 }).execute();

      await db.deleteFrom('users').where('id', '=', user.id).execute();
      for (const table of ['sessions', 'security_events', 'one_time_tokens', 'two_factor_methods', 'backup_codes', 'trusted_devices', 'second_factor_attempts'] as const) {
        const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', user.id).executeTakeFirstOrThrow();
        assert.equal(Number(row.n), 0, `${table} rows removed with the user`);
      }
    });
  });
}
