/**
 * Execution traces against the verdict of Go's own reader (Go 1.27's `go tool trace -d=parsed`,
 * recorded in test/golden/trace-verdicts.tsv by samples/golden-trace-verdicts.sh): the binary
 * traces and fuzz inputs of the shared corpus, the samples' traces, and damaged variants of
 * real traces (test/helpers/trace-mutants.mjs). A trace Go rejects is refused with one line,
 * or analysed up to the damage with a warning that says where the trace stops being consistent
 * and what was dropped; never read silently.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeTrace, decodeTraceParts, traceHeaderVersion } from '../src/decode/trace/index.js';
import { DecodeError } from '../src/model/errors.js';
import type { Trace } from '../src/model/trace.js';
import { corpusRoot, repoRoot } from './helpers/corpus.js';
import { MUTANT_SOURCES, MUTANTS_PER_SOURCE, traceBatchDrops, traceMutants } from './helpers/trace-mutants.mjs';

interface Verdict {
  path: string;
  accepts: boolean;
  events: number;
  error: string;
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'pprof-diag.js'), ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const verdicts = new Map<string, Verdict>(
  readFileSync(path.join(repoRoot, 'test', 'golden', 'trace-verdicts.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [p, go, events, error] = l.split('\t');
      return [p!, { path: p!, accepts: go === 'accepts', events: Number(events), error: error ?? '' }];
    }),
);

/** The warning a trace analysed only up to its damage carries. */
const DAMAGE = /^(trace inconsistent from generation \d+ on|truncated or damaged: generation \d+|truncated: generation \d+).*; analysed the first (generation|\d+ generations) \([\d.]+(ns|us|ms|s|hrs)\),.* \d+ bytes dropped \(\d+% of the input\)$/;

type Outcome = { trace: Trace } | { error: Error };

function decodeOrError(bytes: Uint8Array): Outcome {
  try {
    return { trace: decodeTrace(bytes) };
  } catch (e) {
    return { error: e as Error };
  }
}

function bytesOf(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(rel.startsWith('samples/') ? path.join(repoRoot, rel) : path.join(corpusRoot, rel)));
}

/** One line, our typed error: what the command line prints before exiting 2. */
function expectOneLineRefusal(o: Outcome, name: string): void {
  if (!('error' in o)) throw new Error(`${name}: decoded`);
  expect(o.error, name).toBeInstanceOf(DecodeError);
  expect(o.error.message, name).not.toMatch(/\n/);
  expect(o.error.message.length, name).toBeLessThan(300);
}

/** A trace Go rejects: refused with one line, or analysed with the damage warning. */
function expectRefusedOrWarned(o: Outcome, name: string): 'refused' | 'warned' {
  if ('error' in o) {
    expectOneLineRefusal(o, name);
    return 'refused';
  }
  const damage = o.trace.warnings.filter((w) => DAMAGE.test(w));
  expect(damage, `${name}: decoded without a damage warning: ${JSON.stringify(o.trace.warnings)}`).toHaveLength(1);
  expect(o.trace.generations, name).toBeGreaterThanOrEqual(1);
  return 'warned';
}

const corpusRows = [...verdicts.values()].filter((v) => !v.path.startsWith('samples/'));
const sampleRows = [...verdicts.values()].filter((v) => v.path.startsWith('samples/') && !v.path.includes('#'));

