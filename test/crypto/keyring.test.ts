// security.md §2 / ASVS 11.3.2: secrets at rest sealed with AES-256-GCM under HKDF-derived keys that
// carry a key id, so the root secret can rotate without losing what was sealed before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKeyring } from '../../src/crypto/keyring.ts';

const oldRoot = Buffer.from('old-root-secret-old-root-secret-0123456789');
const newRoot = Buffer.from('new-root-secret-new-root-secret-9876543210');

describe('keyring', () => {
  it('seals and opens, with a fresh IV each time and no plaintext in the output', () => {
    const keyring = createKeyring(oldRoot);
    const a = keyring.seal('JBSWY3DPEHPK3PXP', 'user:1');
    const b = keyring.seal('JBSWY3DPEHPK3PXP', 'user:1');
    assert.notEqual(a, b);
    assert.ok(!a.includes('JBSWY3DPEHPK3PXP'));
    assert.match(a, new RegExp(`^gh1\\.${keyring.currentKeyId}\\.`));
    assert.equal(keyring.open(a, 'user:1'), 'JBSWY3DPEHPK3PXP');
  });

  it('refuses a ciphertext moved to another record or tampered with', () => {
    const keyring = createKeyring(oldRoot);
    const sealed = keyring.seal('secret', 'user:1');
    assert.throws(() => keyring.open(sealed, 'user:2'), 'associated data binds it to its record');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    parts[3] = body.toString('base64url');
    assert.throws(() => keyring.open(parts.join('.'), 'user:1'));
  });

  it('opens what an old root secret sealed after rotation, and seals new values with the new key', () => {
    const before = createKeyring(oldRoot);
    const sealedBefore = before.seal('old secret', 'ctx');
    const after = createKeyring(newRoot, [oldRoot]);
    assert.notEqual(after.currentKeyId, before.currentKeyId);
    assert.equal(after.open(sealedBefore, 'ctx'), 'old secret');
    assert.match(after.seal('new', 'ctx'), new RegExp(`^gh1\\.${after.currentKeyId}\\.`));
    assert.throws(() => createKeyring(newRoot).open(sealedBefore, 'ctx'), 'without the old secret it cannot be opened');
  });

  it('derives distinct MAC keys per purpose', () => {
    const keyring = createKeyring(oldRoot);
    assert.notEqual(keyring.mac('ip-hash', '203.0.113.7'), keyring.mac('rate-limit-key', '203.0.113.7'));
    assert.equal(keyring.mac('ip-hash', '203.0.113.7'), createKeyring(oldRoot).mac('ip-hash', '203.0.113.7'));
  });
});
