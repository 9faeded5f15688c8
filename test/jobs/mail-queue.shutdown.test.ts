// Shutdown returns claimed mail (README "Stopping"): a pass that is told to stop finishes the message
// in hand and gives every other claim back to the queue, due at once and not counted as an attempt.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { deliverDueMail } from '../../src/jobs/mail-queue.ts';
import { enqueueMail } from '../../src/outbox/mail-outbox.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

// The app's own worker waits out the test, so only the pass below claims.
describeOnEachDatabase('mail worker stopping mid-pass', { env: { MAIL_POLL_INTERVAL_MS: '600000' } }, (t) => {
  it('sends the message in hand and returns the other claimed messages to the queue, lease cleared', async () => {
    for (const n of [1, 2, 3]) {
      await enqueueMail(t.ctx, t.ctx.db, 'test', { to: `queued${n}@example.com`, subject: `message ${n}`, text: 'hello', html: '<p>hello</p>' });
    }
    let stopping = false;
    const originalSend = t.ctx.mail.send.bind(t.ctx.mail);
    t.ctx.mail.send = async (message) => {
      await originalSend(message);
      stopping = true; // the signal comes while the first message is being sent
    };
    try {
      assert.equal(await deliverDueMail(t.ctx, t.app.log, {}, () => stopping), 1, 'only the message in hand is sent');
    } finally {
      t.ctx.mail.send = originalSend;
    }
    const rows = await t.ctx.db.selectFrom('mail_queue').select(['sent_at', 'locked_until', 'attempts']).where('kind', '=', 'test').orderBy('sent_at').execute();
    assert.equal(rows.filter((row) => row.sent_at !== null).length, 1);
    const returned = rows.filter((row) => row.sent_at === null);
    assert.equal(returned.length, 2);
    for (const row of returned) assert.deepEqual({ locked_until: row.locked_until, attempts: row.attempts }, { locked_until: null, attempts: 0 }, 'pending again, lease cleared, no attempt spent');
    assert.equal(await deliverDueMail(t.ctx, t.app.log), 2, 'the next pass (any instance) sends them');
  });
});
