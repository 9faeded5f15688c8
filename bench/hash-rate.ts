// Raw hash rate of the configured password hasher on this machine: verifications per second with
// as many in flight as the server lets run at once (HASH_CONCURRENCY, by default cores − 1), calling
// the library directly (its own thread pool, no Gatehouse code around it): the rate the server's
// sign-in is bound by.
//   node bench/hash-rate.ts [seconds]   → prints a JSON line {verifiesPerSecond, threads}
import { verify as argon2Verify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { createPasswordHasher, defaultHashConcurrency } from '../src/crypto/passwords.ts';

const seconds = Number(process.argv[2] || 10);
const threads = Number(process.env.HASH_CONCURRENCY || defaultHashConcurrency());
const password = 'violet-harbor-quantum-47';
const bcrypt = process.env.PASSWORD_HASHER === 'bcrypt';
// A hash made with the settings Gatehouse uses; verification reads them from the hash itself.
const stored = await createPasswordHasher(bcrypt ? 'bcrypt' : 'argon2id', 1).hash(password);
const verifyOnce = () => (bcrypt ? bcryptVerify(password, stored) : argon2Verify(stored, password));

let done = 0;
const deadline = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: threads }, async () => {
    while (Date.now() < deadline) {
      if (!(await verifyOnce())) throw new Error('the password did not verify');
      done += 1;
    }
  }),
);
console.log(JSON.stringify({ verifiesPerSecond: done / seconds, threads }));
