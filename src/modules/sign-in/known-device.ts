// Known devices (security.md §6): every sign-in with the right password leaves a long-lived cookie
// naming a device id, signed with the user's id and an expiry, so a later attempt from that browser
// is told from a stranger's without any server state. It decides only which attempt limits apply:
// a known device is not refused by counts that strangers ran up, and has a small budget of its own.
import type { Keyring } from '../../crypto/keyring.ts';
import { generateToken, hashesEqual } from '../../crypto/tokens.ts';
import type { KnownDeviceCookie } from '../../http/known-device-cookie.ts';

/** How long a device stays known after its last sign-in with the right password. */
export const KNOWN_DEVICE_DAYS = 365;

const COOKIE_SHAPE = /^([A-Za-z0-9_-]{43})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

const signed = (userId: string, deviceId: string, expiresSeconds: number): string => JSON.stringify([userId, deviceId, expiresSeconds]);

/** The device id when this cookie was issued for this user and has not expired; otherwise null. */
export function knownDeviceOf(keyring: Keyring, userId: string, cookie: string | undefined, now: Date): string | null {
  const parts = cookie === undefined ? null : COOKIE_SHAPE.exec(cookie);
  if (!parts) return null;
  const [, deviceId, expires, mac] = parts as unknown as [string, string, string, string];
  const expiresSeconds = Number(expires);
  if (expiresSeconds * 1000 <= now.getTime()) return null;
  // Checked under the previous root secrets too, so a key rotation keeps devices known.
  const valid = keyring.macUnderEveryKey('known-device', signed(userId, deviceId, expiresSeconds)).some((expected) => hashesEqual(mac, expected));
  return valid ? deviceId : null;
}

/** A fresh cookie for this user, keeping the device id when the device was already known. */
export function issueKnownDeviceCookie(keyring: Keyring, userId: string, knownDevice: string | null, now: Date): KnownDeviceCookie {
  const deviceId = knownDevice ?? generateToken();
  const expiresSeconds = Math.floor(now.getTime() / 1000) + KNOWN_DEVICE_DAYS * 86400;
  return { value: `${deviceId}.${expiresSeconds}.${keyring.mac('known-device', signed(userId, deviceId, expiresSeconds))}`, expiresAt: new Date(expiresSeconds * 1000) };
}
