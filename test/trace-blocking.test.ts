/**
 * Blocking profiles of the samples' traces against `go tool trace -pprof=TYPE` of the Go that
 * wrote each trace (trace.{sync,net,syscall,sched}.pprof beside it).
 *
 * Compared here: the goldens of Go 1.26 and 1.27's tool, whose rules src/analyze/trace/
 * blocking.ts follows. Go 1.22–1.24's cmd/trace (golang/go#74850) and Go 1.19's old
 * implementation build these profiles by other rules; their goldens are kept beside the
 * samples but not compared yet.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCKING_TYPES, BlockingProfiler, blockingProfile } from '../src/analyze/trace/blocking.js';
import { main } from '../src/cli/main.js';
import { decode } from '../src/decode/index.js';
import { functionName, sampleFunctions } from '../src/model/stacks.js';
import { stackFunctions } from '../src/model/trace.js';
import { repoRoot } from './helpers/corpus.js';

const samplesDir = path.join(repoRoot, 'samples');
const dirs: string[] = [];
for (const s of readdirSync(samplesDir, { withFileTypes: true })) {
  if (!s.isDirectory() || s.name.startsWith('.')) continue;
  for (const v of readdirSync(path.join(samplesDir, s.name))) {
    if (!/^go1\.(2[5-9]|[3-9]\d)$/.test(v)) continue;
    if (existsSync(path.join(samplesDir, s.name, v, 'trace.out'))) dirs.push(path.join(s.name, v));
  }
}

type Figures = Map<string, { count: number; ns: number }>;

function add(m: Figures, key: string, count: number, ns: number): void {
  const o = m.get(key) ?? { count: 0, ns: 0 };
  o.count += count;
  o.ns += ns;
  m.set(key, o);
}

describe('trace blocking profiles agree with go tool trace -pprof', () => {
  it('cover the samples of Go 1.26 and 1.27', () => {
    expect(dirs.filter((d) => d.endsWith('go1.27')).length).toBeGreaterThanOrEqual(15);
    expect(dirs.some((d) => d.endsWith('go1.26'))).toBe(true);
  });

  for (const dir of dirs) {
    it(dir, () => {
      const d = decode(new Uint8Array(readFileSync(path.join(samplesDir, dir, 'trace.out'))));
      if (d.type !== 'trace') throw new Error('not read as a trace');
      const t = d.trace;
      // the four profiles as analyze builds them, in one pass, and each on its own
      const together = new BlockingProfiler(BLOCKING_TYPES);
      together.add(t);
      const all = together.records();
      for (const [k, type] of BLOCKING_TYPES.entries()) {
        const ours: Figures = new Map();
        for (const r of blockingProfile(t, type)) add(ours, stackFunctions(t, r.stack).join('\n'), r.count, r.ns);
        const inOnePass: Figures = new Map();
        for (const r of all[k]!) add(inOnePass, stackFunctions(t, r.stack).join('\n'), r.count, r.ns);
        const g = decode(new Uint8Array(readFileSync(path.join(samplesDir, dir, `trace.${type}.pprof`))));
        if (g.type !== 'profile') throw new Error('golden is not a profile');
        const p = g.profile;
        expect(p.sampleTypes.map((s) => `${s.type}/${s.unit}`)).toEqual(['contentions/count', 'delay/nanoseconds']);
        const gold: Figures = new Map();
        for (let i = 0; i < p.samples.length; i++) {
          const key = sampleFunctions(p, i).map((f) => functionName(p, f)).join('\n');
          add(gold, key, p.samples.values[i * 2]!, p.samples.values[i * 2 + 1]!);
        }
        if (type === 'sync') expect(gold.size, 'every sample blocks on something').toBeGreaterThan(0);
        // same stacks, same counts, same delays (exact, well inside the 1 % asked for)
        expect(new Map([...ours].sort()), type).toEqual(new Map([...gold].sort()));
        expect(new Map([...inOnePass].sort()), `${type}, in one pass with the others`).toEqual(new Map([...gold].sort()));
      }
    });
  }
});

describe('pprof-diag trace-profile', () => {
  const dir = path.join(samplesDir, 'http-conn-wait', 'go1.27');
  const out = mkdtempSync(path.join(tmpdir(), 'trace-profile-'));
  const figures = (file: string): Figures => {
    const g = decode(new Uint8Array(readFileSync(file)));
    if (g.type !== 'profile') throw new Error('not a profile');
    const p = g.profile;
    const m: Figures = new Map();
    for (let i = 0; i < p.samples.length; i++) {
      add(m, sampleFunctions(p, i).map((f) => functionName(p, f)).join('\n'), p.samples.values[i * 2]!, p.samples.values[i * 2 + 1]!);
    }
    return m;
  };
  for (const type of BLOCKING_TYPES) {
    it(`writes the ${type} profile go tool trace -pprof=${type} writes`, async () => {
      const file = path.join(out, `${type}.pb.gz`);
      const errs: string[] = [];
      const code = await main(['node', 'pprof-diag', 'trace-profile', '--type', type, path.join(dir, 'trace.out'), '-o', file], { out: () => {}, err: (s) => errs.push(s) });
      expect(errs).toEqual([]);
      expect(code).toBe(0);
      const d = decode(new Uint8Array(readFileSync(file)));
      if (d.type !== 'profile') throw new Error('not a profile');
      expect(d.compressed).toBe(true);
      expect(d.profile.periodType).toEqual({ type: 'trace', unit: 'count' });
      expect(new Map([...figures(file)].sort())).toEqual(new Map([...figures(path.join(dir, `trace.${type}.pprof`))].sort()));
    });
  }
  it('refuses a profile that is not a trace, in one line, with exit 2', async () => {
    const errs: string[] = [];
    const code = await main(['node', 'pprof-diag', 'trace-profile', '--type', 'sync', path.join(dir, 'heap.pb.gz'), '-o', path.join(out, 'x.pb.gz')], { out: () => {}, err: (s) => errs.push(s) });
    expect(code).toBe(2);
    expect(errs.join('')).toMatch(/^pprof-diag: .*heap\.pb\.gz: a heap profile, not an execution trace\n$/);
  });
});
