// One error type for the whole service and the handler that turns any error into the
// error shape of docs/api.md. Bad input is always a 4xx; a stack trace never reaches the client.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.ts';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: Record<string, string> | undefined;
  /** Seconds, for 429 answers. */
  readonly retryAfter: number | undefined;

  /** The status comes from the catalogue; the message defaults to the catalogue's. */
  constructor(code: ErrorCode, message: string = ERROR_CATALOGUE[code].message, options: { fields?: Record<string, string>; retryAfter?: number } = {}) {
    super(message);
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.fields = options.fields;
    this.retryAfter = options.retryAfter;
  }
}

export function tooManyRequests(msBeforeNext: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, { retryAfter });
}

export const unauthenticated = (): AppError => new AppError('UNAUTHENTICATED');

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "/body/email" → "email"; a missing property names itself. */
function fieldsFromValidation(issues: ValidationIssue[]): Record<string, string> {
  // A Map, so field names like "constructor" or "__proto__" are plain keys.
  const fields = new Map<string, string>();
  for (const issue of issues) {
    let field = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const missing = issue.params?.missingProperty ?? issue.params?.requiredProperties;
    if (typeof missing === 'string') field = field ? `${field}.${missing}` : missing;
    if (Array.isArray(missing) && typeof missing[0] === 'string') field = field ? `${field}.${missing[0]}` : missing[0];
    const extra = issue.params?.additionalProperty ?? issue.params?.additionalProperties;
    if (typeof extra === 'string') field = field ? `${field}.${extra}` : extra;
    field ||= 'body';
    if (!fields.has(field)) fields.set(field, issue.message ?? 'is invalid');
  }
  return Object.fromEntries(fields);
}

/** Connection-level database failures: the caller can do nothing but retry later. */
function isDependencyDown(error: { code?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P03', '53300', '08006', '08001', '08003'].includes(code);
}

function errorBody(error: AppError) {
  return { success: false, code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) };
}

// Answers written before any hook runs carry these instead of helmet's (security.md §9).
const BARE_ERROR_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/** For what the router refuses before any hook runs (a broken %-escape, an over-long path parameter). */
export const frameworkErrorHandler = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void => {
  const refusal =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('URI_TOO_LONG')
      : new AppError('BAD_REQUEST', 'The request address could not be understood.');
  reply.status(refusal.status).headers(BARE_ERROR_HEADERS).send(JSON.stringify(errorBody(refusal)));
};

/** What Node's HTTP parser refuses, by its error code; anything else it cannot parse is a 400. */
function clientRefusal(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError('HEADERS_TOO_LARGE');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError('REQUEST_TIMEOUT');
  return new AppError('BAD_REQUEST');
}

/**
 * Node's 'clientError' (Fastify's clientErrorHandler): the request never became a request, so the
 * answer is written to the socket by hand, then the connection closes. Only the error's code is
 * logged: the error carries the raw bytes received, cookies and all.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = clientRefusal(error.code);
  this.log.debug({ code: error.code, status: refusal.status }, 'client error');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(refusal));
  const headers = Object.entries({ ...BARE_ERROR_HEADERS, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n${headers}\r\n${body}`, () => socket.destroy());
}

/** An `Expect` header other than 100-continue: Node would answer 417 with an empty body. */
export function unmetExpectationHandler(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify(errorBody(new AppError('EXPECTATION_FAILED')));
  response.writeHead(417, { ...BARE_ERROR_HEADERS, 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((rawError: FastifyError | AppError, request, reply) => {
    let error: AppError;
    if (rawError instanceof AppError) {
      error = rawError;
    } else if ((rawError as FastifyError).validation) {
      const validation = (rawError as FastifyError).validation as ValidationIssue[];
      error = new AppError('VALIDATION_FAILED', undefined, {
        fields: fieldsFromValidation(validation),
      });
    } else if (rawError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      error = new AppError('PAYLOAD_TOO_LARGE');
    } else if (rawError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      error = new AppError('UNSUPPORTED_MEDIA_TYPE');
    } else if (isDependencyDown(rawError)) {
      request.log.error({ err: rawError }, 'dependency unavailable');
      error = new AppError('SERVICE_UNAVAILABLE');
    } else {
      const status = (rawError as FastifyError).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // Fastify's own client errors: malformed JSON, empty body with a JSON content type, bad URL…
        // (every one Fastify 5 raises here is a 400).
        const malformedJson = rawError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || rawError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || rawError instanceof SyntaxError;
        error = new AppError(malformedJson ? 'MALFORMED_JSON' : 'BAD_REQUEST');
      } else {
        request.log.error({ err: rawError }, 'unhandled error');
        error = new AppError('INTERNAL_ERROR');
      }
    }
    if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
    return reply.status(error.status).send(errorBody(error));
  });

  app.setNotFoundHandler((_request, reply) => {
    const notFound = new AppError('NOT_FOUND');
    return reply.status(notFound.status).send(errorBody(notFound));
  });
}
