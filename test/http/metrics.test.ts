// README "Metrics": GET /metrics in Prometheus' text format. After known actions (a registration, two
// wrong passwords and a right one, a sign-in with an authenticator app, a revoked session, a
// refused registration) every counter the service keeps moved by exactly what was done and no
// other moved; latency is labelled by route pattern, never by the raw address; METRICS_TOKEN
// closes the endpoint; /readyz answers 503 naming Redis when Redis is down.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { deliverDueMail } from '../../src/jobs/mail-queue.ts';
import { after, before, describe, it } from 'node:test';
import { oathtoolTotp } from '../support/authenticator.ts';
import { Client, signedUpBrowser, STRONG_PASSWORD, uniqueEmail } from '../support/client.ts';
import type { TestApp } from '../support/app.ts';
import { databaseKinds } from '../support/databases.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { freshAddress, WRONG_PASSWORD } from '../support/rate-limit.ts';
import { appWithOwnRedis, closeAppWithOwnRedis, type TestRedisServer } from '../support/redis-server.ts';
import { closedPort } from '../support/smtp.ts';
import { describeOnEachDatabase } from '../support/suites.ts';
import { passwordStep, signedUpWithTotp } from '../support/two-factor.ts';

const DASHBOARD = path.resolve(import.meta.dirname, '../../docs/grafana-dashboard.json');

/** The counters the service keeps (process metrics aside): every series of these is compared. */
const SERVICE_COUNTERS = [
  'gatehouse_sign_ins_total',
  'gatehouse_second_factor_checks_total',
  'gatehouse_rate_limit_refusals_total',
  'gatehouse_sessions_created_total',
  'gatehouse_sessions_revoked_total',
  'gatehouse_session_cache_hits_total',
  'gatehouse_session_cache_misses_total',
  'gatehouse_mail_send_failures_total',
];

/** Every sample of the text format, keyed `name{labels}` as written. */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+?(?:\{.*\})?) (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

async function scrape(t: TestApp, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await t.app.inject({ method: 'GET', url: '/metrics', headers });
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^text\/plain/);
  return parseSamples(response.body);
}

/** What each service counter's series moved by between two scrapes, the unmoved left out. */
function counterMoves(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const moves: Record<string, number> = {};
  for (const [series, value] of after) {
    if (!SERVICE_COUNTERS.some((name) => series === name || series.startsWith(`${name}{`))) continue;
    const moved = value - (before.get(series) ?? 0);
    if (moved !== 0) moves[series] = moved;
  }
  return moves;
}

describeOnEachDatabase('GET /metrics: each counter moves by exactly what was done', { rateLimits: { registrationsPerIpPerHour: 1 } }, (t, kind) => {
  it('counts a registration, two wrong passwords and a right one, a second-factor sign-in, a revoked session and a 429', async () => {
    const start = await scrape(t);

    const owner = await signedUpBrowser(t.app, { ip: freshAddress() });
    const signInAddress = freshAddress();
    for (const password of [WRONG_PASSWORD, WRONG_PASSWORD, owner.password]) {
      await new Client(t.app, { ip: signInAddress }).post('/api/auth/login', { email: owner.email, password });
    }
    const listed = await owner.client.get('/api/auth/sessions');
    const other = (listed.json().sessions as { id: string; current: boolean }[]).find((s) => !s.current);
    assert.ok(other, 'the second sign-in is listed');
    assert.equal((await owner.client.delete(`/api/auth/sessions/${other.id}`)).statusCode, 200);

    const withTotp = await signedUpWithTotp(t.app, t.clock);
    const { client, challengeId } = await passwordStep(t.app, withTotp.email, withTotp.password);
    const completed = await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(withTotp.secret, t.clock.now()) });
    assert.equal(completed.statusCode, 200, completed.body);

    const crowded = freshAddress();
    assert.equal((await new Client(t.app, { ip: crowded }).post('/api/auth/register', { email: uniqueEmail(), password: STRONG_PASSWORD })).statusCode, 201);
    assert.equal((await new Client(t.app, { ip: crowded }).post('/api/auth/register', { email: uniqueEmail(), password: STRONG_PASSWORD })).statusCode, 429);

    const end = await scrape(t);
    // Two authenticated requests of the owner (list, revoke) and two of the second-factor user's
    // set-up (enable, verify): on PostgreSQL (the session cache) each is one lookup, the first of
    // each pair a miss, the second a hit from the row the first cached.
    const cacheMoves = kind === 'postgres' ? { gatehouse_session_cache_hits_total: 2, gatehouse_session_cache_misses_total: 2 } : {};
    assert.deepEqual(counterMoves(start, end), {
      'gatehouse_sign_ins_total{outcome="failure",method="password"}': 2,
      'gatehouse_sign_ins_total{outcome="success",method="password"}': 1,
      'gatehouse_sign_ins_total{outcome="challenge",method="password"}': 1,
      'gatehouse_sign_ins_total{outcome="success",method="totp"}': 1,
      // The set-up code and the sign-in code.
      'gatehouse_second_factor_checks_total{method="totp",outcome="success"}': 2,
      // Three registrations and two sign-ins.
      'gatehouse_sessions_created_total': 5,
      'gatehouse_sessions_revoked_total{reason="revoked_by_user"}': 1,
      'gatehouse_rate_limit_refusals_total{limiter="registration"}': 1,
      ...cacheMoves,
    });
  });

  it('labels request latency by the route pattern and status, never by the raw address', async () => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /gatehouse_http_request_duration_seconds_count\{route="\/api\/auth\/sessions\/:id",method="DELETE",status="200"\} 1/);
    assert.match(text, /gatehouse_http_request_duration_seconds_count\{route="\/api\/auth\/register",method="POST",status="429"\} 1/);
    assert.doesNotMatch(text, /route="\/api\/auth\/sessions\/[0-9a-f]{8}-/, 'no session id in a label');
    assert.match(text, /^gatehouse_mail_queue_depth \d+$/m);
    assert.match(text, /^gatehouse_mail_queue_oldest_age_seconds [\d.e+-]+$/m);
    assert.match(text, /^gatehouse_nodejs_eventloop_lag_seconds [\d.e+-]+$/m);
    assert.match(text, /^gatehouse_process_resident_memory_bytes \d+$/m);
  });

  it('serves every metric the Grafana dashboard (docs/grafana-dashboard.json) queries', async () => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    // Declared by # TYPE: a labelled counter has no sample until it first moves.
    const served = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      for (const suffix of type === 'histogram' ? ['_bucket', '_count', '_sum'] : ['']) served.add(`${name}${suffix}`);
    }
    const queried = new Set((await readFile(DASHBOARD, 'utf8')).match(/gatehouse_[a-z0-9_]+/g));
    assert.ok(queried.size >= 10, `the dashboard queries the service's metrics (${queried.size})`);
    assert.deepEqual([...queried].filter((name) => !served.has(name)), []);
  });
});

