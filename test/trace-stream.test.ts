/**
 * A trace decoded and analysed one generation at a time gives what the whole-file path gives:
 * on every trace of samples/ and of the shared corpus (binary traces, Go's trace tests in text
 * form, fuzz inputs that wrap trace bytes) and on cuts of the multi-generation ones, fed in
 * pieces of several sizes, the parts' rows put together are the whole decode's rows, the
 * tables, counts and warnings are the same, and so are the goroutine summary, the blocking
 * profiles, the goroutine groups, the snapshots, the diagnosis and the JSON report; a trace
 * the whole path refuses is refused with the same message. So too in parts of a few hundred
 * rows (a generation cut into many, as a busy server's tens of millions of rows are), where a
 * generation damaged after some of its parts went out is kept up to them, as the warning says.
 *
 * And the memory bound: while a multi-generation trace streams, the decoder never holds more
 * input than one generation plus the piece being pushed, and no part holds more than one
 * generation's rows.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/analyze/diagnose.js';
import { TraceAnalyzer, analyzeTrace, type TraceAnalysis } from '../src/analyze/index.js';
import { PART_ROWS, TraceStreamDecoder, decodeTrace, decodeTraceParts } from '../src/decode/trace/index.js';
import { DecodeError } from '../src/model/errors.js';
import { EVENT_COLUMNS, TraceEventKind as K, type Trace, type TraceEvents } from '../src/model/trace.js';
import { jsonReport } from '../src/report/json.js';
import { analyzeInput } from '../src/pipeline.js';
import { gzipSync } from 'node:zlib';
import { corpusFile, corpusRoot, manifest, repoRoot } from './helpers/corpus.js';
import { parseTraceTest } from './helpers/trace-text.js';
import { MUTANT_SOURCES, traceBatchDrops, traceMutants } from './helpers/trace-mutants.mjs';

interface Input {
  name: string;
  bytes: Uint8Array;
}

const rows = manifest();
const samplesDir = path.join(repoRoot, 'samples');

function sampleTraces(): Input[] {
  const out: Input[] = [];
  for (const s of readdirSync(samplesDir, { withFileTypes: true })) {
    if (!s.isDirectory() || s.name.startsWith('.')) continue;
    for (const v of readdirSync(path.join(samplesDir, s.name))) {
      const f = path.join(samplesDir, s.name, v, 'trace.out');
      if (/^go1\.\d+$/.test(v) && existsSync(f)) out.push({ name: `samples/${s.name}/${v}/trace.out`, bytes: new Uint8Array(readFileSync(f)) });
    }
  }
  return out;
}

function corpusTraces(): Input[] {
  const out: Input[] = [];
  for (const r of rows) {
    if (r.kind.startsWith('trace-')) out.push({ name: r.path, bytes: corpusFile(r.path) });
    else if (r.kind === 'txtar-trace-test') {
      out.push({ name: r.path, bytes: parseTraceTest(readFileSync(path.join(corpusRoot, r.path), 'utf8')).bytes });
    } else if (r.kind === 'invalid' && r.path.endsWith('.decoded.bin')) {
      const bytes = corpusFile(r.path);
      if (/^go 1\.\d+ trace/.test(new TextDecoder().decode(bytes.subarray(0, 16)))) out.push({ name: r.path, bytes });
    }
  }
  return out;
}

/** Cuts of a multi-generation trace inside its later generations, as a truncated download gives them. */
function cuts(inputs: Input[]): Input[] {
  const out: Input[] = [];
  for (const x of inputs) {
    let t: Trace;
    try {
      t = decodeTrace(x.bytes);
    } catch {
      continue;
    }
    if (t.family !== 'v2' || t.generations < 2) continue;
    for (const share of [0.35, 0.6, 0.83, 0.97]) {
      const at = Math.floor(x.bytes.length * share);
      out.push({ name: `${x.name} cut at ${at} of ${x.bytes.length}`, bytes: x.bytes.slice(0, at) });
    }
  }
  return out;
}

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  // sizes vary around `size` so that pieces end at every kind of place
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = Math.max(1, size + ((k * 7919) % (size + 1)) - (size >> 1));
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

