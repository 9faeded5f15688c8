// Wrong second-factor codes per account (security.md §6): one row per user, taken and updated in
// one statement per attempt, so the limit holds however many requests arrive at once and on every
// instance, and it moves with the service's clock.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('second_factor_attempts')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // Attempts taken since the last lockout or correct code.
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    // Lockouts since the last correct code: each one lasts twice as long as the one before.
    .addColumn('lockouts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    // The 24-hour window of the daily cap, from the first attempt in it.
    .addColumn('day_started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('day_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('second_factor_attempts').execute();
}
