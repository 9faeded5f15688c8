// The ceiling: a bare Fastify route doing the one indexed query a session check needs (SELECT …
// JOIN users by token hash) and nothing else: no expiry rules, no headers, no schema. What a
// session check cannot beat without a cache. Reads Gatehouse's own tables.
//   BENCH_DATABASE_URL=postgres://… PORT=… node bench/servers/ceiling.ts
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });
const app = Fastify();

app.get('/api/auth/session', async (request, reply) => {
  const token = /gatehouse_session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
  if (!token) return reply.code(401).send({ success: false });
  const hash = createHash('sha256').update(token).digest('base64url');
  const { rows } = await pool.query(
    'select s.id, s.expires_at, s.revoked_at, u.id as user_id, u.email, u.status from sessions s join users u on u.id = s.user_id where s.token_hash = $1',
    [hash],
  );
  if (rows.length === 0) return reply.code(401).send({ success: false });
  return { success: true, user: { id: rows[0].user_id, email: rows[0].email }, session: { id: rows[0].id, expiresAt: rows[0].expires_at } };
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(`ceiling listening on ${process.env.PORT}`);
