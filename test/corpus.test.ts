/**
 * Every decoder over the whole shared corpus (../shared/corpus, see its MANIFEST.tsv):
 * - each profile `go tool pprof` reads decodes to the same sample types, sample count,
 *   per-type totals and period (test/golden/corpus, made by samples/golden-corpus.sh);
 * - each goroutine dump or traceback decodes with as many goroutines as it has headers, and a
 *   debug=1 dump with the total its header states;
 * - each execution trace is recognised as one;
 * - each file listed as invalid fails with a one-line DecodeError.
 */
import { describe, expect, it } from 'vitest';
import { decode, sniff } from '../src/decode/index.js';
import { DecodeError } from '../src/model/errors.js';
import { sampleTypeTotals } from '../src/model/stacks.js';
import { corpusFile, golden, manifest } from './helpers/corpus.js';

const rows = manifest();
const ORACLE = /\.(string|protoc\.txt|pprof\.txt)$/;

function errorOf(f: () => unknown): DecodeError | null {
  try {
    f();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as Error).message).not.toMatch(/\n/);
    return e as DecodeError;
  }
}

describe('profiles match go tool pprof -raw', () => {
  const withGolden = rows.filter((r) => !ORACLE.test(r.path) && r.kind !== 'invalid' && golden(r.path) !== null);
  it('covers every pprof and legacy profile of the corpus', () => {
    const expected = rows.filter(
      (r) =>
        !ORACLE.test(r.path) &&
        /^(pprof-|legacy-cpu-binary$|text-heap-legacy$|text-contention-legacy$|text-threadcreate-legacy$|text-legacy-other$|text-goroutine-debug1$)/.test(r.kind),
    );
    expect(expected.length).toBeGreaterThanOrEqual(85);
    expect(withGolden.map((r) => r.path).sort()).toEqual(expected.map((r) => r.path).sort());
  });

  for (const row of withGolden) {
    it(`${row.path} (${row.kind})`, () => {
      const g = golden(row.path)!;
      const bytes = corpusFile(row.path);
      if ('error' in g) {
        errorOf(() => decode(bytes));
        return;
      }
      const d = decode(bytes);
      const p = d.profile;
      expect(d.compressed).toBe(row.gzip);
      expect(p.sampleTypes).toEqual(g.summary.sampleTypes);
      expect(p.samples.length).toBe(g.summary.samples);
      expect(sampleTypeTotals(p)).toEqual(g.summary.totals);
      if (g.summary.period !== null && g.summary.period !== undefined) expect(p.period).toBe(g.summary.period);
      // pprof prints an absent period type as an empty one
      const pt = g.summary.periodType;
      if (pt && (pt.type !== '' || pt.unit !== '')) expect(p.periodType).toEqual(pt);
      else expect(p.periodType === null || (p.periodType.type === '' && p.periodType.unit === '')).toBe(true);
    });
  }

  for (const row of rows.filter((r) => r.kind.startsWith('pprof-') && ORACLE.test(r.path))) {
    it(`${row.path} (a text rendering, not a profile) is rejected cleanly`, () => {
      expect(errorOf(() => decode(corpusFile(row.path)))).not.toBeNull();
    });
  }
});

/**
 * Counted independently of the decoder: one goroutine header per line ending in "]…:", also
 * where program output was glued in front of it (`…dumping all stacksgoroutine 1 [running]:`).
 */
function headerCount(text: string): number {
  return (text.match(/goroutine \d+ (?:gp=\S+ (?:m=\S+ )?(?:mp=\S+ )?)?\[[^\n]*\][^\n]*:[ \t\r]*$/gm) ?? []).length;
}

describe('goroutine dumps and tracebacks', () => {
  for (const row of rows.filter((r) => r.kind === 'text-goroutine-debug2' || r.kind === 'text-panic')) {
    it(`${row.path} has as many goroutines as headers`, () => {
      const bytes = corpusFile(row.path);
      const n = headerCount(new TextDecoder().decode(bytes));
      const p = decode(bytes).profile;
      if (n === 0) {
        // a race report without goroutine headers: its accesses are the records, the race the verdict
        expect(p.verdict!.kind).toBe('data-race');
        return;
      }
      expect(p.kind).toBe('goroutine');
      // a text holding several dumps (a goroutine id comes round again) is read as its last
      const several = (p.repairs ?? []).some((r) => /dumps in one text/.test(r));
      if (several) expect(p.goroutines!.length).toBeLessThan(n);
      else expect(p.goroutines!.length).toBe(n);
      expect(p.samples.length).toBe(p.goroutines!.length);
      expect(['goroutine-debug2', 'traceback']).toContain(p.format);
    });
  }

  for (const row of rows.filter((r) => r.kind === 'text-goroutine-debug1')) {
    it(`${row.path} adds up to the total its header states`, () => {
      const p = decode(corpusFile(row.path)).profile;
      const stated = Number(/goroutine profile: total (\d+)/.exec(new TextDecoder().decode(corpusFile(row.path)))![1]);
      expect(p.statedTotal).toBe(stated);
      expect(sampleTypeTotals(p)[0]).toBe(stated);
    });
  }
});

describe('execution traces', () => {
  for (const row of rows.filter((r) => /^trace-(old|new)-/.test(r.kind))) {
    it(`${row.path} is recognised and read as a trace`, () => {
      const bytes = corpusFile(row.path);
      expect(sniff(bytes)).toBe('trace');
      if (row.kind === 'trace-old-1.5') {
        // no symbols before Go 1.7: refused with a reason
        expect(errorOf(() => decode(bytes))!.message).toMatch(/Go 1\.5 traces are not supported/);
        return;
      }
      const d = decode(bytes);
      expect(d.type).toBe('trace');
      if (d.type !== 'trace') return;
      expect(d.trace.goVersion).toBe(`go1.${/trace-(?:old|new)-1\.(\d+)/.exec(row.kind)![1]}`);
      expect(d.trace.eventCount).toBeGreaterThan(0);
    });
  }
});

describe('invalid corpus files', () => {
  const invalid = rows.filter((r) => r.kind === 'invalid');
  it('are listed', () => {
    expect(invalid.length).toBeGreaterThan(50);
  });
  for (const row of invalid) {
    // minimised fuzz inputs may be valid by accident: the manifest says "reject or parse"
    const mayParse = /reject or parse/.test(row.note);
    it(`${row.path} ${mayParse ? 'is rejected cleanly or parsed' : 'fails with a clear error'}`, () => {
      const err = errorOf(() => decode(corpusFile(row.path)));
      if (!mayParse) expect(err).not.toBeNull();
    });
  }
});
