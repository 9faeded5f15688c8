// Sign-in (SPEC §2, seed 004 §3): the password step, then — for a user with a second factor — a
// challenge that yields no session until a TOTP, backup or SMS code succeeds (SPEC 4.4). Also
// re-authentication, which refreshes a session for sensitive actions (SPEC 4.8).
import type { Kysely } from 'kysely';
import { AppError } from '../../errors.ts';
import { generateToken, hashToken } from '../../crypto/tokens.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database, User, Verification } from '../../db/schema.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { consumeToken, findLiveToken, issueToken, reserveAttempt } from '../one-time-tokens/service.ts';
import { describeClient, hashIp, type ClientContext } from '../../http/client-context.ts';
import { endPresentedSessions, markSessionAuthenticated, startSession, type Authenticated, type RenewedSessionToken, type StartedSession } from '../sessions/service.ts';
import {
  backupCodesRunningLow,
  checkSecondFactor,
  clearSecondFactorFailures,
  confirmWithSecondFactor,
  hasSecondFactor,
  MAX_CODE_ATTEMPTS,
  recordSecondFactorFailure,
  sendSignInSms,
  signInMethods,
  takeSecondFactorAttempt,
  type SecondFactorMethod,
} from '../two-factor/service.ts';
import { isTrustedDevice, trustDevice } from '../sessions/trusted-devices.ts';
import { notices } from '../../notify/notices.ts';
import { addressBucket } from '../../http/client-address.ts';
import type { SignInAttempt } from '../../rate-limit/limiters.ts';
import { requireValidEmail } from './email-address.ts';
import type { KnownDeviceCookie } from '../../http/known-device-cookie.ts';
import { issueKnownDeviceCookie, knownDeviceOf } from './known-device.ts';
import { normalizePassword } from '../../crypto/passwords.ts';
import * as store from '../users/store.ts';
import { toPublicUser, type PublicUser } from '../users/user-view.ts';

/** A challenge lives 5 minutes and dies after 5 wrong codes (issue 3, SPEC 4.5). */
const CHALLENGE_TTL_SECONDS = 5 * 60;

// SPEC 4.6: one answer for a wrong email, a wrong password and (when sign-in waits for it) an
// unconfirmed address: otherwise registering an address and signing in with one's own password
// would reveal whether the address already had an account.
function invalidCredentials(ctx: AppContext): AppError {
  const hint = ctx.config.requireEmailVerification ? ' If you just signed up, confirm your email address first.' : '';
  return new AppError('INVALID_CREDENTIALS', `Invalid email or password.${hint}`);
}
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

async function finishSignIn(
  ctx: AppContext,
  trx: Kysely<Database>,
  user: User,
  client: ClientContext,
  options: { verification: Verification; remember: boolean; info: RequestInfo; method?: SecondFactorMethod; upgradedHash?: string | null },
): Promise<{ user: PublicUser; started: StartedSession }> {
  const now = ctx.clock.now();
  if (options.upgradedHash) await store.updatePasswordHash(trx, user.id, options.upgradedHash, now, false);
  const updated = await store.recordLogin(trx, user.id, now);
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

export async function signIn(
  ctx: AppContext,
  input: { email: string; password: string; rememberDevice?: boolean | undefined },
  info: RequestInfo,
  trustedDeviceToken: string | undefined,
  knownDeviceCookie: string | undefined,
): Promise<PasswordStepResult> {
  const email = requireValidEmail(input.email);
  const password = normalizePassword(input.password);
  const user = await store.findUserByEmail(ctx.db, email);
  const knownDevice = user ? knownDeviceOf(ctx.keyring, user.id, knownDeviceCookie, ctx.clock.now()) : null;
  // security.md §6: the attempt is counted as a failure before the hash is checked, and only a
  // right password clears it. An unknown account takes exactly the same steps (security.md §5).
  let attempt: SignInAttempt;
  try {
    attempt = await ctx.limiters.signIn.admit(email, { address: addressBucket(info.ip), knownDevice });
  } catch (error) {
    if (error instanceof AppError && error.status === 429) await recordSecurityEvent(ctx, ctx.db, { type: 'sign_in_rate_limited', userId: user?.id ?? null, ip: info.ip });
    throw error;
  }

  if (!user?.password_hash) {
    // SPEC 4.6: spend the same hashing time for an unknown account.
    await ctx.hasher.verifyDummy(password);
    await recordSecurityEvent(ctx, ctx.db, { type: 'sign_in_failed', userId: user?.id ?? null, ip: info.ip, metadata: { reason: user ? 'no_password' : 'unknown_account' } });
    throw invalidCredentials(ctx);
  }
  if (!(await ctx.hasher.verify(user.password_hash, password))) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'sign_in_failed', userId: user.id, ip: info.ip, metadata: { reason: 'invalid_password' } });
    throw invalidCredentials(ctx);
  }
  if (user.status !== 'active') {
    await recordSecurityEvent(ctx, ctx.db, { type: 'sign_in_failed', userId: user.id, ip: info.ip, metadata: { reason: 'account_disabled' } });
    throw new AppError('ACCOUNT_DISABLED');
  }
  if (ctx.config.requireEmailVerification && !user.email_verified_at) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'sign_in_failed', userId: user.id, ip: info.ip, metadata: { reason: 'email_not_verified' } });
    throw invalidCredentials(ctx);
  }
  await attempt.succeeded();
  const deviceCookie = issueKnownDeviceCookie(ctx.keyring, user.id, knownDevice, ctx.clock.now());

  // SPEC 4.1: a hash made with other settings (or the other algorithm) is upgraded now.
  const upgradedHash = ctx.hasher.needsRehash(user.password_hash) ? await ctx.hasher.hash(password) : null;
  const remember = input.rememberDevice === true;
  let verification: Verification = 'password';
  if (await hasSecondFactor(ctx, user.id)) {
    if (!trustedDeviceToken || !(await isTrustedDevice(ctx, user.id, trustedDeviceToken))) {
      if (upgradedHash) await store.updatePasswordHash(ctx.db, user.id, upgradedHash, ctx.clock.now(), false);
      return { ...(await issueChallenge(ctx, user, remember, info)), deviceCookie };
    }
    verification = 'trusted_device';
  }
  const client = await describeClient(ctx.keyring, info.ip, info.userAgent);
  const signedIn = await ctx.db.transaction().execute((trx) => finishSignIn(ctx, trx, user, client, { verification, remember, info, upgradedHash }));
  return { kind: 'signed_in', ...signedIn, deviceCookie };
}

