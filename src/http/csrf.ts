// CSRF (security.md §9, ASVS 3.5): a state-changing request that a browser could send on its own must
// come from our own origin. Bearer-authenticated requests are exempt (a browser never adds that
// header cross-site). Requests without any cookie and without Origin (curl, servers) pass, but a
// cross-site Origin or Sec-Fetch-Site is refused even without a cookie, which stops login CSRF.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { Config } from '../config.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return 'invalid';
  }
}

export function registerCsrfProtection(app: FastifyInstance, config: Config): void {
  const expected = config.publicUrl.origin;
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    if (request.headers.authorization?.toLowerCase().startsWith('bearer ')) return;
    const rejected = new AppError('CSRF_REJECTED');
    if (request.headers['sec-fetch-site'] === 'cross-site') throw rejected;
    const origin = request.headers.origin === 'null' ? 'invalid' : originOf(request.headers.origin) ?? originOf(request.headers.referer);
    if (origin !== null) {
      if (origin !== expected) throw rejected;
      return;
    }
    if (request.headers.cookie) throw rejected;
  });
}
