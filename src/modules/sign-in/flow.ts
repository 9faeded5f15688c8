// The sign-in flow (security.md §3, §4, §6): a way in (strategies/) proves who the user is; then a
// session, or — when a second factor is due — a challenge that yields no session until a code of
// one of the user's second factors succeeds (two-factor/check.ts). finishSignIn is the only place
// a sign-in session is issued.
import type { Kysely } from 'kysely';
import { AppError } from '../../errors.ts';
import { generateToken, hashToken } from '../../crypto/tokens.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database, User, Verification } from '../../db/schema.ts';
import { describeClient, hashIp, type ClientContext } from '../../http/client-context.ts';
import type { KnownDeviceCookie } from '../../http/known-device-cookie.ts';
import { notices } from '../../notify/notices.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { consumeToken, findLiveToken, issueToken, reserveAttempt } from '../one-time-tokens/service.ts';
import { endPresentedSessions, startSession, type StartedSession } from '../sessions/service.ts';
import { isTrustedDevice, trustDevice } from '../sessions/trusted-devices.ts';
import { clearSecondFactorFailures, recordSecondFactorFailure, takeSecondFactorAttempt } from '../two-factor/attempts.ts';
import { checkSecondFactor, signInMethods } from '../two-factor/check.ts';
import { MAX_CODE_ATTEMPTS, type SecondFactorMethod } from '../two-factor/factor.ts';
import { backupCodesRunningLow, hasSecondFactor, sendSignInSms } from '../two-factor/service.ts';
import * as users from '../users/store.ts';
import { toPublicUser, type PublicUser } from '../users/user-view.ts';
import type { VerifiedIdentity } from './identity.ts';
import { verifyPassword } from './strategies/password.ts';

/** A challenge lives 5 minutes and dies after 5 wrong codes (security.md §4, §6). */
const CHALLENGE_TTL_SECONDS = 5 * 60;

// One answer for an unknown, expired, used, exhausted or foreign challenge.
const invalidChallenge = (): AppError => new AppError('INVALID_CHALLENGE');

export interface SignedIn {
  kind: 'signed_in';
  user: PublicUser;
  started: StartedSession;
}

export interface ChallengeIssued {
  kind: 'challenge';
  challengeId: string;
  methods: SecondFactorMethod[];
}

export interface SecondFactorSignedIn extends SignedIn {
  trustedDevice: { token: string; expiresAt: Date } | null;
  backupCodesRemaining: number | null;
  backupCodesLow: boolean;
}

/** A challenge is bound to the client that started it: its address and user agent. */
function clientBinding(ctx: AppContext, info: RequestInfo): string {
  return ctx.keyring.mac('client-binding', `${hashIp(ctx.keyring, info.ip) ?? ''}|${info.userAgent ?? ''}`);
}

/** The one place a sign-in session is issued (security.md §3), in the caller's transaction. */
async function finishSignIn(
  ctx: AppContext,
  trx: Kysely<Database>,
  user: User,
  client: ClientContext,
  options: { verification: Verification; remember: boolean; info: RequestInfo; method?: SecondFactorMethod; upgradedHash?: string | null },
): Promise<{ user: PublicUser; started: StartedSession }> {
  const now = ctx.clock.now();
  if (options.upgradedHash) await users.updatePasswordHash(trx, user.id, options.upgradedHash, now, false);
  const updated = await users.recordLogin(trx, user.id, now);
  await endPresentedSessions(ctx, trx, options.info);
  const started = await startSession(ctx, trx, { userId: user.id, client, verification: options.verification, remember: options.remember });
  if (started.unfamiliar && user.notify_new_sign_in) {
    await notices.newSignIn(ctx, trx, user.email, { device: client.device, location: client.location, at: now });
  }
  await recordSecurityEvent(ctx, trx, {
    type: 'sign_in_succeeded',
    userId: user.id,
    sessionId: started.session.id,
    ip: options.info.ip,
    metadata: {
      device: client.device,
      location: client.location,
      verification: options.verification,
      ...(options.method ? { method: options.method } : {}),
      ...(options.upgradedHash !== undefined ? { hashUpgraded: options.upgradedHash !== null } : {}),
    },
  });
  return { user: toPublicUser(updated), started };
}

/** The password step's outcome, with the known-device cookie a right password earns (security.md §6). */
export type PasswordStepResult = (SignedIn | ChallengeIssued) & { deviceCookie: KnownDeviceCookie };

export async function signInWithPassword(
  ctx: AppContext,
  input: { email: string; password: string; rememberDevice?: boolean | undefined },
  info: RequestInfo,
  trustedDeviceToken: string | undefined,
  knownDeviceCookie: string | undefined,
): Promise<PasswordStepResult> {
  const { identity, deviceCookie } = await verifyPassword(ctx, input, info, knownDeviceCookie);
  return { ...(await afterFirstFactor(ctx, identity, { remember: input.rememberDevice === true, info, trustedDeviceToken })), deviceCookie };
}

/**
 * After any way in: a session at once, or — when the account has a second factor and this browser
 * is not a remembered device — a challenge and no session (security.md §4).
 */
