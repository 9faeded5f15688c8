// Shapes shared by every module's route schemas: the error body (docs/api.md) and the common views.
// Each is defined once here; the services' types are their Static<> (users/user-view.ts,
// sessions/service.ts, sessions/trusted-devices.ts).
import { Type } from 'typebox';

export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    code: Type.String(),
    message: Type.String(),
    fields: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
);

export const UserView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  emailVerifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  displayName: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.Literal('USER'), Type.Literal('ADMIN'), Type.Literal('SUPER_ADMIN')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  createdAt: Type.String({ format: 'date-time' }),
  lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  notifyNewSignIn: Type.Boolean({ description: 'Email a notice on sign-in from an unfamiliar device or place' }),
});

export const SessionView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  device: Type.String(),
  browser: Type.Union([Type.String(), Type.Null()]),
  os: Type.Union([Type.String(), Type.Null()]),
  location: Type.Union([Type.String(), Type.Null()]),
  ipAddress: Type.Union([Type.String(), Type.Null()], { description: 'Masked: 203.0.113.x' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastActiveAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  trustScore: Type.Integer({ minimum: 0, maximum: 100 }),
  verification: Type.Union([Type.Literal('password'), Type.Literal('two_factor'), Type.Literal('trusted_device'), Type.Literal('oauth')]),
  current: Type.Boolean(),
});

export const TrustedDeviceView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  device: Type.String(),
  location: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.String({ format: 'date-time' }),
});

/** A session as returned at sign-in: the token only for clients that asked for a bearer token. */
export const IssuedSessionView = Type.Intersect([SessionView, Type.Object({ token: Type.Optional(Type.String()) })]);

export const Success = Type.Object({ success: Type.Literal(true) });
export const SuccessMessage = Type.Object({ success: Type.Literal(true), message: Type.String() });

/** Error answers every route may give. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  413: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
} as const;
