// Turns on TOTP for a signed-in browser the way a person does: scan, type the app's code.
import type { FastifyInstance } from 'fastify';
import type { ManualClock } from './clock.ts';
import { oathtoolTotp } from './authenticator.ts';
import { Client, signedUpBrowser } from './client.ts';

export interface TotpEnrolment {
  secret: string;
  otpauthUrl: string;
  qrCodeUrl: string;
  backupCodes: string[];
}

export async function enrolTotp(client: Client, clock: ManualClock): Promise<TotpEnrolment> {
  const enable = await client.post('/api/auth/2fa/enable');
  if (enable.statusCode !== 200) throw new Error(`enable failed: ${enable.statusCode} ${enable.body}`);
  const setup = enable.json() as TotpEnrolment;
  const verify = await client.post('/api/auth/2fa/verify-setup', { token: await oathtoolTotp(setup.secret, clock.now()) });
  if (verify.statusCode !== 200) throw new Error(`verify-setup failed: ${verify.statusCode} ${verify.body}`);
  // The set-up code's time-step is now used: move on so the next code is a new one.
  clock.advance(30);
  return setup;
}

/** A newly registered user with an authenticator app on, and their signed-in browser. */
export async function signedUpWithTotp(app: FastifyInstance, clock: ManualClock) {
  const signedUp = await signedUpBrowser(app);
  return { ...signedUp, ...(await enrolTotp(signedUp.client, clock)) };
}

/** The password step of a user with a second factor: the challenge, and the browser it is bound to. */
export async function passwordStep(app: FastifyInstance, email: string, password: string, client = new Client(app)): Promise<{ client: Client; challengeId: string }> {
  const response = await client.post('/api/auth/login', { email, password });
  if (response.statusCode !== 200 || response.json().twoFactorRequired !== true) throw new Error(`expected a challenge: ${response.statusCode} ${response.body}`);
  return { client, challengeId: response.json().challengeId as string };
}
