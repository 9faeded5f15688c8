// How the server serves the built web app (security.md §9): every app path answers the same
// index.html, never cached, under the strict policy (no inline script or style: the built page
// holds none), with a Referrer-Policy that keeps the Origin on the app's own requests; hashed
// files are cached for good; unknown paths stay 404 in the error shape.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client } from '../support/client.ts';
import { ensureWebAppBuilt } from '../support/web-app.ts';

function directives(csp: unknown): Map<string, string> {
  return new Map(String(csp ?? '').split(';').map((part) => {
    const [name = '', ...values] = part.trim().split(/\s+/);
    return [name, values.join(' ')] as const;
  }));
}

describe('the web app as served (pglite)', () => {
  let t: TestApp;
  before(async () => {
    await ensureWebAppBuilt();
    t = await createTestApp('pglite');
  });
  after(async () => {
    await t?.close();
  });

  it('answers index.html on every app path: no-store, same-origin referrer, script-src and style-src self only (ASVS 3.4.3)', async () => {
    const bodies = new Set<string>();
    for (const path of ['/', '/login', '/register', '/login/2fa', '/settings']) {
      const response = await new Client(t.app).get(path);
      assert.equal(response.statusCode, 200, path);
      assert.match(String(response.headers['content-type']), /^text\/html/, path);
      assert.equal(response.headers['cache-control'], 'no-store', path);
      assert.equal(response.headers['referrer-policy'], 'same-origin', path);
      const csp = directives(response.headers['content-security-policy']);
      assert.equal(csp.get('script-src'), "'self'", path);
      assert.equal(csp.get('style-src'), "'self'", path);
      bodies.add(response.body);
    }
    assert.equal(bodies.size, 1, 'one page for every path');
  });

  it('the built page has no inline script, inline style or style attribute, and its hashed files are immutable', async () => {
    const html = (await new Client(t.app).get('/')).body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0, 'the app has a script');
    for (const [, attributes, content] of scripts) {
      assert.match(attributes ?? '', /\bsrc="\/assets\/[^"]+\.js"/, 'every script is a file');
      assert.equal(content?.trim(), '', 'and empty inline');
    }
    assert.doesNotMatch(html, /<style\b|\sstyle=/i);
    for (const [, asset] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
      const response = await new Client(t.app).get(asset!);
      assert.equal(response.statusCode, 200, asset);
      assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable', asset);
    }
  });

  it('a path that is neither the app, a link page nor an asset is a 404 in the error shape', async () => {
    for (const path of ['/nowhere', '/assets/missing-file.js']) {
      const response = await new Client(t.app).get(path);
      assert.equal(response.statusCode, 404, path);
      assert.equal(response.json().success, false, path);
    }
  });
});
