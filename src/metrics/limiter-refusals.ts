// Counts every rate-limit refusal by the limiter that made it (README "Metrics"), at the limiters
// themselves, so no caller has to remember to.
import { AppError } from '../errors.ts';
import type { AttemptLimiter, Limiters } from '../rate-limit/limiters.ts';
import type { Metrics } from './metrics.ts';

function counted<T>(metrics: Metrics, limiter: string, attempt: Promise<T>): Promise<T> {
  return attempt.catch((error: unknown) => {
    if (error instanceof AppError && error.status === 429) metrics.rateLimited(limiter);
    throw error;
  });
}

export function countRefusals(limiters: Limiters, metrics: Metrics): Limiters {
  const attempts = (name: string, limiter: AttemptLimiter): AttemptLimiter => ({
    consume: (key) => counted(metrics, name, limiter.consume(key)),
    refund: (key) => limiter.refund(key),
  });
  return {
    signIn: {
      admit: (email, client) => counted(metrics, 'signIn', limiters.signIn.admit(email, client)),
      clearAccount: (email) => limiters.signIn.clearAccount(email),
    },
    registration: attempts('registration', limiters.registration),
    passwordChange: attempts('passwordChange', limiters.passwordChange),
    passwordCheck: attempts('passwordCheck', limiters.passwordCheck),
    passwordStrength: attempts('passwordStrength', limiters.passwordStrength),
    smsSend: attempts('smsSend', limiters.smsSend),
    mailToAddress: attempts('mailToAddress', limiters.mailToAddress),
    mailFromIp: attempts('mailFromIp', limiters.mailFromIp),
  };
}