describe("the corpus's traces against Go's reader", () => {
  it('has Go verdicts for the fuzz inputs of both fuzzers', () => {
    const fuzz = corpusRows.filter((v) => v.path.endsWith('.decoded.bin'));
    expect(fuzz.filter((v) => v.path.includes('/FuzzReader/')).length).toBeGreaterThanOrEqual(15);
    expect(fuzz.filter((v) => v.path.includes('/FuzzLoadTrace/')).length).toBeGreaterThanOrEqual(8);
    expect(fuzz.filter((v) => !v.accepts).length).toBeGreaterThanOrEqual(15);
    expect(fuzz.filter((v) => v.accepts).length).toBeGreaterThanOrEqual(5);
  });

  for (const v of corpusRows) {
    it(`${v.path}: Go ${v.accepts ? 'accepts' : `rejects (${v.error})`}`, () => {
      if (!existsSync(path.join(corpusRoot, v.path))) throw new Error(`missing from the corpus: ${v.path}`);
      const bytes = bytesOf(v.path);
      const o = decodeOrError(bytes);
      const version = traceHeaderVersion(bytes)!;
      if (!v.accepts && /unknown or unsupported trace version/.test(v.error)) {
        // Go 1.27 reads Go 1.11+ traces only; pprof-diag also reads 1.7-1.10 (README), and
        // refuses the symbol-less ones before
        if (version < 7) expectOneLineRefusal(o, v.path);
        else if ('error' in o) throw o.error;
        return;
      }
      if (!v.accepts) {
        expectRefusedOrWarned(o, v.path);
        return;
      }
      if (/large-id/.test(v.path)) {
        // a thread id of 2^64-1 in a batch header: beyond what pprof-diag keeps exactly (2^53)
        expectOneLineRefusal(o, v.path);
        expect((o as { error: Error }).error.message).toMatch(/too large/);
        return;
      }
      if ('error' in o) throw o.error;
      expect(o.trace.warnings.filter((w) => DAMAGE.test(w))).toEqual([]);
      expect(o.trace.eventCount).toBeGreaterThan(0);
    });
  }
});

describe("the samples' traces against Go's reader", () => {
  it('are all accepted by Go', () => {
    expect(sampleRows.length).toBeGreaterThanOrEqual(30);
    expect(sampleRows.filter((v) => !v.accepts).map((v) => v.path)).toEqual([]);
  });
  it('decode without a damage warning', () => {
    for (const v of sampleRows) {
      const o = decodeOrError(bytesOf(v.path));
      if ('error' in o) throw new Error(`${v.path}: ${o.error.message}`);
      expect(o.trace.warnings.filter((w) => DAMAGE.test(w)), v.path).toEqual([]);
    }
  });
});