// The mail server refuses connections; the worker is left idle (a 10-minute poll) so the test runs the passes.
describeOnEachDatabase('GET /metrics: the mail queue as the scrape finds it', async () => ({ env: { SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`, MAIL_POLL_INTERVAL_MS: '600000' } }), (t) => {
  it('reports the waiting mail and its oldest age, and counts each failed delivery by kind', async () => {
    const start = await scrape(t);
    assert.equal(start.get('gatehouse_mail_queue_depth'), 0);
    assert.equal(start.get('gatehouse_mail_queue_oldest_age_seconds'), 0);

    await signedUpBrowser(t.app, { ip: freshAddress() });
    t.clock.advance(30);
    await signedUpBrowser(t.app, { ip: freshAddress() });
    t.clock.advance(60);
    const queued = await scrape(t);
    assert.equal(queued.get('gatehouse_mail_queue_depth'), 2, 'two verification mails wait');
    assert.equal(queued.get('gatehouse_mail_queue_oldest_age_seconds'), 90, 'the first was queued 90 s ago');

    await deliverDueMail(t.ctx, t.app.log);
    const failed = await scrape(t);
    assert.deepEqual(counterMoves(queued, failed), { 'gatehouse_mail_send_failures_total{kind="email_verification"}': 2 });
    assert.equal(failed.get('gatehouse_mail_queue_depth'), 2, 'both wait for their retry');
  });
});

describeOnEachDatabase('GET /metrics with METRICS_TOKEN set: only the bearer of the token may read it', { env: { METRICS_TOKEN: 'scrape-token-0123456789' } }, (t) => {
  it('refuses no token and a wrong one with 401 in the error shape, answers the right one', async () => {
    assertErrorShape(await t.app.inject({ method: 'GET', url: '/metrics' }), { status: 401, code: 'UNAUTHENTICATED' });
    assertErrorShape(await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-012345678' } }), { status: 401, code: 'UNAUTHENTICATED' });
    assertErrorShape(await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'scrape-token-0123456789' } }), { status: 401, code: 'UNAUTHENTICATED' });
    const samples = await scrape(t, { authorization: 'Bearer scrape-token-0123456789' });
    assert.ok(samples.has('gatehouse_sessions_created_total'));
  });
});

for (const kind of databaseKinds) {
  describe(`GET /readyz checks Redis when it is configured (${kind})`, () => {
    let t: TestApp;
    let redis: TestRedisServer;
    before(async () => ({ t, redis } = await appWithOwnRedis(kind)));
    after(() => closeAppWithOwnRedis(t, redis));

    it('answers 200 with Redis up and 503 REDIS_UNAVAILABLE in the error shape with it stopped', async () => {
      assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      await redis.stop();
      const down = assertErrorShape(await t.app.inject({ method: 'GET', url: '/readyz' }), { status: 503, code: 'REDIS_UNAVAILABLE' });
      assert.match(down.message, /Redis/);
      await redis.resume();
    });
  });
}
