// Turns the session cookie or bearer token into request.auth, or answers 401; and, when every
// account must have a second factor, keeps a session that has none to the routes that enrol one.
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError, unauthenticated } from '../../errors.ts';
import type { AppContext } from '../../context.ts';
import type { Verification } from '../../db/schema.ts';
import { markSessionRequired } from '../../http/openapi.ts';
import { readSessionToken, type TokenSource } from '../../http/session-transport.ts';
import { authenticate, type Authenticated } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
    authSource: TokenSource | null;
  }
}

/**
 * security.md §4: with REQUIRE_TWO_FACTOR, what a session without a second factor may still do —
 * see itself, sign out, confirm it is the user, and enrol an authenticator app or a phone. Every
 * other route, including any added later, answers 403 TWO_FACTOR_REQUIRED.
 */
const ENROLMENT_ROUTES = new Set([
  'GET /api/auth/session',
  'GET /api/auth/profile',
  'POST /api/auth/logout',
  'POST /api/auth/reauthenticate',
  'GET /api/auth/2fa/status',
  'POST /api/auth/2fa/enable',
  'POST /api/auth/2fa/verify-setup',
  'POST /api/auth/2fa/sms/enable',
  'POST /api/auth/2fa/sms/verify',
]);

/** Sign-in verifications that passed a second factor (a remembered device was remembered after one). */
const SECOND_FACTOR_VERIFIED: ReadonlySet<Verification> = new Set(['two_factor', 'trusted_device']);

/**
 * While a second factor is required: a session that never passed one, of an account that has
 * none. Only such a session pays for the lookup.
 */
export async function mustEnrolSecondFactor(ctx: AppContext, auth: Authenticated): Promise<boolean> {
  return ctx.config.requireTwoFactor && !SECOND_FACTOR_VERIFIED.has(auth.session.verification) && !(await ctx.hasSecondFactor(auth.user.id));
}

export const twoFactorRequired = (): AppError =>
  new AppError('TWO_FACTOR_REQUIRED');

export function requireAuth(ctx: AppContext): preHandlerAsyncHookHandler {
  return markSessionRequired(async function requireSession(request: FastifyRequest) {
    const presented = readSessionToken(request, ctx.config);
    if (!presented) throw unauthenticated();
    const auth = await authenticate(ctx, presented.token);
    if (!auth) throw unauthenticated();
    if (!ENROLMENT_ROUTES.has(`${request.method} ${request.routeOptions.url}`) && (await mustEnrolSecondFactor(ctx, auth))) throw twoFactorRequired();
    request.auth = auth;
    request.authSource = presented.source;
  });
}

/** For handlers behind requireAuth: the session is there. */
export function authOf(request: FastifyRequest): Authenticated {
  if (!request.auth) throw unauthenticated();
  return request.auth;
}
