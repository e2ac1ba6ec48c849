/**
 * schema/report.schema.json describes every JSON report: those of every samples/ scenario (each
 * Go version, each goroutine form, traces, several inputs at once) and of the corpus; and it is
 * strict enough to reject what does not conform.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/analyze/diagnose.js';
import { analyzeDecoded } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import { jsonReport } from '../src/report/json.js';
import { REDACTION_NOTE } from '../src/report/redact.js';
import { readFileSync } from 'node:fs';
import { corpusFile, manifest, repoRoot } from './helpers/corpus.js';
import { parseReport, schemaErrors } from './helpers/schema.js';

function report(files: string[]): string {
  const analyses = files.map((f) => analyzeDecoded(path.relative(repoRoot, f), decode(new Uint8Array(readFileSync(f)))));
  return jsonReport(analyses, [{ path: 'missing.pb.gz', message: 'no such file' }], { toolVersion: '0.0.0', diagnosis: diagnose(analyses) });
}

const samplesDir = path.join(repoRoot, 'samples');

describe('the JSON report schema', () => {
  for (const s of readdirSync(samplesDir).filter((d) => existsSync(path.join(samplesDir, d, 'scenario.json')))) {
    for (const v of readdirSync(path.join(samplesDir, s)).filter((d) => /^go1\.\d+$/.test(d))) {
      it(`describes the reports of ${s} ${v}`, () => {
        const dir = path.join(samplesDir, s, v);
        const all = readdirSync(dir).filter((f) => /^(goroutine|goroutineleak)(\.2)?\.(pb\.gz|debug1\.txt|debug2\.txt)$|^(heap|cpu|block|mutex)\.pb\.gz$|^trace\.out$/.test(f));
        expect(all.length).toBeGreaterThan(0);
        for (const f of all) parseReport(report([path.join(dir, f)]));
        const doc = parseReport(report(all.map((f) => path.join(dir, f))));
        expect(doc.inputs.length).toBe(all.length);
        const trace = doc.inputs.find((i: { kind: string }) => i.kind === 'trace');
        if (trace) {
          expect(trace.blocking.map((b: { type: string }) => b.type)).toEqual(['net', 'sync', 'syscall', 'sched']);
          expect(trace.goroutineGroups.length).toBeGreaterThan(0);
        }
      });
    }
  }

  it('describes the reports of the corpus files that decode', () => {
    let n = 0;
    for (const e of manifest()) {
      let d;
      try {
        d = decode(corpusFile(e.path));
      } catch {
        continue; // broken on purpose: the corpus tests check their errors
      }
      const a = analyzeDecoded(e.path, d);
      const doc = JSON.parse(jsonReport([a], [], { toolVersion: '0.0.0', diagnosis: diagnose([a]) }));
      expect(schemaErrors(doc), e.path).toEqual([]);
      n++;
    }
    expect(n).toBeGreaterThan(50);
  });

  it('rejects reports that do not conform', () => {
    const good = JSON.parse(report([path.join(samplesDir, 'db-pool-pq', 'go1.27', 'goroutine.pb.gz')]));
    expect(schemaErrors(good)).toEqual([]);
    expect(good.findings.length).toBeGreaterThan(0);
    const bad = (f: (d: any) => void) => {
      const d = structuredClone(good);
      f(d);
      return schemaErrors(d);
    };
    expect(bad((d) => delete d.findings)).not.toEqual([]);
    expect(bad((d) => (d.findings[0].severity = 'bad'))).not.toEqual([]);
    expect(bad((d) => delete d.findings[0].remediation)).not.toEqual([]);
    expect(bad((d) => (d.schemaVersion = 2))).not.toEqual([]);
    expect(bad((d) => (d.inputs[0].kind = 'trace'))).not.toEqual([]);
    expect(bad((d) => (d.inputs[0].renamed = true))).not.toEqual([]);
    expect(bad((d) => (d.findings[0].share = 1.5))).not.toEqual([]);
    // a redacted report says so, with its note; the flag alone or false is not a report we write
    expect(bad((d) => Object.assign(d, { redacted: true, redactionNote: REDACTION_NOTE }))).toEqual([]);
    expect(bad((d) => (d.redacted = true))).not.toEqual([]);
    expect(bad((d) => Object.assign(d, { redacted: false, redactionNote: REDACTION_NOTE }))).not.toEqual([]);
  });
});
