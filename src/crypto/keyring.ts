// Sub-keys derived from GATEHOUSE_SECRET with HKDF (SPEC §1), one per purpose, so no key is used
// for two jobs and the root key itself never touches data.
import { createHmac, hkdfSync } from 'node:crypto';

export type KeyPurpose = 'ip-hash' | 'rate-limit-key';

export interface Keyring {
  /** Keyed hash for values we must compare but never store in clear (IP addresses, emails in limiter keys). */
  mac(purpose: KeyPurpose, value: string): string;
}

export function createKeyring(rootSecret: Buffer): Keyring {
  const keys = new Map<KeyPurpose, Buffer>();
  const key = (purpose: KeyPurpose): Buffer => {
    let derived = keys.get(purpose);
    if (!derived) {
      derived = Buffer.from(hkdfSync('sha256', rootSecret, 'gatehouse', `gatehouse:${purpose}:v1`, 32));
      keys.set(purpose, derived);
    }
    return derived;
  };
  return {
    mac: (purpose, value) => createHmac('sha256', key(purpose)).update(value).digest('base64url'),
  };
}
