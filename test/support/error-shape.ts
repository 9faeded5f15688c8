// docs/api.md (Requests and answers): every error body is {success: false, code, message, fields?}, never a stack trace.
// Shared by the web-safety and rate-limit tests.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';

const SPEC_ERROR_KEYS = new Set(['success', 'code', 'message', 'fields']);

// A V8 stack frame ("    at fn (file:///x.ts:1:2)"), a source position, or a dependency path.
const STACK_TRACE = /\n\s*at |\bat \S+ \(|\b(?:file|node):\/*\S|\.[cm]?[jt]s:\d+|node_modules|\bstack\b/i;

export interface ErrorBody {
  success: false;
  code: string;
  message: string;
  fields?: Record<string, string>;
}

export function assertNoStackTrace(body: string): void {
  assert.doesNotMatch(body, STACK_TRACE, `no stack trace or source path in the answer: ${body.slice(0, 500)}`);
}

/**
 * Asserts a 4xx (or the given status) with exactly the docs/api.md error shape and returns the body.
 * A 5xx always fails: bad input must never be a server error.
 */
export function assertErrorShape(response: LightMyRequestResponse, expected: { status?: number; code?: string } = {}): ErrorBody {
  const where = `${response.statusCode} ${response.body.slice(0, 500)}`;
  if (expected.status !== undefined) assert.equal(response.statusCode, expected.status, where);
  else assert.ok(response.statusCode >= 400 && response.statusCode < 500, `expected a 4xx answer, got ${where}`);
  assert.match(String(response.headers['content-type']), /^application\/json/, `JSON error body: ${where}`);
  assertNoStackTrace(response.body);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    assert.fail(`the error body is not JSON: ${where}`);
  }
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), `an object: ${where}`);
  assert.deepEqual(Object.keys(body).filter((key) => !SPEC_ERROR_KEYS.has(key)), [], `only success, code, message, fields: ${where}`);
  assert.equal(body.success, false, where);
  assert.equal(typeof body.code, 'string', where);
  assert.match(body.code as string, /^[A-Z][A-Z0-9_]*$/, `a stable upper-case code: ${where}`);
  assert.equal(typeof body.message, 'string', where);
  assert.ok((body.message as string).trim().length > 0, `a human message: ${where}`);
  if ('fields' in body) {
    const fields = body.fields as Record<string, unknown>;
    assert.ok(fields !== null && typeof fields === 'object' && !Array.isArray(fields), `fields is an object: ${where}`);
    assert.ok(Object.keys(fields).length > 0, `fields names at least one field when present: ${where}`);
    for (const [name, text] of Object.entries(fields)) assert.equal(typeof text, 'string', `fields.${name} is a string: ${where}`);
  }
  if (expected.code !== undefined) assert.equal(body.code, expected.code, where);
  return body as unknown as ErrorBody;
}

/** The same check on an already-parsed body, with the expected code. */
export function assertErrorBody(body: Record<string, unknown>, code: string): void {
  assert.equal(body.success, false);
  assert.equal(body.code, code);
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0);
  assert.deepEqual(Object.keys(body).filter((key) => !SPEC_ERROR_KEYS.has(key)), [], 'only success, code, message, fields');
}

/** A one-time link's token that is expired, used, superseded or tampered with: one answer for all. */
export function assertInvalidToken(response: LightMyRequestResponse): void {
  assertErrorShape(response, { status: 400, code: 'INVALID_TOKEN' });
}
