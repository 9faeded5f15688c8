// TOTP set-up (docs/api.md, Two-factor enrolment; security.md §4): a 160-bit secret, an otpauth URL
// every app accepts, a QR code a camera reads back to that URL, 10 backup codes, and nothing
// required at sign-in until the first code is confirmed. Secrets and codes never reach the database
// in clear.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { oathtoolTotp, readQrCode } from '../../support/authenticator.ts';
import { Client, signedUpBrowser } from '../../support/client.ts';
import { postgresUrl } from '../../support/databases.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp } from '../../support/two-factor.ts';

const run = promisify(execFile);

describeOnEachDatabase('two-factor set-up', (t, kind) => {
  it('answers a secret, an otpauth URL, a QR code that decodes to it, and 10 backup codes', async () => {
    const { client, email } = await signedUpBrowser(t.app);
    const response = await client.post('/api/auth/2fa/enable');
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.success, true);
    assert.match(body.secret, /^[A-Z2-7]{32}$/, '160-bit base32 secret without padding');
    const url = new URL(body.otpauthUrl);
    assert.equal(url.host, 'totp');
    assert.equal(decodeURIComponent(url.pathname), `/Gatehouse:${email}`);
    assert.equal(url.searchParams.get('issuer'), 'Gatehouse');
    assert.equal(url.searchParams.get('secret'), body.secret);
    assert.equal(url.searchParams.get('algorithm'), 'SHA1');
    assert.equal(url.searchParams.get('digits'), '6');
    assert.equal(url.searchParams.get('period'), '30');
    assert.match(body.qrCodeUrl, /^data:image\/png;base64,/);
    assert.equal(await readQrCode(body.qrCodeUrl), body.otpauthUrl, 'a phone camera reads the same URL');
    assert.equal(body.backupCodes.length, 10);
    for (const code of body.backupCodes) assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/, '50 bits in two readable groups');
    assert.equal(new Set(body.backupCodes).size, 10);
  });

  it('requires nothing at sign-in until verify-setup accepts a code, and replaces a pending secret', async () => {
    const { client, email, password } = await signedUpBrowser(t.app);
    const first = (await client.post('/api/auth/2fa/enable')).json();
    const second = (await client.post('/api/auth/2fa/enable')).json();
    assert.notEqual(second.secret, first.secret, 'enabling again while pending replaces the secret');

    const pendingStatus = (await client.get('/api/auth/2fa/status')).json();
    assert.deepEqual({ enabled: pendingStatus.enabled, methods: pendingStatus.methods, pending: pendingStatus.pending }, { enabled: false, methods: [], pending: ['totp'] });
    const login = await new Client(t.app).post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 200);
    assert.equal(login.json().twoFactorRequired, undefined, 'no challenge while set-up is pending');

    const stale = await client.post('/api/auth/2fa/verify-setup', { token: await oathtoolTotp(first.secret, t.clock.now()) });
    assert.equal(stale.statusCode, 400, 'the replaced secret no longer verifies');
    assert.equal(stale.json().code, 'INVALID_CONFIRMATION_CODE');
    const ok = await client.post('/api/auth/2fa/verify-setup', { token: await oathtoolTotp(second.secret, t.clock.now()) });
    assert.equal(ok.statusCode, 200, ok.body);

    const status = (await client.get('/api/auth/2fa/status')).json();
    assert.deepEqual(status, { success: true, enabled: true, methods: ['totp'], pending: [], backupCodesRemaining: 10, phoneNumber: null });
    const challenged = await new Client(t.app).post('/api/auth/login', { email, password });
    assert.equal(challenged.json().twoFactorRequired, true);
  });

  it('refuses to enable again while active (409) and writes the events', async () => {
    const { client } = await signedUpBrowser(t.app);
    await enrolTotp(client, t.clock);
    const again = await client.post('/api/auth/2fa/enable');
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'TWO_FACTOR_ALREADY_ENABLED');
    const types = ((await client.get('/api/auth/events')).json().events as { type: string }[]).map((e) => e.type);
    assert.ok(types.includes('two_factor_setup_started'));
    assert.ok(types.includes('two_factor_enabled'));
  });

  it('needs a signed-in user and a well-formed code', async () => {
    assert.equal((await new Client(t.app).post('/api/auth/2fa/enable')).statusCode, 401);
    const { client } = await signedUpBrowser(t.app);
    assert.equal((await client.post('/api/auth/2fa/verify-setup', { token: '123456' })).json().code, 'NO_PENDING_SETUP');
    const bad = await client.post('/api/auth/2fa/verify-setup', { token: 123456 as unknown as string, extra: true });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().success, false);
  });

  it('stores the TOTP secret encrypted and backup codes only as keyed hashes (security.md §4, ASVS 6.5.2)', async () => {
    const { client, user } = await signedUpBrowser(t.app);
    const { secret, backupCodes } = await enrolTotp(client, t.clock);
    const method = await t.ctx.db.selectFrom('two_factor_methods').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    assert.ok(method.secret_encrypted && !method.secret_encrypted.includes(secret));
    assert.match(method.secret_encrypted, /^gh1\.[0-9a-f]{8}\./, 'AES-256-GCM with a key id');
    const stored = await t.ctx.db.selectFrom('backup_codes').select('code_hash').where('user_id', '=', user.id).execute();
    assert.equal(backupCodes.length, 10);
    assert.equal(stored.length, 10, 'one row per code: the table is not empty');
    // Each row is the keyed hash of one code (HMAC under the secret-derived backup-code key,
    // salted with the user id), computed here from the keyring rather than through the code
    // under test: a code stored in any reversible form (base64, hex) fails this.
    const expected = backupCodes.map((code) => t.ctx.keyring.mac('backup-code', `${user.id}:${code}`)).sort();
    assert.deepEqual(stored.map((row) => row.code_hash).sort(), expected, 'stored values are the keyed hashes of the issued codes');
    const storedText = JSON.stringify(stored);
    for (const code of backupCodes) {
      assert.ok(!storedText.includes(code) && !storedText.includes(code.replace('-', '')));
    }

    if (kind === 'postgres') {
      // A dump of the database — what a stolen backup holds — has neither in clear.
      const url = new URL(postgresUrl);
      const { stdout } = await run('pg_dump', ['--no-owner', '--schema', t.database.schema!, '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', url.pathname.slice(1)], { maxBuffer: 64 * 1024 * 1024 });
      assert.ok(stdout.includes('two_factor_methods'), 'the dump covers the two-factor tables');
      assert.ok(!stdout.includes(secret), 'no TOTP secret in the dump');
      for (const code of backupCodes) assert.ok(!stdout.includes(code) && !stdout.includes(code.replace('-', '')), 'no backup code in the dump');
    }
  });
});
