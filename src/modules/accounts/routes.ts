// HTTP for accounts: validates and translates, the rules live in service.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { hashToken } from '../../crypto/tokens.ts';
import { readKnownDeviceCookie, setKnownDeviceCookie } from '../../http/known-device-cookie.ts';
import { requestInfo } from '../../http/request-info.ts';
import { errorResponses, ErrorBody, IssuedSessionView, SessionView, SuccessMessage, Success, UserView } from '../../http/schemas.ts';
import { clearSessionCookie, deliverSessionToken, presentedSessionTokens, readTrustedDeviceToken, setTrustedDeviceCookie, wantsBearerToken } from '../../http/session-transport.ts';
import { authOf, mustEnrolSecondFactor, requireAuth } from '../sessions/require-auth.ts';
import { endSession, type SessionView as StartedSessionView } from '../sessions/service.ts';
import { PASSWORD_MAX_LENGTH } from './password-policy.ts';
import * as accounts from './service.ts';
import { completeSecondFactor, reauthenticate, requestSignInSms, signIn } from './sign-in.ts';

const Email = Type.String({ minLength: 3, maxLength: 254, description: 'Compared case-insensitively' });
// The policy decides what is acceptable and says why; the schema only bounds the work we do.
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 });
const DisplayName = Type.String({ maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

const TwoFactorSetupRequired = Type.Optional(
  Type.Literal(true, { description: 'REQUIRE_TWO_FACTOR is on and this account has no second factor: this session can only enrol one (other routes answer 403 TWO_FACTOR_REQUIRED)' }),
);
const SignedInBody = Type.Object({ success: Type.Literal(true), user: UserView, session: IssuedSessionView, twoFactorSetupRequired: TwoFactorSetupRequired });
const RenewedToken = Type.Optional(
  Type.String({ description: 'The session\'s new token, for a client that sent its token as a bearer (a browser gets a new cookie instead); the old token no longer works' }),
);
const SecondFactorMethod = Type.Union([Type.Literal('totp'), Type.Literal('sms'), Type.Literal('backup_code')]);
const ChallengeBody = Type.Object({
  success: Type.Literal(true),
  twoFactorRequired: Type.Literal(true),
  challengeId: Type.String({ description: 'Single use, 5 minutes, bound to this client; never a session' }),
  methods: Type.Array(SecondFactorMethod),
});
const ChallengeId = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$' });

export function accountRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  /** A sign-in's request info, with the sessions it carried: signing in ends them (security.md §3). */
  const signInInfo = (request: FastifyRequest) => ({ ...requestInfo(request), presentedSessionHashes: presentedSessionTokens(request, ctx.config).map(hashToken) });
  /** A session signed in with the password alone while a second factor is required can only enrol one (security.md §4). */
  const setupRequired = (session: StartedSessionView) => (ctx.config.requireTwoFactor && session.verification === 'password' ? { twoFactorSetupRequired: true as const } : {});

  return async (app) => {
    const auth = requireAuth(ctx);

    app.post('/api/auth/register', {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and sign in',
        body: Type.Object({ email: Email, password: Password, displayName: Type.Optional(Type.Union([DisplayName, Type.Null()])) }, { additionalProperties: false }),
        response: {
          201: Type.Union([SignedInBody, Type.Object({ success: Type.Literal(true), verificationRequired: Type.Literal(true), message: Type.String() })]),
          409: ErrorBody,
          ...errorResponses,
        },
      },
    }, async (request, reply) => {
      const result = await accounts.register(ctx, request.body, signInInfo(request));
      if (result.kind === 'verification_sent') {
        return reply.status(201).send({ success: true, verificationRequired: true, message: 'Check your inbox: we sent a link to confirm your email address.' });
      }
      const token = deliverSessionToken(request, reply, ctx.config, result.started, ctx.clock.now());
      return reply.status(201).send({ success: true, user: result.user, session: { ...result.started.session, ...token }, ...setupRequired(result.started.session) });
    });

    app.post('/api/auth/login', {
      schema: {
        tags: ['accounts'],
        summary: 'Sign in with email and password',
        body: Type.Object({ email: Email, password: Password, rememberDevice: Type.Optional(Type.Boolean({ description: 'Stay signed in on this device' })) }, { additionalProperties: false }),
        response: { 200: Type.Union([SignedInBody, ChallengeBody]), ...errorResponses },
      },
    }, async (request, reply) => {
      const result = await signIn(ctx, request.body, signInInfo(request), readTrustedDeviceToken(request, ctx.config), readKnownDeviceCookie(request, ctx.config));
      if (!wantsBearerToken(request)) setKnownDeviceCookie(reply, ctx.config, result.deviceCookie, ctx.clock.now());
      if (result.kind === 'challenge') {
        return { success: true as const, twoFactorRequired: true as const, challengeId: result.challengeId, methods: result.methods };
      }
      const token = deliverSessionToken(request, reply, ctx.config, result.started, ctx.clock.now());
      return { success: true as const, user: result.user, session: { ...result.started.session, ...token }, ...setupRequired(result.started.session) };
    });

    app.post('/api/auth/login/2fa', {
      schema: {
        tags: ['accounts'],
        summary: 'Second step of sign-in: a TOTP, backup or SMS code for the challenge',
        body: Type.Object(
          {
            challengeId: ChallengeId,
            code: Type.String({ minLength: 1, maxLength: 32 }),
            method: Type.Optional(SecondFactorMethod),
            rememberDevice: Type.Optional(Type.Boolean({ description: 'Skip the second factor on this browser for 30 days' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            user: UserView,
            session: IssuedSessionView,
            backupCodesRemaining: Type.Union([Type.Integer(), Type.Null()]),
            warning: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
    }, async (request, reply) => {
      const result = await completeSecondFactor(ctx, request.body, signInInfo(request));
      const now = ctx.clock.now();
      const token = deliverSessionToken(request, reply, ctx.config, result.started, now);
      if (result.trustedDevice) setTrustedDeviceCookie(reply, ctx.config, result.trustedDevice.token, result.trustedDevice.expiresAt, now);
      return {
        success: true as const,
        user: result.user,
        session: { ...result.started.session, ...token },
        backupCodesRemaining: result.backupCodesRemaining,
        ...(result.backupCodesLow ? { warning: `Only ${result.backupCodesRemaining} backup codes left. Generate new ones in your security settings.` } : {}),
      };
    });

    app.post('/api/auth/login/2fa/sms', {
      schema: {
        tags: ['accounts'],
        summary: 'Text a sign-in code for this challenge to the verified phone',
        body: Type.Object({ challengeId: ChallengeId }, { additionalProperties: false }),
        response: { 200: SuccessMessage, ...errorResponses },
      },
    }, async (request) => {
      await requestSignInSms(ctx, request.body.challengeId, requestInfo(request));
      return { success: true as const, message: 'A code is on its way to your phone.' };
    });

    app.post('/api/auth/reauthenticate', {
      preHandler: auth,
      schema: {
        tags: ['accounts'],
        summary: 'Confirm it is you: this session may do sensitive actions for 10 minutes, under a new token',
        body: Type.Object({ password: Password, code: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ success: Type.Literal(true), message: Type.String(), token: RenewedToken }), ...errorResponses },
      },
    }, async (request, reply) => {
      const renewed = await reauthenticate(ctx, authOf(request), request.body, requestInfo(request));
      const token = deliverSessionToken(request, reply, ctx.config, renewed, ctx.clock.now());
      return { success: true as const, message: 'Confirmed. You can make security changes for the next 10 minutes.', ...token };
    });

    app.post('/api/auth/logout', {
      preHandler: auth,
      schema: { tags: ['accounts'], summary: 'Sign out: this session is revoked', response: { 200: Success, ...errorResponses } },
    }, async (request, reply) => {
      await endSession(ctx, authOf(request), requestInfo(request));
      clearSessionCookie(reply, ctx.config);
      return { success: true as const };
    });

    app.get('/api/auth/session', {
      preHandler: auth,
      schema: {
        tags: ['accounts'],
        summary: 'The signed-in user and this session',
        response: { 200: Type.Object({ success: Type.Literal(true), user: UserView, session: SessionView, twoFactorSetupRequired: TwoFactorSetupRequired }), ...errorResponses },
      },
    }, async (request) => {
      const current = authOf(request);
      return { success: true as const, user: current.user, session: current.session, ...((await mustEnrolSecondFactor(ctx, current)) ? { twoFactorSetupRequired: true as const } : {}) };
    });

    app.get('/api/auth/profile', {
      preHandler: auth,
      schema: { tags: ['accounts'], summary: 'Read the profile', response: { 200: Type.Object({ success: Type.Literal(true), user: UserView }), ...errorResponses } },
    }, async (request) => ({ success: true as const, user: await accounts.getProfile(ctx, authOf(request)) }));

    app.patch('/api/auth/profile', {
      preHandler: auth,
      schema: {
        tags: ['accounts'],
        summary: 'Update the display name and notification settings',
        body: Type.Object(
          { displayName: Type.Optional(Type.Union([DisplayName, Type.Null()])), notifyNewSignIn: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ success: Type.Literal(true), user: UserView }), ...errorResponses },
      },
    }, async (request) => ({ success: true as const, user: await accounts.updateProfile(ctx, authOf(request), request.body, requestInfo(request)) }));

    app.put('/api/auth/change-password', {
      preHandler: auth,
      schema: {
        tags: ['accounts'],
        summary: 'Change the password; every other session is signed out, and this one goes on under a new token',
        body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }),
        response: { 200: Type.Object({ success: Type.Literal(true), message: Type.String(), token: RenewedToken }), ...errorResponses },
      },
    }, async (request, reply) => {
      const { revokedSessions, renewed } = await accounts.changePassword(ctx, authOf(request), request.body, requestInfo(request));
      const token = deliverSessionToken(request, reply, ctx.config, renewed, ctx.clock.now());
      const others = revokedSessions === 1 ? '1 other session was' : `${revokedSessions} other sessions were`;
      return { success: true as const, message: `Password changed. ${others} signed out.`, ...token };
    });
  };
}
