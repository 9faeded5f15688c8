// Prototype keys in JSON bodies (ASVS 1.5.2, 2.2.1): `__proto__` and `constructor.prototype`, at the
// top level and nested, on every route that takes a body — the ones test/http/web-safety.input.test.ts
// sweeps by hand and every other one, found from the app's own OpenAPI document — are refused with
// 400 in the error shape, never a 500, pollute nothing and change nothing for the caller.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { signedUpBrowser } from '../support/client.ts';
import { assertErrorShape } from '../support/error-shape.ts';
import { concreteUrl } from '../support/registered-routes.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const PAYLOADS = [
  '{"__proto__":{"polluted":"yes","role":"ADMIN"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"displayName":"x","nested":{"__proto__":{"polluted":"yes"}}}',
  '{"__proto__":null}',
];

describeOnEachDatabase('attack: prototype keys in JSON bodies', (t) => {
  it('every route with a body refuses them with 400, and nothing is polluted or changed', async () => {
    const openapi = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const routes = Object.entries(openapi.paths).flatMap(([path, operations]) =>
      Object.entries(operations).filter(([, operation]) => operation.requestBody !== undefined).map(([method]) => ({ method: method.toUpperCase() as Method, url: concreteUrl(path.replace(/\{(\w+)\}/g, ':$1')) })));
    assert.ok(routes.length >= 15, `every route with a body (${routes.length})`);
    const { client, user } = await signedUpBrowser(t.app, { displayName: 'Original Name' });
    const before = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    const answers: string[] = [];
    for (const route of routes) {
      for (const payload of PAYLOADS) {
        const response = await client.request(route.method, route.url, payload);
        if (response.statusCode !== 400) answers.push(`${route.method} ${route.url} ${payload} → ${response.statusCode} ${response.body.slice(0, 100)}`);
        else assertErrorShape(response, { status: 400 });
      }
    }
    assert.deepEqual(answers, [], 'refused with 400');
    const probe: Record<string, unknown> = {};
    assert.equal(probe.polluted, undefined, 'Object.prototype is untouched');
    assert.equal(probe.role, undefined);
    const after = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.deepEqual(after, before, 'the account is unchanged');
    assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'still signed in');
  });
});
