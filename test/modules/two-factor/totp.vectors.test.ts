// The TOTP verification path against RFC 6238 Appendix B and RFC 4226 Appendix D, and against a
// real TOTP client (oathtool) for secrets we generate (STANDARDS: RFC test vectors).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateTotpSecret, matchTotpStep, otpauthUrl } from '../../../src/modules/two-factor/totp.ts';
import { oathtoolTotp } from '../../support/authenticator.ts';

const seeds = {
  SHA1: Buffer.from('12345678901234567890'),
  SHA256: Buffer.from('12345678901234567890123456789012'),
  SHA512: Buffer.from('1234567890'.repeat(6) + '1234'),
};

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

const rfc6238: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP verification (RFC 6238 Appendix B, RFC 4226 Appendix D)', () => {
  it('the SHA1 seed in base32 is the one STANDARDS gives', () => {
    assert.equal(base32(seeds.SHA1), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  for (const [time, sha1, sha256, sha512] of rfc6238) {
    it(`accepts the RFC 6238 codes at T=${time} for SHA1, SHA256 and SHA512, in the exact time-step`, () => {
      const timestamp = time * 1000;
      const expectedStep = Math.floor(time / 30);
      for (const [algorithm, code] of [['SHA1', sha1], ['SHA256', sha256], ['SHA512', sha512]] as const) {
        const secretBase32 = base32(seeds[algorithm]);
        assert.equal(matchTotpStep({ secretBase32, code, timestamp, digits: 8, algorithm, window: 0 }), expectedStep, `${algorithm} ${code}`);
      }
    });
  }

  it('accepts the RFC 4226 HOTP values as 6-digit TOTP codes of steps 0 to 9', () => {
    const hotp = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    const secretBase32 = base32(seeds.SHA1);
    hotp.forEach((code, counter) => {
      assert.equal(matchTotpStep({ secretBase32, code, timestamp: counter * 30_000 + 5_000, window: 0 }), counter);
    });
  });

  it('allows one time-step of drift either way and no more', () => {
    const secretBase32 = base32(seeds.SHA1);
    const code = '287082'; // step 1
    assert.equal(matchTotpStep({ secretBase32, code, timestamp: 2 * 30_000 + 1, window: 1 }), 1, 'one step late');
    assert.equal(matchTotpStep({ secretBase32, code, timestamp: 0, window: 1 }), 1, 'one step early');
    assert.equal(matchTotpStep({ secretBase32, code, timestamp: 3 * 30_000 + 1, window: 1 }), null, 'two steps late');
  });

  it('refuses anything that is not exactly six digits', () => {
    const secretBase32 = base32(seeds.SHA1);
    for (const code of ['', '75522', '7552244', '75522a', ' 755224', '755 224']) {
      assert.equal(matchTotpStep({ secretBase32, code, timestamp: 5_000 }), null, JSON.stringify(code));
    }
  });

  it('agrees with oathtool, a real authenticator, for a secret we generate (160 bits, base32)', async () => {
    const secret = generateTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits = 32 base32 characters, no padding');
    const now = new Date('2026-11-23T08:00:13Z');
    const code = await oathtoolTotp(secret, now);
    assert.equal(matchTotpStep({ secretBase32: secret, code, timestamp: now.getTime() }), Math.floor(now.getTime() / 30_000));
  });

  it('builds the Key Uri Format: label and issuer equal, SHA1 / 6 digits / 30 s, unpadded secret', () => {
    const url = new URL(otpauthUrl('Gatehouse', 'ada@example.com', 'JBSWY3DPEHPK3PXP'));
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.host, 'totp');
    assert.equal(decodeURIComponent(url.pathname), '/Gatehouse:ada@example.com');
    assert.equal(url.searchParams.get('issuer'), 'Gatehouse');
    assert.equal(url.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(url.searchParams.get('algorithm'), 'SHA1');
    assert.equal(url.searchParams.get('digits'), '6');
    assert.equal(url.searchParams.get('period'), '30');
    assert.equal(decodeURIComponent(new URL(otpauthUrl('Acme: Auth', 'x@example.com', 'JBSWY3DPEHPK3PXP')).pathname), '/Acme  Auth:x@example.com', 'no colon inside the issuer');
  });
});
