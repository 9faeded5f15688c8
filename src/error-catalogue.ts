// Every error code the service answers, each with the one status it answers and its default
// message. Clients switch on the code (docs/api.md); the OpenAPI document lists, under each error
// status of an operation, the codes of that status. A code never answers two statuses
// (test/http/error-catalogue.test.ts). `outsideOperations` says why a code is on no operation.
export const ERROR_CATALOGUE = {
  // The request itself: refused before any feature code runs.
  BAD_REQUEST: { status: 400, message: 'The request could not be understood.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  VALIDATION_FAILED: { status: 400, message: 'Some fields are missing or invalid.' },
  NOT_FOUND: { status: 404, message: 'There is nothing at this address.', outsideOperations: 'no route matches the address' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.', outsideOperations: 'the request never arrived whole' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  URI_TOO_LONG: { status: 414, message: 'The request address is too long.', outsideOperations: 'the router refuses the address' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  EXPECTATION_FAILED: { status: 417, message: 'The Expect header cannot be met; send the request without it.', outsideOperations: 'Node answers before routing' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.', outsideOperations: 'the HTTP parser refuses the request' },
  CSRF_REJECTED: { status: 403, message: 'This request did not come from this site.' },
  RATE_LIMITED: { status: 429, message: 'Too many attempts. Try again later.' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side.', outsideOperations: 'a fault of ours, never a planned answer' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is temporarily unavailable. Try again shortly.' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is not reachable.' },
  REDIS_UNAVAILABLE: { status: 503, message: 'Redis is not reachable.' },

  // Sessions.
  UNAUTHENTICATED: { status: 401, message: 'You are not signed in.' },
  REAUTH_REQUIRED: { status: 403, message: 'Confirm it is you: re-enter your password to continue.' },
  TWO_FACTOR_REQUIRED: { status: 403, message: 'Set up a second factor (an authenticator app or a phone) to continue: this service requires one.' },
  SESSION_NOT_FOUND: { status: 404, message: 'No active session with that id.' },

  // Sign-in: a 401 here means the sign-in did not succeed, never that a session ended.
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid email or password.' },
  INVALID_CHALLENGE: { status: 401, message: 'This sign-in has expired or is not valid. Sign in again.' },
  INVALID_CODE: { status: 401, message: 'That code is not valid.' },
  ACCOUNT_DISABLED: { status: 403, message: 'This account has been disabled. Contact the administrator.' },
  CODE_REQUIRED: { status: 400, message: 'Enter a code from your authenticator app or a backup code.' },

  // Accounts, passwords and email addresses.
  INVALID_EMAIL: { status: 400, message: 'Enter a valid email address.' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists. Sign in instead.' },
  EMAIL_UNCHANGED: { status: 400, message: 'That is already your email address.' },
  ALREADY_VERIFIED: { status: 400, message: 'Your email address is already confirmed.' },
  INVALID_TOKEN: { status: 400, message: 'This link is invalid or has expired. Ask for a new one.' },
  WEAK_PASSWORD: { status: 400, message: 'Choose a stronger password.' },
  INVALID_PASSWORD: { status: 400, message: 'Your password is not correct.' },
  INVALID_CURRENT_PASSWORD: { status: 400, message: 'Your current password is not correct.' },
  PASSWORD_UNCHANGED: { status: 400, message: 'The new password must differ from the current one.' },

  // Second factor, for a signed-in user: a wrong code is a 400, the session stays.
  INVALID_CONFIRMATION_CODE: { status: 400, message: 'That code is not valid.' },
  TWO_FACTOR_ALREADY_ENABLED: { status: 409, message: 'An authenticator app is already set up. Disable it first to set up another.' },
  TWO_FACTOR_NOT_ENABLED: { status: 400, message: 'Two-factor authentication is not on.' },
  NO_PENDING_SETUP: { status: 400, message: 'Start setting up an authenticator app first.' },
  INVALID_PHONE_NUMBER: { status: 400, message: 'Enter the phone number in international format, like +447911123456.' },
  SMS_NOT_ENABLED: { status: 400, message: 'Text-message codes are not set up for this account.' },
  SMS_UNAVAILABLE: { status: 503, message: 'The text message could not be sent. Try again shortly.' },
  TRUSTED_DEVICE_NOT_FOUND: { status: 404, message: 'No trusted device with that id.' },
} as const satisfies Record<string, { status: number; message: string; outsideOperations?: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes an operation can answer with this status: every catalogued one not outside operations. */
export function operationCodesWithStatus(status: number): ErrorCode[] {
  return (Object.entries(ERROR_CATALOGUE) as [ErrorCode, { status: number; outsideOperations?: string }][])
    .filter(([, entry]) => entry.status === status && entry.outsideOperations === undefined)
    .map(([code]) => code);
}