type Outcome = { error: string } | { trace: Trace; analysis: TraceAnalysis };

function whole(bytes: Uint8Array): Outcome {
  try {
    const t = decodeTrace(bytes);
    return { trace: t, analysis: analyzeTrace('in', t, false) };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { error: e.message };
  }
}

function streamed(chunks: Uint8Array[], partRows?: number): Outcome & { parts?: Trace[] } {
  const parts: Trace[] = [];
  const a = new TraceAnalyzer();
  try {
    const it = decodeTraceParts(chunks, partRows === undefined ? {} : { partRows });
    for (;;) {
      const r = it.next();
      if (r.done) {
        return { trace: r.value, analysis: a.finish('in', r.value, false), parts };
      }
      parts.push(r.value);
      a.add(r.value);
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { error: e.message };
  }
}

/**
 * As `streamed`, but each part handed to onPart as soon as it is decoded, its rows good only
 * during the call (the next part is written into the same columns): copied there.
 */
function streamedOnPart(chunks: Uint8Array[], partRows?: number): Outcome & { parts?: Trace[]; buffers?: Set<ArrayBufferLike> } {
  const parts: Trace[] = [];
  const buffers = new Set<ArrayBufferLike>();
  const a = new TraceAnalyzer();
  try {
    const d = new TraceStreamDecoder({
      ...(partRows === undefined ? {} : { partRows }),
      onPart: (p) => {
        buffers.add(p.events.time.buffer);
        parts.push({ ...p, events: copyEvents(p.events) });
        a.add(p);
      },
    });
    for (const c of chunks) d.push(c);
    d.end();
    expect(d.take()).toEqual([]);
    const t = d.result();
    return { trace: t, analysis: a.finish('in', t, false), parts, buffers };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { error: e.message };
  }
}

function copyEvents(e: TraceEvents): TraceEvents {
  const out = { length: e.length } as TraceEvents;
  for (const c of COLUMNS) (out as unknown as Record<string, unknown>)[c] = e[c].slice();
  return out;
}

const COLUMNS = EVENT_COLUMNS;

/** The parts' rows put together equal the whole decode's rows, column by column. */
function expectSameRows(parts: Trace[], all: TraceEvents): void {
  let at = 0;
  for (const p of parts) {
    for (const c of COLUMNS) {
      const a = p.events[c];
      const b = all[c];
      for (let i = 0; i < p.events.length; i++) {
        if (a[i] !== b[at + i]) throw new Error(`row ${at + i}, column ${c}: ${a[i]} streamed, ${b[at + i]} whole`);
      }
    }
    at += p.events.length;
  }
  expect(at).toBe(all.length);
}

function header(t: Trace) {
  return {
    goVersion: t.goVersion,
    headerVersion: t.headerVersion,
    family: t.family,
    frequency: t.frequency,
    generations: t.generations,
    eventCount: t.eventCount,
    goroutines: t.goroutines,
    durationNs: t.durationNs,
    clock: t.clock,
    warnings: t.warnings,
  };
}

function tables(t: Trace) {
  return {
    strings: t.strings.size,
    frames: [[...t.frames.pc].map(String), [...t.frames.func], [...t.frames.file], [...t.frames.line]],
    stacks: [[...t.stacks.frameStart], [...t.stacks.frames]],
  };
}

/** What the analysis says, without the trace object itself. */
function findings(a: TraceAnalysis) {
  const { trace: _t, goroutineSummary, ...rest } = a;
  const { trace: _t2, ...summary } = goroutineSummary;
  return { ...rest, goroutineSummary: summary };
}

/** The pipeline's analysis (what the page, `serve` and the library give), or its error. */
function piped(bytes: Uint8Array): { analysis: TraceAnalysis } | { error: string } {
  try {
    return { analysis: analyzeInput({ name: 'in', bytes }) as TraceAnalysis };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { error: e.message };
  }
}

function compare(input: Input, size: number): void {
  const w = whole(input.bytes);
  const s = streamed(size === 0 ? [input.bytes] : pieces(input.bytes, size));
  if ('error' in w) {
    expect(s).toEqual({ error: w.error });
    if (size === 0) expect(piped(input.bytes)).toEqual({ error: w.error });
    return;
  }
  if ('error' in s) throw new Error(`streamed: ${s.error}, whole: decoded`);
  const parts = s.parts!;
  expect(header(s.trace)).toEqual(header(w.trace));
  expect(s.trace.events.length).toBe(0);
  expectSameRows(parts, w.trace.events);
  expect(tables(s.trace)).toEqual(tables(w.trace));
  for (let i = 0; i < w.trace.strings.size; i++) if (s.trace.strings.get(i) !== w.trace.strings.get(i)) throw new Error(`string ${i} differs`);
  // one part per generation (several for one of more than PART_ROWS rows, each but its first
  // starting inside it) and one for the closing sync; the old format: one part
  if (w.trace.family === 'v1') expect(parts.length).toBe(1);
  else {
    expect(parts.filter((p) => p.events.kind[0] === K.Sync).length).toBe(w.trace.generations + 1);
    for (const p of parts) expect(p.events.length).toBeLessThanOrEqual(PART_ROWS + PART_SLACK);
  }
  expect(findings(s.analysis)).toEqual(findings(w.analysis));
  const dw = diagnose([w.analysis]);
  const ds = diagnose([s.analysis]);
  expect(ds).toEqual(dw);
  expect(jsonReport([s.analysis], [], { toolVersion: 'test', buckets: 20, diagnosis: ds })).toBe(
    jsonReport([w.analysis], [], { toolVersion: 'test', buckets: 20, diagnosis: dw }),
  );
  // parts handed over as they are decoded, in reused columns: the same rows, the same report
  const o = streamedOnPart(size === 0 ? [input.bytes] : pieces(input.bytes, size));
  if ('error' in o) throw new Error(`streamed to onPart: ${o.error}, whole: decoded`);
  expectSameRows(o.parts!, w.trace.events);
  expect(header(o.trace)).toEqual(header(w.trace));
  // (the diagnosis fills in the analysis's wait latency, as it did the whole one's above)
  const dO = diagnose([o.analysis]);
  expect(dO).toEqual(dw);
  expect(findings(o.analysis)).toEqual(findings(w.analysis));
  expect(jsonReport([o.analysis], [], { toolVersion: 'test', buckets: 20, diagnosis: dO })).toBe(
    jsonReport([w.analysis], [], { toolVersion: 'test', buckets: 20, diagnosis: dw }),
  );
  // the pipeline streams a trace from memory alike, plain or gzip'd
  if (size !== 0) return;
  for (const bytes of [input.bytes, new Uint8Array(gzipSync(input.bytes))]) {
    const p = piped(bytes);
    if ('error' in p) throw new Error(`pipeline: ${p.error}, whole: decoded`);
    const dp = diagnose([p.analysis]);
    expect(dp).toEqual(dw);
    expect(p.analysis.compressed).toBe(bytes !== input.bytes);
    // streamed: the trace it keeps has its tables, not its rows
    expect(p.analysis.trace.events.length).toBe(0);
    expect(p.analysis.events).toBe(w.trace.events.length);
    expect(jsonReport([{ ...p.analysis, compressed: false, path: 'in' }], [], { toolVersion: 'test', buckets: 20, diagnosis: dp })).toBe(
      jsonReport([w.analysis], [], { toolVersion: 'test', buckets: 20, diagnosis: dw }),
    );
  }
}

/** Rows a part of `compareInSmallParts` holds at most: a few hundred, so that most generations are cut. */
const SMALL_PARTS = 300;

/** The rows a part may hold past partRows: those of the one event it was cut after (and its CPU samples' rows). */
const PART_SLACK = 64;

/**
 * Parts of at most SMALL_PARTS rows, a generation cut into many as a busy server's are: the
 * same rows, tables and analysis as the whole decode. A generation found inconsistent after
 * some of its parts were handed out is kept up to them (the whole decode drops all of it):
 * then the whole decode's rows come first, and the warning names how far the parts went.
 * Returns the parts beyond one a generation, and whether the input was such a generation.
 */
function compareInSmallParts(input: Input): { extra: number; keptUpTo: boolean } {
  const w = whole(input.bytes);
  const chunks = pieces(input.bytes, 997);
  const s = streamed(chunks, SMALL_PARTS);
  if ('error' in w) {
    expect(s).toEqual({ error: w.error });
    return { extra: 0, keptUpTo: false };
  }
  if ('error' in s) throw new Error(`streamed in small parts: ${s.error}, whole: decoded`);
  // (an old-format trace is one part)
  if (w.trace.family === 'v2') for (const p of s.parts!) expect(p.events.length, input.name).toBeLessThanOrEqual(SMALL_PARTS + PART_SLACK);
  const o = streamedOnPart(chunks, SMALL_PARTS);
  if ('error' in o) throw new Error(`streamed to onPart in small parts: ${o.error}, whole: decoded`);
  const extra = w.trace.family === 'v1' ? 0 : s.parts!.length - (w.trace.generations + 1);
  const kept = s.trace.warnings.find((m) => / up to [\d.]+\w+, \d+ bytes dropped|, and (generation \d+|last generation) up to /.test(m));
  if (kept === undefined) {
    // (the diagnosis fills in an analysis's wait latency: each one's made before they are compared)
    const dw = diagnose([w.analysis]);
    for (const x of [s, o]) {
      expectSameRows(x.parts!, w.trace.events);
      expect(header(x.trace)).toEqual(header(w.trace));
      expect(diagnose([x.analysis])).toEqual(dw);
      expect(findings(x.analysis)).toEqual(findings(w.analysis));
    }
    expect(tables(s.trace)).toEqual(tables(w.trace));
    return { extra, keptUpTo: false };
  }
  // kept up to the parts handed out: the whole decode's rows (less its closing sync) first
  const all = s.parts!.flatMap((p) => Array.from(p.events.time, (t, i) => `${t} ${p.events.kind[i]} ${p.events.g[i]} ${p.events.stack[i]}`));
  const ev = w.trace.events;
  const want = Array.from(ev.time.subarray(0, ev.length - 1), (t, i) => `${t} ${ev.kind[i]} ${ev.g[i]} ${ev.stack[i]}`);
  expect(all.slice(0, want.length)).toEqual(want);
  expect(all.length).toBeGreaterThan(want.length + 1);
  expect(kept).toMatch(
    /^(trace inconsistent from generation \d+ on|truncated or damaged: generation \d+|truncated: generation \d+).*; analysed the first (generation|\d+ generations) \([^)]*\), and generation \d+ up to [\d.]+\w+, .*\d+ bytes dropped/,
  );
  if (kept.startsWith('trace inconsistent')) expect(kept).toMatch(/, not the rest of generation \d+ or later: /);
  return { extra, keptUpTo: true };
}

