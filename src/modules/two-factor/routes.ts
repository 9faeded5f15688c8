// HTTP for two-factor set-up and management (docs/api.md, Two-factor enrolment).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { requestInfo } from '../../http/request-info.ts';
import { ErrorBody, errorResponses, Success, SuccessMessage } from '../../http/schemas.ts';
import { verifyOwnPassword } from '../users/own-password.ts';
import { authOf, requireAuth } from '../sessions/require-auth.ts';
import * as twoFactor from './service.ts';
import { revokeTrustedDevice } from '../sessions/trusted-devices.ts';

const Code = Type.String({ minLength: 1, maxLength: 32 });
const Methods = Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('sms')]));

const SMS_WARNING =
  'An authenticator app is safer than text messages: someone who talks your mobile carrier into moving your number to their SIM card (a SIM swap) receives your codes. Use text messages only if you cannot use an app.';

export function twoFactorRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const auth = requireAuth(ctx);
    const mayConflict = { 409: ErrorBody, ...errorResponses };

    app.post('/api/auth/2fa/enable', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Start authenticator-app set-up: secret, otpauth URL, QR code and backup codes',
        response: {
          200: Type.Object({ success: Type.Literal(true), secret: Type.String(), otpauthUrl: Type.String(), qrCodeUrl: Type.String(), backupCodes: Type.Array(Type.String()) }),
          ...mayConflict,
        },
      },
    }, async (request) => ({ success: true as const, ...(await twoFactor.enableTotp(ctx, authOf(request), requestInfo(request))) }));

    app.post('/api/auth/2fa/verify-setup', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Confirm set-up with a code from the app; the second factor is then required',
        body: Type.Object({ token: Code }, { additionalProperties: false }),
        response: { 200: SuccessMessage, ...mayConflict },
      },
    }, async (request) => {
      await twoFactor.verifyTotpSetup(ctx, authOf(request), request.body.token, requestInfo(request));
      return { success: true as const, message: 'Two-factor authentication is on. Other sessions were signed out.' };
    });

    app.post('/api/auth/2fa/disable', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Turn two-factor off with the password and a TOTP or backup code',
        body: Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }), token: Code }, { additionalProperties: false }),
        response: { 200: SuccessMessage, ...errorResponses },
      },
    }, async (request) => {
      const current = authOf(request);
      await twoFactor.disable(ctx, current, request.body, requestInfo(request), (password) => verifyOwnPassword(ctx, current.user.id, password));
      return { success: true as const, message: 'Two-factor authentication is off. Other sessions were signed out.' };
    });

    app.post('/api/auth/2fa/regenerate-codes', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Replace every backup code (needs a sign-in or re-authentication in the last 10 minutes)',
        response: { 200: Type.Object({ success: Type.Literal(true), backupCodes: Type.Array(Type.String()) }), ...errorResponses },
      },
    }, async (request) => ({ success: true as const, backupCodes: await twoFactor.regenerateBackupCodes(ctx, authOf(request), requestInfo(request)) }));

    app.get('/api/auth/2fa/status', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Which second factors are on and how many backup codes remain',
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            enabled: Type.Boolean(),
            methods: Methods,
            pending: Methods,
            backupCodesRemaining: Type.Integer(),
            phoneNumber: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    }, async (request) => ({ success: true as const, ...(await twoFactor.status(ctx, authOf(request).user.id)) }));

    app.post('/api/auth/2fa/sms/enable', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Add a phone (E.164) for text-message codes; a code is sent to confirm it. The answer warns that an authenticator app is safer (SIM swap)',
        body: Type.Object({ phoneNumber: Type.String({ minLength: 2, maxLength: 32 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ success: Type.Literal(true), message: Type.String(), warning: Type.String() }), ...mayConflict },
      },
    }, async (request) => {
      await twoFactor.enableSms(ctx, authOf(request), request.body.phoneNumber, requestInfo(request));
      // ASVS 6.6.1: a person choosing text messages is told what they risk (security.md §4).
      return { success: true as const, message: 'We sent a 6-digit code to your phone. An authenticator app is safer than text messages, which a SIM swap can steal.', warning: SMS_WARNING };
    });

    app.post('/api/auth/2fa/sms/verify', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Confirm the phone with the texted code',
        body: Type.Object({ code: Code }, { additionalProperties: false }),
        response: { 200: Type.Object({ success: Type.Literal(true), message: Type.String(), backupCodes: Type.Array(Type.String()) }), ...mayConflict },
      },
    }, async (request) => {
      const backupCodes = await twoFactor.verifySms(ctx, authOf(request), request.body.code, requestInfo(request));
      return { success: true as const, message: 'Text-message codes are on. Other sessions were signed out.', backupCodes };
    });

    app.delete('/api/auth/trusted-devices/:id', {
      preHandler: auth,
      schema: {
        tags: ['two-factor'],
        summary: 'Forget a remembered device: it will be asked for the second factor again',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Success, 404: ErrorBody, ...errorResponses },
      },
    }, async (request) => {
      await revokeTrustedDevice(ctx, authOf(request), request.params.id, requestInfo(request));
      return { success: true as const };
    });
  };
}