async function afterFirstFactor(
  ctx: AppContext,
  { user, upgradedHash }: VerifiedIdentity,
  options: { remember: boolean; info: RequestInfo; trustedDeviceToken: string | undefined },
): Promise<SignedIn | ChallengeIssued> {
  const { remember, info, trustedDeviceToken } = options;
  let verification: Verification = 'password';
  if (await hasSecondFactor(ctx, user.id)) {
    if (!trustedDeviceToken || !(await isTrustedDevice(ctx, user.id, trustedDeviceToken))) {
      if (upgradedHash) await users.updatePasswordHash(ctx.db, user.id, upgradedHash, ctx.clock.now(), false);
      const challenge = await issueChallenge(ctx, user, remember, info);
      ctx.metrics.signIn('challenge', 'password');
      return challenge;
    }
    verification = 'trusted_device';
  }
  const client = await describeClient(ctx.keyring, info.ip, info.userAgent);
  const signedIn = await ctx.db.transaction().execute((trx) => finishSignIn(ctx, trx, user, client, { verification, remember, info, upgradedHash }));
  ctx.metrics.signIn('success', 'password');
  return { kind: 'signed_in', ...signedIn };
}

/** security.md §4: the first factor was right, but no session exists until the second succeeds. */
async function issueChallenge(ctx: AppContext, user: User, remember: boolean, info: RequestInfo): Promise<ChallengeIssued> {
  const challengeId = generateToken();
  const now = ctx.clock.now();
  const methods = await signInMethods(ctx, user.id);
  await ctx.db.transaction().execute(async (trx) => {
    await issueToken(trx, {
      userId: user.id,
      purpose: 'sign_in_challenge',
      tokenHash: hashToken(challengeId),
      payload: { binding: clientBinding(ctx, info), remember },
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_SECONDS * 1000),
      now,
    });
    await recordSecurityEvent(ctx, trx, { type: 'sign_in_challenged', userId: user.id, ip: info.ip, metadata: { methods: methods.map(String) } });
  });
  return { kind: 'challenge', challengeId, methods };
}

async function liveChallenge(ctx: AppContext, challengeId: string, info: RequestInfo) {
  const challenge = await findLiveToken(ctx.db, 'sign_in_challenge', hashToken(challengeId), ctx.clock.now(), MAX_CODE_ATTEMPTS);
  if (!challenge || challenge.payload.binding !== clientBinding(ctx, info)) throw invalidChallenge();
  const user = await users.findUserById(ctx.db, challenge.userId);
  if (!user || user.status !== 'active') throw invalidChallenge();
  return { challenge, user };
}

export async function completeSecondFactor(
  ctx: AppContext,
  input: { challengeId: string; code: string; method?: SecondFactorMethod | undefined; rememberDevice?: boolean | undefined },
  info: RequestInfo,
): Promise<SecondFactorSignedIn> {
  const { challenge, user } = await liveChallenge(ctx, input.challengeId, info);
  // security.md §6: the challenge's attempt, then the account's, are taken before the code is
  // checked, each in one statement, so no burst gets more codes checked than either allows.
  const used = await reserveAttempt(ctx.db, challenge.id, MAX_CODE_ATTEMPTS, ctx.clock.now());
  if (used === null) throw invalidChallenge();
  const attempt = await takeSecondFactorAttempt(ctx, user.id).catch((error: unknown) => {
    ctx.metrics.signIn('rate_limited', input.method ?? 'totp');
    throw error;
  });
  const allowed = await signInMethods(ctx, user.id);
  const client = await describeClient(ctx.keyring, info.ip, info.userAgent);
  // "Stay signed in" was chosen at the password step; rememberDevice here only skips the second
  // factor on this browser next time.
  const remember = challenge.payload.remember === true;

  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const factor = await checkSecondFactor(ctx, trx, user, { code: input.code, method: input.method, allowed, challengeTokenId: challenge.id }, info);
    if (!factor) return null;
    // Single use: a challenge that someone else completed first is refused (security.md §4).
    if (!(await consumeToken(trx, challenge.id, ctx.clock.now()))) throw invalidChallenge();
    const signedIn = await finishSignIn(ctx, trx, user, client, { verification: 'two_factor', remember, info, method: factor.method });
    const trustedDevice = input.rememberDevice === true ? await trustDevice(ctx, trx, user.id, client, info) : null;
    return { ...signedIn, factor, trustedDevice };
  });

  if (!outcome) {
    ctx.metrics.signIn('failure', input.method ?? 'totp');
    await recordSecondFactorFailure(ctx, user.id, input.method ?? 'totp', attempt, info);
    const left = MAX_CODE_ATTEMPTS - used;
    throw new AppError('INVALID_CODE', left > 0 ? `That code is not valid. ${left} attempt${left === 1 ? '' : 's'} left.` : 'That code is not valid. Sign in again.', {
      fields: { code: 'is not valid' },
    });
  }
  ctx.metrics.signIn('success', outcome.factor.method);
  await clearSecondFactorFailures(ctx, user.id, outcome.factor.method);
  const remaining = outcome.factor.backupCodesRemaining;
  return {
    kind: 'signed_in',
    user: outcome.user,
    started: outcome.started,
    trustedDevice: outcome.trustedDevice,
    backupCodesRemaining: remaining ?? null,
    backupCodesLow: backupCodesRunningLow(remaining),
  };
}

export async function requestSignInSms(ctx: AppContext, challengeId: string, info: RequestInfo): Promise<void> {
  const { challenge, user } = await liveChallenge(ctx, challengeId, info);
  await sendSignInSms(ctx, user.id, challenge.id);
}
