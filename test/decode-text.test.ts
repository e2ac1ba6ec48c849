/**
 * The text decoders (debug=1, debug=2 and tracebacks, legacy heap / contention / thread dumps) and
 * the legacy binary CPU decoder, on every such file of the shared corpus and of samples/, checked
 * against what the files state, against `go tool pprof -raw` where the golden files have it, and
 * on small texts in the formats the Go runtime prints (runtime/traceback.go, runtime/pprof).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeGoroutineDebug1, looksLikeGoroutineDebug1 } from '../src/decode/goroutine-debug1.js';
import { decodeGoroutineDebug2, looksLikeGoroutineDebug2, parseGoroutineHeader } from '../src/decode/goroutine-debug2.js';
import { decodeLegacyCpu, looksLikeLegacyCpu } from '../src/decode/legacy-cpu.js';
import {
  decodeLegacyContention,
  decodeLegacyHeap,
  decodeLegacyThreadz,
  looksLikeLegacyContention,
  looksLikeLegacyHeap,
} from '../src/decode/legacy-text.js';
import { DecodeError } from '../src/model/errors.js';
import { GoroutineFlag, type Profile } from '../src/model/profile.js';
import { corpusFile, corpusRoot, golden, goldenRoot, manifest, repoRoot } from './helpers/corpus.js';

const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(b);
const corpusText = (rel: string) => utf8(corpusFile(rel));

function totals(p: Profile): number[] {
  const k = p.sampleTypes.length;
  const t = new Array<number>(k).fill(0);
  for (let i = 0; i < p.samples.length; i++) for (let j = 0; j < k; j++) t[j]! += p.samples.values[i * k + j]!;
  return t;
}

/** Function names of a location, innermost first. */
function locationNames(p: Profile, loc: number): string[] {
  const out: string[] = [];
  const ls = p.locations.lineStart[loc]!;
  for (let l = ls; l < ls + p.locations.lineCount[loc]!; l++) out.push(p.strings.get(p.functions.name[p.lines.function[l]!]!));
  return out;
}

function sampleStack(p: Profile, i: number): number[] {
  return Array.from(p.samples.stack.subarray(p.samples.stackStart[i]!, p.samples.stackStart[i + 1]!));
}

function sampleLabels(p: Profile, i: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let l = p.samples.labelStart[i]!; l < p.samples.labelStart[i + 1]!; l++) {
    out[p.strings.get(p.samples.labelKey[l]!)] = p.strings.get(p.samples.labelStr[l]!);
  }
  return out;
}

/** Everything the decoder recorded for goroutine `id` (the first one with that id). */
function goroutine(p: Profile, id: number) {
  const g = p.goroutines!;
  const i = Array.from(g.id).indexOf(id);
  expect(i, `goroutine ${id}`).toBeGreaterThanOrEqual(0);
  const stack = sampleStack(p, i);
  return {
    reason: p.strings.get(g.waitReason[i]!),
    minutes: g.waitMinutes[i]!,
    flags: g.flags[i]!,
    createdBy: p.strings.get(g.createdByFunction[i]!),
    createdByFile: p.strings.get(g.createdByFile[i]!),
    createdByLine: g.createdByLine[i]!,
    createdByGoroutine: g.createdByGoroutine[i]!,
    elided: g.framesElided[i]!,
    frames: stack.map((loc) => locationNames(p, loc)[0] ?? ''),
    files: stack.map((loc) => {
      const l = p.locations.lineStart[loc]!;
      return p.locations.lineCount[loc]! > 0 ? `${p.strings.get(p.functions.filename[p.lines.function[l]!]!)}:${p.lines.line[l]}` : '';
    }),
    offsets: stack.map((loc) => p.locations.pcOffset[loc]!),
    addresses: stack.map((loc) => p.locations.address[loc]!),
    args: Array.from(g.frameArgs.subarray(p.samples.stackStart[i]!, p.samples.stackStart[i + 1]!), (a) => p.strings.get(a)),
    labels: sampleLabels(p, i),
  };
}

