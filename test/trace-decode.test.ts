/**
 * The execution-trace decoder over the shared corpus:
 * - every Go trace test (`*.test`, text form converted to wire bytes): SUCCESS ones decode,
 *   FAILURE ones raise a DecodeError whose message matches Go's expected pattern;
 * - every real binary trace decodes with its header version, events, goroutines and a
 *   duration, and its per-type event counts agree with a deliberately simple scan of the
 *   raw bytes written here, independently of the decoder;
 * - every fuzz input that wraps trace bytes decodes or raises a DecodeError, quickly;
 * - truncated traces keep their complete generations (a prefix of the full decode) and say so.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTrace, isTrace, traceHeaderVersion } from '../src/decode/trace/index.js';
import { DecodeError } from '../src/model/errors.js';
import {
  GoState,
  ProcState,
  TraceEventKind as K,
  isGoroutineTransition,
  isProcTransition,
  stackFunctions,
  type Trace,
} from '../src/model/trace.js';
import { corpusFile, corpusRoot, manifest } from './helpers/corpus.js';
import { parseTraceTest, textTraceToBytes } from './helpers/trace-text.js';

const rows = manifest();

function countKind(t: Trace, kind: number): number {
  let n = 0;
  for (let i = 0; i < t.events.length; i++) if (t.events.kind[i] === kind) n++;
  return n;
}

/**
 * Rows of a goroutine (or proc) whose "from" state is not the "to" state of the resource's
 * previous row (Undetermined, the state of a first sighting, excepted).
 */
function brokenChains(t: Trace): string[] {
  const e = t.events;
  const lastG = new Map<number, number>();
  const lastP = new Map<number, number>();
  const bad: string[] = [];
  for (let i = 0; i < e.length; i++) {
    const k = e.kind[i]!;
    const last = isGoroutineTransition(k) ? lastG : isProcTransition(k) ? lastP : null;
    if (last === null) continue;
    const r = e.resource[i]!;
    const prev = last.get(r);
    if (prev !== undefined && e.from[i] !== 0 && prev !== e.from[i]) bad.push(`row ${i}: kind ${k} resource ${r} from ${e.from[i]} after ${prev}`);
    last.set(r, e.to[i]!);
  }
  return bad;
}

function decodeOrError(bytes: Uint8Array): { trace: Trace } | { error: DecodeError } {
  try {
    return { trace: decodeTrace(bytes) };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    expect(e.message).not.toMatch(/\n/);
    return { error: e };
  }
}

// ---------------------------------------------------------------------------------------
// A deliberately simple, separate scan of the raw bytes (no ordering, no validation).

function uvarint(b: Uint8Array, pos: { p: number }, end = b.length): bigint {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (pos.p >= end) throw new Error('scan: varint past end');
    const x = b[pos.p++]!;
    v |= BigInt(x & 0x7f) << shift;
    if (x < 0x80) return v;
    shift += 7n;
  }
}

/** v1: count of each raw event type (strings excluded). */
function scanV1(b: Uint8Array): Map<number, number> {
  const counts = new Map<number, number>();
  const pos = { p: 16 };
  while (pos.p < b.length) {
    const h = b[pos.p++]!;
    const typ = h & 0x3f;
    const narg = (h >> 6) + 1;
    counts.set(typ, (counts.get(typ) ?? 0) + 1);
    if (typ === 37) {
      // string: id, len, bytes
      uvarint(b, pos);
      const len = Number(uvarint(b, pos));
      pos.p += len;
      continue;
    }
    if (narg <= 3) {
      for (let i = 0; i < narg; i++) uvarint(b, pos);
    } else {
      const len = Number(uvarint(b, pos));
      pos.p += len;
    }
    if (typ === 48) {
      const len = Number(uvarint(b, pos)); // user log message
      pos.p += len;
    }
  }
  counts.set(37, 0);
  return counts;
}

/** Arguments after the type byte of each v2 timed event (dt included). */
const V2_ARGS: Record<number, number> = {
  9: 3, 10: 3, 11: 1, 12: 4, 13: 3, 14: 4, 15: 2, 16: 3, 17: 1, 18: 1, 19: 3, 20: 3, 21: 4, 22: 3, 23: 1, 24: 1,
  25: 4, 26: 3, 27: 1, 28: 2, 29: 3, 30: 2, 31: 2, 32: 2, 33: 3, 34: 2, 35: 2, 36: 1, 37: 2, 38: 2, 39: 2, 40: 5,
  41: 3, 42: 4, 43: 4, 44: 5, 45: 3, 46: 3, 47: 4, 48: 5,
};

