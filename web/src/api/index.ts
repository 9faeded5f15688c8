export { api, ApiError, createApiClient, isApiError, type ApiClient, type ApiClientOptions, type ErrorBody, type InputOf, type OperationId, type RequestBodyOf, type ResponseOf } from './client.ts';
export type { SecondFactorChallenge, SecondFactorMethod, SessionView, SignInAnswer, User } from './types.ts';
