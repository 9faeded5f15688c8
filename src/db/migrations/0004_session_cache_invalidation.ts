// Instances may keep recently checked sessions in memory, so every change to
// a session or a user must reach them. Triggers, not application code, announce it: a NOTIFY is
// sent at commit (never for a rolled-back write) for any UPDATE or DELETE, whoever makes it — a
// route, the CLI, or an operator's hand-written SQL. The payload names the user whose cached
// sessions are stale; a statement touching very many users asks for a full flush instead.
import { sql, type Kysely } from 'kysely';

// pg_notify payloads are limited to 8000 bytes; beyond this many users one 'flush' is cheaper.
const FLUSH_ABOVE_USERS = 200;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, userColumn] of [['sessions', 'user_id'], ['users', 'id']] as const) {
    await sql
      .raw(
        `create function gatehouse_${table}_changed() returns trigger language plpgsql as $$
        declare
          channel text := left('gatehouse_sessions.' || tg_table_schema, 63);
          changed_users text[];
        begin
          select array_agg(distinct ${userColumn}::text) into changed_users from old_rows;
          if changed_users is null then
            return null;
          elsif cardinality(changed_users) > ${FLUSH_ABOVE_USERS} then
            perform pg_notify(channel, 'flush');
          else
            perform pg_notify(channel, 'user:' || u) from unnest(changed_users) as u;
          end if;
          return null;
        end $$`,
      )
      .execute(db);
    // A trigger with a transition table may name only one event, hence two per table.
    for (const event of ['update', 'delete']) {
      await sql
        .raw(`create trigger ${table}_${event}_notify after ${event} on ${table} referencing old table as old_rows for each statement execute function gatehouse_${table}_changed()`)
        .execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sessions', 'users']) {
    for (const event of ['update', 'delete']) await sql.raw(`drop trigger ${table}_${event}_notify on ${table}`).execute(db);
    await sql.raw(`drop function gatehouse_${table}_changed()`).execute(db);
  }
}