interface V2Scan {
  counts: Map<number, number>;
  cpuSamples: number;
  generations: Set<bigint>;
  batchStarts: number[];
  timed: number;
}

/** v2: per-type counts of the events in event batches, CPU samples, generation numbers. */
function scanV2(b: Uint8Array): V2Scan {
  const s: V2Scan = { counts: new Map(), cpuSamples: 0, generations: new Set(), batchStarts: [], timed: 0 };
  const pos = { p: 16 };
  while (pos.p < b.length) {
    s.batchStarts.push(pos.p);
    const t = b[pos.p++]!;
    if (t === 52) continue; // end of generation
    let exp = 0;
    if (t === 49) exp = b[pos.p++]!;
    s.generations.add(uvarint(b, pos));
    uvarint(b, pos); // m
    uvarint(b, pos); // time
    const size = Number(uvarint(b, pos));
    const end = pos.p + size;
    const first = b[pos.p];
    if (exp === 0 && first === 6) {
      const q = { p: pos.p + 1 };
      while (q.p < end) {
        q.p++;
        for (let i = 0; i < 5; i++) uvarint(b, q, end);
        s.cpuSamples++;
      }
    } else if (exp === 0 && first !== 2 && first !== 4 && first !== 8 && first !== 50) {
      const q = { p: pos.p };
      while (q.p < end) {
        const typ = b[q.p++]!;
        const n = V2_ARGS[typ];
        if (n === undefined) throw new Error(`scan: event type ${typ}`);
        for (let i = 0; i < n; i++) uvarint(b, q, end);
        s.counts.set(typ, (s.counts.get(typ) ?? 0) + 1);
        s.timed++;
      }
    }
    pos.p = end;
  }
  return s;
}

// ---------------------------------------------------------------------------------------

describe('trace header', () => {
  const hdr = (s: string) => {
    const b = new Uint8Array(32);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
    return b;
  };
  it('recognises go 1.N trace headers only', () => {
    expect(traceHeaderVersion(hdr('go 1.21 trace'))).toBe(21);
    expect(traceHeaderVersion(hdr('go 1.5 trace'))).toBe(5);
    expect(traceHeaderVersion(hdr('go 1.26 trace'))).toBe(26);
    expect(isTrace(hdr('go 1.23 trace'))).toBe(true);
    expect(isTrace(hdr('go 1.23 trace!'))).toBe(false);
    expect(isTrace(hdr('go 1.x trace'))).toBe(false);
    expect(isTrace(new Uint8Array([0x67, 0x6f]))).toBe(false);
  });
  it('refuses what it cannot read with a one-line DecodeError', () => {
    expect(() => decodeTrace(hdr('hello'))).toThrow(DecodeError);
    expect(() => decodeTrace(hdr('go 1.5 trace'))).toThrow(/Go 1.5 traces are not supported/);
    expect(() => decodeTrace(hdr('go 1.24 trace'))).toThrow(/unknown trace version go 1.24/);
    // a header and nothing else: no generation at all
    const empty = decodeOrError(hdr('go 1.22 trace').subarray(0, 16));
    if ('trace' in empty) expect(empty.trace.eventCount).toBeLessThanOrEqual(1);
  });
});

