// security.md §2 / ASVS 11.2.2: rotating the root secret (the old one moved to
// GATEHOUSE_PREVIOUS_SECRETS) voids nothing a user holds. A second instance on the same database
// starts with the new secret, as every instance does after a rotation, and the codes and the
// authenticator app enrolled under the old one still sign in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKeyring } from '../../src/crypto/keyring.ts';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/app.ts';
import { oathtoolTotp } from '../support/authenticator.ts';
import { Client, signedUpBrowser } from '../support/client.ts';
import { databaseKinds } from '../support/databases.ts';
import { secondInstance, type SecondInstance } from '../support/instances.ts';
import { enrolTotp } from '../support/two-factor.ts';

const NEW_SECRET = Buffer.from('the-new-root-secret-after-rotation-0123456789abcdef');

it('a keyed hash is made with the current key and looked up under every key, the current one first', () => {
  const oldKeys = createKeyring(Buffer.from(TEST_SECRET));
  const newKeys = createKeyring(NEW_SECRET, [Buffer.from(TEST_SECRET)]);
  assert.notEqual(newKeys.mac('backup-code', 'u:ABCDE-FGHJK'), oldKeys.mac('backup-code', 'u:ABCDE-FGHJK'));
  assert.deepEqual(newKeys.macUnderEveryKey('backup-code', 'u:ABCDE-FGHJK'), [newKeys.mac('backup-code', 'u:ABCDE-FGHJK'), oldKeys.mac('backup-code', 'u:ABCDE-FGHJK')]);
  assert.deepEqual(oldKeys.macUnderEveryKey('backup-code', 'u:ABCDE-FGHJK'), [oldKeys.mac('backup-code', 'u:ABCDE-FGHJK')]);
});

for (const kind of databaseKinds) {
  describe(`root secret rotation (${kind})`, () => {
    let t: TestApp;
    let rotated: SecondInstance;
    before(async () => {
      t = await createTestApp(kind);
      rotated = await secondInstance(t, { secret: NEW_SECRET, previousSecrets: [Buffer.from(TEST_SECRET)] });
    });
    after(async () => {
      await rotated.close();
      await t.close();
    });

    async function storedBackupCodeHashes(userId: string): Promise<string[]> {
      const rows = await t.ctx.db.selectFrom('backup_codes').select('code_hash').where('user_id', '=', userId).where('used_at', 'is', null).execute();
      return rows.map((row) => row.code_hash);
    }

    async function signInWithCode(email: string, password: string, code: string) {
      const client = new Client(rotated.app);
      const login = await client.post('/api/auth/login', { email, password });
      assert.equal(login.statusCode, 200, login.body);
      assert.equal(login.json().twoFactorRequired, true);
      return { client, response: await client.post('/api/auth/login/2fa', { challengeId: login.json().challengeId, code }) };
    }

    it('a backup code issued before the rotation still signs in after it (V11.2.2)', async () => {
      const { client, email, password, user } = await signedUpBrowser(t.app);
      const { backupCodes } = await enrolTotp(client, t.clock);
      const stored = await storedBackupCodeHashes(user.id);
      assert.equal(stored.length, 10);
      // The code really is keyed by the old secret: the new key alone would not find it.
      assert.ok(!stored.includes(rotated.ctx.keyring.mac('backup-code', `${user.id}:${backupCodes[0]}`)));
      assert.ok(stored.includes(t.ctx.keyring.mac('backup-code', `${user.id}:${backupCodes[0]}`)));

      const { response } = await signInWithCode(email, password, backupCodes[0]!);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().backupCodesRemaining, 9);

      // Still single use across the rotation.
      const again = await signInWithCode(email, password, backupCodes[0]!);
      assert.equal(again.response.statusCode, 401, again.response.body);
    });

    it('the authenticator app enrolled before the rotation still signs in, and new backup codes take the new key', async () => {
      const { client, email, password, user } = await signedUpBrowser(t.app);
      const { secret } = await enrolTotp(client, t.clock);
      const { client: signedIn, response } = await signInWithCode(email, password, await oathtoolTotp(secret, t.clock.now()));
      assert.equal(response.statusCode, 200, response.body);

      const regenerated = await signedIn.post('/api/auth/2fa/regenerate-codes');
      assert.equal(regenerated.statusCode, 200, regenerated.body);
      const fresh = regenerated.json().backupCodes as string[];
      assert.ok((await storedBackupCodeHashes(user.id)).includes(rotated.ctx.keyring.mac('backup-code', `${user.id}:${fresh[0]}`)));
      t.clock.advance(30);
      assert.equal((await signInWithCode(email, password, fresh[1]!)).response.statusCode, 200);
    });
  });
}