const samples = sampleTraces();
const corpus = corpusTraces();
const cut = cuts([...samples, ...corpus]);

describe('streamed traces agree with whole-file decoding and analysis', () => {
  it('cover the samples, the corpus and cuts of multi-generation traces', () => {
    expect(samples.length).toBeGreaterThanOrEqual(25);
    expect(corpus.length).toBeGreaterThanOrEqual(80);
    expect(cut.length).toBeGreaterThanOrEqual(40);
    // real data both ways: traces that decode and traces that are refused
    const outcomes = corpus.map((x) => 'error' in whole(x.bytes));
    expect(outcomes.filter((e) => e).length).toBeGreaterThan(5);
    expect(outcomes.filter((e) => !e).length).toBeGreaterThan(50);
    expect(cut.some((x) => (whole(x.bytes) as { trace?: Trace }).trace?.warnings.some((m) => /bytes dropped/.test(m)))).toBe(true);
  });

  for (const [label, list] of [
    ['samples', samples],
    ['corpus', corpus],
    ['cut', cut],
  ] as const) {
    describe(label, () => {
      it.each(list.map((x) => [x.name, x] as const))('%s', (_name, x) => {
        // an old-format trace is one part whatever the pieces: one size is enough there
        const v1 = /^go 1\.([0-9]|1[0-9]|2[01]) trace/.test(new TextDecoder().decode(x.bytes.subarray(0, 16)));
        for (const size of v1 ? [997] : [0, 4096, 997]) compare(x, size);
      });
    });
  }

  it('in parts of a few hundred rows, a generation cut into many', () => {
    // and the damaged traces of the verdict tests: one byte changed, or one batch left out
    const damaged = MUTANT_SOURCES.flatMap((src) => [...traceMutants(repoRoot, src), ...traceBatchDrops(repoRoot, src)]);
    let extra = 0;
    let keptUpTo = 0;
    for (const x of [...samples, ...corpus, ...cut, ...damaged]) {
      const r = compareInSmallParts(x);
      extra += r.extra;
      if (r.keptUpTo) keptUpTo++;
    }
    expect(extra).toBeGreaterThan(300);
    expect(keptUpTo).toBeGreaterThan(3);
  });

  it('byte by byte, on a multi-generation trace and a Go 1.26 trace', () => {
    for (const name of ['felixge-sqlprof/testdata/testprog/go1.23.3.trace', 'samples/healthy/go1.27/trace.out']) {
      const x = [...corpus, ...samples].find((i) => i.name === name)!;
      compare(x, 1);
    }
  });
});