describe('Go trace tests (text form)', () => {
  const tests = rows.filter((r) => r.kind === 'txtar-trace-test');
  it('covers the corpus', () => {
    expect(tests.length).toBeGreaterThanOrEqual(22);
  });
  const matched: string[] = [];
  for (const row of tests) {
    const name = path.basename(row.path);
    it(name, () => {
      const t = parseTraceTest(readFileSync(path.join(corpusRoot, row.path), 'utf8'));
      const r = decodeOrError(t.bytes);
      if (t.expect.success) {
        if ('error' in r) throw new Error(`unexpected DecodeError: ${r.error.message}`);
        expect(r.trace.family).toBe('v2');
        expect(r.trace.goVersion).toBe(`go1.${t.version}`);
        expect(r.trace.eventCount).toBeGreaterThan(0);
        expect(r.trace.warnings).toEqual([]);
        // first and last rows are syncs; one per generation plus the final one
        expect(r.trace.events.kind[0]).toBe(K.Sync);
        expect(r.trace.events.kind[r.trace.eventCount - 1]).toBe(K.Sync);
        expect(countKind(r.trace, K.Sync)).toBe(r.trace.generations + 1);
        expect(brokenChains(r.trace)).toEqual([]);
        // times strictly increase
        for (let i = 1; i < r.trace.eventCount; i++) expect(r.trace.events.time[i]!).toBeGreaterThan(r.trace.events.time[i - 1]!);
      } else {
        if (!('error' in r)) throw new Error(`expected a DecodeError matching ${t.expect.pattern}, decoded ${r.trace.eventCount} events`);
        expect(r.error.message).toMatch(t.expect.regexp);
        matched.push(name);
      }
    });
  }

  it('orders a stolen syscall proc before the blocked syscall exit (syscall-steal-proc-simple)', () => {
    const t = parseTraceTest(
      readFileSync(path.join(corpusRoot, 'golang-exp/trace/testdata/tests/go122-syscall-steal-proc-simple.test'), 'utf8'),
    );
    const tr = decodeTrace(t.bytes);
    const e = tr.events;
    expect(tr.eventCount).toBe(9); // 7 events + 2 syncs
    const kinds = Array.from(e.kind);
    const steal = kinds.indexOf(K.ProcSteal);
    const exit = kinds.indexOf(K.GoSyscallEndBlocked);
    expect(steal).toBeGreaterThan(0);
    expect(exit).toBe(steal + 1);
    expect([e.resource[steal], e.from[steal], e.to[steal]]).toEqual([0, ProcState.Running, ProcState.Idle]);
    expect([e.resource[exit], e.from[exit], e.to[exit]]).toEqual([1, GoState.Syscall, GoState.Runnable]);
    expect(tr.goroutines).toBe(2);
  });

  it('keeps a task name across generations (task-across-generations)', () => {
    const t = parseTraceTest(
      readFileSync(path.join(corpusRoot, 'golang-exp/trace/testdata/tests/go122-task-across-generations.test'), 'utf8'),
    );
    const tr = decodeTrace(t.bytes);
    expect(tr.generations).toBe(2);
    const end = Array.from(tr.events.kind).indexOf(K.TaskEnd);
    expect(tr.strings.get(tr.events.str[end]!)).toBe('my task');
    expect(tr.events.arg0[end]).toBe(2);
  });

  it('places generation syncs and clock snapshots as Go does (go123-sync, go125-sync)', () => {
    // Go's reader_test expects syncs at 10, 40, 60, 63 and 9, 38, 58, 83 (ns).
    const syncTimes = (file: string) => {
      const t = parseTraceTest(readFileSync(path.join(corpusRoot, 'golang-exp/trace/testdata/tests', file), 'utf8'));
      const tr = decodeTrace(t.bytes);
      const out: number[] = [];
      for (let i = 0; i < tr.eventCount; i++) if (tr.events.kind[i] === K.Sync) out.push(tr.events.time[i]!);
      return { tr, out };
    };
    const a = syncTimes('go123-sync.test');
    expect(a.out).toEqual([0, 30, 50, 53]);
    expect(a.tr.clock).toBeNull();
    const b = syncTimes('go125-sync.test');
    expect(b.out).toEqual([0, 29, 49, 74]);
    expect(b.tr.clock).toEqual({ traceNs: 1, wallSec: 1740755049, wallNsec: 123, monoNs: 99 });
  });

  it('matched every FAILURE expectation with its own message', () => {
    const failures = tests.filter((r) => readFileSync(path.join(corpusRoot, r.path), 'utf8').includes('\nFAILURE '));
    expect(failures.length).toBeGreaterThan(0);
    expect(matched.sort()).toEqual(failures.map((r) => path.basename(r.path)).sort());
  });
});

