// security.md §1 / ASVS 11.4.2 / OWASP Appendix C: argon2id m=19 MiB t=2 p=1 by default, bcrypt cost 12
// by choice; both kinds verify either way; a hash with other settings is upgraded at sign-in.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createPasswordHasher } from '../../src/crypto/passwords.ts';
import { HASH_THREAD_NAME, HASH_THREAD_NICENESS } from '../../src/crypto/hash-threads.ts';
import { Client, STRONG_PASSWORD, uniqueEmail } from '../support/client.ts';
import { hashCost, recordHashJobs, type HashJobRecord } from '../support/hash-jobs.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

describe('password hashing', () => {
  const argon2 = createPasswordHasher('argon2id');
  const bcrypt = createPasswordHasher('bcrypt');

  it('argon2id uses OWASP parameters m=19456 t=2 p=1 and a random salt', async () => {
    const a = await argon2.hash(STRONG_PASSWORD);
    const b = await argon2.hash(STRONG_PASSWORD);
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(a, b, 'salted');
    assert.equal(await argon2.verify(a, STRONG_PASSWORD), true);
    assert.equal(await argon2.verify(a, STRONG_PASSWORD + 'x'), false);
    assert.equal(argon2.needsRehash(a), false);
  });

  it('bcrypt uses cost 12 and never truncates: over 72 bytes does not verify', async () => {
    const long = 'a'.repeat(72);
    const hash = await bcrypt.hash(long);
    assert.match(hash, /^\$2[aby]\$12\$/);
    assert.equal(await bcrypt.verify(hash, long), true);
    // A plain bcrypt would accept this: it only reads the first 72 bytes.
    assert.equal(await bcrypt.verify(hash, long + 'b'), false);
    assert.equal(bcrypt.needsRehash(hash), false);
  });

  it('verifies the other algorithm’s hashes and asks for an upgrade', async () => {
    const bcryptHash = await bcrypt.hash(STRONG_PASSWORD);
    const argonHash = await argon2.hash(STRONG_PASSWORD);
    assert.equal(await argon2.verify(bcryptHash, STRONG_PASSWORD), true);
    assert.equal(await bcrypt.verify(argonHash, STRONG_PASSWORD), true);
    assert.equal(argon2.needsRehash(bcryptHash), true);
    assert.equal(bcrypt.needsRehash(argonHash), true);
    const weakArgon = '$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
    assert.equal(argon2.needsRehash(weakArgon), true, 'other argon2 settings are upgraded too');
    const cost10 = '$2b$10$abcdefghijklmnopqrstuuQ6vV1h8Y5JXqjJ3k5xJ2QeP7m9YwK2e';
    assert.equal(bcrypt.needsRehash(cost10), true);
  });

  it('hashes on dedicated threads that yield the CPU to the event loop (Linux)', async (t) => {
    if (process.platform !== 'linux') return t.skip('thread priorities are read from /proc: Linux only');
    await argon2.hash(STRONG_PASSWORD);
    // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value; the comm may hold spaces.
    const niceness = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const hashing = readdirSync('/proc/self/task').filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === HASH_THREAD_NAME);
    assert.ok(hashing.length > 0, 'hashing threads exist after a hash');
    for (const tid of hashing) assert.equal(niceness(tid), HASH_THREAD_NICENESS, `thread ${tid}`);
    assert.equal(niceness(String(process.pid)), 0, 'the event loop keeps normal priority');
  });

  it('runs at most HASH_CONCURRENCY hashes at once: four at once on a limit of two start two threads (Linux)', async (t) => {
    if (process.platform !== 'linux') return t.skip('threads are counted in /proc: Linux only');
    const hashingThreads = () => readdirSync('/proc/self/task').filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === HASH_THREAD_NAME).length;
    const before = hashingThreads();
    const two = createPasswordHasher('argon2id', 2);
    const hashes = await Promise.all(Array.from({ length: 4 }, () => two.hash(STRONG_PASSWORD)));
    assert.equal(hashingThreads() - before, 2);
    assert.equal(new Set(hashes).size, 4, 'four salted hashes');
    for (const hash of hashes) assert.equal(await two.verify(hash, STRONG_PASSWORD), true);
  });

  it('treats an unrecognised stored hash as a mismatch, not an error', async () => {
    assert.equal(await argon2.verify('plaintext-password', 'plaintext-password'), false);
    assert.equal(await argon2.verify('$argon2id$garbage', STRONG_PASSWORD), false);
  });
});

describeOnEachDatabase('password hashing at sign-in', (t) => {
  it('an imported bcrypt user signs in under argon2id and the hash is upgraded (security.md §1)', async () => {
    const email = uniqueEmail('imported');
    const legacy = await createPasswordHasher('bcrypt').hash(STRONG_PASSWORD);
    const now = new Date();
    await t.ctx.db.insertInto('users').values({ email, password_hash: legacy, created_at: now, updated_at: now }).execute();

    const login = await new Client(t.app).post('/api/auth/login', { email, password: STRONG_PASSWORD });
    assert.equal(login.statusCode, 200, login.body);
    const stored = await t.ctx.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    assert.match(stored.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The upgraded hash still signs in.
    assert.equal((await new Client(t.app).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode, 200);
  });

  it('an unknown email costs the same hashing work as a known one: one verification at the same cost on the hashing threads (security.md §5, ASVS 6.3.8)', async () => {
    const email = uniqueEmail('known');
    assert.equal((await new Client(t.app).post('/api/auth/register', { email, password: STRONG_PASSWORD })).statusCode, 201);
    const stored = await t.ctx.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    // Counted where the hash is computed, not at the hasher's API: a dummy verification that
    // returns without hashing, or hashes against something cheaper, fails here.
    const attempt = async (who: string): Promise<HashJobRecord[]> => {
      const recorder = recordHashJobs();
      try {
        const response = await new Client(t.app).post('/api/auth/login', { email: who, password: 'wrong-password-entirely' });
        assert.equal(response.statusCode, 401, response.body);
        return recorder.jobs.filter((job) => job.op.endsWith('-verify'));
      } finally {
        recorder.stop();
      }
    };
    const known = await attempt(email);
    assert.deepEqual(known.map((job) => job.storedHash), [stored.password_hash], 'the known account: one verification, against its hash');
    for (const round of [1, 2]) {
      const unknown = await attempt(uniqueEmail('unknown'));
      assert.equal(unknown.length, 1, `unknown email, attempt ${round}: exactly one verification is computed`);
      assert.equal(hashCost(unknown[0]!.storedHash!), hashCost(stored.password_hash!), 'at the same algorithm and cost as a real account');
    }
  });
});

describeOnEachDatabase('PASSWORD_HASHER=bcrypt', { env: { PASSWORD_HASHER: 'bcrypt' } }, (t) => {
  it('stores bcrypt cost 12 hashes and refuses passwords over 72 bytes with a clear message', async () => {
    const email = uniqueEmail('bcrypt');
    const ok = await new Client(t.app).post('/api/auth/register', { email, password: STRONG_PASSWORD });
    assert.equal(ok.statusCode, 201, ok.body);
    const stored = await t.ctx.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    assert.match(stored.password_hash ?? '', /^\$2[aby]\$12\$/);

    const tooLong = 'river stone '.repeat(7); // 84 bytes
    const refused = await new Client(t.app).post('/api/auth/register', { email: uniqueEmail('long'), password: tooLong });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().code, 'WEAK_PASSWORD');
    assert.match(refused.json().message, /72 bytes/);
  });
});
