// HTTP for signing in (docs/api.md): the password step, the second-factor step, a texted code for
// a challenge, and re-authentication. The flow's rules live in flow.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { readKnownDeviceCookie, setKnownDeviceCookie } from '../../http/known-device-cookie.ts';
import { requestInfo } from '../../http/request-info.ts';
import { errorResponses, IssuedSessionView, SuccessMessage, UserView } from '../../http/schemas.ts';
import { deliverSessionToken, readTrustedDeviceToken, setTrustedDeviceCookie, wantsBearerToken } from '../../http/session-transport.ts';
import { Email, Password, RenewedToken, setupRequired, SignedInBody, signInInfo } from '../accounts/routes.ts';
import { authOf, requireAuth } from '../sessions/require-auth.ts';
import { completeSecondFactor, requestSignInSms, signInWithPassword } from './flow.ts';
import { reauthenticate } from './reauthenticate.ts';

const SecondFactorMethod = Type.Union([Type.Literal('totp'), Type.Literal('sms'), Type.Literal('backup_code')]);
const ChallengeBody = Type.Object({
  success: Type.Literal(true),
  twoFactorRequired: Type.Literal(true),
  challengeId: Type.String({ description: 'Single use, 5 minutes, bound to this client; never a session' }),
  methods: Type.Array(SecondFactorMethod),
});
const ChallengeId = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$' });

export function signInRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const auth = requireAuth(ctx);

    app.post('/api/auth/login', {
      schema: {
        tags: ['accounts'],
        summary: 'Sign in with email and password',
        body: Type.Object({ email: Email, password: Password, rememberDevice: Type.Optional(Type.Boolean({ description: 'Stay signed in on this device' })) }, { additionalProperties: false }),
        response: { 200: Type.Union([SignedInBody, ChallengeBody]), ...errorResponses },
      },
    }, async (request, reply) => {
      const result = await signInWithPassword(ctx, request.body, signInInfo(ctx, request), readTrustedDeviceToken(request, ctx.config), readKnownDeviceCookie(request, ctx.config));
      if (!wantsBearerToken(request)) setKnownDeviceCookie(reply, ctx.config, result.deviceCookie, ctx.clock.now());
      if (result.kind === 'challenge') {
        return { success: true as const, twoFactorRequired: true as const, challengeId: result.challengeId, methods: result.methods };
      }
      const token = deliverSessionToken(request, reply, ctx.config, result.started, ctx.clock.now());
      return { success: true as const, user: result.user, session: { ...result.started.session, ...token }, ...setupRequired(ctx, result.started.session) };
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
      const result = await completeSecondFactor(ctx, request.body, signInInfo(ctx, request));
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
  };
}