describe('Go 1.26 framing (end-of-generation byte), built from the 1.25 test', () => {
  const text125 = readFileSync(path.join(corpusRoot, 'golang-exp/trace/testdata/tests/go125-sync.test'), 'utf8').split('-- trace --\n')[1]!;
  /** The 1.25 trace with an EndOfGeneration line after each generation, under header `ver`. */
  function as126(ver: number, dropLastEnd = false): Uint8Array {
    const lines = text125.split('\n').filter((l) => l.trim() !== '');
    const out: string[] = [`Trace Go1.${Math.min(ver, 26)}`];
    let gen = '';
    for (const l of lines.slice(1)) {
      const m = /^EventBatch gen=(\d+)/.exec(l);
      if (m && gen !== '' && m[1] !== gen) out.push('EndOfGeneration');
      if (m) gen = m[1]!;
      out.push(l);
    }
    if (!dropLastEnd) out.push('EndOfGeneration');
    const bytes = textTraceToBytes(out.join('\n'), { recomputeSizes: true }).bytes;
    const h = `go 1.${ver} trace`;
    for (let i = 0; i < 16; i++) bytes[i] = i < h.length ? h.charCodeAt(i) : 0;
    return bytes;
  }
  const ref = decodeTrace(parseTraceTest(readFileSync(path.join(corpusRoot, 'golang-exp/trace/testdata/tests/go125-sync.test'), 'utf8')).bytes);

  it('decodes the same events as the 1.25 form', () => {
    const tr = decodeTrace(as126(26));
    expect(tr.goVersion).toBe('go1.26');
    expect(tr.generations).toBe(3);
    expect(Array.from(tr.events.kind)).toEqual(Array.from(ref.events.kind));
    expect(Array.from(tr.events.time)).toEqual(Array.from(ref.events.time));
    expect(tr.warnings).toEqual([]);
  });
  it('reads a newer header as 1.26 with a warning', () => {
    const tr = decodeTrace(as126(28));
    expect(tr.goVersion).toBe('go1.28');
    expect(tr.eventCount).toBe(ref.eventCount);
    expect(tr.warnings.join(' ')).toMatch(/go 1\.28 is newer/);
  });
  it('reports a last generation without its end as truncated and keeps the others', () => {
    const tr = decodeTrace(as126(26, true));
    expect(tr.generations).toBe(2);
    expect(tr.warnings.join(' ')).toMatch(/truncated/);
    // prefix of the full decode up to the end of generation 2, then the closing sync
    const full = Array.from(ref.events.kind);
    const got = Array.from(tr.events.kind);
    expect(got.slice(0, -1)).toEqual(full.slice(0, got.length - 1));
    expect(got[got.length - 1]).toBe(K.Sync);
  });
});

