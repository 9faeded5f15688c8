// Raw hash rate of the configured password hasher on this machine: verifications per second with
// as many in flight as the server lets run at once (HASH_CONCURRENCY, by default cores − 1): the
// rate the server's sign-in is bound by.
//   node bench/hash-rate.ts [seconds]   → prints a JSON line {verifiesPerSecond, threads}
import { createPasswordHasher, defaultHashConcurrency } from '../src/crypto/passwords.ts';

const seconds = Number(process.argv[2] || 10);
const threads = Number(process.env.HASH_CONCURRENCY || defaultHashConcurrency());
const hasher = createPasswordHasher(process.env.PASSWORD_HASHER === 'bcrypt' ? 'bcrypt' : 'argon2id', threads);
const hash = await hasher.hash('violet-harbor-quantum-47');

let done = 0;
const deadline = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: threads }, async () => {
    while (Date.now() < deadline) {
      await hasher.verify(hash, 'violet-harbor-quantum-47');
      done += 1;
    }
  }),
);
console.log(JSON.stringify({ verifiesPerSecond: done / seconds, threads }));
