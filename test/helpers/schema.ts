/**
 * Validation of every JSON document the tests see against schema/: the report
 * (report.schema.json), `diff --format json` (diff.schema.json, which shares the report's
 * findings), `advise --format json` (advise.schema.json) and `fleet --format json`
 * (fleet.schema.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { repoRoot } from './corpus.js';

const load = (name: string) => JSON.parse(readFileSync(path.join(repoRoot, 'schema', name), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addSchema(load('report.schema.json'));
const validators = {
  report: ajv.getSchema('https://pprof-diag.dev/schema/report/1.json')!,
  diff: ajv.compile(load('diff.schema.json')),
  advise: ajv.compile(load('advise.schema.json')),
  fleet: ajv.compile(load('fleet.schema.json')),
};
export type SchemaName = keyof typeof validators;

function errorsOf(validate: ValidateFunction, doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** The schema's complaints about a document ([] when it conforms). */
export function schemaErrors(doc: unknown, schema: SchemaName = 'report'): string[] {
  return errorsOf(validators[schema], doc);
}

/** Parse a JSON report (or diff, or advice) and check it against its schema. */
export function parseReport(text: string, schema: SchemaName = 'report'): any {
  const doc = JSON.parse(text);
  expect(schemaErrors(doc, schema)).toEqual([]);
  return doc;
}