describe('real binary traces', () => {
  const traces = rows.filter((r) => /^trace-(old|new)-/.test(r.kind));
  it('covers the corpus', () => {
    expect(traces.length).toBeGreaterThanOrEqual(37);
  });
  for (const row of traces) {
    const minor = Number(/1\.(\d+)$/.exec(row.kind)![1]);
    it(`${row.path} (${row.kind})`, () => {
      const bytes = corpusFile(row.path);
      expect(traceHeaderVersion(bytes)).toBe(minor);
      if (minor < 7) {
        expect(() => decodeTrace(bytes)).toThrow(/Go 1\.5 traces are not supported/);
        return;
      }
      let progress = 0;
      const tr = decodeTrace(bytes, { onProgress: (done, total) => (progress = done / total) });
      expect(progress).toBe(1);
      expect(tr.goVersion).toBe(`go1.${minor}`);
      expect(tr.family).toBe(minor >= 22 ? 'v2' : 'v1');
      expect(tr.eventCount).toBeGreaterThan(0);
      expect(tr.eventCount).toBe(tr.events.length);
      expect(tr.goroutines).toBeGreaterThan(0);
      expect(tr.durationNs).toBeGreaterThan(0);
      expect(tr.frequency).toBeGreaterThan(0);
      expect(tr.warnings).toEqual([]);
      const e = tr.events;
      for (let i = 1; i < e.length; i++) if (!(e.time[i]! > e.time[i - 1]!)) throw new Error(`time not increasing at row ${i}`);
      // each transition starts in the state the previous one left its goroutine or proc in
      expect(brokenChains(tr).slice(0, 3)).toEqual([]);
      // stacks resolve to symbolised frames
      let named = 0;
      for (let s = 1; s < tr.stacks.length; s++) if (stackFunctions(tr, s).some((f) => f.includes('.'))) named++;
      expect(named).toBeGreaterThan(0);

      if (tr.family === 'v1') {
        const raw = scanV1(bytes);
        const c = (t: number) => raw.get(t) ?? 0;
        expect(countKind(tr, K.HeapAlloc)).toBe(c(33));
        expect(countKind(tr, K.HeapGoal)).toBe(c(34));
        expect(countKind(tr, K.CPUSample)).toBe(c(49));
        expect(countKind(tr, K.GCBegin)).toBe(c(7));
        expect(countKind(tr, K.GCEnd)).toBe(c(8));
        expect(countKind(tr, K.GoUnblock)).toBe(c(21) + c(39));
        expect(countKind(tr, K.GoSyscallEndBlocked)).toBe(c(29) + c(40));
        expect(countKind(tr, K.GoSyscallBegin)).toBe(c(28));
        expect(countKind(tr, K.GoDestroy)).toBe(c(15));
        expect(countKind(tr, K.GoStop)).toBe(c(17) + c(18));
        expect(countKind(tr, K.GoBlock)).toBe(c(16) + c(19) + c(20) + c(22) + c(23) + c(24) + c(25) + c(26) + c(27) + c(42));
        // block reasons follow Go's names
        const reasons = new Map<string, number>();
        for (let i = 0; i < e.length; i++) {
          if (e.kind[i] === K.GoBlock) {
            const r = tr.strings.get(e.str[i]!);
            reasons.set(r, (reasons.get(r) ?? 0) + 1);
          }
        }
        expect(reasons.get('chan send') ?? 0).toBe(c(22));
        expect(reasons.get('chan receive') ?? 0).toBe(c(23));
        expect(reasons.get('select') ?? 0).toBe(c(24));
        expect(reasons.get('sync') ?? 0).toBe(c(25));
        expect(reasons.get('network') ?? 0).toBe(c(27));
        expect(reasons.get('sleep') ?? 0).toBe(c(19));
        expect(countKind(tr, K.Sync)).toBe(2);
        expect(tr.generations).toBe(1);
      } else {
        const raw = scanV2(bytes);
        const c = (t: number) => raw.counts.get(t) ?? 0;
        expect(tr.generations).toBe(raw.generations.size);
        expect(countKind(tr, K.Sync)).toBe(raw.generations.size + 1);
        expect(countKind(tr, K.HeapAlloc)).toBe(c(37));
        expect(countKind(tr, K.GoCreate)).toBe(c(14));
        expect(countKind(tr, K.GoStart)).toBe(c(16) + c(45) + c(46));
        expect(countKind(tr, K.GoBlock)).toBe(c(20) + c(45));
        expect(countKind(tr, K.GoUnblock)).toBe(c(21));
        expect(countKind(tr, K.GoStatus)).toBe(c(25) + c(48));
        expect(countKind(tr, K.CPUSample)).toBe(raw.cpuSamples);
        const synthSteals = countKind(tr, K.ProcSteal) - c(12);
        expect(synthSteals).toBeGreaterThanOrEqual(0);
        expect(synthSteals).toBeLessThanOrEqual(c(18));
        // every event of every batch is a row, plus syncs, CPU samples and Go's synthesised rows
        expect(tr.eventCount).toBe(raw.timed + raw.generations.size + 1 + raw.cpuSamples + 2 * (c(45) + c(46)) + synthSteals);
        expect(tr.clock !== null).toBe(minor >= 25);
      }
    });
  }

  it('reads block reasons and blocked stacks from a Go 1.25 trace', () => {
    const tr = decodeTrace(corpusFile('felixge-traceutils/testdata/1.25/test-encoding-json.trace'));
    const reasons = new Set<string>();
    let statusWithStack = 0;
    for (let i = 0; i < tr.eventCount; i++) {
      if (tr.events.kind[i] === K.GoBlock) reasons.add(tr.strings.get(tr.events.str[i]!));
      if (tr.events.kind[i] === K.GoStatus && tr.events.stack[i] !== 0 && tr.events.to[i] === GoState.Waiting) statusWithStack++;
    }
    expect(reasons.size).toBeGreaterThan(1);
    for (const r of reasons) expect(r === '' || /^[a-zA-Z.(*) ]+/.test(r)).toBe(true);
    expect(statusWithStack).toBeGreaterThan(0);
  });

  it('spans ten generations of a 10 s Go 1.23 run', () => {
    const tr = decodeTrace(corpusFile('felixge-sqlprof/testdata/testprog/go1.23.3.trace'));
    expect(tr.goVersion).toBe('go1.23');
    expect(tr.generations).toBe(10);
    expect(tr.durationNs).toBeGreaterThan(9.9e9);
    expect(tr.durationNs).toBeLessThan(10.2e9);
  });
});

