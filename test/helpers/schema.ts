/** Validation of every JSON report the tests see against schema/report.schema.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { repoRoot } from './corpus.js';

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'report.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

/** The schema's complaints about a document ([] when it conforms). */
export function schemaErrors(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Parse a JSON report and check it against the schema. */
export function parseReport(text: string): any {
  const doc = JSON.parse(text);
  expect(schemaErrors(doc)).toEqual([]);
  return doc;
}
