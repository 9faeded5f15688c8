// The Content-Security-Policy (security.md §9): `base-uri 'none'` and `frame-ancestors 'none'`
// always (ASVS 3.4.3, 3.4.6), and `upgrade-insecure-requests` only under an https PUBLIC_URL: on a
// plain-http one it would make browsers fetch the page script over https and never run it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client } from '../support/client.ts';
import { databaseKinds } from '../support/databases.ts';

function directives(csp: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of String(csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values.join(' '));
  }
  return map;
}

for (const kind of databaseKinds) {
  describe(`Content-Security-Policy (${kind})`, () => {
    const apps: Record<string, TestApp> = {};
    before(async () => {
      apps.plain = await createTestApp(kind, { env: { PUBLIC_URL: 'http://gatehouse.internal:3000' } });
      apps.https = await createTestApp(kind, { env: { PUBLIC_URL: 'https://auth.example.com' } });
    });
    after(async () => {
      for (const app of Object.values(apps)) await app.close();
    });

    it("base-uri 'none' and frame-ancestors 'none' on pages and API answers, and X-Frame-Options DENY (ASVS 3.4.3, 3.4.6)", async () => {
      for (const [name, t] of Object.entries(apps)) {
        for (const url of ['/reset-password', '/forgot-password', '/api/auth/session', '/healthz']) {
          const response = await new Client(t.app).get(url);
          const csp = directives(response.headers['content-security-policy']);
          assert.equal(csp.get('base-uri'), "'none'", `${name} ${url}: ${response.headers['content-security-policy']}`);
          assert.equal(csp.get('frame-ancestors'), "'none'", `${name} ${url}`);
          assert.equal(csp.get('default-src'), "'self'", `${name} ${url}`);
          assert.equal(response.headers['x-frame-options'], 'DENY', `${name} ${url}`);
        }
      }
    });

    it('upgrade-insecure-requests only when PUBLIC_URL is https', async () => {
      for (const url of ['/reset-password', '/api/auth/session']) {
        const plain = directives((await new Client(apps.plain!.app).get(url)).headers['content-security-policy']);
        assert.equal(plain.has('upgrade-insecure-requests'), false, `plain http ${url}: the page script must load over http`);
        const secure = directives((await new Client(apps.https!.app).get(url)).headers['content-security-policy']);
        assert.equal(secure.has('upgrade-insecure-requests'), true, `https ${url}`);
      }
    });
  });
}
