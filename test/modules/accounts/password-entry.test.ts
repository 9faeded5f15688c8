// security.md §1, §11: a new database holds no account (ASVS V6.3.2); a password is checked as
// typed, with no case change, and only NFKC normalisation (V6.2.8); the one password field
// Gatehouse serves is masked and left to password managers and paste (V6.2.6, V6.2.7).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { Client, signInStatus, uniqueEmail } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

// Written with composed characters (NFC); the same text decomposed (NFD) is what some keyboards send.
const PASSWORD = 'Crème-brûlée-harbor-47';

describeOnEachDatabase('passwords are taken as typed', (t) => {
  it('a new database holds no account: there is no default user (V6.3.2)', async () => {
    const users = await t.ctx.db.selectFrom('users').select('email').execute();
    assert.deepEqual(users, []);
  });

  it('a change of case is refused; the same text in another Unicode form signs in (V6.2.8)', async () => {
    const email = uniqueEmail('typed');
    const registered = await new Client(t.app).post('/api/auth/register', { email, password: PASSWORD });
    assert.equal(registered.statusCode, 201, registered.body);
    assert.notEqual(PASSWORD.normalize('NFD'), PASSWORD, 'the decomposed form is other text');
    assert.equal(await signInStatus(t.app, email, PASSWORD.normalize('NFD')), 200, 'NFKC makes both forms one password');
    for (const changed of [PASSWORD.toLowerCase(), PASSWORD.toUpperCase(), `c${PASSWORD.slice(1)}`]) {
      assert.equal(await signInStatus(t.app, email, changed), 401, changed);
    }
    assert.equal(await signInStatus(t.app, email, PASSWORD), 200);
  });

  it('the reset page’s password field is masked and open to password managers and paste (V6.2.6, V6.2.7)', async () => {
    const page = await new Client(t.app).get(`/reset-password?token=${'A'.repeat(43)}`);
    assert.equal(page.statusCode, 200, page.body);
    const fields = page.body.match(/<input\b[^>]*>/g) ?? [];
    const password = fields.filter((field) => /name="newPassword"/.test(field));
    assert.equal(password.length, 1, page.body);
    assert.match(password[0]!, /\btype="password"/);
    assert.match(password[0]!, /\bautocomplete="new-password"/);
    for (const field of fields) assert.doesNotMatch(field, /on(paste|copy|drop)|autocomplete="off"/i);
    assert.doesNotMatch(readFileSync(new URL('../../../web/pages.js', import.meta.url), 'utf8'), /paste|copy|drop/i, 'the page script leaves paste alone');
  });
});
