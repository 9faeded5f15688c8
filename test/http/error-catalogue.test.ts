// One error catalogue (src/error-catalogue.ts): each code answers one status, the OpenAPI document
// clients generate from says the same, every code an operation can answer is documented on one,
// and every code the source raises is catalogued (docs/api.md, Requests and answers).
// The document does not depend on the database: PGlite only.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ERROR_CATALOGUE } from '../../src/error-catalogue.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

interface ErrorSchema {
  properties?: { code?: { enum?: string[] } };
}
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: ErrorSchema }> }> }>>;
}

const catalogue: Record<string, { status: number; outsideOperations?: string }> = ERROR_CATALOGUE;
const source = path.resolve(import.meta.dirname, '../../src');

/** Every `new AppError('CODE'` in src/, with the file it is in. */
async function raisedCodes(): Promise<Map<string, string>> {
  const raised = new Map<string, string>();
  for (const file of await readdir(source, { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const text = await readFile(path.join(source, file), 'utf8');
    for (const match of text.matchAll(/new AppError\(\s*'([A-Z0-9_]+)'/g)) raised.set(match[1]!, file);
  }
  return raised;
}

describe('the error catalogue and the OpenAPI document agree: one status per code', () => {
  let t: TestApp;
  /** code → the statuses under which the document lists it, and where. */
  const documented = new Map<string, Map<number, string[]>>();

  before(async () => {
    t = await createTestApp('pglite');
    const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json() as Document;
    for (const [documentedPath, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const [status, answer] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          const codes = answer.content?.['application/json']?.schema?.properties?.code?.enum;
          assert.ok(codes && codes.length > 0, `${method} ${documentedPath} ${status} lists the codes it can carry`);
          for (const code of codes) {
            const statuses = documented.get(code) ?? new Map<number, string[]>();
            statuses.set(Number(status), [...(statuses.get(Number(status)) ?? []), `${method} ${documentedPath}`]);
            documented.set(code, statuses);
          }
        }
      }
    }
  });
  after(() => t.close());

  it('documents no code under two statuses, and each under the status the catalogue gives it', () => {
    const conflicts: string[] = [];
    for (const [code, statuses] of documented) {
      if (statuses.size > 1) conflicts.push(`${code} answers ${[...statuses.keys()].join(' and ')}`);
      for (const [status, where] of statuses) {
        if (catalogue[code]?.status !== status) conflicts.push(`${code} is documented as ${status} on ${where[0]}, the catalogue says ${catalogue[code]?.status ?? 'nothing'}`);
      }
    }
    assert.deepEqual(conflicts, []);
  });

  it('documents every code an operation can answer on at least one operation, and none answered outside them', () => {
    const undocumented = Object.entries(catalogue)
      .filter(([code, entry]) => entry.outsideOperations === undefined && !documented.get(code)?.has(entry.status))
      .map(([code, entry]) => `${entry.status} ${code}`);
    assert.deepEqual(undocumented, []);
    const outside = Object.entries(catalogue).filter(([code, entry]) => entry.outsideOperations !== undefined && documented.has(code));
    assert.deepEqual(outside, [], 'a code answered before any route (or never planned) is not listed on an operation');
  });

  it('catalogues every code the source raises', async () => {
    const raised = await raisedCodes();
    assert.ok(raised.size >= 30, `the scan finds the codes raised in src/ (${raised.size})`);
    const missing = [...raised].filter(([code]) => !(code in catalogue)).map(([code, file]) => `${code} (${file})`);
    assert.deepEqual(missing, []);
  });
});
