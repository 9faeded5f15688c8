// The OpenAPI document at GET /api/openapi.json, made complete enough for clients to generate
// from. The route schemas give paths, bodies and success shapes; this module adds, for every
// route, what the route itself shows: its operationId, whether it needs a session (it runs a hook
// marked with markSessionRequired), and the error statuses that the layers every request passes
// through can answer (docs/api.md lists them with their codes).
import { STATUS_CODES } from 'node:http';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import type { Config } from '../config.ts';
import { operationCodesWithStatus } from '../error-catalogue.ts';
import { ErrorBody } from './schemas.ts';
import { sessionCookieName } from './session-transport.ts';

/** What a route does that its schema cannot say. A route may also name itself with `operationId` in its schema. */
interface OperationFacts {
  operationId: string;
  /** The cookies its success answer sets or clears. */
  setCookie?: string;
  /** It reads `X-Session-Transport` to choose between a cookie and a token in the body. */
  choosesTransport?: true;
}

const SESSION_COOKIE = 'the session cookie (`gatehouse_session`, `__Host-gatehouse_session` under https)';
const NEW_TOKEN_COOKIE = `${SESSION_COOKIE} with the session's new token, for a client that sent its token as a cookie (a bearer client gets \`token\` in the body)`;

const OPERATIONS: Record<string, OperationFacts> = {
  'GET /healthz': { operationId: 'checkLiveness' },
  'GET /readyz': { operationId: 'checkReadiness' },
  'POST /api/auth/register': { operationId: 'register', setCookie: `Sets ${SESSION_COOKIE}, unless \`X-Session-Transport: bearer\` was sent`, choosesTransport: true },
  'POST /api/auth/login': {
    operationId: 'signIn',
    setCookie: `Sets the known-device cookie (\`gatehouse_device\`, a year) and, when this step signs in, ${SESSION_COOKIE}; neither when \`X-Session-Transport: bearer\` was sent`,
    choosesTransport: true,
  },
  'POST /api/auth/login/2fa': {
    operationId: 'completeSecondFactor',
    setCookie: `Sets ${SESSION_COOKIE} unless \`X-Session-Transport: bearer\` was sent, and the trusted-device cookie (\`gatehouse_trusted_device\`, 30 days) when \`rememberDevice\` is true`,
    choosesTransport: true,
  },
  'POST /api/auth/login/2fa/sms': { operationId: 'sendSignInSms' },
  'POST /api/auth/reauthenticate': { operationId: 'reauthenticate', setCookie: `Sets ${NEW_TOKEN_COOKIE}` },
  'POST /api/auth/logout': { operationId: 'signOut', setCookie: 'Clears the session cookie' },
  'GET /api/auth/session': { operationId: 'getSession' },
  'GET /api/auth/profile': { operationId: 'getProfile' },
  'PATCH /api/auth/profile': { operationId: 'updateProfile' },
  'PUT /api/auth/change-password': { operationId: 'changePassword', setCookie: `Sets ${NEW_TOKEN_COOKIE}` },
  'GET /api/auth/sessions': { operationId: 'listSessions' },
  'DELETE /api/auth/sessions/:id': { operationId: 'revokeSession', setCookie: 'Clears the session cookie when the revoked session is this one' },
  'POST /api/auth/sessions/revoke-others': { operationId: 'revokeOtherSessions' },
  'GET /api/auth/events': { operationId: 'listSecurityEvents' },
  'POST /api/auth/2fa/enable': { operationId: 'startTotpSetup' },
  'POST /api/auth/2fa/verify-setup': { operationId: 'confirmTotpSetup' },
  'POST /api/auth/2fa/disable': { operationId: 'disableTwoFactor' },
  'POST /api/auth/2fa/regenerate-codes': { operationId: 'regenerateBackupCodes' },
  'GET /api/auth/2fa/status': { operationId: 'getTwoFactorStatus' },
  'POST /api/auth/2fa/sms/enable': { operationId: 'addSmsPhone' },
  'POST /api/auth/2fa/sms/verify': { operationId: 'confirmSmsPhone' },
  'DELETE /api/auth/trusted-devices/:id': { operationId: 'forgetTrustedDevice' },
  'POST /api/auth/email/verify/request': { operationId: 'requestEmailVerification' },
  'POST /api/auth/email/verify': { operationId: 'verifyEmail' },
  'POST /api/auth/password/forgot': { operationId: 'requestPasswordReset' },
  'POST /api/auth/password/reset': { operationId: 'resetPassword' },
  'POST /api/auth/email/change': { operationId: 'requestEmailChange' },
  'POST /api/auth/email/change/confirm': { operationId: 'confirmEmailChange' },
};