describe('memory while streaming', () => {
  it('hands the parts to onPart in the same columns, grown only for a larger generation', () => {
    const bytes = corpusFile('felixge-sqlprof/testdata/testprog/go1.23.3.trace');
    const full = decodeTrace(bytes);
    const o = streamedOnPart(pieces(bytes, 4096));
    if ('error' in o) throw new Error(o.error);
    expect(o.parts!.length).toBe(full.generations + 1);
    // a new set of columns only where a generation outgrew the last set: far fewer than parts
    expect(o.buffers!.size).toBeGreaterThanOrEqual(1);
    expect(o.buffers!.size).toBeLessThan(o.parts!.length / 2);
  });

  it('holds at most one generation of input and one generation of rows', () => {
    const bytes = corpusFile('felixge-sqlprof/testdata/testprog/go1.23.3.trace');
    const full = decodeTrace(bytes);
    expect(full.generations).toBeGreaterThanOrEqual(8);
    // where each generation ends in the input, from the whole decode's progress
    const ends: number[] = [];
    decodeTrace(bytes, { onProgress: (done) => ends.push(done) });
    expect(ends.length).toBe(full.generations);
    let largest = ends[0]! - 16;
    for (let i = 1; i < ends.length; i++) largest = Math.max(largest, ends[i]! - ends[i - 1]!);
    expect(largest).toBeLessThan(bytes.length / 3);

    const piece = 1024;
    const d = new TraceStreamDecoder();
    let maxHeld = 0;
    const rowsPerPart: number[] = [];
    for (const c of pieces(bytes, piece)) {
      d.push(c);
      maxHeld = Math.max(maxHeld, d.heldBytes);
      for (const p of d.take()) rowsPerPart.push(p.events.length);
    }
    d.end();
    for (const p of d.take()) rowsPerPart.push(p.events.length);
    // a piece is at most 1.5 × `piece`: the generation's bytes and what came with its last piece
    expect(maxHeld).toBeLessThanOrEqual(largest + 2 * piece);
    expect(maxHeld).toBeLessThan(bytes.length / 2);
    const t = d.result();
    expect(t.eventCount).toBe(full.eventCount);
    expect(rowsPerPart.length).toBe(full.generations + 1);
    // each part is one generation: it starts with that generation's sync
    let at = 0;
    for (let g = 0; g < full.generations; g++) {
      expect(full.events.kind[at]).toBe(K.Sync);
      expect(full.events.arg0[at]).toBe(g + 1);
      at += rowsPerPart[g]!;
    }
    expect(rowsPerPart[full.generations]).toBe(1);
  });
});
