// Ended sessions do not accumulate forever (security.md §3): 90 days after they end they
// are deleted; live and recently ended ones stay.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { purgeEndedSessions } from '../../../src/modules/sessions/service.ts';
import { signedUpBrowser } from '../../support/client.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';

describeOnEachDatabase('session clean-up', (t) => {
  it('deletes sessions that ended more than 90 days ago and keeps the rest', async () => {
    const { user } = await signedUpBrowser(t.app);
    const live = await signedUpBrowser(t.app);
    const day = 86400_000;
    const now = t.clock.now();
    const ended = await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    await t.ctx.db.updateTable('sessions').set({ expires_at: new Date(now.getTime() - 91 * day) }).where('id', '=', ended.id).execute();
    const { client: recent } = await signedUpBrowser(t.app);
    await recent.post('/api/auth/logout');

    const deleted = await purgeEndedSessions(t.ctx.db, now);
    assert.equal(deleted, 1);
    const remaining = await t.ctx.db.selectFrom('sessions').select(['id', 'user_id']).execute();
    assert.ok(!remaining.some((s) => s.id === ended.id), 'the long-ended session is gone');
    assert.ok(remaining.some((s) => s.user_id === live.user.id), 'a live session stays');
    assert.equal(remaining.length, 2, 'the recently signed-out session stays for its 90 days');
  });
});