const TAG_DESCRIPTIONS: Record<string, string> = {
  accounts: 'Registration, sign-in, the signed-in session, profile and password',
  sessions: 'Your device sessions: list and revoke',
  events: 'Your security log',
  'two-factor': 'Authenticator app, backup codes, text-message codes and remembered devices',
  email: 'Email verification, password reset and change of address, by emailed link',
  operations: 'Liveness and readiness checks',
};

const sessionChecks = new WeakSet<object>();

/** Marks a hook that answers 401 without a session: routes running it are documented as needing one. */
export function markSessionRequired<Hook extends object>(hook: Hook): Hook {
  sessionChecks.add(hook);
  return hook;
}

function needsSession(route: RouteOptions): boolean {
  return [route.onRequest, route.preValidation, route.preHandler].flat().some((hook) => typeof hook === 'function' && sessionChecks.has(hook));
}

/** Methods whose requests carry a body Fastify parses, and which the CSRF check covers (security.md §9). */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Schema = Record<string, unknown>;

/** Why a route may answer an error status, from what every request to it passes through. */
function errorReasons(method: string, sessionRequired: boolean): Map<number, string[]> {
  const reasons = new Map<number, string[]>([
    [400, ['The request is malformed or an input fails validation (`fields` names the property)']],
    [503, ['A dependency (the database, Redis, a mail or SMS provider) did not answer, or this instance is restarting: try again shortly']],
  ]);
  const add = (status: number, reason: string) => reasons.set(status, [...(reasons.get(status) ?? []), reason]);
  if (sessionRequired) {
    add(401, 'No valid session: the cookie or bearer token is missing, expired or revoked (UNAUTHENTICATED)');
    add(403, 'The account must set up a second factor first (TWO_FACTOR_REQUIRED, when REQUIRE_TWO_FACTOR is on)');
  }
  if (UNSAFE_METHODS.has(method)) {
    add(400, 'The body is not valid JSON (MALFORMED_JSON)');
    add(403, 'A cross-site request: Origin or Referer is not PUBLIC_URL, or a cookie came without either (CSRF_REJECTED)');
    add(413, 'The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE)');
    add(415, 'The body is not `application/json` (UNSUPPORTED_MEDIA_TYPE)');
  }
  return reasons;
}

/** Statuses a route declares for outcomes of its own service (wrong credentials, rate limits, conflicts). */
const SERVICE_ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The service refuses the input (`code` says why)',
  401: 'Not signed in, or a wrong password, challenge or code (`code` says which)',
  403: 'Refused (`code` says why)',
  404: 'Not found, or not yours',
  409: 'Conflicts with the current state (`code` says which)',
  429: 'Too many attempts (RATE_LIMITED): try again after `Retry-After` seconds',
  503: 'A dependency did not answer: try again shortly',
};

/** The same, after the reasons every request to the route shares. */
const FURTHER_SERVICE_ERRORS: Record<number, string> = {
  400: 'Or the service refuses the input (`code` says why)',
  401: 'Or a wrong password or code, where the operation takes one',
  403: 'Or the operation refuses this session or request (`code` says why)',
};

/** The reasons every request to the route shares, then, when the route declares the status, its service's own. */
function errorDescription(status: number, reasons: string[], declared: boolean): string {
  if (reasons.length === 0) return SERVICE_ERROR_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? 'Error';
  const further = declared ? FURTHER_SERVICE_ERRORS[status] : undefined;
  return [...reasons, ...(further ? [further] : [])].join('. ');
}

/** The error shape with `code` narrowed to the catalogue's codes of this status (src/error-catalogue.ts). */
function errorBodyWithCodes(status: number): Schema {
  const codes = operationCodesWithStatus(status);
  const code = codes.length > 0 ? { type: 'string', enum: codes } : ErrorBody.properties.code;
  return { ...ErrorBody, properties: { ...ErrorBody.properties, code } };
}

