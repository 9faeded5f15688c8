import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { postgresPoolOf } from '../../db/database.ts';
import type { Database, NewSession, SessionWithUser } from '../../db/schema.ts';

export async function insertSession(db: Kysely<Database>, values: NewSession) {
  return db.insertInto('sessions').values(values).returningAll().executeTakeFirstOrThrow();
}

function sessionWithUserQuery(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id as session_id',
      's.token_hash',
      's.device',
      's.browser',
      's.os',
      's.ip_masked',
      's.location',
      's.trust_score',
      's.verification',
      's.idle_timeout_seconds',
      's.created_at as session_created_at',
      's.authenticated_at',
      's.last_active_at',
      's.expires_at',
      's.revoked_at',
      'u.id as user_id',
      'u.email',
      'u.email_verified_at',
      'u.display_name',
      'u.role',
      'u.status',
      'u.created_at as user_created_at',
      'u.last_login_at',
      'u.notify_new_sign_in',
    ])
    .where('s.token_hash', '=', tokenHash);
}

type SessionWithUserRow = Awaited<ReturnType<ReturnType<typeof sessionWithUserQuery>['executeTakeFirstOrThrow']>>;

// Built and compiled once per database: the hot path only swaps the parameter.
const compiledLookups = new WeakMap<Kysely<Database>, CompiledQuery<SessionWithUserRow>>();

/**
 * The session check: one indexed lookup by token hash, joined to its user. Validity (revoked,
 * expired, idle, user disabled) is decided by the caller from these columns so the query stays a
 * single unique-index probe.
 */
export async function findSessionWithUser(db: Kysely<Database>, tokenHash: string): Promise<SessionWithUser | undefined> {
  let compiled = compiledLookups.get(db);
  if (!compiled) {
    compiled = sessionWithUserQuery(db, '').compile();
    compiledLookups.set(db, compiled);
  }
  const pool = postgresPoolOf(db);
  if (pool) {
    const result = await pool.query<SessionWithUserRow>({ name: 'gatehouse_session_by_token_hash', text: compiled.sql, values: [tokenHash] });
    return result.rows[0];
  }
  const result = await db.executeQuery<SessionWithUserRow>({ ...compiled, parameters: [tokenHash] });
  return result.rows[0];
}

/**
 * The guard on last_active_at makes concurrent requests of one session write at most once.
 * Returns whether this call wrote.
 */
export async function touchSession(db: Kysely<Database>, sessionId: string, now: Date, notSince: Date): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ last_active_at: now })
    .where('id', '=', sessionId)
    .where('last_active_at', '<=', notSince)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listLiveSessions(db: Kysely<Database>, userId: string, now: Date) {
  return db
    .selectFrom('sessions')
    .select(['id', 'device', 'browser', 'os', 'location', 'ip_masked', 'created_at', 'last_active_at', 'expires_at', 'trust_score', 'verification', 'idle_timeout_seconds'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeSession(db: Kysely<Database>, userId: string, sessionId: string, now: Date, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Revokes every live session of the user except `keepSessionId` (all of them when null). */
export async function revokeSessionsExcept(db: Kysely<Database>, userId: string, keepSessionId: string | null, now: Date, reason: string): Promise<number> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    // Sessions that already ended from inactivity are not counted as revoked now.
    .where(sql<boolean>`last_active_at + idle_timeout_seconds * interval '1 second' > ${now}`);
  if (keepSessionId) query = query.where('id', '!=', keepSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Has this user signed in before at all, from this browser, this network, this place? Each is an
 * EXISTS that stops at the first matching session instead of reading every session of the user.
 */
export async function signInHistory(db: Kysely<Database>, userId: string, userAgent: string | null, ipMasked: string | null, location: string | null) {
  const mine = db.selectFrom('sessions').select(sql<number>`1`.as('one')).where('user_id', '=', userId);
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(mine).as('has_history'),
      // A client that sends no user agent (an app, a script) is the same device as last time it
      // sent none: `=` would call it new on every sign-in and mail a notice each time.
      eb.exists(mine.where('user_agent', 'is not distinct from', userAgent)).as('known_device'),
      eb.exists(mine.where('ip_masked', 'is not distinct from', ipMasked)).as('known_network'),
      eb.exists(mine.where('location', 'is not distinct from', location)).as('known_location'),
    ])
    .executeTakeFirstOrThrow();
  return { hasHistory: Boolean(row.has_history), knownDevice: Boolean(row.known_device), knownNetwork: Boolean(row.known_network), knownLocation: Boolean(row.known_location) };
}

/** Deletes sessions that ended (expired or revoked) before the cutoff. */
export async function deleteSessionsEndedBefore(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Gives a live session a new token: the old token matches nothing from this commit on. Sets
 * authenticated_at too when given (re-authentication). Undefined when the session has ended.
 */
export async function replaceTokenHash(db: Kysely<Database>, userId: string, sessionId: string, tokenHash: string, authenticatedAt: Date | null) {
  return db
    .updateTable('sessions')
    .set({ token_hash: tokenHash, ...(authenticatedAt ? { authenticated_at: authenticatedAt } : {}) })
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning(['persistent', 'expires_at'])
    .executeTakeFirst();
}

/** Revokes the live sessions these tokens belong to, whoever's they are. */
export async function revokeSessionsByTokenHash(db: Kysely<Database>, tokenHashes: string[], now: Date, reason: string) {
  return db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('token_hash', 'in', tokenHashes)
    .where('revoked_at', 'is', null)
    .returning(['id', 'user_id'])
    .execute();
}

/** Revokes the user's live sessions beyond the `keep` most recently active ones. */
export async function revokeSessionsBeyond(db: Kysely<Database>, userId: string, keep: number, now: Date, reason: string): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('last_active_at', 'desc')
        .orderBy('created_at', 'desc')
        .offset(keep),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
