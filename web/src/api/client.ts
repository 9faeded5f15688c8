// A typed client for Gatehouse's HTTP API, for this web app and any other front end. Every type
// comes from the server's OpenAPI document (schema.d.ts and operations.ts, written by
// `npm run api:types`); none is written by hand. There is one method per operation, named by its
// operationId and taking `{ body, path, query }` as the operation needs, plus the names the
// settings page was first specified with (changePassword, enable2FA, verify2FASetup, disable2FA,
// regenerateBackupCodes). A refusal throws an ApiError carrying the server's `code`, `message`,
// `fields` and HTTP status.
import createClient, { type Client } from 'openapi-fetch';
import { OPERATIONS } from './operations.ts';
import type { operations, paths } from './schema';

export type OperationId = keyof typeof OPERATIONS & keyof operations;

type JsonContent<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Responses<Id extends OperationId> = operations[Id]['responses'];
type SuccessStatus = 200 | 201 | 202 | 204;

/** The JSON body an operation answers with on success. */
export type ResponseOf<Id extends OperationId> = {
  [Status in keyof Responses<Id>]: Status extends SuccessStatus ? JsonContent<Responses<Id>[Status]> : never;
}[keyof Responses<Id>];

/** The JSON body an operation takes (never when it takes none). */
export type RequestBodyOf<Id extends OperationId> = operations[Id] extends { requestBody?: infer Body } ? JsonContent<NonNullable<Body>> : never;

type Parameters<Id extends OperationId> = operations[Id]['parameters'];
type PathOf<Id extends OperationId> = Parameters<Id> extends { path: infer Path } ? ([Path] extends [never] ? never : Path) : never;
type QueryOf<Id extends OperationId> = Parameters<Id> extends { query?: infer Query } ? ([Query] extends [never | undefined] ? never : Query) : never;

/** What a call takes: the body, path parameters and query string its operation defines. */
export type InputOf<Id extends OperationId> = ([RequestBodyOf<Id>] extends [never] ? unknown : operations[Id] extends { requestBody: unknown } ? { body: RequestBodyOf<Id> } : { body?: RequestBodyOf<Id> }) &
  ([PathOf<Id>] extends [never] ? unknown : { path: PathOf<Id> }) &
  ([QueryOf<Id>] extends [never] ? unknown : { query?: QueryOf<Id> });

type OperationMethod<Id extends OperationId> = {} extends InputOf<Id> ? (input?: InputOf<Id>) => Promise<ResponseOf<Id>> : (input: InputOf<Id>) => Promise<ResponseOf<Id>>;

type AnyResponse = { [Id in OperationId]: Responses<Id>[keyof Responses<Id>] }[OperationId];
/** The error body every refusal carries; its `code` is any code any operation documents. */
export type ErrorBody = Extract<JsonContent<AnyResponse>, { success: false }>;

/** Codes the client itself reports: the server could not be reached, or answered something that is not the API's. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'UNEXPECTED_RESPONSE';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorBody['code'] | ClientErrorCode;
  /** Per-field messages: the key is the body property that caused the refusal (show it next to that field). */
  readonly fields: Record<string, string>;
  /** The HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** Seconds to wait, when the server said (429). */
  readonly retryAfter: number | undefined;

  constructor(init: { code: ApiError['code']; message: string; status: number; fields?: Record<string, string> | undefined; retryAfter?: number | undefined }) {
    super(init.message);
    this.code = init.code;
    this.status = init.status;
    this.fields = init.fields ?? {};
    this.retryAfter = init.retryAfter;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export interface ApiClientOptions {
  /** The Gatehouse origin, e.g. "https://auth.example.com"; empty (the default) for the page's own origin. */
  baseUrl?: string;
  /** Extra headers on every request, e.g. `{ authorization: 'Bearer …' }` for an API client without cookies. */
  headers?: Record<string, string>;
  /** Another fetch (tests, server-side rendering). */
  fetch?: typeof globalThis.fetch;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && (value as { success?: unknown }).success === false && typeof (value as { code?: unknown }).code === 'string';
}

function errorFrom(response: Response, body: unknown): ApiError {
  const retryAfter = Number(response.headers.get('retry-after'));
  const extra = { status: response.status, retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
  if (isErrorBody(body)) return new ApiError({ code: body.code, message: body.message, fields: body.fields, ...extra });
  return new ApiError({ code: 'UNEXPECTED_RESPONSE', message: `The server answered ${response.status} ${response.statusText}.`, ...extra });
}

export function createApiClient(options: ApiClientOptions = {}) {
  const http: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    credentials: 'same-origin',
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const unauthenticatedListeners = new Set<(error: ApiError) => void>();

  /** Calls one operation by its operationId; resolves to its success body, or throws an ApiError. */
  async function call<Id extends OperationId>(operationId: Id, input?: InputOf<Id>): Promise<ResponseOf<Id>> {
    const { method, path } = OPERATIONS[operationId];
    const { body, path: pathParams, query } = (input ?? {}) as { body?: unknown; path?: Record<string, string>; query?: Record<string, unknown> };
    let result: { data?: unknown; error?: unknown; response: Response };
    try {
      // The operation table and the types come from the same document; openapi-fetch checks
      // per-path types, which `call` has already checked per operation.
      const request = http.request as unknown as (method: string, url: string, init: object) => Promise<typeof result>;
      result = await request(method.toLowerCase(), path, { body, params: { path: pathParams, query } });
    } catch {
      throw new ApiError({ code: 'NETWORK_ERROR', message: 'The service could not be reached. Check your connection and try again.', status: 0 });
    }
    if (result.response.ok) return result.data as ResponseOf<Id>;
    const error = errorFrom(result.response, result.error);
    // A session that ended (revoked elsewhere, expired): whoever shows the app sends the person to sign in.
    if (error.code === 'UNAUTHENTICATED') for (const listener of unauthenticatedListeners) listener(error);
    throw error;
  }

  const operationMethods = Object.fromEntries(
    (Object.keys(OPERATIONS) as OperationId[]).map((id) => [id, (input?: InputOf<typeof id>) => call(id, input)]),
  ) as unknown as { [Id in OperationId]: OperationMethod<Id> };

  return {
    ...operationMethods,
    call,
    /** Called when any call answers 401 UNAUTHENTICATED (the session is gone); returns an unsubscribe. */
    onUnauthenticated(listener: (error: ApiError) => void): () => void {
      unauthenticatedListeners.add(listener);
      return () => unauthenticatedListeners.delete(listener);
    },
    // The settings page's names (seed API): thin aliases of the operations above.
    changePassword: (data: RequestBodyOf<'changePassword'>) => call('changePassword', { body: data }),
    enable2FA: () => call('startTotpSetup'),
    verify2FASetup: (token: string) => call('confirmTotpSetup', { body: { token } }),
    disable2FA: (password: string, token: string) => call('disableTwoFactor', { body: { password, token } }),
    regenerateBackupCodes: () => call('regenerateBackupCodes'),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The web app's client: same origin, the session cookie. */
export const api = createApiClient();