const RETRY_AFTER_HEADER = { type: 'integer', minimum: 1, description: 'Seconds to wait before trying again' };

function describedResponses(declared: Schema, method: string, sessionRequired: boolean, setCookie: string | undefined): Schema {
  const reasons = errorReasons(method, sessionRequired);
  // Only Fastify's body parser answers 413 and 415, so the method alone decides whether they can happen.
  const canAnswer = (status: number) => UNSAFE_METHODS.has(method) || (status !== 413 && status !== 415);
  const statuses = new Set([...Object.keys(declared).map(Number).filter(canAnswer), ...reasons.keys()]);
  const responses: Schema = {};
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const success = status < 400;
    const schema = success ? (declared[status] as Schema) : errorBodyWithCodes(status);
    const description = success ? (STATUS_CODES[status] ?? 'Success') : errorDescription(status, reasons.get(status) ?? [], status in declared);
    const headers: Schema = {
      ...(status === 429 ? { 'Retry-After': RETRY_AFTER_HEADER } : {}),
      ...(success && setCookie ? { 'Set-Cookie': { type: 'string', description: setCookie } } : {}),
    };
    responses[status] = { ...schema, 'x-response-description': description, ...(Object.keys(headers).length > 0 ? { headers } : {}) };
  }
  return responses;
}

/** A query parameter with a default may be left out by the client: validation fills it in. */
function withDefaultsOptional(querystring: Schema | undefined): Schema | undefined {
  const properties = querystring?.properties as Record<string, Schema> | undefined;
  const required = querystring?.required as string[] | undefined;
  if (!querystring || !properties || !required) return querystring;
  return { ...querystring, required: required.filter((name) => properties[name]?.default === undefined) };
}

const SESSION_TRANSPORT_HEADER = {
  type: 'object',
  properties: {
    'X-Session-Transport': {
      type: 'string',
      enum: ['bearer'],
      description: 'An API client sends `bearer` to get the session token as `session.token` in the body instead of a cookie, then sends it as `Authorization: Bearer <token>`',
    },
  },
};

function documentOperation({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): { schema: FastifySchema; url: string } {
  const method = String(route.method);
  const facts = OPERATIONS[`${method} ${url}`];
  const sessionRequired = needsSession(route);
  const own = (schema ?? {}) as Schema;
  return {
    url,
    schema: {
      ...own,
      operationId: (own.operationId as string | undefined) ?? facts?.operationId,
      security: sessionRequired ? [{ sessionCookie: [] }, { bearer: [] }] : [],
      ...(own.querystring ? { querystring: withDefaultsOptional(own.querystring as Schema) } : {}),
      ...(facts?.choosesTransport ? { headers: SESSION_TRANSPORT_HEADER } : {}),
      response: describedResponses((own.response ?? {}) as Schema, method, sessionRequired, facts?.setCookie),
    } as FastifySchema,
  };
}

/** Lists every tag the operations use, with its description. */
function listTags({ openapiObject }: { openapiObject: Schema }): Schema {
  const used = new Set<string>();
  for (const operations of Object.values((openapiObject.paths ?? {}) as Record<string, Record<string, { tags?: string[] }>>)) {
    for (const operation of Object.values(operations)) for (const tag of operation.tags ?? []) used.add(tag);
  }
  return { ...openapiObject, tags: [...used].map((name) => ({ name, ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}) })) };
}

export function openApiOptions(config: Config): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse',
        version: '0.1.0',
        description: 'Self-hosted account security: accounts, device sessions, security log.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: config.publicUrl.origin }],
      components: {
        securitySchemes: {
          sessionCookie: { type: 'apiKey', in: 'cookie', name: sessionCookieName(config), description: 'What a browser gets at sign-in' },
          bearer: { type: 'http', scheme: 'bearer', description: 'The token an API client gets at sign-in with `X-Session-Transport: bearer`' },
        },
      },
    },
    transform: documentOperation,
    transformObject: listTags as FastifyDynamicSwaggerOptions['transformObject'],
  };
}