/** Goroutine headers in a text, found with one plain regular expression (glued ones too). */
const HEADER_LINE = /goroutine (\d+) (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[(.*)\].*:\s*$/;
function headerIds(text: string): number[] {
  const ids: number[] = [];
  for (const line of text.split('\n')) {
    const m = HEADER_LINE.exec(line.replace(/\r$/, ''));
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}

function expectDecodeError(f: () => unknown, message?: RegExp): void {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'an error').toBeInstanceOf(DecodeError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  if (message) expect(msg).toMatch(message);
}

/** Samples of `go tool pprof -raw` output: values and the addresses (or names) of their locations. */
function rawSamples(raw: string): { values: number[]; locations: string[] }[] {
  const lines = raw.split('\n');
  const si = lines.indexOf('Samples:');
  const li = lines.indexOf('Locations');
  const locs = new Map<string, string>();
  for (let i = li + 1; i < lines.length && /^\s+\d+:/.test(lines[i]!); i++) {
    const m = /^\s+(\d+): (0x[0-9a-f]+) M=\d+ ?(\S*)/.exec(lines[i]!)!;
    locs.set(m[1]!, m[2] === '0x0' && m[3] ? m[3] : m[2]!);
  }
  const out: { values: number[]; locations: string[] }[] = [];
  for (let i = si + 2; i < li; i++) {
    const m = /^\s+(-?\d+(?:\s+-?\d+)*):(.*)$/.exec(lines[i]!);
    if (!m) continue;
    out.push({
      values: m[1]!.trim().split(/\s+/).map(Number),
      locations: m[2]!.trim().split(/\s+/).filter(Boolean).map((id) => locs.get(id)!),
    });
  }
  return out;
}

function ourSamples(p: Profile): { values: number[]; locations: string[] }[] {
  const k = p.sampleTypes.length;
  const out: { values: number[]; locations: string[] }[] = [];
  for (let i = 0; i < p.samples.length; i++) {
    out.push({
      values: Array.from(p.samples.values.subarray(i * k, (i + 1) * k)),
      locations: sampleStack(p, i).map((loc) => {
        const a = p.locations.address[loc]!;
        return a === 0n && p.locations.lineCount[loc]! > 0 ? locationNames(p, loc)[0]! : '0x' + a.toString(16);
      }),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const KINDS = [
  'text-goroutine-debug1',
  'text-goroutine-debug2',
  'text-panic',
  'text-heap-legacy',
  'text-contention-legacy',
  'text-threadcreate-legacy',
  'text-legacy-other',
  'legacy-cpu-binary',
];
const rows = manifest().filter((r) => KINDS.includes(r.kind));

function decodeByKind(kind: string, bytes: Uint8Array): Profile {
  const text = utf8(bytes);
  switch (kind) {
    case 'text-goroutine-debug1':
    case 'text-threadcreate-legacy':
      return decodeGoroutineDebug1(text);
    case 'text-goroutine-debug2':
    case 'text-panic':
      return decodeGoroutineDebug2(text);
    case 'text-heap-legacy':
      return decodeLegacyHeap(text);
    case 'text-contention-legacy':
    case 'text-legacy-other':
      return decodeLegacyContention(text);
    case 'legacy-cpu-binary':
      return decodeLegacyCpu(bytes);
  }
  throw new Error(`no decoder for ${kind}`);
}

describe('corpus: every text profile and legacy CPU profile', () => {
  it('has files of every kind the text decoders cover', () => {
    for (const k of KINDS) expect(rows.some((r) => r.kind === k), k).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows.map((r) => [r.path, r] as const))('%s', (rel, row) => {
    const bytes = corpusFile(rel);
    const text = utf8(bytes);
    if (row.kind === 'text-goroutine-debug2' || row.kind === 'text-panic') {
      let ids = headerIds(text);
      if (ids.length === 0) {
        // a data race report: stacks without goroutine headers, each access a record
        const p = decodeGoroutineDebug2(text);
        expect(p.verdict!.kind).toBe('data-race');
        expect(p.verdict!.races.length).toBeGreaterThan(0);
        expect(p.samples.length).toBe(p.verdict!.races.flat().length);
        return;
      }
      const p = decodeGoroutineDebug2(text);
      if (new Set(ids).size < ids.length) {
        // several dumps in one text (an id comes round again): the last is read, and said to be
        const got = Array.from(p.goroutines!.id);
        expect(new Set(got).size).toBe(got.length);
        expect(ids.slice(ids.length - got.length)).toEqual(got);
        expect(got.length).toBeLessThan(ids.length);
        expect(p.repairs!.join(' ')).toMatch(/dumps in one text: the last \(\d+ goroutines from line \d+\) is analysed/);
        ids = got;
      }
      expect(p.samples.length).toBe(ids.length);
      expect(Array.from(p.goroutines!.id)).toEqual(ids);
      expect(totals(p)).toEqual([ids.length]);
      expect(p.sampleTypes).toEqual([{ type: 'goroutine', unit: 'count' }]);
      expect(p.format).toBe(row.kind === 'text-panic' || row.note.includes('surrounding log') ? 'traceback' : 'goroutine-debug2');
      // the status of each header as printed (no corpus file has leaked/scan/durable markers)
      const statuses = text
        .split('\n')
        .map((l) => HEADER_LINE.exec(l))
        .filter((m) => m !== null)
        .map((m) => m[2]!.split(', ')[0]!);
      expect(Array.from(p.goroutines!.waitReason, (s) => p.strings.get(s))).toEqual(statuses.slice(statuses.length - ids.length));
      expect(looksLikeGoroutineDebug2(text, Infinity)).toBe(true);
      return;
    }
    const p = decodeByKind(row.kind, bytes);
    if (row.kind === 'text-goroutine-debug1' || row.kind === 'text-threadcreate-legacy') {
      const m = /^(\w+) profile: total (\d+)$/m.exec(text)!;
      expect(p.statedTotal).toBe(Number(m[2]));
      expect(totals(p)).toEqual([Number(m[2])]);
      expect(p.samples.length).toBe(text.split('\n').filter((l) => /^\d+ @/.test(l)).length);
      expect(p.sampleTypes).toEqual([{ type: m[1]!, unit: 'count' }]);
      expect(looksLikeGoroutineDebug1(text)).toBe(true);
      // every `#` line names the location at its PC
      for (const sym of text.matchAll(/^#\t(0x[0-9a-f]+)\t+([^\t]+)\+0x[0-9a-f]+\t/gm)) {
        const loc = Array.from(p.locations.address).indexOf(BigInt(sym[1]!));
        expect(loc, sym[0]).toBeGreaterThanOrEqual(0);
        expect(locationNames(p, loc)).toContain(sym[2]);
      }
    }
    const g = golden(rel);
    expect(g, `golden file for ${rel}`).not.toBeNull();
    if (g !== null && 'summary' in g) {
      expect(p.sampleTypes).toEqual(g.summary.sampleTypes);
      expect(p.samples.length).toBe(g.summary.samples);
      expect(totals(p)).toEqual(g.summary.totals);
      if (g.summary.period != null) expect(p.period).toBe(g.summary.period);
      if (g.summary.periodType != null) expect(p.periodType).toEqual(g.summary.periodType);
      const rawFile = path.join(goldenRoot, rel + '.raw.txt');
      if (existsSync(rawFile)) expect(ourSamples(p)).toEqual(rawSamples(readFileSync(rawFile, 'utf8')));
    } else {
      // go tool pprof refuses jemalloc's heap_v2 dumps; checked by hand below
      expect(rel).toBe('google-pprof/profile/testdata/jemalloc.heap');
    }
    if (row.kind === 'legacy-cpu-binary') expect(looksLikeLegacyCpu(bytes)).toBe(true);
    if (row.kind === 'text-heap-legacy') expect(looksLikeLegacyHeap(text)).toBe(true);
    if (row.kind === 'text-contention-legacy' || row.kind === 'text-legacy-other') expect(looksLikeLegacyContention(text)).toBe(true);
  });

  it('rejects the legacy heapz fuzz crasher with a DecodeError', () => {
    const rel = 'google-pprof/fuzz/testdata/7e3c92482f6f39fc502b822ded792c589849cca8';
    expect(manifest().find((r) => r.path === rel)?.kind).toBe('invalid');
    const text = corpusText(rel);
    expect(looksLikeLegacyHeap(text)).toBe(true);
    expectDecodeError(() => decodeLegacyHeap(text), /0 objects/);
  });
});

describe('corpus facts read by hand', () => {
  it('debug=1: buckets, labels, and # lines on the addresses of the @ line', () => {
    const p = decodeGoroutineDebug1(corpusText('felixge-go-profiler-notes/examples/goroutine/1.pprof.lookup.goroutine.debug1.txt'));
    expect(p.format).toBe('goroutine-debug1');
    expect(p.kind).toBe('goroutine');
    expect(p.goVersion).toBe('go1.15.6');
    // first bucket: `2 @ 0x103b125 0x106cd1f 0x13ac44a 0x106fd81`, labelled test_label=test_value
    expect(p.samples.values[0]).toBe(2);
    expect(sampleLabels(p, 0)).toEqual({ test_label: 'test_value' });
    const stack = sampleStack(p, 0);
    expect(stack.map((l) => p.locations.address[l])).toEqual([0x103b124n, 0x106cd1en, 0x13ac449n, 0x106fd80n]);
    // runtime.gopark and runtime.goexit are not printed: their locations have no line
    expect(stack.map((l) => locationNames(p, l))).toEqual([[], ['time.Sleep'], ['main.shortSleepLoop'], []]);
    expect(p.locations.pcOffset[stack[1]!]).toBe(0xbe);
    // the bucket without a labels line has none
    expect(sampleLabels(p, 2)).toEqual({});
  });

  it('threadcreate text is a count profile of its own kind', () => {
    const p = decodeGoroutineDebug1(corpusText('google-pprof/profile/testdata/go.godoc.thread'));
    expect(p.kind).toBe('threadcreate');
    expect(p.format).toBe('legacy-threadcreate');
    expect(p.statedTotal).toBe(7);
    // `1 @ 0x440e2 0x5191a`, the last line
    expect(sampleStack(p, 6).map((l) => p.locations.address[l])).toEqual([0x440e1n, 0x51919n]);
  });

  it('debug=2 with Windows paths holding spaces, created-by with its goroutine, printed arguments', () => {
    const p = decodeGoroutineDebug2(corpusText('mokhatiri-kvstore-raft-consensus/goroutines.txt'));
    expect(p.format).toBe('goroutine-debug2');
    const g = goroutine(p, 109);
    expect(g.reason).toBe('running');
    expect(g.flags & GoroutineFlag.Current).toBeTruthy();
    expect(g.frames[0]).toBe('runtime/pprof.writeGoroutineStacks');
    expect(g.files[0]).toBe('C:/Program Files/Go/src/runtime/pprof/pprof.go:756');
    expect(g.offsets[0]).toBe(0x6b);
    expect(g.args[0]).toBe('{0x7ff789eb10e0, 0xc0001d6000}');
    expect(g.createdBy).toBe('net/http.(*Server).Serve');
    expect(g.createdByGoroutine).toBe(18);
    expect(g.createdByFile).toBe('C:/Program Files/Go/src/net/http/server.go');
    expect(g.createdByLine).toBe(3493);
    // `os.(*File).read(...)` is inlined: no offset, no arguments
    const one = goroutine(p, 1);
    expect(one.reason).toBe('syscall');
    const k = one.frames.indexOf('os.(*File).read');
    expect(one.offsets[k]).toBe(-1);
    expect(one.args[k]).toBe('');
    expect(one.files[k]).toBe('C:/Program Files/Go/src/os/file_posix.go:29');
  });

  it('a terminal session: a header glued to program output, two dumps, goroutine 0 of SIGQUIT', () => {
    const text = corpusText('felixge-go-profiler-notes/examples/runtime-stack/runtime-stack.txt');
    const p = decodeGoroutineDebug2(text);
    expect(p.format).toBe('traceback');
    // the manifest counts 10 headers at the start of a line; the 11th is glued after "…stacks"
    expect(text).toContain('dumping all stacksgoroutine 1 [running]:');
    // two dumps: runtime.Stack's after a minute, then SIGQUIT's; the last one is read
    expect(p.samples.length).toBe(6);
    expect(Array.from(p.goroutines!.id)).toEqual([0, 1, 18, 19, 20, 22]);
    expect(p.repairs!.join(' ')).toContain('2 dumps in one text: the last (6 goroutines from line 41) is analysed; earlier: 6 goroutines from line 3');
    // the first dump, read alone: the header glued after "…stacks" is the running goroutine
    const firstDump = decodeGoroutineDebug2(text.slice(0, text.indexOf('waiting indefinitely')));
    expect(Array.from(firstDump.goroutines!.id)).toEqual([1, 18, 19, 20, 22]);
    const first = goroutine(firstDump, 1);
    expect(first.flags & GoroutineFlag.Current).toBeTruthy();
    expect(first.frames).toEqual(['main.main']);
    const g18 = goroutine(firstDump, 18);
    expect(g18).toMatchObject({ reason: 'sleep', minutes: 1, createdBy: 'main.main', createdByGoroutine: -1, createdByLine: 12 });
    expect(g18.args).toEqual(['0x104c533c00', '0x104c533c00']);
    expect(goroutine(p, 18).minutes).toBe(-1);
    expect(goroutine(p, 20).minutes).toBe(4);
    // the SIGQUIT dump starts with the signal thread's g0, not a current goroutine
    const g0 = goroutine(p, 0);
    expect(g0.reason).toBe('idle');
    expect(g0.flags & GoroutineFlag.Current).toBe(0);
    expect(g0.frames[0]).toBe('runtime.pthread_cond_wait');
    expect(p.goVersion).toBe('go1.15.6');
  });

  it('a fatal error: the runtime stack is not a goroutine, running-on-other-thread has no stack', () => {
    const text = corpusText('golang-build/internal/logparser/testdata/2.log');
    const p = decodeGoroutineDebug2(text);
    expect(p.format).toBe('traceback');
    expect(p.samples.length).toBe(189);
    expect(text).toContain('runtime stack:\nruntime.throw(');
    // runtime.throw is the top of the runtime stack only
    expect(Array.from(p.goroutines!.id).map((id) => goroutine(p, id).frames[0])).not.toContain('runtime.throw');
    const g = goroutine(p, 60);
    expect(g).toMatchObject({ reason: 'running', frames: [], createdBy: 'runtime.gcBgMarkStartWorkers', createdByFile: '/workdir/go/src/runtime/mgc.go', createdByLine: 1158 });
    expect(g.flags & GoroutineFlag.NoStack).toBeTruthy();
    expect(p.warnings.join(' ')).toContain('1 goroutine(s) without a stack');
    // GOTRACEBACK=system frames: the pc= value is the location's address
    const g1 = goroutine(p, 1);
    expect(g1.frames[0]).toBe('runtime.gopark');
    expect(g1.addresses[0]).toBe(0x43f91dn);
    expect(g1.offsets[0]).toBe(0xfd);
  });

  it('a crash report whose long lines were cut', () => {
    // the report repeats the crash after `REPORT:` (a second dump, which is the one analysed);
    // the log before it holds the goroutines whose lines are checked here
    const text = corpusText('google-syzkaller/pkg/report/testdata/gvisor/report/0');
    expect(decodeGoroutineDebug2(text).verdict).toMatchObject({ kind: 'panic', goroutine: 9707990 });
    const p = decodeGoroutineDebug2(text.slice(0, text.indexOf('\nREPORT:')));
    expect(p.format).toBe('traceback');
    const g = goroutine(p, 1);
    expect(g).toMatchObject({ reason: 'semacquire', minutes: 23 });
    // `…linux.performCallback(0xc421b91b00, …, 0x1,` has no closing parenthesis
    const crash = goroutine(p, 9707990);
    expect(crash.frames).toContain('gvisor.googlesource.com/gvisor/pkg/sentry/syscalls/linux.performCallback');
    // `runtime.goexit()` at `…asm_amd64.s:2361 +0x1 fp=… sp=… pc=0x` (cut inside the pc)
    expect(crash.files.at(-1)).toMatch(/asm_amd64\.s:2361$/);
    expect(crash.createdBy).toBe('gvisor.googlesource.com/gvisor/pkg/sentry/fs.Async');
  });

  it('panics and fatal errors of Go 1.26 (datadog crash fixtures)', () => {
    const cmw = decodeGoroutineDebug2(corpusText('datadog-dd-trace-go/crashtracker/testdata/concurrent_map_write.txt'));
    expect(cmw.goVersion).toBe('go1.26.5');
    expect(goroutine(cmw, 35).flags & GoroutineFlag.Current).toBeTruthy();
    expect(goroutine(cmw, 34).flags & GoroutineFlag.Current).toBe(0);
    expect(goroutine(cmw, 35).frames).toEqual(['internal/runtime/maps.fatal', 'main.main.func2']);
    expect(cmw.warnings).toEqual([]); // the trailing "exit status 2" is not a cut stack

    const cgo = decodeGoroutineDebug2(corpusText('datadog-dd-trace-go/crashtracker/testdata/sigsegv_cgo.txt'));
    const g1 = goroutine(cgo, 1);
    expect(g1.reason).toBe('syscall');
    expect(g1.frames).toEqual(['runtime.cgocall', 'main._Cfunc_fault_in_c', 'main.main', 'runtime.main', 'runtime.goexit']);
    expect(g1.files[1]).toBe('_cgo_gotypes.go:46');
    expect(g1.args.at(-1)).toBe('{}');
    expect(goroutine(cgo, 2).reason).toBe('force gc (idle)');

    const so = corpusText('datadog-dd-trace-go/crashtracker/testdata/stack_exhaustion.txt');
    const p = decodeGoroutineDebug2(so);
    expect(p.samples.length).toBe(6);
    const block = so.slice(so.indexOf('goroutine 1 gp='), so.indexOf('\n\n', so.indexOf('goroutine 1 gp=')));
    const printedFrames = block.split('\n').slice(1).filter((l) => !l.startsWith('\t')).length;
    expect(goroutine(p, 1).frames.length).toBe(printedFrames);
    expect(goroutine(p, 1).frames.filter((f) => f === 'main.recurse').length).toBe(32);
  });

  it('legacy heap: pprof rescales Go heap samples (rate 2 × MemProfileRate in the header)', () => {
    const text = corpusText('google-pprof/profile/testdata/gobench.heap');
    const p = decodeLegacyHeap(text);
    expect(text.split('\n')[0]).toBe('heap profile: 13: 1595680 [47130736: 2584596557304] @ heap/1048576');
    expect(p.period).toBe(524288);
    expect(p.sampleTypes.map((t) => t.type)).toEqual(['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    // first record `1: 524288 [3: 1572864]`: objects of 512 KiB sampled every 512 KiB on average
    const s = 1 / (1 - Math.exp(-524288 / 524288));
    expect(Array.from(p.samples.values.subarray(0, 4))).toEqual([Math.trunc(3 * s), Math.trunc(1572864 * s), Math.trunc(1 * s), Math.trunc(524288 * s)]);
    expect(p.samples.labelNum[0]).toBe(524288);
    // the twelfth record, `1: 288 [2: 296] @`, has no stack
    expect(p.samples.stackStart[11]).toBe(p.samples.stackStart[12]);
    expect(p.samples.stackStart[10]).toBeLessThan(p.samples.stackStart[11]!);
  });

  it('legacy contention: counts and cycles times the sampling period', () => {
    const text = corpusText('google-pprof/profile/testdata/cppbench.contention');
    const p = decodeLegacyContention(text);
    expect(p.kind).toBe('contention');
    expect(p.period).toBe(100);
    expect(p.durationNanos).toBe(16502830 * 1e6);
    // `  19490304       27 @ …` at cycles/second = 3201000000
    expect(p.samples.values[0]).toBe(2700);
    expect(p.samples.values[1]).toBe(Math.trunc((19490304 * 100) / 3.201));
  });

  it('jemalloc heap_v2 (refused by go tool pprof): one sample per stack, scaled like heapz_v2', () => {
    const text = corpusText('google-pprof/profile/testdata/jemalloc.heap');
    const p = decodeLegacyHeap(text);
    expect(p.format).toBe('legacy-heap');
    expect(p.period).toBe(1048576);
    // the header's `[0: 0]` cumulative figures: no alloc columns
    expect(p.sampleTypes).toEqual([
      { type: 'objects', unit: 'count' },
      { type: 'space', unit: 'bytes' },
    ]);
    expect(p.samples.length).toBe(text.split('\n').filter((l) => l.startsWith('@ ')).length);
    expect(p.samples.length).toBe(471);
    // the first stack's `t*: 1328: 87058379 [0: 0]`
    const s = 1 / (1 - Math.exp(-(87058379 / 1328) / 1048576));
    expect(Array.from(p.samples.values.subarray(0, 2))).toEqual([Math.trunc(1328 * s), Math.trunc(87058379 * s)]);
    expect(p.samples.labelNum[0]).toBe(Math.trunc(87058379 / 1328));
    expect(p.locations.address[p.samples.stack[0]!]).toBe(0x55c282d19bbcn - 1n);
  });

  it('thread dumps: leaf PCs as they are, "same as previous thread" counted', () => {
    const p = decodeLegacyThreadz(corpusText('google-pprof/profile/testdata/cppbench.thread'));
    expect(p.samples.length).toBe(3);
    expect(Array.from(p.samples.values)).toEqual([1, 1, 2]);
    expect(sampleStack(p, 0).map((l) => p.locations.address[l])).toEqual([0xbc8f1cn, 0x40be30n, 0x7f7949a9811cn]);
  });

  it('java CPU profile: 32-bit words, method ids named by the trailing text', () => {
    const p = decodeLegacyCpu(corpusFile('google-pprof/profile/testdata/java.cpu'));
    expect(p.samples.length).toBe(8);
    expect(locationNames(p, sampleStack(p, 0)[0]!)).toEqual(['GC']);
    const loc = sampleStack(p, 3)[0]!;
    expect(locationNames(p, loc)).toEqual(['com.example.function06']);
    expect(p.strings.get(p.functions.filename[p.lines.function[p.locations.lineStart[loc]!]!]!)).toBe('source.java');
  });
});

// ---------------------------------------------------------------------------------------------

describe('debug=2 header forms (as runtime/traceback.go prints them)', () => {
  it('reads every header variant', () => {
    const cases: [string, Partial<ReturnType<typeof parseGoroutineHeader> & object>][] = [
      ['goroutine 7 [chan receive]:', { id: 7, status: 'chan receive', minutes: -1, flags: 0, labels: null }],
      ['goroutine 7 [select, 3 minutes]:', { status: 'select', minutes: 3 }],
      ['goroutine 9 [sync.Mutex.Lock, 12 minutes, locked to thread]:', { status: 'sync.Mutex.Lock', minutes: 12, flags: GoroutineFlag.LockedToThread }],
      ['goroutine 1 gp=0xc000002380 m=0 mp=0x5d3f80 [running]:', { id: 1, status: 'running' }],
      ['goroutine 17 gp=0x3f687f500000 m=nil [force gc (idle)]:', { id: 17, status: 'force gc (idle)' }],
      ['goroutine 20 [chan receive (leaked)]:', { status: 'chan receive', flags: GoroutineFlag.Leaked }],
      ['goroutine 21 [select (no cases) (leaked), 4 minutes]:', { status: 'select (no cases)', minutes: 4, flags: GoroutineFlag.Leaked }],
      ['goroutine 30 [chan receive (scan)]:', { status: 'chan receive', flags: 0 }],
      ['goroutine 5 [select (durable), synctest bubble 2]:', { status: 'select', flags: GoroutineFlag.Durable }],
      ['goroutine 6 [sleep (durable), 2 minutes, synctest bubble 1]:', { status: 'sleep', minutes: 2, flags: GoroutineFlag.Durable }],
      ['goroutine 18 [select, 2 minutes, locked to thread] {job: "ledger-apply", tenant: t03}:', { minutes: 2, flags: GoroutineFlag.LockedToThread, labels: [['job', 'ledger-apply'], ['tenant', 't03']] }],
      ['goroutine 82 [sync.Mutex.Lock] {endpoint: /v1/session/touch, tenant: t03}:', { status: 'sync.Mutex.Lock', labels: [['endpoint', '/v1/session/touch'], ['tenant', 't03']] }],
      // Go 1.26 with GODEBUG=tracebacklabels=1: inside the brackets, always quoted
      ['goroutine 8 [chan receive labels:{"empty": "", "job": "ledger-apply"}]:', { status: 'chan receive', labels: [['empty', ''], ['job', 'ledger-apply']] }],
    ];
    for (const [line, want] of cases) expect(parseGoroutineHeader(line), line).toMatchObject(want);
    for (const bad of ['goroutine profile: total 4', 'goroutine 7 [chan receive]', 'goroutine x [running]:', 'Goroutine 185 (running) created at:', '[originating from goroutine 1]:']) {
      expect(parseGoroutineHeader(bad), bad).toBeNull();
    }
  });

  it('labels: quoting with escapes, empty values, brackets and braces inside quoted values (real 1.26 and 1.27 output)', () => {
    const go127 = [
      'goroutine 6 [sync.Mutex.Lock, locked to thread] {empty: , job: "ledger-apply", "odd key": "a]b}\\"c", plain: x/y.z_1}:',
      'main.main.func2()',
      '\t/tmp/gd/main.go:28 +0x3c',
      'created by main.main in goroutine 1',
      '\t/tmp/gd/main.go:28 +0x1fb',
      '',
    ].join('\n');
    const go126 = go127
      .split('\n')
      .map((l, i) => (i === 0 ? 'goroutine 6 [sync.Mutex.Lock, locked to thread labels:{"empty": "", "job": "ledger-apply", "odd key": "a]b}\\"c", "plain": "x/y.z_1"}]:' : l))
      .join('\n');
    for (const [text, version] of [
      [go127, 'go1.27+'],
      [go126, 'go1.26+'],
    ] as const) {
      const p = decodeGoroutineDebug2(text);
      expect(p.samples.length).toBe(1);
      expect(p.goVersion).toBe(version);
      expect(goroutine(p, 6)).toMatchObject({
        reason: 'sync.Mutex.Lock',
        flags: GoroutineFlag.LockedToThread,
        labels: { empty: '', job: 'ledger-apply', 'odd key': 'a]b}"c', plain: 'x/y.z_1' },
        createdBy: 'main.main',
        createdByGoroutine: 1,
      });
    }
  });

  it('GOTRACEBACK=system frames, inlined frames, elided frames, ancestors, cgo frames', () => {
    const text = [
      'panic: boom',
      '',
      'goroutine 23 gp=0x3f687f500b40 m=nil [chan receive]:',
      'runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)',
      '\t/usr/lib/go-1.27/src/runtime/proc.go:474 +0xca fp=0x3f687f48c7a8 sp=0x3f687f48c788 pc=0x47d8aa',
      'runtime.goparkunlock(...)',
      '\t/usr/lib/go-1.27/src/runtime/proc.go:480',
      'main.deep(0x0?, 0x0?)',
      '\t/tmp/gd/main.go:17 +0x30 fp=0x3f687f48f7e0 sp=0x3f687f48f7c0 pc=0x4e157b',
      '...21 frames elided...',
      'main.deep(...)',
      '\t/tmp/gd/main.go:17',
      'non-Go function at pc=0x7f0011223344',
      'created by main.main in goroutine 1',
      '\t/tmp/gd/main.go:25 +0x185',
      '[originating from goroutine 1]:',
      'main.main(...)',
      '\t/tmp/gd/main.go:26 +0x185',
      '',
      'goroutine 24 gp=0x3f687f500d20 m=nil [sync.Mutex.Lock, locked to thread]:',
      'main.main.func2()',
      '\t/tmp/gd/main.go:28 +0x3b fp=0x3f687f48f7e0 sp=0x3f687f48f7c0 pc=0x4e157b',
      '',
    ].join('\n');
    const p = decodeGoroutineDebug2(text);
    expect(p.format).toBe('traceback');
    expect(p.goVersion).toBe('go1.27');
    expect(p.samples.length).toBe(2);
    const g = goroutine(p, 23);
    expect(g.frames).toEqual(['runtime.gopark', 'runtime.goparkunlock', 'main.deep', 'main.deep', '']);
    expect(g.offsets).toEqual([0xca, -1, 0x30, -1, -1]);
    expect(g.addresses).toEqual([0x47d8aan, 0n, 0x4e157bn, 0n, 0x7f0011223344n]);
    expect(g.args).toEqual(['0x0?, 0x0?, 0x0?, 0x0?, 0x0?', '', '0x0?, 0x0?', '', '']);
    expect(g.elided).toBe(21);
    // the ancestor's stack is not part of this goroutine's
    expect(g.frames).not.toContain('main.main');
    expect(g.createdByLine).toBe(25);
    expect(goroutine(p, 24).flags).toBe(GoroutineFlag.LockedToThread);
  });

  it('goroutines with and without stacks, truncated dumps, the leak writer', () => {
    const cut = 'goroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x1d\n\ngoroutine 7 [select]:\nnet/http.(*persistConn).readLoop(0xc0001';
    const p = decodeGoroutineDebug2(cut);
    expect(p.samples.length).toBe(2);
    expect(goroutine(p, 7).frames).toEqual([]);
    expect(p.warnings.join(' ')).toContain('ends inside goroutine 7');

    const cutFile = 'goroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x1d\nmain.run()\n\t/app/ma';
    const q = decodeGoroutineDebug2(cutFile);
    expect(goroutine(q, 1).frames).toEqual(['main.main']);
    expect(q.warnings.join(' ')).toContain('ends inside goroutine 1');

    // pasted through a chat: tabs became spaces
    const pasted = 'goroutine 5 [IO wait, 7 minutes]:\ninternal/poll.runtime_pollWait(0x7f, 0x72)\n        /usr/local/go/src/runtime/netpoll.go:343 +0x85\nmain.serve()\n    C:/Program Files/Go/app/main.go:12 +0x3f\n';
    const ps = goroutine(decodeGoroutineDebug2(pasted), 5);
    expect(ps).toMatchObject({ reason: 'IO wait', minutes: 7, frames: ['internal/poll.runtime_pollWait', 'main.serve'] });
    expect(ps.files).toEqual(['/usr/local/go/src/runtime/netpoll.go:343', 'C:/Program Files/Go/app/main.go:12']);

    const leak = [
      'goroutine 1 [running]:',
      'runtime/pprof.writeGoroutineLeak({0x684978, 0x109f5af30050}, 0x2)',
      '\t/usr/lib/go-1.27/src/runtime/pprof/pprof.go:803 +0xa8',
      '',
      'goroutine 20 [chan receive (leaked)]:',
      'main.main.func1()',
      '\t/app/main.go:44 +0x19',
      '',
    ].join('\n');
    const l = decodeGoroutineDebug2(leak);
    expect(l.kind).toBe('goroutineleak');
    expect(l.format).toBe('goroutine-debug2');
    expect(goroutine(l, 20).flags).toBe(GoroutineFlag.Leaked);
  });

  it('bad input: one-line DecodeErrors, never anything else', () => {
    expectDecodeError(() => decodeGoroutineDebug2(''), /empty/);
    expectDecodeError(() => decodeGoroutineDebug2('hello\nworld\n'), /no "goroutine N \[state\]:" header/);
    // a frame whose file line is missing is skipped and said to be, the rest of the goroutine read
    const lenient = decodeGoroutineDebug2('goroutine 1 [running]:\nmain.main()\nmain.run()\n\t/app/main.go:3 +0x1\n');
    expect(goroutine(lenient, 1).frames).toEqual(['main.run']);
    expect(lenient.repairs).toEqual(['1 line not understood, skipped (first at line 2: "main.main()")']);
    expectDecodeError(() => decodeGoroutineDebug1(''), /empty/);
    // a header whose records cannot be read at all
    expectDecodeError(() => decodeGoroutineDebug1('goroutine profile: total 1\n1 @ 0xzz\n'), /no record could be read.*line 2: "1 @ 0xzz"/);
    expectDecodeError(() => decodeGoroutineDebug1('goroutine profile: total 1\nsomething else\n'), /no record could be read.*line 2: "something else"/);
    expectDecodeError(() => decodeGoroutineDebug1('\x00\x01\x02garbage'), /no goroutine record: neither "goroutine profile: total N" nor "COUNT @ 0x…" lines/);
    expectDecodeError(() => decodeLegacyHeap('heap profile: 1: 2 [3: 4] @ mystery/2\n'), /unknown kind/);
    expectDecodeError(() => decodeLegacyHeap('heap profile: 1: 2 [3: 4] @ heap/2\n0: 5 [0: 0] @ 0x1\n'), /count is 0 but its bytes are 5/);
    expectDecodeError(() => decodeLegacyHeap('not a heap'), /expected "heap profile/);
    expectDecodeError(() => decodeLegacyContention('--- mutex:\ncycles/second=abc\n'), /not an integer/);
    expectDecodeError(() => decodeLegacyContention('--- contention:\nweird = 1\n'), /unknown attribute/);
    expectDecodeError(() => decodeLegacyContention('--- contention:\ncycles/second=1000\n12 @ 0x1\n'), /expected "CYCLES COUNT @ 0x…"/);
    expectDecodeError(() => decodeLegacyThreadz('--- threadz 1 ---\n--- nonsense ---\n'), /expected "--- Thread/);
    expectDecodeError(() => decodeLegacyCpu(new Uint8Array(0)), /header words/);
    expectDecodeError(() => decodeLegacyCpu(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])), /header words/);
    // a stack deeper than the bytes that follow
    const deep = cpuWords(4, false, [0, 3, 0, 10000, 0, 1, 1000, 0x1000]);
    expectDecodeError(() => decodeLegacyCpu(deep), /runs past the end/);
  });
});

describe('debug=1 text forms', () => {
  it('consecutive # lines at one PC are the inlined calls of one location; recursion repeats PCs', () => {
    // one PC with two calls inlined at it (as runtime.CallersFrames prints a PC the @ line did not
    // expand), then the same PC twice in the @ line (recursion)
    const text = [
      'goroutine profile: total 3',
      '3 @ 0x4010 0x4020 0x4020 0x4030',
      '# labels: {"k":"v\\tw", "ünï":"\\u00e9"}',
      '#\t0x400f\tmain.inner+0x1f\t/app/a.go:10',
      '#\t0x400f\tmain.outer+0x1f\t/app/a.go:20',
      '#\t0x401f\tmain.rec+0x2f\t\t/app/a.go:30',
      '#\t0x401f\tmain.rec+0x2f\t\t/app/a.go:30',
      '#\t0x402f\tmain.main+0x3f\t\t/app/a.go:40',
      '',
    ].join('\n');
    const p = decodeGoroutineDebug1(text);
    expect(p.warnings).toEqual([]);
    const stack = sampleStack(p, 0);
    expect(stack.map((l) => locationNames(p, l))).toEqual([['main.inner', 'main.outer'], ['main.rec'], ['main.rec'], ['main.main']]);
    expect(stack[1]).toBe(stack[2]);
    expect(sampleLabels(p, 0)).toEqual({ k: 'v\tw', ünï: 'é' });
  });

  it('a record of addresses seen before is read whole where one left unprinted before is printed now', () => {
    // 0x1001 and 0x4001 (calls in runtime.gopark and runtime.chanrecv) are leading runtime frames
    // in the first record, left out by Go; the second holds runtime frames alone, which
    // printStackRecord then prints all of; in the third 0x4001 sits below a printed frame and is printed
    const first = ['1 @ 0x1001 0x4001 0x2001 0x3001 0x9001', '#\t0x2000\tmain.f+0x10\t/app/a.go:10', '#\t0x3000\tmain.main+0x10\t/app/a.go:20', ''];
    const text = [
      'goroutine profile: total 4',
      ...first,
      '1 @ 0x1001 0x9001',
      '#\t0x1000\truntime.gopark+0x10\t/go/src/runtime/proc.go:30',
      '',
      '1 @ 0x2001 0x4001 0x3001 0x9001',
      '#\t0x2000\tmain.f+0x10\t/app/a.go:10',
      '#\t0x4000\truntime.chanrecv+0x10\t/go/src/runtime/chan.go:40',
      '#\t0x3000\tmain.main+0x10\t/app/a.go:20',
      '',
      // the first again: nothing new, its # lines may be passed over
      ...first,
    ].join('\n');
    const p = decodeGoroutineDebug1(text);
    expect(p.warnings).toEqual([]);
    const names = (i: number) => sampleStack(p, i).flatMap((l) => locationNames(p, l));
    expect(names(1)).toEqual(['runtime.gopark']);
    expect(names(2)).toEqual(['main.f', 'runtime.chanrecv', 'main.main']);
    expect(names(3)).toEqual(['runtime.gopark', 'runtime.chanrecv', 'main.f', 'main.main']);
    expect(names(0)).toEqual(names(3));
  });

  it('# lines that match no address still give the stack, with a warning', () => {
    const p = decodeGoroutineDebug1('goroutine profile: total 1\n1 @ 0x5000\n#\t0x4000\tmain.f+0x1\t/a.go:1\n');
    expect(sampleStack(p, 0).map((l) => locationNames(p, l))).toEqual([['main.f']]);
    expect(p.warnings.join(' ')).toContain('did not match');
  });

  it('a total that the buckets do not add up to is reported', () => {
    const p = decodeGoroutineDebug1('goroutine profile: total 5\n2 @ 0x10\n');
    expect(p.statedTotal).toBe(5);
    expect(p.warnings.join(' ')).toContain('add up to 2');
  });

  it('Go heap, block and mutex debug=1 text: # lines name the locations', () => {
    // excerpts of real Go 1.27 output (heap?debug=1 with MemProfileRate 4096, block and mutex)
    const heap = [
      'heap profile: 1644: 12552672 [1649: 12649568] @ heap/8192',
      '0: 0 [1: 40960] @ 0x47c37a 0x47f707 0x4defde 0x4def40 0x44aaa7 0x483981',
      '#\t0x4defdd\tmain.alloc+0xdd\t\t/tmp/gh/main.go:13',
      '#\t0x4def3f\tmain.main+0x3f\t\t/tmp/gh/main.go:19',
      '#\t0x44aaa6\truntime.main+0x426\t/usr/lib/go-1.27/src/runtime/proc.go:302',
      '',
      '',
      '# runtime.MemStats',
      '# Alloc = 12770912',
      '# PauseNs = [39120 0 0]',
    ].join('\n');
    const h = decodeLegacyHeap(heap);
    expect(h.period).toBe(4096);
    expect(h.goVersion).toBe('go1.27');
    expect(h.samples.length).toBe(1);
    const s = 1 / (1 - Math.exp(-40960 / 4096));
    expect(Array.from(h.samples.values)).toEqual([Math.trunc(s), Math.trunc(40960 * s), 0, 0]);
    expect(sampleStack(h, 0).map((l) => locationNames(h, l)[0] ?? '')).toEqual(['', '', 'main.alloc', 'main.main', 'runtime.main', '']);

    const block = ['--- contention:', 'cycles/second=2096010567', '7361188128 399 @ 0x4df358 0x4df31a 0x483981', '#\t0x4df357\tsync.(*Mutex).Lock+0x57\t/usr/lib/go-1.27/src/sync/mutex.go:46', '#\t0x4df319\tmain.main.func1+0x19\t/tmp/gh/main.go:24', ''].join('\n');
    const b = decodeLegacyContention(block);
    expect(b.kind).toBe('block');
    expect(Array.from(b.samples.values)).toEqual([399, Math.trunc(7361188128 / 2.096010567)]);
    expect(sampleStack(b, 0).map((l) => locationNames(b, l)[0] ?? '')).toEqual(['sync.(*Mutex).Lock', 'main.main.func1', '']);

    const mutex = ['--- mutex:', 'cycles/second=2096010567', 'sampling period=5', '7330689306 399 @ 0x4df392 0x4df31a 0x483981', ''].join('\n');
    const m = decodeLegacyContention(mutex);
    expect(m.kind).toBe('mutex');
    expect(m.period).toBe(5);
    expect(Array.from(m.samples.values)).toEqual([399 * 5, Math.trunc((7330689306 * 5) / 2.096010567)]);
  });

  it('tells the text forms apart', () => {
    const d1 = 'goroutine profile: total 1\n1 @ 0x10\n';
    const d2 = 'goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n';
    expect([looksLikeGoroutineDebug1(d1), looksLikeGoroutineDebug1(d2), looksLikeGoroutineDebug1('threadcreate profile: total 3\n')]).toEqual([true, false, true]);
    expect([looksLikeGoroutineDebug2(d2), looksLikeGoroutineDebug2(d1)]).toEqual([true, false]);
    expect(looksLikeGoroutineDebug2('goroutine 1 gp=0xc000002380 m=0 mp=0x5d3f80 [running]:\n')).toBe(true);
    expect(looksLikeGoroutineDebug2('goroutine 2 gp=0xc000002380 m=nil [select]:\n')).toBe(true);
    // past the first 64 KB only when asked
    const late = 'log line\n'.repeat(10000) + d2;
    expect(looksLikeGoroutineDebug2(late)).toBe(false);
    expect(looksLikeGoroutineDebug2(late, Infinity)).toBe(true);
    expect(looksLikeLegacyHeap('heap profile: 1: 2 [3: 4] @ heap/1048576\n')).toBe(true);
    expect(looksLikeLegacyHeap(d1)).toBe(false);
    expect(looksLikeLegacyContention('--- mutex:\ncycles/second=1\n')).toBe(true);
    expect(looksLikeLegacyContention(d2)).toBe(false);
    expect(looksLikeLegacyCpu(new TextEncoder().encode(d2))).toBe(false);
  });
});

/** Machine words of a legacy CPU profile. */
function cpuWords(size: 4 | 8, little: boolean, words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * size);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => (size === 4 ? dv.setUint32(i * size, w, little) : dv.setBigUint64(i * size, BigInt(w), little)));
  return out;
}

describe('legacy binary CPU profiles', () => {
  it('reads 32- and 64-bit words of either byte order', () => {
    const words = [0, 3, 0, 10000, 0, 2, 2, 0x1000, 0x2000, 1, 3, 0x1100, 0x3000, 0x4000, 0, 1, 0];
    for (const size of [4, 8] as const) {
      for (const little of [true, false]) {
        const p = decodeLegacyCpu(cpuWords(size, little, words));
        expect(p.period).toBe(10_000_000);
        expect(p.samples.length).toBe(2);
        expect(Array.from(p.samples.values)).toEqual([2, 20_000_000, 1, 10_000_000]);
        // all but the leaf move back onto the call instruction
        expect(sampleStack(p, 1).map((l) => p.locations.address[l])).toEqual([0x1100n, 0x2fffn, 0x3fffn]);
      }
    }
  });

  it('drops the signal handler frame nearly every sample shares, and a repeated leaf', () => {
    // three samples with 0x9000 second: a frame of the measurement; then a leaf the unwinder repeated
    const words = [0, 3, 0, 10000, 0, 1, 3, 0x1000, 0x9000, 0x2000, 1, 3, 0x1100, 0x9000, 0x2100, 1, 3, 0x1200, 0x9000, 0x2200, 0, 1, 0];
    const p = decodeLegacyCpu(cpuWords(8, true, words));
    expect(sampleStack(p, 0).map((l) => p.locations.address[l])).toEqual([0x1000n, 0x1fffn]);
    const dup = decodeLegacyCpu(cpuWords(8, true, [0, 3, 0, 10000, 0, 1, 3, 0x5000, 0x5000, 0x6000, 1, 2, 0x7000, 0x8000, 0, 1, 0]));
    expect(sampleStack(dup, 0).map((l) => dup.locations.address[l])).toEqual([0x5000n, 0x5fffn]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('samples/: real dumps of the repository programs', () => {
  const root = path.join(repoRoot, 'samples');
  const dirs: string[] = [];
  for (const base of existsSync(root) ? readdirSync(root, { withFileTypes: true }) : []) {
    if (!base.isDirectory()) continue;
    for (const v of readdirSync(path.join(root, base.name), { withFileTypes: true })) {
      if (v.isDirectory() && /^go1\.\d+$/.test(v.name)) dirs.push(path.join(base.name, v.name));
    }
  }
  const files: string[] = [];
  for (const d of dirs) for (const f of readdirSync(path.join(root, d))) if (/\.debug[12]\.txt$/.test(f)) files.push(path.join(d, f));

  it('has debug=1 and debug=2 dumps of Go 1.19, 1.24 and 1.27', () => {
    for (const v of ['go1.19', 'go1.24', 'go1.27']) {
      expect(files.some((f) => f.includes(v) && f.endsWith('debug1.txt')), v).toBe(true);
      expect(files.some((f) => f.includes(v) && f.endsWith('debug2.txt')), v).toBe(true);
    }
  });

  it.each(files)('%s', (rel) => {
    const text = readFileSync(path.join(root, rel), 'utf8');
    const v = /go1\.(\d+)/.exec(rel)![1];
    if (rel.endsWith('debug1.txt')) {
      const p = decodeGoroutineDebug1(text);
      const m = /^(\w+) profile: total (\d+)$/m.exec(text)!;
      expect(p.statedTotal).toBe(Number(m[2]));
      expect(totals(p)).toEqual([Number(m[2])]);
      expect(p.warnings).toEqual([]);
      if (text.includes(`/go-1.${v}/src/runtime/`)) expect(p.goVersion).toBe(`go1.${v}`);
      return;
    }
    const p = decodeGoroutineDebug2(text);
    const ids = headerIds(text);
    expect(Array.from(p.goroutines!.id)).toEqual(ids);
    expect(p.format).toBe('goroutine-debug2');
    expect(p.warnings).toEqual([]);
    // Debian's toolchains sit in /usr/lib/go-1.NN: the file paths tell the version
    if (text.includes(`/go-1.${v}/src/runtime/`)) expect(p.goVersion).toBe(`go1.${v}`);
    const leaked = Array.from(p.goroutines!.flags).filter((f) => f & GoroutineFlag.Leaked).length;
    // headers carry the marker before the closing bracket or before labels (`[chan send (leaked) labels:{…}]`)
    expect(leaked).toBe((text.match(/^goroutine \d+ \[[^\n]*? \(leaked\)(?:\]| labels:)/gm) ?? []).length);
  });

  // Go prints a record's `#` lines from its frames (runtime/pprof printStackRecord): leading
  // runtime frames and runtime.goexit left out, unless that leaves none. The decoder reads the
  // `#` lines of a record whose addresses were all symbolised by earlier records only in part
  // (they repeat what it knows): printing each decoded sample so must give its record's lines.
  const printedNames = (names: string[]): string[] => {
    const shown: string[] = [];
    for (const n of names) {
      if (n === 'runtime.goexit' || (shown.length === 0 && n.startsWith('runtime.'))) continue;
      shown.push(n);
    }
    return shown.length > 0 ? shown : names.filter((n) => n !== 'runtime.goexit');
  };
  const debug1Files = [
    ...files.filter((f) => f.endsWith('debug1.txt')).map((f) => path.join(root, f)),
    ...manifest()
      .filter((r) => r.kind === 'text-goroutine-debug1')
      .map((r) => path.join(corpusRoot, r.path)),
  ];
  it('each debug=1 record decodes to the frames its # lines print, also those read in part', () => {
    let repeated = 0;
    for (const f of debug1Files) {
      const text = readFileSync(f, 'utf8');
      const p = decodeGoroutineDebug1(text);
      const records = text.split(/\n\s*\n/).filter((r) => /^\s*\d+ @/m.test(r));
      expect(p.samples.length, f).toBe(records.length);
      const seen = new Set<string>();
      records.forEach((r, i) => {
        const lines = r.split('\n');
        const addresses = lines.find((l) => /^\s*\d+ @/.test(l))!.split('@')[1]!.trim().split(/\s+/);
        if (addresses.every((a) => seen.has(a))) repeated++;
        for (const a of addresses) seen.add(a);
        // `#\tPC\tFUNCTION+OFFSET\tFILE:LINE`; a lone `#\t0x0` (a record of no frames) names none
        const printed = lines
          .filter((l) => l.startsWith('#\t'))
          .map((l) => l.split('\t').filter((x) => x !== ''))
          .filter((fields) => fields.length >= 4)
          .map((fields) => fields[2]!.replace(/\+0x[0-9a-f]+$/, ''));
        const decoded = sampleStack(p, i).flatMap((loc) => locationNames(p, loc));
        expect(printedNames(decoded), `${f} record ${i + 1}`).toEqual(printed);
      });
    }
    // records of addresses all seen before, the ones read in part, are in these files
    expect(repeated).toBeGreaterThan(20);
  });

  // the same dumps with their record lines' addresses written otherwise, mechanically: zero-padded
  // to 16 digits (more than a number holds exactly), every other one so, and in upper case; the
  // same addresses
  it('each debug=1 dump reads the same with its addresses zero-padded or in upper case', () => {
    const recordLine = /^(\s*\d+ @)((?:[ \t]+0x[0-9a-f]+)+)[ \t]*$/gm;
    const rewrite = (text: string, f: (digits: string, k: number) => string) =>
      text.replace(recordLine, (_, head: string, addresses: string) => {
        let k = 0;
        return head + addresses.replace(/0x([0-9a-f]+)/g, (_m, d: string) => `0x${f(d, k++)}`);
      });
    let rewritten = 0;
    for (const f of debug1Files) {
      const text = readFileSync(f, 'utf8');
      const padded = rewrite(text, (d) => d.padStart(16, '0'));
      if (padded === text) continue;
      rewritten++;
      const p = decodeGoroutineDebug1(text);
      expect(decodeGoroutineDebug1(padded), f).toEqual(p);
      expect(decodeGoroutineDebug1(rewrite(text, (d, k) => (k % 2 === 1 ? d.padStart(16, '0') : d))), f).toEqual(p);
      expect(decodeGoroutineDebug1(rewrite(text, (d) => d.toUpperCase())), f).toEqual(p);
    }
    expect(rewritten).toBeGreaterThan(50);
  });

  // one moment's goroutines in two forms: the same count in each
  const sameMoment = dirs.filter((d) => d.startsWith('goroutine-forms'));
  it.each(sameMoment)('%s: debug=1 total = debug=2 headers = debug=2 samples', (dir) => {
    for (const name of ['goroutine', 'goroutineleak']) {
      const f1 = path.join(root, dir, `${name}.debug1.txt`);
      const f2 = path.join(root, dir, `${name}.debug2.txt`);
      if (!existsSync(f1) || !existsSync(f2)) continue;
      const d1 = decodeGoroutineDebug1(readFileSync(f1, 'utf8'));
      const text2 = readFileSync(f2, 'utf8');
      const d2 = decodeGoroutineDebug2(text2);
      if (name === 'goroutine') {
        expect(d1.statedTotal).toBe(headerIds(text2).length);
        expect(d1.statedTotal).toBe(d2.samples.length);
      } else {
        // the leak profile counts the leaked goroutines; its debug=2 form shows all, leaked marked
        expect(d1.kind).toBe('goroutineleak');
        expect(d2.kind).toBe('goroutineleak');
        expect(Array.from(d2.goroutines!.flags).filter((f) => f & GoroutineFlag.Leaked).length).toBe(d1.statedTotal);
      }
    }
  });

  it('goroutine-forms: the labelled goroutine in each Go version', () => {
    for (const v of ['go1.19', 'go1.24', 'go1.26', 'go1.27']) {
      const dir = path.join(root, 'goroutine-forms', v);
      if (!existsSync(dir)) continue;
      const d1 = decodeGoroutineDebug1(readFileSync(path.join(dir, 'goroutine.debug1.txt'), 'utf8'));
      const labelled1 = Array.from({ length: d1.samples.length }, (_, i) => sampleLabels(d1, i)).filter((l) => Object.keys(l).length > 0);
      expect(labelled1, v).toEqual([{ handler: 'checkout', tenant: 't-07' }]);
      const d2 = decodeGoroutineDebug2(readFileSync(path.join(dir, 'goroutine.debug2.txt'), 'utf8'));
      const labelled2 = Array.from({ length: d2.samples.length }, (_, i) => sampleLabels(d2, i)).filter((l) => Object.keys(l).length > 0);
      // debug=2 prints labels from Go 1.26 (GODEBUG=tracebacklabels=1)
      expect(labelled2, v).toEqual(v === 'go1.26' || v === 'go1.27' ? [{ handler: 'checkout', tenant: 't-07' }] : []);
    }
  });
});

describe('large and hostile inputs', () => {
  it('100k goroutines in debug=2 and 100k buckets in debug=1 decode in linear time', () => {
    const n = 100_000;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      parts.push(
        `goroutine ${i + 1} [select, ${i % 30} minutes]:\n` +
          `database/sql.(*DB).conn(0xc0001${i.toString(16)}, {0x9d6f28, 0xc000${i.toString(16)}}, 0x1)\n\t/usr/local/go/src/database/sql/sql.go:1309 +0x3c5\n` +
          `main.handler${i % 50}(...)\n\t/app/main.go:${i % 300}\n` +
          `created by net/http.(*Server).Serve in goroutine 1\n\t/usr/local/go/src/net/http/server.go:3086 +0x5cb\n`,
      );
    }
    const t0 = performance.now();
    const p = decodeGoroutineDebug2(parts.join('\n'));
    const t2 = performance.now() - t0;
    expect(p.samples.length).toBe(n);
    expect(p.goroutines!.waitMinutes[n - 1]).toBe((n - 1) % 30);

    const lines = [`goroutine profile: total ${n}`];
    for (let i = 0; i < n; i++) lines.push(`1 @ 0x43a0f6 0x${(0x700000 + i).toString(16)} 0x46e3c1\n#\t0x${(0x700000 + i - 1).toString(16)}\tmain.f${i % 1000}+0x2a\t/app/main.go:${i}\n`);
    const t1 = performance.now();
    const q = decodeGoroutineDebug1(lines.join('\n'));
    const d1 = performance.now() - t1;
    expect(q.samples.length).toBe(n);
    expect(q.warnings).toEqual([]);
    // generous bounds: a quadratic step would take minutes here
    expect(t2).toBeLessThan(30_000);
    expect(d1).toBeLessThan(30_000);
  });

  it('long lines that nearly look like headers or frames', () => {
    const glued = 'x' + 'goroutine 1 ['.repeat(200_000) + ':\n';
    expectDecodeError(() => decodeGoroutineDebug2(glued), /no "goroutine N/);
    const quotes = 'goroutine 1 [running] {"' + 'a'.repeat(1_000_000) + ':\n';
    expectDecodeError(() => decodeGoroutineDebug2(quotes), /no "goroutine N/);
    const wide = 'goroutine profile: total 1\n1 @' + ' 0x1'.repeat(200_000) + '\n';
    expect(sampleStack(decodeGoroutineDebug1(wide), 0).length).toBe(200_000);
  });
});

it('the corpus sits beside the repository', () => {
  expect(corpusRoot).toBe(path.resolve(repoRoot, '..', 'shared', 'corpus'));
});
