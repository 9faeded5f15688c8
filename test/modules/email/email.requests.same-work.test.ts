// security.md §5, §8: forgot-password and verify-request (by address) do the same work for an
// address with an account and one without, not only give the same answer: the request writes one
// sealed queue row of the same kind and runs the same statements, and nothing runs after the
// answer; the account lookup and the real mail happen later in the queue job (ASVS 6.3.8). Proved
// by recording every SQL statement the app runs, not by timing.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { deliverDueMail } from '../../../src/jobs/mail-queue.ts';
import { addressRequestJobs } from '../../../src/modules/accounts/email-ownership.ts';
import { Client, signedUpBrowser, uniqueEmail } from '../../support/client.ts';
import { pendingMailCount, queuedCount } from '../../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../../support/suites.ts';

/** Records the SQL text (parameters apart) of every statement the app runs through ctx.db. */
class StatementRecorder implements KyselyPlugin {
  private statements: string[] = [];
  private lastActivity = Date.now();
  private readonly compile: (args: PluginTransformQueryArgs) => string;
  constructor(compile: (args: PluginTransformQueryArgs) => string) {
    this.compile = compile;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements.push(this.compile(args));
    this.lastActivity = Date.now();
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.lastActivity = Date.now();
    return args.result;
  }

  /** Waits until no statement has started or finished for a while, then hands over what ran. */
  async settle(): Promise<string[]> {
    this.lastActivity = Date.now();
    while (Date.now() - this.lastActivity < 250) await new Promise((resolve) => setTimeout(resolve, 25));
    const taken = this.statements;
    this.statements = [];
    return taken;
  }
}

// The queue worker is held back (it polls every 10 minutes) so the test sees the request's own work.
describeWithMailOnEachDatabase('forgot-password and verify-request do the same work for known and unknown addresses', { env: { MAIL_POLL_INTERVAL_MS: '600000' }, rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
  let recorder: StatementRecorder;
  before(async () => {
    const executor = t.ctx.db.getExecutor();
    recorder = new StatementRecorder(({ node, queryId }) => executor.compileQuery(node, queryId).sql);
    t.ctx.db = t.ctx.db.withPlugin(recorder);
  });

  /** Runs the queue as the worker would until it is empty: jobs first, then the mail they queued. */
  async function runQueue(): Promise<void> {
    while ((await pendingMailCount(t)) > 0) await deliverDueMail(t.ctx, t.app.log, addressRequestJobs);
  }

  async function statementsOf(url: string, email: string): Promise<string[]> {
    await recorder.settle();
    const response = await new Client(t.app).post(url, { email });
    assert.equal(response.statusCode, 202, response.body);
    return recorder.settle();
  }

  for (const route of [
    { url: '/api/auth/password/forgot', job: 'password_reset_request', subject: /Reset your password/ },
    { url: '/api/auth/email/verify/request', job: 'email_verification_request', subject: /Confirm your email address/ },
  ]) {
    it(`${route.url}: the same statements and one "${route.job}" queue row for either address; only the account's owner is mailed (ASVS 6.3.8)`, async () => {
      const { email: known } = await signedUpBrowser(t.app);
      await runQueue();
      const unknown = uniqueEmail('nobody');
      const sentBefore = smtp.mailsTo(known).filter((m) => route.subject.test(m.subject)).length;
      const jobsBefore = await queuedCount(t, route.job);

      const forKnown = await statementsOf(route.url, known);
      const forUnknown = await statementsOf(route.url, unknown);
      assert.deepEqual(forKnown, forUnknown, 'the same statements, in the same order');
      assert.equal(forKnown.length, 1, forKnown.join('\n'));
      assert.match(forKnown[0]!, /^insert into "mail_queue"/);
      assert.equal(await queuedCount(t, route.job), jobsBefore + 2, 'one job row each, of the same kind');
      const jobRows = await t.ctx.db.selectFrom('mail_queue').select('payload_encrypted').where('kind', '=', route.job).where('sent_at', 'is', null).execute();
      for (const row of jobRows) assert.ok(!row.payload_encrypted.includes('@'), 'the address waits sealed');

      await runQueue();
      assert.equal(smtp.mailsTo(known).filter((m) => route.subject.test(m.subject)).length, sentBefore + 1, 'the owner got the link');
      assert.deepEqual(smtp.mailsTo(unknown), [], 'nothing went to the unknown address');
    });
  }
});
