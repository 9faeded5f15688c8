// Second factors (two_factor_methods, backup_codes), trusted devices ("remember this
// device") and the freshness of a session's last authentication (security.md §3).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('two_factor_methods')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('totp', 'sms')`))
    // AES-256-GCM, sealed with a key id (TOTP only).
    .addColumn('secret_encrypted', 'text')
    .addColumn('phone_e164', 'text')
    // Null while set-up is pending: nothing is required at sign-in until it is verified.
    .addColumn('verified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // security.md §4: the last accepted TOTP time-step; a code of that step or earlier is refused.
    .addColumn('last_used_step', 'bigint')
    .execute();
  await db.schema.createIndex('two_factor_methods_user_type_key').unique().on('two_factor_methods').columns(['user_id', 'type']).execute();

  await db.schema
    .createTable('backup_codes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('backup_codes_user_code_key').unique().on('backup_codes').columns(['user_id', 'code_hash']).execute();

  await db.schema
    .createTable('trusted_devices')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('device', 'text', (c) => c.notNull())
    .addColumn('location', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('trusted_devices_token_hash_key').unique().on('trusted_devices').column('token_hash').execute();
  await db.schema.createIndex('trusted_devices_user_id_idx').on('trusted_devices').column('user_id').execute();

  await db.schema.alterTable('sessions').addColumn('authenticated_at', 'timestamptz').execute();
  await sql`update sessions set authenticated_at = created_at`.execute(db);
  await db.schema.alterTable('sessions').alterColumn('authenticated_at', (c) => c.setNotNull()).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('authenticated_at').execute();
  await db.schema.dropTable('trusted_devices').execute();
  await db.schema.dropTable('backup_codes').execute();
  await db.schema.dropTable('two_factor_methods').execute();
}
