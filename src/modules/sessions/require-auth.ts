// Turns the session cookie or bearer token into request.auth, or answers 401.
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { unauthenticated } from '../../errors.ts';
import type { AppContext } from '../../context.ts';
import { readSessionToken, type TokenSource } from '../../http/session-transport.ts';
import { authenticate, type Authenticated } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
    authSource: TokenSource | null;
  }
}

export function requireAuth(ctx: AppContext): preHandlerAsyncHookHandler {
  return async function requireSession(request: FastifyRequest) {
    const presented = readSessionToken(request, ctx.config);
    if (!presented) throw unauthenticated();
    const auth = await authenticate(ctx, presented.token);
    if (!auth) throw unauthenticated();
    request.auth = auth;
    request.authSource = presented.source;
  };
}

/** For handlers behind requireAuth: the session is there. */
export function authOf(request: FastifyRequest): Authenticated {
  if (!request.auth) throw unauthenticated();
  return request.auth;
}
