// HTTP for the strength meter: POST /api/auth/password/strength rates a candidate password for the
// signed-in user (service.ts); the answer says nothing about the account, only about the candidate.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { errorResponses } from '../../http/schemas.ts';
import { Password } from '../accounts/routes.ts';
import { authOf, requireAuth } from '../sessions/require-auth.ts';
import { rateCandidatePassword } from './service.ts';

export function passwordStrengthRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/auth/password/strength', {
      preHandler: requireAuth(ctx),
      schema: {
        operationId: 'checkPasswordStrength',
        tags: ['accounts'],
        summary: 'Rate a password you are choosing, by the policy a password change applies, without changing anything',
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            acceptable: Type.Boolean({ description: 'A password change would accept it' }),
            score: Type.Integer({ minimum: 0, maximum: 4, description: '0 (guessed at once) to 4 (very hard to guess); 3 and up are acceptable' }),
            reason: Type.Optional(Type.String({ description: 'Why a password change would refuse it' })),
            hint: Type.Optional(Type.String({ description: 'How to make it stronger' })),
          }),
          ...errorResponses,
        },
      },
    }, async (request) => ({ success: true as const, ...(await rateCandidatePassword(ctx, authOf(request), request.body.password)) }));
  };
}
