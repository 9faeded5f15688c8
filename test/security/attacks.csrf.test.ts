// Cross-site request forgery against every state-changing route (ASVS 3.5.1-3.5.3, security.md §9): with
// the session cookie, a request with no Origin or Referer, Origin "null", a look-alike origin or
// Sec-Fetch-Site: cross-site is refused with 403 CSRF_REJECTED; the content types a cross-site form
// can send (text/plain, urlencoded, multipart) are refused cross-site on every route, and on the API
// even from our own origin; none of it has any effect.
// test/http/web-safety.csrf.test.ts checks each variant in depth on the profile route and a few
// others; this sweeps every unsafe route the app registers, so a new route cannot miss the check.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PUBLIC_ORIGIN } from '../support/app.ts';
import { signedUpBrowser } from '../support/client.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { concreteUrl, registeredRoutes } from '../support/registered-routes.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

type UnsafeMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Header sets a cross-site page (or a crafted link) can make a browser send with its cookie. */
const CROSS_SITE: [string, Record<string, string>][] = [
  ['no Origin and no Referer', { origin: '' }],
  ['Origin null', { origin: 'null' }],
  ['a look-alike host suffix', { origin: `${PUBLIC_ORIGIN}.evil.example` }],
  ['a look-alike host prefix', { origin: 'http://evil-localhost:3000' }],
  ['a subdomain', { origin: 'http://sub.localhost:3000' }],
  ['another port', { origin: 'http://localhost:3001' }],
  ['another scheme', { origin: 'https://localhost:3000' }],
  ['no port', { origin: 'http://localhost' }],
  ['a foreign Referer and no Origin', { origin: '', referer: 'https://evil.example/?next=http://localhost:3000/' }],
  ['Sec-Fetch-Site: cross-site with our Origin', { 'sec-fetch-site': 'cross-site' }],
];

/** Bodies a cross-site HTML form or no-cors fetch can send without a preflight. */
const SIMPLE_BODIES: [string, string][] = [
  ['text/plain', '{"displayName":"Forged"}'],
  ['application/x-www-form-urlencoded', 'displayName=Forged'],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="displayName"\r\n\r\nForged\r\n--x--'],
];

describeOnEachDatabase('attack: CSRF on every state-changing route', (t) => {
  const unsafeRoutes = () => registeredRoutes(t.app).filter((route) => route.method !== 'GET' && route.method !== 'OPTIONS').map((route) => ({ method: route.method as UnsafeMethod, url: concreteUrl(route.url) }));

  /** The victim's signed-in browser, and a way to see that nothing happened to the account. */
  async function victim() {
    const { client, user } = await signedUpBrowser(t.app, { displayName: 'Original Name' });
    const snapshot = async () => ({
      user: await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow(),
      events: (await t.ctx.db.selectFrom('security_events').select('id').where('user_id', '=', user.id).execute()).length,
      sessions: (await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).where('revoked_at', 'is', null).execute()).length,
    });
    return { client, snapshot };
  }

  it('each cross-site header variant → 403 CSRF_REJECTED on every unsafe route, with no effect', async () => {
    const routes = unsafeRoutes();
    assert.ok(routes.length >= 20, `every unsafe route (${routes.length})`);
    const { client, snapshot } = await victim();
    const before = await snapshot();
    const passed: string[] = [];
    for (const route of routes) {
      for (const [variant, headers] of CROSS_SITE) {
        const response = await client.request(route.method, route.url, route.method === 'DELETE' ? undefined : {}, headers);
        if (response.statusCode !== 403) passed.push(`${route.method} ${route.url} with ${variant} → ${response.statusCode}`);
        else assertErrorShape(response, { status: 403, code: 'CSRF_REJECTED' });
      }
    }
    assert.deepEqual(passed, [], 'refused as CSRF');
    assert.deepEqual(await snapshot(), before, 'account, events and sessions unchanged');
    assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'still signed in');
  });

  it('form and text/plain bodies are refused on every unsafe route cross-site (403), and on the API even from our origin (415), with no effect', async () => {
    const { client, snapshot } = await victim();
    const before = await snapshot();
    const passed: string[] = [];
    for (const route of unsafeRoutes()) {
      for (const [contentType, payload] of SIMPLE_BODIES) {
        const foreign = await client.request(route.method, route.url, payload, { 'content-type': contentType, origin: 'https://evil.example' });
        if (foreign.statusCode !== 403) passed.push(`${route.method} ${route.url} ${contentType} cross-site → ${foreign.statusCode}`);
        // The link pages take their own form posts by design; the API takes JSON only.
        if (!route.url.startsWith('/api/')) continue;
        const own = await client.request(route.method, route.url, payload, { 'content-type': contentType });
        if (own.statusCode !== 415) passed.push(`${route.method} ${route.url} ${contentType} from our origin → ${own.statusCode}`);
        else assertErrorShape(own, { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      }
    }
    assert.deepEqual(passed, []);
    assert.deepEqual(await snapshot(), before, 'account, events and sessions unchanged');
  });
});
