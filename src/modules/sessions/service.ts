// Device sessions (security.md §3): an opaque token
// to the client, its hash in the database, sliding idle timeout plus an absolute lifetime.
import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import { AppError, unauthenticated } from '../../errors.ts';
import { generateToken, hashToken } from '../../crypto/tokens.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database, SessionWithUser, Verification } from '../../db/schema.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { toPublicUser, type PublicUser } from '../users/user-view.ts';
import type { ClientContext } from '../../http/client-context.ts';
import type { SessionView as SessionViewSchema } from '../../http/schemas.ts';
import * as store from './store.ts';
import { currentTrustScore, signInTrustScore } from './trust-score.ts';

/**
 * lastActiveAt is written at most once per tenth of the session's idle timeout, and at most once a
 * minute, so most reads stay reads while activity always moves the idle deadline: the recorded
 * activity is never more than a tenth of the timeout behind (security.md §3).
 */
const TOUCH_INTERVAL_MAX_MS = 60_000;

function touchIntervalMs(idleTimeoutSeconds: number): number {
  return Math.min(TOUCH_INTERVAL_MAX_MS, idleTimeoutSeconds * 100);
}

export type SessionView = Static<typeof SessionViewSchema>;

export interface Authenticated {
  user: PublicUser;
  session: SessionView;
  /** When the user last proved who they are on this session (freshness, security.md §3). */
  authenticatedAt: Date;
}

interface SessionColumns {
  id: string;
  device: string;
  browser: string | null;
  os: string | null;
  location: string | null;
  ip_masked: string | null;
  created_at: Date;
  last_active_at: Date;
  expires_at: Date;
  trust_score: number;
  verification: Verification;
  idle_timeout_seconds: number;
}

/** A session ends at whichever comes first: its absolute expiry or its idle deadline. */
function endsAt(row: SessionColumns): Date {
  const idleDeadline = row.last_active_at.getTime() + row.idle_timeout_seconds * 1000;
  return new Date(Math.min(row.expires_at.getTime(), idleDeadline));
}

function toSessionView(row: SessionColumns, currentSessionId: string | null, now: Date): SessionView {
  return {
    id: row.id,
    device: row.device,
    browser: row.browser,
    os: row.os,
    location: row.location,
    ipAddress: row.ip_masked,
    createdAt: row.created_at.toISOString(),
    lastActiveAt: row.last_active_at.toISOString(),
    expiresAt: endsAt(row).toISOString(),
    trustScore: currentTrustScore(row.trust_score, row.created_at, now),
    verification: row.verification,
    current: row.id === currentSessionId,
  };
}

export interface NewSessionInput {
  userId: string;
  client: ClientContext;
  verification: Verification;
  /** "Stay signed in": a persistent cookie and the longer idle/absolute limits. */
  remember: boolean;
}

export interface StartedSession {
  token: string;
  session: SessionView;
  persistent: boolean;
  /** Absolute expiry, for the cookie's Max-Age. */
  expiresAt: Date;
  /** Signed in before, but never from this browser or this place: worth a notice. */
  unfamiliar: boolean;
}

/**
 * Live sessions one user may hold (security.md §3). Far more than the devices a person uses, so
 * nobody meets it in normal use; it bounds what a script holding the password can pile up.
 * Beyond it, the session least recently used ends.
 */
export const MAX_SESSIONS_PER_USER = 100;

/**
 * Creates a session inside the caller's transaction (security.md §3: a fresh token at every sign-in),
 * ending the least recently used one beyond MAX_SESSIONS_PER_USER.
 */
export async function startSession(ctx: AppContext, db: Kysely<Database>, input: NewSessionInput): Promise<StartedSession> {
  const { config } = ctx;
  const now = ctx.clock.now();
  const history = await store.signInHistory(db, input.userId, input.client.userAgent, input.client.ipMasked, input.client.location);
  const token = generateToken();
  const lifetime = input.remember ? config.rememberedSessionAbsoluteLifetimeSeconds : config.sessionAbsoluteLifetimeSeconds;
  const row = await store.insertSession(db, {
    user_id: input.userId,
    token_hash: hashToken(token),
    device: input.client.device,
    browser: input.client.browser,
    os: input.client.os,
    user_agent: input.client.userAgent,
    ip_hash: input.client.ipHash,
    ip_masked: input.client.ipMasked,
    location: input.client.location,
    trust_score: signInTrustScore({ knownDevice: history.knownDevice, knownNetwork: history.knownNetwork, verification: input.verification }),
    verification: input.verification,
    idle_timeout_seconds: input.remember ? config.rememberedSessionIdleTimeoutSeconds : config.sessionIdleTimeoutSeconds,
    persistent: input.remember,
    created_at: now,
    authenticated_at: now,
    last_active_at: now,
    expires_at: new Date(now.getTime() + lifetime * 1000),
  });
  ctx.metrics.sessionCreated();
  ctx.metrics.sessionsRevoked('session_limit', await store.revokeSessionsBeyond(db, input.userId, MAX_SESSIONS_PER_USER, now, 'session_limit'));
  return {
    token,
    session: toSessionView(row, row.id, now),
    persistent: input.remember,
    expiresAt: row.expires_at,
    unfamiliar: history.hasHistory && (!history.knownDevice || !history.knownLocation),
  };
}