describe('fuzz inputs wrapping trace bytes', () => {
  const wrapped = rows.filter((r) => {
    if (r.kind !== 'invalid' || !r.path.endsWith('.decoded.bin')) return false;
    const wrapper = rows.find((w) => w.path === r.path.slice(0, -'.decoded.bin'.length));
    return /go 1\.\d+ trace/.test(r.note) || /wraps go 1\.\d+ trace bytes/.test(wrapper?.note ?? '');
  });
  it('covers the corpus', () => {
    expect(wrapped.length).toBeGreaterThanOrEqual(20);
  });
  for (const row of wrapped) {
    it(row.path, () => {
      const bytes = corpusFile(row.path);
      const t0 = performance.now();
      const r = decodeOrError(bytes);
      expect(performance.now() - t0).toBeLessThan(2000);
      if ('trace' in r) expect(r.trace.eventCount).toBe(r.trace.events.length);
    });
  }
});

describe('truncated traces', () => {
  function checkPrefix(full: Trace, cut: Trace): void {
    const n = cut.eventCount;
    expect(n).toBeLessThanOrEqual(full.eventCount);
    expect(cut.events.kind[n - 1]).toBe(K.Sync);
    const a = full.events;
    const b = cut.events;
    for (let i = 0; i < n - 1; i++) {
      if (
        a.kind[i] !== b.kind[i] ||
        a.time[i] !== b.time[i] ||
        a.g[i] !== b.g[i] ||
        a.p[i] !== b.p[i] ||
        a.m[i] !== b.m[i] ||
        a.resource[i] !== b.resource[i] ||
        a.stack[i] !== b.stack[i] ||
        a.str[i] !== b.str[i] ||
        a.arg0[i] !== b.arg0[i]
      ) {
        throw new Error(`row ${i} differs from the full decode`);
      }
    }
  }

  it('keeps the complete generations of a cut Go 1.23 trace', () => {
    const bytes = corpusFile('felixge-sqlprof/testdata/testprog/go1.23.3.trace');
    const full = decodeTrace(bytes);
    const starts = new Set(scanV2(bytes).batchStarts);
    let warned = 0;
    let errors = 0;
    for (let k = 1; k <= 23; k++) {
      let at = Math.floor((bytes.length * k) / 24);
      while (starts.has(at)) at++; // not between two batches: that cut cannot be seen
      const r = decodeOrError(bytes.slice(0, at));
      if ('error' in r) {
        errors++;
        expect(r.error.message).toMatch(/truncated|no complete generation|unexpected end/);
        continue;
      }
      warned++;
      expect(r.trace.warnings.join(' ')).toMatch(/truncat/);
      expect(r.trace.warnings.join(' ')).toMatch(/\d+ bytes dropped/);
      expect(r.trace.generations).toBeLessThan(full.generations);
      checkPrefix(full, r.trace);
    }
    expect(warned).toBeGreaterThan(10);
    expect(errors).toBeLessThan(5);
  });

  it('refuses a cut single-generation trace and a cut v1 trace with a DecodeError or decodes them', () => {
    for (const f of ['felixge-traceutils/testdata/1.25/test-encoding-json.trace', 'felixge-traceutils/testdata/1.21/test-encoding-json.trace']) {
      const bytes = corpusFile(f);
      for (const frac of [0.01, 0.3, 0.77, 0.999]) {
        const r = decodeOrError(bytes.slice(0, Math.floor(bytes.length * frac)));
        if ('trace' in r) expect(r.trace.warnings.join(' ')).toMatch(/truncat/);
      }
    }
  });

  it('never throws anything but DecodeError on damaged bytes', () => {
    const bytes = corpusFile('felixge-sqlprof/testdata/testprog/go1.23.3.trace');
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let k = 0; k < 40; k++) {
      const b = bytes.slice();
      for (let j = 0; j < 4; j++) b[16 + Math.floor(rnd() * (b.length - 16))] = Math.floor(rnd() * 256);
      const r = decodeOrError(b);
      if ('trace' in r) expect(r.trace.eventCount).toBeGreaterThan(0);
    }
  });
});
