// One error type for the whole service and the handler that turns any error into the SPEC §2
// error shape. Bad input is always a 4xx; a stack trace never reaches the client.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields: Record<string, string> | undefined;
  /** Seconds, for 429 answers. */
  readonly retryAfter: number | undefined;

  constructor(code: string, status: number, message: string, options: { fields?: Record<string, string>; retryAfter?: number } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.fields = options.fields;
    this.retryAfter = options.retryAfter;
  }
}

export function tooManyRequests(msBeforeNext: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('RATE_LIMITED', 429, `Too many attempts. Try again in ${retryAfter} seconds.`, { retryAfter });
}

export const unauthenticated = (): AppError => new AppError('UNAUTHENTICATED', 401, 'You are not signed in.');

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
      ? new AppError('URI_TOO_LONG', 414, 'The request address is too long.')
      : new AppError('BAD_REQUEST', 400, 'The request address could not be understood.');
  reply.status(refusal.status).headers(BARE_ERROR_HEADERS).send(JSON.stringify(errorBody(refusal)));
};

/** What Node's HTTP parser refuses, by its error code; anything else it cannot parse is a 400. */
function clientRefusal(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError('HEADERS_TOO_LARGE', 431, 'The request headers are too large.');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError('REQUEST_TIMEOUT', 408, 'The request took too long to arrive.');
  return new AppError('BAD_REQUEST', 400, 'The request could not be understood.');
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
  const body = JSON.stringify(errorBody(new AppError('EXPECTATION_FAILED', 417, 'The Expect header cannot be met; send the request without it.')));
  response.writeHead(417, { ...BARE_ERROR_HEADERS, 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((rawError: FastifyError | AppError, request, reply) => {
    let error: AppError;
    if (rawError instanceof AppError) {
      error = rawError;
    } else if ((rawError as FastifyError).validation) {
      const validation = (rawError as FastifyError).validation as ValidationIssue[];
      error = new AppError('VALIDATION_FAILED', 400, 'Some fields are missing or invalid.', {
        fields: fieldsFromValidation(validation),
      });
    } else if (rawError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      error = new AppError('PAYLOAD_TOO_LARGE', 413, 'The request body is too large.');
    } else if (rawError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      error = new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the request body as application/json.');
    } else if (isDependencyDown(rawError)) {
      request.log.error({ err: rawError }, 'dependency unavailable');
      error = new AppError('SERVICE_UNAVAILABLE', 503, 'The service is temporarily unavailable. Try again shortly.');
    } else {
      const status = (rawError as FastifyError).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // Fastify's own client errors: malformed JSON, empty body with a JSON content type, bad URL…
        const malformedJson = rawError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || rawError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || rawError instanceof SyntaxError;
        error = new AppError(malformedJson ? 'MALFORMED_JSON' : 'BAD_REQUEST', status, malformedJson ? 'The request body is not valid JSON.' : 'The request could not be understood.');
      } else {
        request.log.error({ err: rawError }, 'unhandled error');
        error = new AppError('INTERNAL_ERROR', 500, 'Something went wrong on our side.');
      }
    }
    if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
    return reply.status(error.status).send(errorBody(error));
  });

  app.setNotFoundHandler((_request, reply) => {
    return reply.status(404).send({ success: false, code: 'NOT_FOUND', message: 'There is nothing at this address.' });
  });
}