/**
 * The session check behind every authenticated request: from this instance's session cache when it
 * holds the row (PostgreSQL), otherwise one indexed query; no write unless the last write is a
 * tenth of the idle timeout (at most a minute) old. Revoked, expired, idle or disabled-user sessions are refused at once (security.md §3): the
 * cache is invalidated before any write is answered (cache.ts).
 */
export async function authenticate(ctx: AppContext, token: string): Promise<Authenticated | null> {
  const tokenHash = hashToken(token);
  const now = ctx.clock.now();
  const cache = ctx.sessionCache;
  const cached = cache?.get(tokenHash);
  // Memory may only say yes: a cached row that no longer passes is read again before a refusal.
  if (cached && isLive(cached, now)) return toAuthenticated(ctx, cached, now, tokenHash);
  const ticket = cache?.ticket() ?? 0;
  const row = await store.findSessionWithUser(ctx.db, tokenHash);
  // Found by the SHA-256 of a 256-bit token: comparing the hash with itself again adds nothing (security.md §2).
  if (!row) return null;
  if (!isLive(row, now)) {
    cache?.forget(tokenHash);
    return null;
  }
  cache?.set(tokenHash, row.user_id, row, ticket);
  return toAuthenticated(ctx, row, now, tokenHash);
}

function sessionColumnsOf(row: SessionWithUser): SessionColumns {
  return {
    id: row.session_id,
    device: row.device,
    browser: row.browser,
    os: row.os,
    location: row.location,
    ip_masked: row.ip_masked,
    created_at: row.session_created_at,
    last_active_at: row.last_active_at,
    expires_at: row.expires_at,
    trust_score: row.trust_score,
    verification: row.verification,
    idle_timeout_seconds: row.idle_timeout_seconds,
  };
}

/** Not revoked, not expired, not idle too long, and its user not disabled (security.md §3). */
function isLive(row: SessionWithUser, now: Date): boolean {
  return row.revoked_at === null && row.status === 'active' && endsAt(sessionColumnsOf(row)) > now;
}

async function toAuthenticated(ctx: AppContext, row: SessionWithUser, now: Date, tokenHash: string): Promise<Authenticated> {
  const session = sessionColumnsOf(row);
  const touchInterval = touchIntervalMs(row.idle_timeout_seconds);
  if (now.getTime() - row.last_active_at.getTime() >= touchInterval) {
    // Report the new activity only if it was written (another request may have won the race).
    if (await store.touchSession(ctx.db, row.session_id, now, new Date(now.getTime() - touchInterval))) session.last_active_at = now;
    ctx.sessionCache?.forget(tokenHash);
  }
  const user = toPublicUser({
    id: row.user_id,
    email: row.email,
    email_verified_at: row.email_verified_at,
    display_name: row.display_name,
    role: row.role,
    status: row.status,
    created_at: row.user_created_at,
    last_login_at: row.last_login_at,
    notify_new_sign_in: row.notify_new_sign_in,
  });
  return { user, session: toSessionView(session, session.id, now), authenticatedAt: row.authenticated_at };
}

export async function listSessions(ctx: AppContext, auth: Authenticated): Promise<SessionView[]> {
  const now = ctx.clock.now();
  const rows = await store.listLiveSessions(ctx.db, auth.user.id, now);
  return rows.filter((row) => endsAt(row) > now).map((row) => toSessionView(row, auth.session.id, now));
}

export async function revokeSession(ctx: AppContext, auth: Authenticated, sessionId: string, info: RequestInfo): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // Scoped to the caller's own user: another user's session id is simply "not found" (ASVS 8.2.2).
    const revoked = await store.revokeSession(trx, auth.user.id, sessionId, ctx.clock.now(), 'revoked_by_user');
    if (!revoked) throw new AppError('SESSION_NOT_FOUND');
    ctx.metrics.sessionsRevoked('revoked_by_user', 1);
    await recordSecurityEvent(ctx, trx, {
      type: 'session_revoked',
      userId: auth.user.id,
      sessionId: auth.session.id,
      ip: info.ip,
      metadata: { revokedSessionId: sessionId, current: sessionId === auth.session.id },
    });
  });
}

