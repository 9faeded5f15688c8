// HTTP for the email flows: verification, password reset, change of address (security.md §8).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { unauthenticated } from '../../errors.ts';
import type { AppContext } from '../../context.ts';
import { requestInfo } from '../../http/request-info.ts';
import { ErrorBody, errorResponses, SuccessMessage } from '../../http/schemas.ts';
import { readSessionToken } from '../../http/session-transport.ts';
import { authOf, requireAuth } from '../sessions/require-auth.ts';
import { authenticate, type Authenticated } from '../sessions/service.ts';
import * as email from './email-ownership.ts';
import { PASSWORD_MAX_LENGTH } from './password-policy.ts';
import { verifyOwnPassword } from '../users/own-password.ts';

const LinkToken = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$', description: 'From the emailed link' });
const Email = Type.String({ minLength: 3, maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 });
const SecondFactorCode = Type.String({ minLength: 1, maxLength: 32, description: 'A TOTP or backup code; required when the account has a second factor' });

export function emailRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  /** The caller's session on routes that work without one (the pages behind email links). */
  async function sessionIfAny(request: FastifyRequest): Promise<Authenticated | null> {
    const presented = readSessionToken(request, ctx.config);
    return presented ? authenticate(ctx, presented.token) : null;
  }

  return async (app) => {
    app.post('/api/auth/email/verify/request', {
      schema: {
        tags: ['email'],
        summary: 'Send a new verification link: to the signed-in user, or (no session) to {email} if it has an unverified account',
        body: Type.Object({ email: Type.Optional(Email) }, { additionalProperties: false }),
        response: { 202: SuccessMessage, ...errorResponses },
      },
    }, async (request, reply) => {
      const auth = await sessionIfAny(request);
      if (auth) {
        await email.requestVerificationForSession(ctx, auth, requestInfo(request));
      } else if (request.body.email) {
        await email.requestVerificationByAddress(ctx, request.body.email, requestInfo(request));
      } else {
        throw unauthenticated();
      }
      return reply.status(202).send({ success: true, message: 'If that address has an unconfirmed account, a new link is on its way.' });
    });

    app.post('/api/auth/email/verify', {
      schema: {
        tags: ['email'],
        summary: 'Confirm the email address with the token from the link',
        body: Type.Object({ token: LinkToken }, { additionalProperties: false }),
        response: { 200: SuccessMessage, ...errorResponses },
      },
    }, async (request) => {
      await email.verifyEmail(ctx, request.body.token, requestInfo(request));
      return { success: true as const, message: 'Your email address is confirmed.' };
    });

    app.post('/api/auth/password/forgot', {
      schema: {
        tags: ['email'],
        summary: 'Mail a password-reset link; the answer is the same whether the account exists or not',
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 202: SuccessMessage, ...errorResponses },
      },
    }, async (request, reply) => {
      await email.forgotPassword(ctx, request.body.email, requestInfo(request));
      return reply.status(202).send({ success: true, message: 'If that address has an account, we sent it a link to reset the password.' });
    });

    app.post('/api/auth/password/reset', {
      schema: {
        tags: ['email'],
        summary: 'Set a new password with the token from the link; every session is signed out',
        body: Type.Object({ token: LinkToken, newPassword: Password }, { additionalProperties: false }),
        response: { 200: SuccessMessage, ...errorResponses },
      },
    }, async (request) => {
      await email.resetPassword(ctx, request.body, requestInfo(request));
      return { success: true as const, message: 'Your password was reset. Sign in with the new one.' };
    });

    app.post('/api/auth/email/change', {
      preHandler: requireAuth(ctx),
      schema: {
        tags: ['email'],
        summary: 'Ask to move the account to a new address (a session signed in or reauthenticated in the last 10 minutes, the password, and a code when a second factor is on); a link goes to the new address, a notice to the old',
        body: Type.Object({ newEmail: Email, password: Password, code: Type.Optional(SecondFactorCode) }, { additionalProperties: false }),
        response: { 202: SuccessMessage, ...errorResponses },
      },
    }, async (request, reply) => {
      const auth = authOf(request);
      await email.requestEmailChange(ctx, auth, request.body, requestInfo(request), (password) => verifyOwnPassword(ctx, auth.user.id, password));
      return reply.status(202).send({ success: true, message: 'Follow the link we sent to the new address to finish the change.' });
    });

    app.post('/api/auth/email/change/confirm', {
      schema: {
        tags: ['email'],
        summary: 'Finish a change of address with the token from the link sent to the new address; every other session ends and earlier links stop working',
        body: Type.Object({ token: LinkToken }, { additionalProperties: false }),
        response: { 200: SuccessMessage, 409: ErrorBody, ...errorResponses },
      },
    }, async (request) => {
      await email.confirmEmailChange(ctx, request.body.token, requestInfo(request), await sessionIfAny(request));
      return { success: true as const, message: 'Your email address was changed.' };
    });
  };
}
