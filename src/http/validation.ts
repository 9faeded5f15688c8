// Request validation (docs/api.md: every route validates body, query and params by schema). Bodies
// are JSON and are checked as sent: a number where a string belongs is refused, not converted.
// Query strings and path parameters are text by nature, so there "20" may become the number 20.
import type { FastifyInstance } from 'fastify';
import { Ajv, type Options } from 'ajv';
import formatsPlugin from 'ajv-formats';

type FormatsPlugin = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS: under ESM its function may arrive wrapped once more in `default`.
const addFormats = ((formatsPlugin as unknown as { default?: FormatsPlugin }).default ?? formatsPlugin) as unknown as FormatsPlugin;

function validator(options: Options): Ajv {
  // Unknown fields are refused rather than silently dropped.
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, allErrors: false, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

export function registerValidation(app: FastifyInstance): void {
  const strict = validator({ coerceTypes: false });
  const fromText = validator({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : fromText).compile(schema));
}
