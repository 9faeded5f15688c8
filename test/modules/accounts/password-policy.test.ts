// security.md §1 / ASVS 6.2 / NIST 800-63B: length not composition, common and personal passwords
// refused, and the refusal says why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { passwordProblem, type PolicyContext } from '../../../src/modules/accounts/password-policy.ts';
import { stopStrengthHelper, strengthHelperPid } from '../../../src/modules/accounts/password-strength.ts';
import { TEST_SECRET } from '../../support/app.ts';
import { Client, uniqueEmail } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

const context: PolicyContext = { minLength: 12, hasher: 'argon2id', email: 'margaret.hamilton@example.com', displayName: 'Margaret Hamilton', productName: 'Gatehouse' };

describe('password policy', () => {
  it('needs 12 characters by default (ASVS 6.2.1), counted in code points after NFKC', async () => {
    assert.match(await passwordProblem('short phrase', { ...context, minLength: 13 }) ?? '', /at least 13 characters/);
    assert.match(await passwordProblem('bright-fox', context) ?? '', /at least 12 characters/);
    // Eleven emoji are 22 UTF-16 units but 11 characters.
    assert.match(await passwordProblem('🦊🌲🚲🎻🧭🪁🛶🍄🧊🪐🐙', context) ?? '', /at least 12 characters/);
  });

  it('accepts long passphrases with no composition rules (ASVS 6.2.5, 6.2.9: 64+ characters)', async () => {
    assert.equal(await passwordProblem('correct horse battery staple', context), null);
    assert.equal(await passwordProblem('violet harbor quantum lantern '.repeat(3).trim(), context), null, '89 characters accepted');
  });

  it('a password from the common-passwords list is refused in our own words, not zxcvbn’s (ASVS 6.2.4)', async () => {
    // Both are whole entries of zxcvbn-ts's leaked-passwords list, long enough to pass the length rule.
    for (const common of ['123456789012', '1qaz2wsx3edc']) {
      assert.equal(await passwordProblem(common, context), 'This is one of the most common passwords, among the first an attacker tries; choose one that others would not.', common);
    }
  });

  it('refuses common passwords and says so (ASVS 6.2.4)', async () => {
    for (const common of ['password1234', '123456789012', 'qwertyuiopasdf', 'iloveyou12345']) {
      const problem = await passwordProblem(common, context);
      assert.ok(problem, `${common} must be refused`);
      assert.match(problem, /common|guess/i);
    }
  });

  it('refuses passwords made of the user’s own email, name or the product name (ASVS 6.2.11)', async () => {
    assert.match(await passwordProblem('margarethamilton1936', context) ?? '', /your email, your name or the product name/);
    assert.match(await passwordProblem('gatehouse2026gatehouse', context) ?? '', /your email, your name or the product name/);
  });

  it('refuses more than 72 bytes under bcrypt instead of truncating (ASVS 6.2.8)', async () => {
    const long = 'quiet meadow lantern '.repeat(4); // 84 bytes
    assert.equal(await passwordProblem(long, context), null);
    assert.match(await passwordProblem(long, { ...context, hasher: 'bcrypt' }) ?? '', /bcrypt.*72 bytes/);
  });

  it('the estimator runs in a helper process that holds none of the server’s environment, and a helper that dies is replaced on the next check', async () => {
    assert.equal(await passwordProblem('correct horse battery staple', context), null);
    const first = strengthHelperPid();
    assert.ok(first !== null && first !== process.pid, 'a process of its own');
    if (process.platform === 'linux') {
      const names = readFileSync(`/proc/${first}/environ`, 'utf8').split('\0').filter(Boolean).map((entry) => entry.split('=')[0]);
      assert.deepEqual(names.filter((name) => !name?.startsWith('NODE_CHANNEL_')), [], 'only Node’s own IPC variables: no secret or database URL reaches it');
    }

    process.kill(first, 'SIGKILL');
    while (strengthHelperPid() === first) await sleep(20);
    assert.match(await passwordProblem('password1234', context) ?? '', /common/i, 'the next check still answers');
    const second = strengthHelperPid();
    assert.ok(second !== null && second !== first, 'a new helper');
    stopStrengthHelper();
    assert.equal(strengthHelperPid(), null);
  });

  it('PASSWORD_MIN_LENGTH is configurable but never below 8', async () => {
    assert.equal(loadConfig({ GATEHOUSE_SECRET: TEST_SECRET, PASSWORD_MIN_LENGTH: '16' }).passwordMinLength, 16);
    assert.throws(() => loadConfig({ GATEHOUSE_SECRET: TEST_SECRET, PASSWORD_MIN_LENGTH: '7' }), ConfigError);
  });
});

describeOnEachDatabase('password policy over HTTP', (t) => {
  it('registration with one of the most common passwords is refused and says so (ASVS 6.2.4)', async () => {
    const response = await new Client(t.app).post('/api/auth/register', { email: uniqueEmail(), password: '1qaz2wsx3edc' });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, 'WEAK_PASSWORD');
    assert.match(response.json().message, /^This is one of the most common passwords/);
  });

  it('registration with a weak password answers 400 WEAK_PASSWORD naming the field and the reason', async () => {
    const response = await new Client(t.app).post('/api/auth/register', { email: uniqueEmail(), password: 'password1234' });
    assert.equal(response.statusCode, 400);
    const body = response.json();
    assert.equal(body.success, false);
    assert.equal(body.code, 'WEAK_PASSWORD');
    assert.match(body.message, /common/i);
    assert.equal(body.fields.password, body.message);
    const count = await t.ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0, 'no account was created');
  });
});
