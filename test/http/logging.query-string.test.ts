// The request log writes a URL's path and the names of its query parameters, never a value:
// whatever the parameter is called, its value may be a secret someone put in a URL (a password
// sent by a form without its script, a token pasted into an API call). security.md §10, ASVS 16.2.5.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loggableUrl } from '../../src/logging.ts';
import { Client } from '../support/client.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

describe('loggableUrl', () => {
  it('keeps the path and the parameter names, drops every value and the fragment', () => {
    assert.equal(loggableUrl('/reset-password?token=abc&newPassword=hunter2'), '/reset-password?token&newPassword');
    assert.equal(loggableUrl('/api/auth/events?cursor=5&limit=10#top'), '/api/auth/events?cursor&limit');
    assert.equal(loggableUrl('/healthz'), '/healthz');
    assert.equal(loggableUrl('/healthz?'), '/healthz');
  });

  it('a "name" that does not look like one (a pasted token, a broken escape) is written as _', () => {
    assert.equal(loggableUrl(`/verify-email?${'A'.repeat(43)}`), '/verify-email?_');
    assert.equal(loggableUrl('/x?%E0%A4%A=1&ok=2'), '/x?_&ok');
    assert.equal(loggableUrl('/x?a%40b.example=1'), '/x?_');
  });
});

describeOnEachDatabase('request log: query-string values never reach it', (t) => {
  it('values under any name, on pages, API routes, refusals and unknown paths, are absent; the names are there', async () => {
    const unique = randomBytes(6).toString('hex');
    const values = {
      newPassword: `Plain-Password-${unique}`,
      email: `victim.${unique}@example.com`,
      token: `tok${unique}`.padEnd(43, 'x'),
      innocuous: `looks-harmless-${unique}`,
      bare: `bare${unique}`.padEnd(43, 'y'),
    };
    const firstLine = t.logs.length;
    const client = new Client(t.app);
    const urls = [
      `/reset-password?token=${values.token}&newPassword=${values.newPassword}`,
      `/forgot-password?email=${encodeURIComponent(values.email)}`,
      `/verify-email?${values.bare}`,
      `/api/auth/events?limit=${values.innocuous}`,
      `/api/auth/session?q=${values.innocuous}&email=${values.email}`,
      `/nowhere?newPassword=${values.newPassword}`,
    ];
    for (const url of urls) assert.ok((await client.get(url)).statusCode < 500, url);

    const logged = t.logs.slice(firstLine).join('\n');
    const requestUrls = t.logs.slice(firstLine).map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url).filter(Boolean);
    assert.ok(requestUrls.includes('/reset-password?token&newPassword'), `the page request was logged by path and names: ${requestUrls.join(' ')}`);
    assert.ok(requestUrls.includes('/api/auth/session?q&email'), 'the API request too');
    assert.ok(requestUrls.includes('/verify-email?_'), 'a bare value in place of a name is blanked');
    for (const [what, value] of Object.entries(values)) {
      assert.ok(!logged.includes(value), `the ${what} value is in the log`);
      assert.ok(!logged.includes(encodeURIComponent(value)), `the ${what} value, URL-encoded, is in the log`);
    }
  });
});
