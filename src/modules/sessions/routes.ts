import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { requestInfo } from '../../http/request-info.ts';
import { ErrorBody, errorResponses, SessionView, Success, TrustedDeviceView, UserView } from '../../http/schemas.ts';
import { clearSessionCookie } from '../../http/session-transport.ts';
import { authOf, mustEnrolSecondFactor, requireAuth } from './require-auth.ts';
import * as sessions from './service.ts';
import { listTrustedDevices } from './trusted-devices.ts';

export const TwoFactorSetupRequired = Type.Optional(
  Type.Literal(true, { description: 'REQUIRE_TWO_FACTOR is on and this account has no second factor: this session can only enrol one (other routes answer 403 TWO_FACTOR_REQUIRED)' }),
);

export function sessionRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const auth = requireAuth(ctx);

    app.post('/api/auth/logout', {
      preHandler: auth,
      schema: { tags: ['accounts'], summary: 'Sign out: this session is revoked', response: { 200: Success, ...errorResponses } },
    }, async (request, reply) => {
      await sessions.endSession(ctx, authOf(request), requestInfo(request));
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


    app.get('/api/auth/sessions', {
      preHandler: auth,
      schema: {
        tags: ['sessions'],
        summary: 'Your active device sessions, newest first, and the devices that skip the second factor',
        response: { 200: Type.Object({ success: Type.Literal(true), sessions: Type.Array(SessionView), trustedDevices: Type.Array(TrustedDeviceView) }), ...errorResponses },
      },
    }, async (request) => {
      const current = authOf(request);
      const [list, trustedDevices] = await Promise.all([sessions.listSessions(ctx, current), listTrustedDevices(ctx, current.user.id)]);
      return { success: true as const, sessions: list, trustedDevices };
    });

    app.delete('/api/auth/sessions/:id', {
      preHandler: auth,
      schema: {
        tags: ['sessions'],
        summary: 'Revoke one of your sessions (effective on its next request)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Success, 404: ErrorBody, ...errorResponses },
      },
    }, async (request, reply) => {
      const current = authOf(request);
      await sessions.revokeSession(ctx, current, request.params.id, requestInfo(request));
      if (request.params.id === current.session.id) clearSessionCookie(reply, ctx.config);
      return { success: true as const };
    });

    app.post('/api/auth/sessions/revoke-others', {
      preHandler: auth,
      schema: {
        tags: ['sessions'],
        summary: 'Revoke every session but this one',
        response: { 200: Type.Object({ success: Type.Literal(true), revoked: Type.Integer() }), ...errorResponses },
      },
    }, async (request) => ({ success: true as const, revoked: await sessions.revokeOtherSessions(ctx, authOf(request), requestInfo(request)) }));
  };
}
