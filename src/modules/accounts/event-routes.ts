import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { errorResponses } from '../../http/schemas.ts';
import { authOf, requireAuth } from '../sessions/require-auth.ts';
import { listOwnEvents } from '../events/service.ts';
import { securityEventTypes, type SecurityEventType } from '../events/types.ts';

const EventView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.Unsafe<SecurityEventType>({ type: 'string', enum: [...securityEventTypes] }),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  sessionId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  device: Type.Union([Type.String(), Type.Null()], { description: 'The device of the session the event happened in ("Firefox on Linux"), if any' }),
  location: Type.Union([Type.String(), Type.Null()], { description: 'Where that session signed in from ("Berlin, DE"), if known' }),
  createdAt: Type.String({ format: 'date-time' }),
});

export function eventRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/auth/events', {
      preHandler: requireAuth(ctx),
      schema: {
        tags: ['events'],
        summary: 'Your own security events, newest first',
        querystring: Type.Object(
          {
            cursor: Type.Optional(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ success: Type.Literal(true), events: Type.Array(EventView), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    }, async (request) => ({ success: true as const, ...(await listOwnEvents(ctx, authOf(request).user.id, request.query)) }));
  };
}
