// Helpers for attempt-limit tests: fresh client addresses, the 429 answer, the known-device
// cookie, and counts of what the server really evaluated (password hashes verified on the hashing
// threads, security events).
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.ts';
import { Client } from './client.ts';
import { assertErrorShape } from './error-shape.ts';
import { recordHashJobs } from './hash-jobs.ts';

export const WRONG_PASSWORD = 'not-the-password-at-all';
export const KNOWN_DEVICE_COOKIE = 'gatehouse_device';

let addressCounter = 0;
/** A client address no other request of this process has used. */
export function freshAddress(): string {
  addressCounter += 1;
  return `198.51.${100 + Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

/** Asserts the documented 429: RATE_LIMITED with a whole number of seconds in Retry-After; returns them. */
export function assertRateLimited(response: LightMyRequestResponse): number {
  assertErrorShape(response, { status: 429, code: 'RATE_LIMITED' });
  const header = response.headers['retry-after'];
  assert.match(String(header), /^[1-9]\d*$/, `Retry-After is a positive number of seconds (got ${String(header)})`);
  assert.equal(response.headers['set-cookie'], undefined, 'no session is issued');
  return Number(header);
}

/** A password sign-in from this address, with a known-device cookie when one is given. */
export function signInFrom(t: TestApp, address: string, email: string, password: string, deviceCookie?: string): Promise<LightMyRequestResponse> {
  return new Client(t.app, { ip: address }).post('/api/auth/login', { email, password }, deviceCookie ? { cookie: `${KNOWN_DEVICE_COOKIE}=${deviceCookie}` } : {});
}

/** The known-device cookie a right password earned, read from the answer that set it. */
export function knownDeviceCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === KNOWN_DEVICE_COOKIE);
  assert.ok(cookie?.value, `a known-device cookie is set: ${JSON.stringify(response.headers['set-cookie'])}`);
  return cookie.value;
}

/** How many security events of this type a user has: what the server really evaluated. */
export async function countEvents(t: TestApp, type: string, userId: string): Promise<number> {
  const row = await t.ctx.db.selectFrom('security_events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', type).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Fires every request at once and tallies the statuses. */
export async function statusesOf(requests: Promise<LightMyRequestResponse>[]): Promise<{ responses: LightMyRequestResponse[]; count(status: number): number }> {
  const responses = await Promise.all(requests);
  return { responses, count: (status) => responses.filter((r) => r.statusCode === status).length };
}

/** Runs the work and counts the password verifications the hashing threads were given meanwhile. */
export async function countingVerifications<T>(work: () => Promise<T>): Promise<{ result: T; verifications: number }> {
  const recorder = recordHashJobs();
  try {
    const result = await work();
    return { result, verifications: recorder.jobs.filter((job) => job.op.endsWith('-verify')).length };
  } finally {
    recorder.stop();
  }
}