export async function revokeOtherSessions(ctx: AppContext, auth: Authenticated, info: RequestInfo): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const count = await store.revokeSessionsExcept(trx, auth.user.id, auth.session.id, ctx.clock.now(), 'revoked_by_user');
    ctx.metrics.sessionsRevoked('revoked_by_user', count);
    await recordSecurityEvent(ctx, trx, {
      type: 'other_sessions_revoked',
      userId: auth.user.id,
      sessionId: auth.session.id,
      ip: info.ip,
      metadata: { count },
    });
    return count;
  });
}

/** security.md §3: sensitive actions need a sign-in or re-authentication at most this old. */
export const FRESH_AUTHENTICATION_SECONDS = 10 * 60;

export function requireFreshAuthentication(ctx: AppContext, auth: Authenticated): void {
  if (ctx.clock.now().getTime() - auth.authenticatedAt.getTime() > FRESH_AUTHENTICATION_SECONDS * 1000) {
    throw new AppError('REAUTH_REQUIRED');
  }
}

/** A token issued to replace the one the client presented; the session itself goes on. */
export interface RenewedSessionToken {
  token: string;
  persistent: boolean;
  /** Absolute expiry, for the cookie's Max-Age: a renewal never extends it. */
  expiresAt: Date;
}

/**
 * Gives the caller's session a new token in the caller's transaction (security.md §3: a new
 * token on every authentication). The old token is refused from this commit on, on every
 * instance: the update notifies every session cache, and the answer waits for them (cache.ts).
 * The device, its limits and "stay signed in" are kept; `authenticatedAt` (re-authentication)
 * makes it fresh, otherwise its freshness carries over.
 */
export async function renewSessionToken(ctx: AppContext, db: Kysely<Database>, auth: Authenticated, authenticatedAt: Date | null = null): Promise<RenewedSessionToken> {
  const token = generateToken();
  const row = await store.replaceTokenHash(db, auth.user.id, auth.session.id, hashToken(token), authenticatedAt);
  // Ended while this request ran (signed out elsewhere, say): nothing to renew.
  if (!row) throw unauthenticated();
  return { token, persistent: row.persistent, expiresAt: row.expires_at };
}

/** Re-authentication: the session is fresh again, under a new token. */
export function markSessionAuthenticated(ctx: AppContext, auth: Authenticated): Promise<RenewedSessionToken> {
  return renewSessionToken(ctx, ctx.db, auth, ctx.clock.now());
}

/**
 * A sign-in ends every session the request carried (cookie or bearer), whoever's it is, in the
 * transaction that starts the new one (security.md §3): no token known before the
 * sign-in stays live beside the one it issues.
 */
export async function endPresentedSessions(ctx: AppContext, db: Kysely<Database>, info: RequestInfo): Promise<void> {
  const presented = info.presentedSessionHashes ?? [];
  if (presented.length === 0) return;
  const ended = await store.revokeSessionsByTokenHash(db, presented, ctx.clock.now(), 'replaced_by_sign_in');
  ctx.metrics.sessionsRevoked('replaced_by_sign_in', ended.length);
  for (const session of ended) {
    await recordSecurityEvent(ctx, db, {
      type: 'session_revoked',
      userId: session.user_id,
      sessionId: session.id,
      ip: info.ip,
      metadata: { revokedSessionId: session.id, reason: 'replaced_by_sign_in' },
    });
  }
}

/** Ends one session (sign-out). */
export async function endSession(ctx: AppContext, auth: Authenticated, info: RequestInfo): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    if (await store.revokeSession(trx, auth.user.id, auth.session.id, ctx.clock.now(), 'signed_out')) ctx.metrics.sessionsRevoked('signed_out', 1);
    await recordSecurityEvent(ctx, trx, { type: 'sign_out', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip });
  });
}

/** Revokes the user's other sessions inside the caller's transaction (password change, security.md §3). */
export async function revokeSessionsInTransaction(ctx: AppContext, db: Kysely<Database>, userId: string, keepSessionId: string | null, reason: string): Promise<number> {
  const count = await store.revokeSessionsExcept(db, userId, keepSessionId, ctx.clock.now(), reason);
  ctx.metrics.sessionsRevoked(reason, count);
  return count;
}

/**
 * Ended sessions are kept for 90 days: long enough to recognise a returning device or network
 * (trust score) and to show what ended recently, short enough that the table does not grow
 * without bound.
 */
export const ENDED_SESSION_RETENTION_DAYS = 90;

export function purgeEndedSessions(db: Kysely<Database>, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - ENDED_SESSION_RETENTION_DAYS * 86400_000);
  return store.deleteSessionsEndedBefore(db, cutoff);
}
