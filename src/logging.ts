// pino options for the Fastify logger (security.md §10, ASVS 16.2.5): no password, token, code,
// secret, address or cookie ever reaches a log line. Requests are logged without headers, without
// the client's address, and with the path and the names of the query parameters only: a value,
// whatever its name, may be a secret someone put in a URL.
import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';

// A parameter name as code writes one; anything else may itself be a value (`?<token>`).
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.[\]-]{0,31}$/;

/** "/reset-password?token=abc&x=1" → "/reset-password?token&x". */
export function loggableUrl(url: string): string {
  const path = url.split('#')[0] ?? '';
  const queryAt = path.indexOf('?');
  if (queryAt === -1) return path;
  const query = path.slice(queryAt + 1);
  const names = query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const name = pair.split('=')[0] ?? '';
      let decoded: string;
      try {
        decoded = decodeURIComponent(name.replaceAll('+', ' '));
      } catch {
        return '_';
      }
      return PARAMETER_NAME.test(decoded) ? decoded : '_';
    });
  return names.length > 0 ? `${path.slice(0, queryAt)}?${names.join('&')}` : path.slice(0, queryAt);
}

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.code',
  '*.secret',
  '*.passwordHash',
  '*.password_hash',
  '*.token_hash',
];

export function loggerOptions(level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
