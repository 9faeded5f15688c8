// GET /metrics in Prometheus' text format (README "Metrics"). Left out of the OpenAPI document: it
// is for the scraper, not for API clients. With METRICS_TOKEN set, only `Authorization: Bearer
// <token>` may read it, compared in constant time (security.md §2).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { MetricsRegistry } from './metrics.ts';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Equal digests of equal length: the comparison takes the same time whatever was sent. */
function presentsToken(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

export function metricsRoutes(metrics: MetricsRegistry, token: string | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (token !== undefined && !presentsToken(request.headers.authorization, token)) {
        throw new AppError('UNAUTHENTICATED', 'A valid metrics token is required.');
      }
      reply.header('cache-control', 'no-store').type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
}
