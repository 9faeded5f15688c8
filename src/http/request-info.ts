import type { FastifyRequest } from 'fastify';
import type { RequestInfo } from '../context.ts';

export function requestInfo(request: FastifyRequest): RequestInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}
