/**
 * Our own samples (samples/, captured from real Go programs): every protobuf profile agrees
 * with `go tool pprof -raw` of the same Go version, and the three goroutine forms of one
 * moment group into the same buckets.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/analyze/diagnose.js';
import { analyzeProfile } from '../src/analyze/index.js';
import { goroutineBuckets } from '../src/analyze/summary.js';
import { decode } from '../src/decode/index.js';
import { sampleTypeTotals } from '../src/model/stacks.js';
import { repoRoot } from './helpers/corpus.js';
import { summarizeRaw } from './helpers/pprof-raw.mjs';

const samplesDir = path.join(repoRoot, 'samples');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const files = walk(samplesDir);
const load = (f: string) => decode(new Uint8Array(readFileSync(f))).profile;

describe('sample profiles match go tool pprof -raw', () => {
  const withRaw = files.filter((f) => /\.(pb\.gz|pprof)$/.test(f) && existsSync(f + '.raw.txt'));
  it('exist', () => {
    expect(withRaw.length).toBeGreaterThanOrEqual(16);
  });
  for (const f of withRaw) {
    it(path.relative(samplesDir, f), () => {
      const want = summarizeRaw(readFileSync(f + '.raw.txt', 'utf8'));
      const p = load(f);
      expect(p.sampleTypes).toEqual(want.sampleTypes);
      expect(p.samples.length).toBe(want.samples);
      expect(sampleTypeTotals(p)).toEqual(want.totals);
      expect(p.period).toBe(want.period);
    });
  }
});

describe('debug=0, debug=1 and debug=2 of one moment group alike', () => {
  const formsDir = path.join(samplesDir, 'goroutine-forms');
  const versions = readdirSync(formsDir).filter((d) => /^go1\.\d+$/.test(d) && statSync(path.join(formsDir, d)).isDirectory());
  it('cover Go 1.19, 1.24, 1.26 and 1.27', () => {
    expect(versions.sort()).toEqual(['go1.19', 'go1.24', 'go1.26', 'go1.27']);
  });
  for (const v of versions) {
    it(v, () => {
      const dir = path.join(formsDir, v);
      const forms = ['goroutine.pb.gz', 'goroutine.debug1.txt', 'goroutine.debug2.txt'].map((f) => load(path.join(dir, f)));
      expect(forms.map((p) => p.format)).toEqual(['pprof', 'goroutine-debug1', 'goroutine-debug2']);
      const buckets = forms.map((p) => new Map(goroutineBuckets(p).map((b) => [b.key, b.count])));
      // the program parks 43 goroutines, the dumping one included
      for (const b of buckets) expect([...b.values()].reduce((x, y) => x + y, 0)).toBe(43);
      expect(buckets[1]).toEqual(buckets[0]);
      expect(buckets[2]).toEqual(buckets[0]);
      // what the program did, as each form sees it
      const byLeaf = (p: ReturnType<typeof load>, fn: RegExp) =>
        goroutineBuckets(p)
          .filter((b) => b.frames.some((f) => fn.test(f.function)))
          .reduce((n, b) => n + b.count, 0);
      for (const p of forms) {
        expect(byLeaf(p, /^sync\.\(\*Mutex\)\.Lock$/)).toBe(6);
        expect(byLeaf(p, /^sync\.\(\*WaitGroup\)\.Wait$/)).toBe(3);
        expect(byLeaf(p, /^sync\.\(\*Cond\)\.Wait$/)).toBe(3);
        // generic instantiations: [go.shape.int] in the protobuf form, [...] in text; keys agree
        expect(goroutineBuckets(p).filter((b) => b.key.startsWith('main.(*box[...]).waitOn')).reduce((n, b) => n + b.count, 0)).toBe(2);
      }
      // debug=2 states reasons the other forms infer
      const reasons = (p: ReturnType<typeof load>) => {
        const m = new Map<string, number>();
        for (const b of goroutineBuckets(p)) m.set(b.waitReason, (m.get(b.waitReason) ?? 0) + b.count);
        return m;
      };
      const r2 = reasons(forms[2]!);
      const r0 = reasons(forms[0]!);
      expect(r2.get('chan receive')).toBe(r0.get('chan receive'));
      expect(r2.get('chan send')).toBe(5);
      expect(r0.get('chan send')).toBe(5);
      expect(r0.get('IO wait')).toBe(r2.get('IO wait'));
      expect(forms[2]!.goroutines!.length).toBe(43);
      // the same findings from each form: 6 waiters on main's mutex, 2 readers behind a writer
      for (const p of forms) {
        const d = diagnose([analyzeProfile('x', p, false)]);
        const ids = Object.fromEntries(d.findings.map((f) => [f.id, f.goroutines]));
        expect(ids['mutex-contention']).toBe(6);
        expect(ids['rwmutex-starvation']).toBe(3);
      }
    });
  }

  it('labels set with pprof.Do survive in debug=1 and the protobuf form', () => {
    for (const v of versions) {
      for (const f of ['goroutine.pb.gz', 'goroutine.debug1.txt']) {
        const p = load(path.join(formsDir, v, f));
        const keys = Array.from(p.samples.labelKey, (k) => p.strings.get(k));
        expect(keys).toContain('handler');
        expect(keys).toContain('tenant');
      }
    }
  });

  it('read the goroutineleak profile of Go 1.27', () => {
    const p = load(path.join(formsDir, 'go1.27', 'goroutineleak.pb.gz'));
    expect(p.kind).toBe('goroutineleak');
    const t = load(path.join(formsDir, 'go1.27', 'goroutineleak.debug1.txt'));
    expect(t.kind).toBe('goroutineleak');
    expect(sampleTypeTotals(t)[0]).toBe(t.statedTotal);
    expect(sampleTypeTotals(p)[0]).toBe(t.statedTotal);
  });
});
