// HTTP for accounts: validates and translates, the rules live in service.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext, RequestInfo } from '../../context.ts';
import { hashToken } from '../../crypto/tokens.ts';
import { requestInfo } from '../../http/request-info.ts';
import { errorResponses, ErrorBody, IssuedSessionView, UserView } from '../../http/schemas.ts';
import { deliverSessionToken, presentedSessionTokens } from '../../http/session-transport.ts';
import { TwoFactorSetupRequired } from '../sessions/routes.ts';
import { authOf, requireAuth } from '../sessions/require-auth.ts';
import type { SessionView as StartedSessionView } from '../sessions/service.ts';
import { PASSWORD_MAX_LENGTH } from './password-policy.ts';
import * as accounts from './service.ts';

export const Email = Type.String({ minLength: 3, maxLength: 254, description: 'Compared case-insensitively' });
// The policy decides what is acceptable and says why; the schema only bounds the work we do.
export const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 });
const DisplayName = Type.String({ maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

export const SignedInBody = Type.Object({ success: Type.Literal(true), user: UserView, session: IssuedSessionView, twoFactorSetupRequired: TwoFactorSetupRequired });
export const RenewedToken = Type.Optional(
  Type.String({ description: 'The session\'s new token, for a client that sent its token as a bearer (a browser gets a new cookie instead); the old token no longer works' }),
);
/** A sign-in's request info, with the sessions it carried: signing in ends them (security.md §3). */
export function signInInfo(ctx: AppContext, request: FastifyRequest): RequestInfo {
  return { ...requestInfo(request), presentedSessionHashes: presentedSessionTokens(request, ctx.config).map(hashToken) };
}

/** A session signed in with the password alone while a second factor is required can only enrol one (security.md §4). */
export function setupRequired(ctx: AppContext, session: StartedSessionView): { twoFactorSetupRequired?: true } {
  return ctx.config.requireTwoFactor && session.verification === 'password' ? { twoFactorSetupRequired: true as const } : {};
}

export function accountRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
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
      const result = await accounts.register(ctx, request.body, signInInfo(ctx, request));
      if (result.kind === 'verification_sent') {
        return reply.status(201).send({ success: true, verificationRequired: true, message: 'Check your inbox: we sent a link to confirm your email address.' });
      }
      const token = deliverSessionToken(request, reply, ctx.config, result.started, ctx.clock.now());
      return reply.status(201).send({ success: true, user: result.user, session: { ...result.started.session, ...token }, ...setupRequired(ctx, result.started.session) });
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
