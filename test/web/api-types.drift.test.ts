// The web app's API types (web/src/api/schema.d.ts, operations.ts) are generated from the server's
// OpenAPI document and checked in; this fails when a route's schema changed and they were not
// regenerated (`npm run api:types`), so the client can never silently disagree with the server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fetchOpenApiDocument, generateApiFiles, OPERATIONS_FILE, SCHEMA_FILE } from '../../scripts/api-types.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

describe('the web app API types match the running server', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('pglite');
  });
  after(async () => {
    await t?.close();
  });

  it('schema.d.ts and operations.ts are what `npm run api:types` makes from GET /api/openapi.json', async () => {
    const generated = await generateApiFiles(await fetchOpenApiDocument(t.app));
    const stale = 'is stale: run `npm run api:types` and commit the result';
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), generated.schema, `web/src/api/schema.d.ts ${stale}`);
    assert.equal(readFileSync(OPERATIONS_FILE, 'utf8'), generated.operations, `web/src/api/operations.ts ${stale}`);
  });

  it('every operation the document lists has a client method (operations.ts names them all)', async () => {
    const document = await fetchOpenApiDocument(t.app);
    const ids = Object.values(document.paths ?? {}).flatMap((item) => Object.values(item as Record<string, { operationId?: string }>).map((operation) => operation.operationId));
    const { OPERATIONS } = await import('../../web/src/api/operations.ts');
    assert.deepEqual(Object.keys(OPERATIONS).sort(), ids.filter((id): id is string => typeof id === 'string').sort());
  });
});
