// Sub-keys derived from GATEHOUSE_SECRET with HKDF (security.md §2), one per purpose, so no key is used
// for two jobs and the root key itself never touches data. Secrets at rest are sealed with
// AES-256-GCM under a key that carries a key id; after a rotation (the old root secret moved to
// GATEHOUSE_PREVIOUS_SECRETS) old ciphertexts still open and new ones use the new key. Keyed
// hashes are always made with the current key; one that is stored and checked later (a backup
// code) is looked up under every key, so a rotation never voids it (security.md §2).
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export type MacPurpose = 'ip-hash' | 'rate-limit-key' | 'backup-code' | 'one-time-code' | 'client-binding' | 'known-device';

export interface Keyring {
  /** Keyed hash for values we must compare but never store in clear. */
  mac(purpose: MacPurpose, value: string): string;
  /** The keyed hash under the current key, then under each previous root secret's key. */
  macUnderEveryKey(purpose: MacPurpose, value: string): string[];
  /** AES-256-GCM; `context` (e.g. the owning record) is bound as associated data. */
  seal(plaintext: string, context: string): string;
  /** Opens what seal() produced with the current or a previous key; throws if tampered. */
  open(sealed: string, context: string): string;
  /** Id of the key new secrets are sealed with. */
  readonly currentKeyId: string;
}

const FORMAT = 'gh1';

function derive(root: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', root, 'gatehouse', info, 32));
}

export function createKeyring(rootSecret: Buffer, previousSecrets: Buffer[] = []): Keyring {
  const roots = [rootSecret, ...previousSecrets];
  // Per purpose, one key per root secret, the current one first.
  const macKeys = new Map<MacPurpose, Buffer[]>();
  const macKeysFor = (purpose: MacPurpose): Buffer[] => {
    let keys = macKeys.get(purpose);
    if (!keys) {
      keys = roots.map((root) => derive(root, `gatehouse:${purpose}:v1`));
      macKeys.set(purpose, keys);
    }
    return keys;
  };
  const hmac = (key: Buffer, value: string): string => createHmac('sha256', key).update(value).digest('base64url');

  const encryptionKeys = new Map<string, Buffer>();
  let currentKeyId = '';
  for (const root of roots) {
    const key = derive(root, 'gatehouse:encryption:v1');
    const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
    if (!currentKeyId) currentKeyId = id;
    encryptionKeys.set(id, key);
  }
  const current = encryptionKeys.get(currentKeyId)!;

  return {
    currentKeyId,
    mac: (purpose, value) => hmac(macKeysFor(purpose)[0]!, value),
    macUnderEveryKey: (purpose, value) => macKeysFor(purpose).map((key) => hmac(key, value)),
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${FORMAT}.${currentKeyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, context) {
      const [format, keyId, ivText, bodyText] = sealed.split('.');
      const key = keyId ? encryptionKeys.get(keyId) : undefined;
      if (format !== FORMAT || !key || !ivText || !bodyText) throw new Error('sealed value has an unknown format or key id');
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}
