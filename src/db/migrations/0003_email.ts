// Email: a durable outgoing-mail queue and the user's choice about new-sign-in notices.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mail_queue')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The whole message, sealed with AES-256-GCM: it may hold a one-time link. Emptied once sent.
    .addColumn('payload_encrypted', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('failed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The poller's question: what is due and not finished?
  await sql`create index mail_queue_due_idx on mail_queue (next_attempt_at) where sent_at is null and failed_at is null`.execute(db);

  await db.schema.alterTable('users').addColumn('notify_new_sign_in', 'boolean', (c) => c.notNull().defaultTo(true)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('notify_new_sign_in').execute();
  await db.schema.dropTable('mail_queue').execute();
}
