// Turns on TOTP for a signed-in browser the way a person does: scan, type the app's code.
import type { FastifyInstance } from 'fastify';
import type { ManualClock } from './clock.ts';
import { oathtoolTotp } from './authenticator.ts';
import { Client, FIREFOX_LINUX, signedUpBrowser } from './client.ts';

export const TRUSTED_DEVICE_COOKIE = 'gatehouse_trusted_device';

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

/**
 * A newly registered user with an authenticator app on who then passed the second factor in a
 * second browser and asked to be remembered there: `device` is that browser's trusted-device cookie.
 */
export async function signedUpWithRememberedDevice(app: FastifyInstance, clock: ManualClock) {
  const user = await signedUpWithTotp(app, clock);
  const { client: browser, challengeId } = await passwordStep(app, user.email, user.password, new Client(app, { userAgent: FIREFOX_LINUX }));
  const remembered = await browser.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(user.secret, clock.now()), rememberDevice: true });
  const device = remembered.cookies.find((c) => c.name === TRUSTED_DEVICE_COOKIE)?.value;
  if (remembered.statusCode !== 200 || !device) throw new Error(`remembering the device failed: ${remembered.statusCode} ${remembered.body}`);
  return { ...user, device };
}
