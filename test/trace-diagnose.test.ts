/**
 * Every samples/ scenario's execution trace is diagnosed as its scenario.json says: the same
 * finding ids and severities as its goroutine profiles, unless `expected.trace` names, per Go
 * version, what a trace of that moment can and cannot show, with the reason (`why`). The
 * findings the scenario says are absent stay absent, and the healthy service's traces raise
 * nothing above info.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/analyze/diagnose.js';
import { severityAtLeast, type Severity } from '../src/analyze/findings.js';
import { analyzeDecoded } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import { repoRoot } from './helpers/corpus.js';

interface Expected {
  findings: { id: string; severity: Severity }[];
}
interface Scenario {
  name: string;
  expected: Expected & { absent: string[]; trace?: Record<string, Expected & { why: string }> };
}

const samplesDir = path.join(repoRoot, 'samples');
const scenarios = readdirSync(samplesDir)
  .filter((d) => existsSync(path.join(samplesDir, d, 'scenario.json')))
  .map((d) => ({ dir: path.join(samplesDir, d), s: JSON.parse(readFileSync(path.join(samplesDir, d, 'scenario.json'), 'utf8')) as Scenario }));

describe('scenario traces', () => {
  let traces = 0;
  for (const { dir, s } of scenarios) {
    for (const v of readdirSync(dir).filter((d) => /^go1\.\d+$/.test(d))) {
      const file = path.join(dir, v, 'trace.out');
      if (!existsSync(file)) continue;
      traces++;
      const override = s.expected.trace?.[v];
      it(`${s.name} ${v} trace.out`, () => {
        if (override) expect(override.why.length, 'an expected.trace entry says why').toBeGreaterThan(20);
        const want = override ?? s.expected;
        const a = analyzeDecoded(file, decode(new Uint8Array(readFileSync(file))));
        expect(a.type).toBe('trace');
        const d = diagnose([a]);
        for (const w of want.findings) {
          const got = d.findings.find((f) => f.id === w.id);
          expect(got, `${w.id} in ${d.findings.map((f) => `${f.id}:${f.severity}`).join(', ') || 'no findings'}`).toBeDefined();
          expect(got!.severity).toBe(w.severity);
          expect(got!.summary).toMatch(/trace/);
        }
        const wanted = new Set(want.findings.map((f) => f.id));
        for (const id of s.expected.absent.filter((x) => !wanted.has(x))) {
          const got = d.findings.find((f) => f.id === id && severityAtLeast(f.severity, 'warning'));
          expect(got, `${id} must not fire: ${got?.summary}`).toBeUndefined();
        }
        // a healthy service's traces raise nothing (an expected.trace entry with no findings only
        // says what the trace cannot show)
        if (s.expected.findings.length === 0) {
          expect(d.findings.filter((f) => severityAtLeast(f.severity, 'warning')).map((f) => f.id)).toEqual([]);
        }
      });
    }
  }
  it('cover the samples', () => {
    expect(traces).toBeGreaterThanOrEqual(25);
  });
});
