// What the service counts for Prometheus (GET /metrics, README "Metrics"): one registry per app, so
// several apps in one process (tests) never share or collide on a metric. Services get only the
// named methods below (ctx.metrics); nothing here knows HTTP.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type SignInOutcome = 'success' | 'failure' | 'challenge' | 'rate_limited';
/** The step a sign-in outcome belongs to: 'password', or the second factor's method (totp, sms, backup_code). */
export type SignInMethod = string;

export interface Metrics {
  signIn(outcome: SignInOutcome, method: SignInMethod): void;
  secondFactor(method: string, outcome: 'success' | 'failure'): void;
  rateLimited(limiter: string): void;
  sessionCreated(): void;
  sessionsRevoked(reason: string, count: number): void;
  sessionCacheLookup(hit: boolean): void;
  mailFailed(kind: string): void;
}

/** The mail queue as one query in the queue's store sees it. */
export interface MailQueueStats {
  depth: number;
  oldestAgeSeconds: number;
}

export interface MetricsRegistry extends Metrics {
  registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** Read at every scrape; the queue lives in the database, so its gauges ask it then. */
  watchMailQueue(stats: () => Promise<MailQueueStats>): void;
}

export function createMetrics(): MetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const registers = [registry];

  const requestDuration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const signIns = new Counter({ name: 'gatehouse_sign_ins_total', help: 'Sign-in steps by outcome and method.', labelNames: ['outcome', 'method'], registers });
  const secondFactors = new Counter({ name: 'gatehouse_second_factor_checks_total', help: 'Second-factor codes checked, by method and outcome.', labelNames: ['method', 'outcome'], registers });
  const refusals = new Counter({ name: 'gatehouse_rate_limit_refusals_total', help: 'Requests refused by a rate limiter, by limiter.', labelNames: ['limiter'], registers });
  const sessionsCreated = new Counter({ name: 'gatehouse_sessions_created_total', help: 'Sessions issued.', registers });
  const sessionsRevoked = new Counter({ name: 'gatehouse_sessions_revoked_total', help: 'Sessions ended before expiry, by reason.', labelNames: ['reason'], registers });
  const cacheHits = new Counter({ name: 'gatehouse_session_cache_hits_total', help: 'Session checks answered from the session cache.', registers });
  const cacheMisses = new Counter({ name: 'gatehouse_session_cache_misses_total', help: 'Session checks the session cache could not answer.', registers });
  const mailFailures = new Counter({ name: 'gatehouse_mail_send_failures_total', help: 'Outgoing mail (or mail jobs) that failed a delivery attempt, by kind.', labelNames: ['kind'], registers });

  let mailQueue: (() => Promise<MailQueueStats>) | null = null;
  // One query per scrape serves both gauges.
  let pendingStats: Promise<MailQueueStats> | null = null;
  const readQueue = (): Promise<MailQueueStats> => {
    if (!mailQueue) return Promise.resolve({ depth: 0, oldestAgeSeconds: 0 });
    pendingStats ??= mailQueue().finally(() => {
      pendingStats = null;
    });
    return pendingStats;
  };
  new Gauge({
    name: 'gatehouse_mail_queue_depth',
    help: 'Mail messages and jobs waiting to be sent.',
    registers,
    async collect() {
      this.set((await readQueue()).depth);
    },
  });
  new Gauge({
    name: 'gatehouse_mail_queue_oldest_age_seconds',
    help: 'Age of the oldest waiting mail message or job.',
    registers,
    async collect() {
      this.set((await readQueue()).oldestAgeSeconds);
    },
  });

  return {
    registry,
    observeRequest: (route, method, status, seconds) => requestDuration.observe({ route, method, status: String(status) }, seconds),
    watchMailQueue(stats) {
      mailQueue = stats;
    },
    signIn: (outcome, method) => signIns.inc({ outcome, method }),
    secondFactor: (method, outcome) => secondFactors.inc({ method, outcome }),
    rateLimited: (limiter) => refusals.inc({ limiter }),
    sessionCreated: () => sessionsCreated.inc(),
    sessionsRevoked(reason, count) {
      if (count > 0) sessionsRevoked.inc({ reason }, count);
    },
    sessionCacheLookup: (hit) => (hit ? cacheHits : cacheMisses).inc(),
    mailFailed: (kind) => mailFailures.inc({ kind }),
  };
}
