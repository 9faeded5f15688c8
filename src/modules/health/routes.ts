import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import type { AppContext } from '../../context.ts';
import { ErrorBody } from '../../http/schemas.ts';

const Status = Type.Object({ success: Type.Literal(true), status: Type.String() });

/** `redis` when REDIS_URL is set: readiness then needs it too (the rate limits live there). */
export function healthRoutes(ctx: AppContext, redis?: { ping(): Promise<unknown> }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Status } } }, async () => ({ success: true as const, status: 'ok' }));

    app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness: the database (and Redis, when configured) answers', response: { 200: Status, 503: ErrorBody } } }, async (request) => {
      try {
        await ctx.database.ping();
      } catch (error) {
        request.log.warn({ err: error }, 'database not reachable');
        throw new AppError('DATABASE_UNAVAILABLE');
      }
      if (redis) {
        try {
          await redis.ping();
        } catch (error) {
          request.log.warn({ err: error }, 'redis not reachable');
          throw new AppError('REDIS_UNAVAILABLE');
        }
      }
      return { success: true as const, status: 'ready' };
    });
  };
}
