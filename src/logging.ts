// pino options for the Fastify logger. SPEC 4.10 / ASVS 16.2.5: no password, token, code, secret
// or cookie ever reaches a log line. Requests are logged without headers, without the client's
// address, and with the values of token-like query parameters blanked.
import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';

const SENSITIVE_QUERY = /([?&](?:token|code|secret|password|state|challengeId)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SENSITIVE_QUERY, '$1[REDACTED]');
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
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