describe('damaged variants of real traces against Go\'s reader', () => {
  for (const source of MUTANT_SOURCES) {
    it(`${source}: every variant Go rejects is refused or analysed with a damage warning`, () => {
      const tally = { goRejects: 0, refused: 0, warned: 0, goAccepts: 0, agree: 0, tooLarge: 0 };
      const drops = traceBatchDrops(repoRoot, source);
      for (const m of [...traceMutants(repoRoot, source), ...drops]) {
        const v = verdicts.get(m.name);
        if (v === undefined) throw new Error(`no Go verdict for ${m.name}: run samples/golden-trace-verdicts.sh`);
        const o = decodeOrError(m.bytes);
        if (!v.accepts) {
          tally.goRejects++;
          tally[expectRefusedOrWarned(o, m.name)]++;
          continue;
        }
        tally.goAccepts++;
        if ('error' in o || o.trace.warnings.some((w) => DAMAGE.test(w))) {
          // the one known difference: an ID or time of 2^53 or more, which Go keeps as a
          // uint64 and pprof-diag refuses (its numbers are exact up to 2^53)
          const why = 'error' in o ? o.error.message : o.trace.warnings.find((w) => DAMAGE.test(w))!;
          expect(why, m.name).toMatch(/2\^53 or more|too large/);
          tally.tooLarge++;
        } else {
          tally.agree++;
        }
      }
      expect(tally.goRejects + tally.goAccepts).toBe(MUTANTS_PER_SOURCE + drops.length);
      if (source.includes('go1.19')) expect(drops).toEqual([]);
      else expect(drops.length).toBeGreaterThanOrEqual(8);
      // the variants exercise both verdicts, and pprof-diag agrees with Go on most accepted ones
      expect(tally.goRejects).toBeGreaterThanOrEqual(20);
      expect(tally.goAccepts).toBeGreaterThanOrEqual(20);
      expect(tally.agree).toBeGreaterThanOrEqual(tally.goAccepts * 0.75);
    });
  }

  it('a batch left out: refused or warned where Go rejects, read without a note where Go accepts', () => {
    const seen = { refused: 0, warned: 0, accepted: 0 };
    for (const source of MUTANT_SOURCES) {
      for (const m of traceBatchDrops(repoRoot, source)) {
        const o = decodeOrError(m.bytes);
        if (!verdicts.get(m.name)!.accepts) {
          seen[expectRefusedOrWarned(o, m.name)]++;
          continue;
        }
        if ('error' in o) throw new Error(`${m.name}: ${o.error.message}`);
        expect(o.trace.warnings, m.name).toEqual([]);
        seen.accepted++;
      }
    }
    expect(seen.refused).toBeGreaterThanOrEqual(10);
    expect(seen.warned).toBeGreaterThanOrEqual(5);
    expect(seen.accepted).toBeGreaterThanOrEqual(1);
  });

  it('stream the same verdict and warnings as a whole decode, in pieces of 4 KB', () => {
    let compared = 0;
    for (const source of MUTANT_SOURCES) {
      for (const m of [...traceMutants(repoRoot, source), ...traceBatchDrops(repoRoot, source)]) {
        if (verdicts.get(m.name)!.accepts) continue;
        const whole = decodeOrError(m.bytes);
        const pieces: Uint8Array[] = [];
        for (let i = 0; i < m.bytes.length; i += 4096) pieces.push(m.bytes.subarray(i, i + 4096));
        let streamed: Outcome;
        let rows = 0;
        try {
          const it = decodeTraceParts(pieces);
          let x = it.next();
          for (; !x.done; x = it.next()) rows += x.value.events.length;
          streamed = { trace: x.value };
        } catch (e) {
          streamed = { error: e as Error };
        }
        if ('error' in whole) {
          expect('error' in streamed, m.name).toBe(true);
          expect((streamed as { error: Error }).error.message, m.name).toBe(whole.error.message);
        } else {
          if ('error' in streamed) throw new Error(`${m.name}: streamed: ${streamed.error.message}`);
          expect(streamed.trace.warnings, m.name).toEqual(whole.trace.warnings);
          expect(rows, m.name).toBe(whole.trace.eventCount);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(150);
  });

  it('warn from the second generation on and refuse damage in the first (multi-generation traces)', () => {
    const seen = { refused: 0, warned: 0 };
    for (const source of MUTANT_SOURCES.filter((s) => !s.includes('go1.19'))) {
      for (const m of traceMutants(repoRoot, source)) {
        if (verdicts.get(m.name)!.accepts) continue;
        seen[expectRefusedOrWarned(decodeOrError(m.bytes), m.name)]++;
      }
    }
    expect(seen.refused).toBeGreaterThan(10);
    expect(seen.warned).toBeGreaterThan(10);
  });
});

describe('the damage warning in every output format', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pprof-diag-verdicts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const source = 'samples/goroutineleak-profile/go1.26/trace.out';
  const damaged = traceMutants(repoRoot, source).find((m) => {
    if (verdicts.get(m.name)!.accepts) return false;
    const o = decodeOrError(m.bytes);
    return 'trace' in o && o.trace.warnings.some((w) => w.startsWith('trace inconsistent from'));
  })!;

  it('is said by text, JSON, Markdown and HTML alike, with exit 0', () => {
    expect(damaged).toBeDefined();
    const file = path.join(dir, 'damaged.trace');
    writeFileSync(file, damaged.bytes);
    const warning = (decodeTrace(damaged.bytes).warnings.find((w) => DAMAGE.test(w)) ?? '').replace(/ \(\d+% of the input\)$/, '');
    expect(warning).toMatch(/^trace inconsistent from generation 2 on/);
    for (const format of ['text', 'json', 'md', 'html']) {
      const r = run(['analyze', '-f', format, file]);
      expect(r.code, `${format}: ${r.stderr}`).toBe(0);
      expect(r.stdout, format).toContain(warning);
    }
  });

  it('a trace damaged in its first generation exits 2 with one line', () => {
    const first = traceMutants(repoRoot, source).find((m) => !verdicts.get(m.name)!.accepts && 'error' in decodeOrError(m.bytes))!;
    const file = path.join(dir, 'refused.trace');
    writeFileSync(file, first.bytes);
    const r = run(['analyze', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