/** SPEC 4.4: the password was right, but no session exists until the second factor succeeds. */
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
  const user = await store.findUserById(ctx.db, challenge.userId);
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
  const attempt = await takeSecondFactorAttempt(ctx, user.id);
  const allowed = await signInMethods(ctx, user.id);
  const client = await describeClient(ctx.keyring, info.ip, info.userAgent);
  // "Stay signed in" was chosen at the password step; rememberDevice here only skips the second
  // factor on this browser next time.
  const remember = challenge.payload.remember === true;

  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const factor = await checkSecondFactor(ctx, trx, user, { code: input.code, method: input.method, allowed, challengeTokenId: challenge.id }, info);
    if (!factor) return null;
    // Single use: a challenge that someone else completed first is refused (SPEC 4.4).
    if (!(await consumeToken(trx, challenge.id, ctx.clock.now()))) throw invalidChallenge();
    const signedIn = await finishSignIn(ctx, trx, user, client, { verification: 'two_factor', remember, info, method: factor.method });
    const trustedDevice = input.rememberDevice === true ? await trustDevice(ctx, trx, user.id, client, info) : null;
    return { ...signedIn, factor, trustedDevice };
  });

  if (!outcome) {
    await recordSecondFactorFailure(ctx, user.id, input.method ?? 'totp', attempt, info);
    const left = MAX_CODE_ATTEMPTS - used;
    throw new AppError('INVALID_CODE', left > 0 ? `That code is not valid. ${left} attempt${left === 1 ? '' : 's'} left.` : 'That code is not valid. Sign in again.', {
      fields: { code: 'is not valid' },
    });
  }
  await clearSecondFactorFailures(ctx, user.id);
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

/** SPEC 4.8: the password (and, with two-factor on, a code) makes this session fresh for 10 minutes. */
export async function reauthenticate(ctx: AppContext, auth: Authenticated, input: { password: string; code?: string | undefined }, info: RequestInfo): Promise<RenewedSessionToken> {
  // security.md §6: the attempt is taken before the hash is checked and given back when it was right.
  await ctx.limiters.passwordCheck.consume(auth.user.id);
  const user = await store.findUserById(ctx.db, auth.user.id);
  if (!user?.password_hash || !(await ctx.hasher.verify(user.password_hash, normalizePassword(input.password)))) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'reauthentication_failed', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { reason: 'invalid_password' } });
    throw new AppError('INVALID_PASSWORD', undefined, { fields: { password: 'is not correct' } });
  }
  await ctx.limiters.passwordCheck.refund(auth.user.id);
  let method: SecondFactorMethod | null = null;
  if (await hasSecondFactor(ctx, user.id)) {
    if (!input.code) throw new AppError('CODE_REQUIRED', undefined, { fields: { code: 'is required' } });
    method = (await confirmWithSecondFactor(ctx, user, input.code, info)).method;
  }
  // security.md §3: fresh again, under a new token.
  const renewed = await markSessionAuthenticated(ctx, auth);
  await recordSecurityEvent(ctx, ctx.db, { type: 'reauthenticated', userId: user.id, sessionId: auth.session.id, ip: info.ip, metadata: method ? { method } : {} });
  return renewed;
}
