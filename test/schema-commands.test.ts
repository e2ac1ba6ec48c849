/**
 * `diff --format json` and `advise --format json` have shapes of their own, published as
 * schema/diff.schema.json and schema/advise.schema.json: every output here is checked against
 * them, and they reject what does not conform.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/corpus.js';
import { parseReport, schemaErrors } from './helpers/schema.js';

const BIN = path.join(repoRoot, 'bin', 'pprof-diag.js');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

// the scenarios captured twice, a while apart: goroutine.* then goroutine.2.*
const PAIRS = ['chan-leak/go1.19', 'chan-leak/go1.24', 'chan-leak/go1.27', 'http-client-body-leak/go1.27', 'sql-rows-leak/go1.19', 'sql-rows-leak/go1.24', 'sql-rows-leak/go1.27', 'waitgroup-stuck/go1.27'];

describe('diff --format json', () => {
  for (const rel of PAIRS) {
    it(`conforms to diff.schema.json for ${rel}, in every goroutine form`, () => {
      const dir = path.join(repoRoot, 'samples', rel);
      for (const form of ['pb.gz', 'debug1.txt', 'debug2.txt']) {
        const before = path.join(dir, `goroutine.${form}`);
        const after = path.join(dir, `goroutine.2.${form}`);
        expect(existsSync(after), after).toBe(true);
        const r = run(['diff', '--format', 'json', '--top', '1000', before, after]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const doc = parseReport(r.stdout, 'diff');
        expect(doc.inputs).toEqual({ before, after });
        expect(doc.delta).toBe(doc.after - doc.before);
        expect(doc.buckets.length).toBeGreaterThan(0);
      }
    });
  }

  it('rejects diffs that do not conform', () => {
    const dir = path.join(repoRoot, 'samples', 'sql-rows-leak', 'go1.27');
    const good = parseReport(run(['diff', '--format', 'json', path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'goroutine.2.pb.gz')]).stdout, 'diff');
    expect(good.findings.map((f: { id: string }) => f.id)).toContain('sql-rows-leak');
    const bad = (f: (d: any) => void) => {
      const d = structuredClone(good);
      f(d);
      return schemaErrors(d, 'diff');
    };
    expect(bad((d) => delete d.findings)).not.toEqual([]);
    expect(bad((d) => (d.findings[0].severity = 'bad'))).not.toEqual([]);
    expect(bad((d) => (d.signatures[0].role = 'victim'))).not.toEqual([]);
    expect(bad((d) => (d.buckets[0].delta = 1.5))).not.toEqual([]);
    expect(bad((d) => (d.extra = 1))).not.toEqual([]);
    // a report is not a diff
    expect(schemaErrors(good, 'report')).not.toEqual([]);
  });
});

describe('advise --format json', () => {
  const cases = [
    ['--qps', '400', '--latency', '50ms', '--instances', '4', '--server-max-connections', '200'],
    ['--qps', '5000', '--latency', '0.2s', '--instances', '20', '--server-max-connections', '100'], // capped
    ['--qps', '1', '--latency', '1ms'],
    ['--qps', '300', '--latency', '30ms', '--pools', '2'],
  ];
  it('conforms to advise.schema.json', () => {
    const docs = cases.map((c) => {
      const r = run(['advise', ...c, '--format', 'json']);
      expect(r.code).toBe(0);
      return parseReport(r.stdout, 'advise');
    });
    expect(docs.map((d) => d.capped)).toEqual([false, true, false, false]);
    expect(docs[1].notes.length).toBeGreaterThan(0);
  });

  it('rejects advice that does not conform', () => {
    const good = parseReport(run(['advise', ...cases[0]!, '--format', 'json']).stdout, 'advise');
    const bad = (f: (d: any) => void) => {
      const d = structuredClone(good);
      f(d);
      return schemaErrors(d, 'advise');
    };
    expect(bad(() => {})).toEqual([]);
    expect(bad((d) => (d.maxOpenConns = 0))).not.toEqual([]);
    expect(bad((d) => delete d.pgxpool.pool_max_conns)).not.toEqual([]);
    expect(bad((d) => (d.pgxpool.pool_max_conn_lifetime = 'an hour'))).not.toEqual([]);
    expect(bad((d) => (d.serverBudget = '160'))).not.toEqual([]);
  });
});
