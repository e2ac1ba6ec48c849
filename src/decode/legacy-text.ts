/**
 * The legacy text profiles `go tool pprof` still reads, decoded to the values it shows for them:
 *
 *   - heap: `heap profile: 13: 1595680 [47130736: 2584596557304] @ heap/1048576` — Go's
 *     /debug/pprof/heap?debug=1 (then per record `inuse_objs: inuse_bytes [alloc_objs: alloc_bytes]
 *     @ 0x…`, the `#` symbol lines and a trailing `# runtime.MemStats` comment block), the C++
 *     `heapz_v2/RATE`, `heapprofile`, `growthz` and `fragmentationz` variants, jemalloc's
 *     `heap_v2/RATE` dumps and Java's `--- heapz 1 ---`;
 *   - contention: Go's `--- contention:` (block profile) and `--- mutex:` with `cycles/second=` and
 *     `sampling period=`, C++ `--- contentionz 1 ---`, Java contentionz (`format = java`);
 *   - thread dumps: `--- threadz 1 ---` with `--- Thread … stack: ---` sections.
 *
 * Sampled heap values are scaled back up the way pprof does (a Poisson-sampled record of average
 * size S at sampling rate R was seen with probability 1 - e^(-S/R)); contention counts and delays
 * are multiplied by the sampling period and delays turned from cycles into nanoseconds. Stack
 * addresses become locations at `address - 1` (on the call), except where pprof keeps them as they
 * are (the leaf of a thread stack, Java method ids). Memory map sections end the samples; their
 * mappings are not kept.
 */

import { ProfileBuilder } from '../model/builder.js';
import { DecodeError } from '../model/errors.js';
import type { Profile, ProfileKind, ValueType } from '../model/profile.js';
import {
  AddressStacks,
  LineReader,
  parseSymbolLine,
  quoteForError,
  readAddresses,
  type AddressStack,
} from './goroutine-debug1.js';
import { goVersionFromPaths } from './infer.js';

// ---------------------------------------------------------------------------------------------
// Shared

function firstContentLine(text: string, limit = 4096): string | null {
  const r = new LineReader(text.length > limit ? text.slice(0, limit) : text);
  for (let l = r.next(); l !== null; l = r.next()) {
    const t = l.trim();
    if (t !== '') return t;
  }
  return null;
}

function isSpaceOrComment(t: string): boolean {
  return t === '' || t.charCodeAt(0) === 0x23;
}

function isMemoryMapSentinel(line: string): boolean {
  return line.includes('--- Memory map: ---') || line.includes('MAPPED_LIBRARIES:');
}

const INT = /^-?\d+$/;
const INT_OR_HEX = /^(?:-?\d+|0[xX][0-9a-fA-F]+)$/;

/**
 * pprof's unsampling of a heap record: `count` objects of `size` bytes in all, sampled on average
 * once every `rate` bytes, stand for count/p objects and size/p bytes, p = 1 - e^(-(size/count)/rate).
 * Truncated to integers as pprof's int64 conversion does.
 */
export function scaleHeapSample(count: number, size: number, rate: number): [number, number] {
  if (count === 0 || size === 0) return [0, 0];
  if (rate <= 1) return [count, size];
  const avg = size / count;
  const scale = 1 / (1 - Math.exp(-avg / rate));
  return [Math.trunc(count * scale), Math.trunc(size * scale)];
}

/** Hex addresses (`0x` + lowercase hex, as pprof reads them) anywhere in `s`. */
function hexAddresses(s: string, out: bigint[]): boolean {
  let i = s.indexOf('0x');
  while (i >= 0) {
    let j = i + 2;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) j++;
      else break;
    }
    if (j > i + 2) {
      if (j - i > 18 && s.slice(i + 2, j).replace(/^0+/, '').length > 16) return false;
      out.push(BigInt(s.slice(i, j)));
    }
    i = s.indexOf('0x', j);
  }
  return true;
}

/** Locations keyed by address, without lines (thread dumps, CPU profiles). */
export class PlainLocations {
  private readonly byAddress = new Map<bigint, number>();
  constructor(private readonly b: ProfileBuilder) {}
  get(address: bigint): number {
    let loc = this.byAddress.get(address);
    if (loc === undefined) {
      loc = this.b.locationId('0x' + address.toString(16), address, []);
      this.byAddress.set(address, loc);
    }
    return loc;
  }
}

/**
 * The function a Java location line names: `com.x.F (File.java:12)`, `lib.F (/path/lib.so)`,
 * `… generated stub/JIT …` or a bare name (`GC`, `VM`). Line numbers ≤ 0 become 0.
 */
export function javaFrame(desc: string): { fn: string; file: string; line: number } {
  const d = desc.trim();
  if (d.endsWith(')')) {
    const open = d.lastIndexOf(' (');
    if (open > 0) {
      const inner = d.slice(open + 2, -1);
      const fn = d.slice(0, open).trim();
      const colon = inner.lastIndexOf(':');
      const num = colon >= 0 ? inner.slice(colon + 1) : '';
      if (colon > 0 && /^-?\d+$/.test(num)) {
        const n = Number(num);
        return { fn, file: inner.slice(0, colon), line: n > 0 ? n : 0 };
      }
      const slash = inner.lastIndexOf('/');
      return { fn, file: slash >= 0 ? inner.slice(slash + 1) : inner, line: 0 };
    }
  }
  if (d.includes('generated stub/JIT')) return { fn: 'STUB', file: '', line: 0 };
  return { fn: d, file: '', line: 0 };
}

/** Reads the `0xADDR description` lines that end a Java profile, from `first` on: address → frame. */
export function readJavaLocations(r: LineReader, first: string | null): Map<bigint, { fn: string; file: string; line: number }> {
  const out = new Map<bigint, { fn: string; file: string; line: number }>();
  for (let l = first; l !== null; l = r.next()) {
    const t = l.trim();
    if (!t.startsWith('0x')) continue;
    let j = 2;
    while (j < t.length && /[0-9a-fA-F]/.test(t[j]!)) j++;
    if (j === 2 || j > 18 || (j < t.length && t.charCodeAt(j) !== 0x20 && t.charCodeAt(j) !== 0x09)) continue;
    const addr = BigInt(t.slice(0, j));
    if (!out.has(addr)) out.set(addr, javaFrame(t.slice(j)));
  }
  return out;
}

/** Adds Java samples: stacks of method ids, named by the location lines of the profile's end. */
export function emitJavaSamples(
  b: ProfileBuilder,
  samples: { values: number[]; stack: bigint[]; blocksize: number }[],
  names: Map<bigint, { fn: string; file: string; line: number }>,
): void {
  const byAddr = new Map<bigint, number>();
  for (const s of samples) {
    for (const a of s.stack) {
      let loc = byAddr.get(a);
      if (loc === undefined) {
        const f = names.get(a);
        // pprof drops a Java location's address once it has a name, so equal frames merge
        loc = f
          ? b.locationId('java\u0000' + a.toString(16), 0n, [{ function: b.functionId(f.fn, f.file), line: f.line }])
          : b.locationId('java\u0000' + a.toString(16), a, []);
        byAddr.set(a, loc);
      }
      b.frame(loc);
    }
    if (s.blocksize >= 0) b.label('bytes', null, s.blocksize, 'bytes');
    b.endSample(s.values);
  }
}

interface JavaHeader {
  attrs: Map<string, string>;
  /** First line after the attributes. */
  line: string | null;
}

/** `key = value` lines of a Java profile (word characters and spaces on both sides). */
function readJavaAttributes(r: LineReader): JavaHeader {
  const attrs = new Map<string, string>();
  let l = r.next();
  for (; l !== null; l = r.next()) {
    const t = l.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq <= 0) break;
    const k = t.slice(0, eq).trim();
    const v = t.slice(eq + 1).trim();
    if (!/^[\w ]+$/.test(k) || !/^[\w ]+$/.test(v)) break;
    attrs.set(k, v);
  }
  return { attrs, line: l };
}

/** ` *COUNT1 +COUNT2 +@ +0x…` of a Java sample; null when the line is not one. */
function javaSample(t: string): { a: number; b: number; stack: bigint[] } | null {
  const m = /^(\d+) +(\d+) +@ +([ x0-9a-f]*)$/.exec(t);
  if (!m) return null;
  const stack: bigint[] = [];
  if (!hexAddresses(m[3]!, stack)) return null;
  return { a: Number(m[1]), b: Number(m[2]), stack };
}

// ---------------------------------------------------------------------------------------------
// Heap

/** True when the text starts like a legacy heap profile (`heap profile:`, `heap_v2/`, `--- heapz 1 ---`). */
export function looksLikeLegacyHeap(head: string): boolean {
  const t = firstContentLine(head);
  if (t === null) return false;
  return t.startsWith('heap profile:') || /^heap_v2\/\d/.test(t) || t === '--- heapz 1 ---';
}

const HEAP_HEADER = /^heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *([A-Za-z_0-9]+)\/?(\d*)/;
const HEAP_SAMPLE = /^(-?\d+): *(-?\d+) *\[ *(-?\d+): *(-?\d+) *\] *@(.*)$/;
const JEMALLOC_TOTAL = /^t\*: *(-?\d+): *(-?\d+) *\[ *(-?\d+): *(-?\d+) *\]$/;

const HEAP4: ValueType[] = [
  { type: 'alloc_objects', unit: 'count' },
  { type: 'alloc_space', unit: 'bytes' },
  { type: 'inuse_objects', unit: 'count' },
  { type: 'inuse_space', unit: 'bytes' },
];
const HEAP2: ValueType[] = [
  { type: 'objects', unit: 'count' },
  { type: 'space', unit: 'bytes' },
];

/** Values of one heap record, scaled as pprof does; the block size goes to the `bytes` label. */
class HeapValues {
  blocksize = 0;
  constructor(
    private readonly sampling: boolean,
    private readonly rate: number,
  ) {}
  /** Appends count and size to `out`; throws when the count is 0 but the size is not. */
  add(out: number[], count: number, size: number, what: string, lineNo: number): void {
    if (count === 0 && size !== 0) throw new DecodeError(`heap profile: line ${lineNo}: ${what} count is 0 but its bytes are ${size}`);
    if (count !== 0) {
      this.blocksize = Math.trunc(size / count);
      if (this.sampling) [count, size] = scaleHeapSample(count, size, this.rate);
    }
    out.push(count, size);
  }
}

interface HeapRecord {
  values: number[];
  blocksize: number;
  stack: AddressStack;
}

export function decodeLegacyHeap(text: string): Profile {
  const r = new LineReader(text);
  let first = r.next();
  while (first !== null && first.trim() === '') first = r.next();
  if (first === null) throw new DecodeError('heap profile: empty input');
  const head = first.trim();
  if (head === '--- heapz 1 ---') return decodeJavaHeapz(r);
  if (head.startsWith('heap_v2/')) return decodeJemallocHeap(r, head);

  let sampling = false;
  let period = 1;
  let hasAlloc = false;
  const h = HEAP_HEADER.exec(head);
  if (h === null) {
    throw new DecodeError(`heap profile: line ${r.lineNo}: expected "heap profile: N: N [N: N] @ heap/RATE", found ${quoteForError(head)}`);
  }
  const rate = h[6] ? Number(h[6]) : 0;
  switch (h[5]) {
    case 'heapz_v2':
    case 'heap_v2':
      sampling = true;
      period = rate;
      hasAlloc = (h[3] !== h[1] && h[3] !== '0') || (h[4] !== h[2] && h[4] !== '0');
      break;
    case 'heapprofile':
      period = 1;
      hasAlloc = (h[3] !== h[1] && h[3] !== '0') || (h[4] !== h[2] && h[4] !== '0');
      break;
    case 'heap':
      // Go writes twice its MemProfileRate here, after early C++ heap profilers
      sampling = true;
      period = Math.trunc(rate / 2);
      hasAlloc = (h[3] !== h[1] && h[3] !== '0') || (h[4] !== h[2] && h[4] !== '0');
      break;
    case 'growthz':
    case 'growth':
    case 'fragmentationz':
    case 'fragmentation':
      period = 1;
      break;
    default:
      throw new DecodeError(`heap profile: unknown kind "${h[5]}" in the header (expected heap, heapz_v2, heap_v2, heapprofile, growthz or fragmentationz)`);
  }

  const stacks = new AddressStacks();
  const records: HeapRecord[] = [];
  const hv = new HeapValues(sampling, period);
  let open: { values: number[]; blocksize: number } | null = null;
  const close = () => {
    if (open === null) return;
    records.push({ values: open.values, blocksize: open.blocksize, stack: stacks.endStack() });
    open = null;
  };
  for (let l = r.next(); l !== null; l = r.next()) {
    if (l.charCodeAt(0) === 0x23 && l.charCodeAt(1) === 0x09) {
      // Go's symbol lines under a record
      const s = parseSymbolLine(l);
      if (s !== null && open !== null) stacks.pushSymbol(s);
      continue;
    }
    const t = l.trim();
    if (isSpaceOrComment(t)) continue;
    if (isMemoryMapSentinel(t)) break;
    const m = HEAP_SAMPLE.exec(t);
    if (m === null) throw new DecodeError(`heap profile: line ${r.lineNo}: expected "N: N [N: N] @ 0x…", found ${quoteForError(t)}`);
    close();
    const values: number[] = [];
    hv.blocksize = 0;
    if (hasAlloc) hv.add(values, Number(m[3]), Number(m[4]), 'allocation', r.lineNo);
    hv.add(values, Number(m[1]), Number(m[2]), 'in-use', r.lineNo);
    open = { values, blocksize: hv.blocksize };
    if (!readAddresses(stacks, m[5]!, 0)) throw new DecodeError(`heap profile: line ${r.lineNo}: an address that is not a 64-bit hex number`);
  }
  close();

  const b = new ProfileBuilder({
    format: 'legacy-heap',
    kind: 'heap',
    sampleTypes: hasAlloc ? HEAP4 : HEAP2,
    periodType: { type: 'space', unit: 'bytes' },
    period,
    goVersion: goVersionFromPaths(stacks.paths),
  });
  for (const rec of records) {
    stacks.emit(b, rec.stack);
    b.label('bytes', null, rec.blocksize, 'bytes');
    b.endSample(rec.values);
  }
  return b.finish();
}

/**
 * jemalloc's `prof.dump` output: `heap_v2/RATE`, the totals `t*: objs: bytes [objs: bytes]`, per
 * thread lines `tN: …`, then per stack `@ 0x… 0x…` with its own `t*:` and thread lines, then
 * `MAPPED_LIBRARIES:`. Values are sampled like heapz_v2 and scaled the same way.
 */
function decodeJemallocHeap(r: LineReader, head: string): Profile {
  const rateText = head.slice(8).trim();
  const rate = Number(rateText);
  if (rateText === '' || !Number.isFinite(rate)) throw new DecodeError(`heap profile: line ${r.lineNo}: bad sampling rate in ${quoteForError(head)}`);
  const stacks = new AddressStacks();
  let hasAlloc: boolean | null = null;
  const records: { raw: number[]; lineNo: number; stack: AddressStack }[] = [];
  let pending: AddressStack | null = null;
  for (let l = r.next(); l !== null; l = r.next()) {
    const t = l.trim();
    if (t === '' || t.charCodeAt(0) === 0x23) continue;
    if (isMemoryMapSentinel(t)) break;
    if (t.charCodeAt(0) === 0x40 /* @ */) {
      if (pending !== null) throw new DecodeError(`heap profile: line ${r.lineNo}: a stack without its "t*:" line before it`);
      if (!readAddresses(stacks, t, 1)) throw new DecodeError(`heap profile: line ${r.lineNo}: an address that is not a 64-bit hex number`);
      pending = stacks.endStack();
      continue;
    }
    if (t.startsWith('t*:')) {
      const m = JEMALLOC_TOTAL.exec(t);
      if (m === null) throw new DecodeError(`heap profile: line ${r.lineNo}: expected "t*: N: N [N: N]", found ${quoteForError(t)}`);
      const raw = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
      if (pending === null) {
        if (hasAlloc === null) hasAlloc = (m[3] !== m[1] && m[3] !== '0') || (m[4] !== m[2] && m[4] !== '0');
        continue;
      }
      records.push({ raw, lineNo: r.lineNo, stack: pending });
      pending = null;
      continue;
    }
    if (t.charCodeAt(0) === 0x74 /* t */ && /^t\d+:/.test(t)) continue; // one thread's share
    throw new DecodeError(`heap profile: line ${r.lineNo}: unexpected ${quoteForError(t)} in a jemalloc heap profile`);
  }
  if (pending !== null) throw new DecodeError('heap profile: the last stack has no "t*:" line');
  const alloc = hasAlloc === true;
  const b = new ProfileBuilder({
    format: 'legacy-heap',
    kind: 'heap',
    sampleTypes: alloc ? HEAP4 : HEAP2,
    periodType: { type: 'space', unit: 'bytes' },
    period: rate,
  });
  const hv = new HeapValues(true, rate);
  for (const rec of records) {
    const values: number[] = [];
    hv.blocksize = 0;
    if (alloc) hv.add(values, rec.raw[2]!, rec.raw[3]!, 'allocation', rec.lineNo);
    hv.add(values, rec.raw[0]!, rec.raw[1]!, 'in-use', rec.lineNo);
    stacks.emit(b, rec.stack);
    b.label('bytes', null, hv.blocksize, 'bytes');
    b.endSample(values);
  }
  return b.finish();
}

/** Java heapz: attributes, `BYTES COUNT @ 0x…` samples sampled every 512 KiB, then method names. */
function decodeJavaHeapz(r: LineReader): Profile {
  const { attrs, line } = readJavaAttributes(r);
  let unit = 'bytes';
  for (const [k, v] of attrs) {
    if (k === 'format') {
      if (v !== 'java') throw new DecodeError(`heapz profile: format "${v}" is not java`);
    } else if (k === 'resolution') unit = v;
    else throw new DecodeError(`heapz profile: unknown attribute "${k}"`);
  }
  const samples: { values: number[]; stack: bigint[]; blocksize: number }[] = [];
  let l = line;
  for (; l !== null; l = r.next()) {
    const t = l.trim();
    if (t === '') continue;
    const s = javaSample(t);
    if (s === null) break;
    // the first number is bytes, the second the object count
    if (s.b === 0) throw new DecodeError(`heapz profile: line ${r.lineNo}: a sample with 0 objects ("${t.slice(0, 60)}")`);
    const blocksize = Math.trunc(s.a / s.b);
    const [count, size] = scaleHeapSample(s.b, s.a, 524288);
    samples.push({ values: [count, size], stack: s.stack, blocksize });
  }
  const names = readJavaLocations(r, l);
  const b = new ProfileBuilder({
    format: 'legacy-heap',
    kind: 'heap',
    sampleTypes: [
      { type: 'inuse_objects', unit: 'count' },
      { type: 'inuse_space', unit },
    ],
    periodType: null,
    period: 0,
  });
  emitJavaSamples(b, samples, names);
  return b.finish();
}

// ---------------------------------------------------------------------------------------------
// Contention

/** True when the text starts like a legacy contention profile or a thread dump. */
export function looksLikeLegacyContention(head: string): boolean {
  const t = firstContentLine(head);
  if (t === null) return false;
  return (
    t.startsWith('--- contention:') ||
    t.startsWith('--- mutex:') ||
    t.startsWith('--- contentionz ') ||
    t.startsWith('--- threadz ') ||
    (t.startsWith('--- Thread ') && t.endsWith('stack: ---'))
  );
}

/** `CYCLES COUNT @ 0x…`: the two numbers and where the addresses start; null when not a sample. */
function contentionSample(t: string): { cycles: number; count: number; at: number } | null {
  let i = 0;
  const n = t.length;
  const num = (): string | null => {
    const s = i;
    while (i < n && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) i++;
    return i > s ? t.slice(s, i) : null;
  };
  const a = num();
  if (a === null) return null;
  const sp = i;
  while (i < n && (t.charCodeAt(i) === 0x20 || t.charCodeAt(i) === 0x09)) i++;
  if (i === sp) return null;
  const c = num();
  if (c === null) return null;
  while (i < n && (t.charCodeAt(i) === 0x20 || t.charCodeAt(i) === 0x09)) i++;
  if (t.charCodeAt(i) !== 0x40) return null;
  return { cycles: Number(a), count: Number(c), at: i + 1 };
}

export function decodeLegacyContention(text: string): Profile {
  const r = new LineReader(text);
  let first = r.next();
  while (first !== null && first.trim() === '') first = r.next();
  if (first === null) throw new DecodeError('contention profile: empty input');
  const head = first.trim();
  if (head.startsWith('--- threadz ') || head.startsWith('--- Thread ')) return decodeLegacyThreadz(text);
  let kind: ProfileKind;
  if (head.startsWith('--- mutex:')) kind = 'mutex';
  else if (head.startsWith('--- contention:')) kind = 'block'; // Go's block profile prints this header
  else if (head.startsWith('--- contentionz ')) kind = 'contention';
  else throw new DecodeError(`contention profile: line ${r.lineNo}: expected "--- contention:", "--- mutex:" or "--- contentionz", found ${quoteForError(head)}`);

  // `key = value` attributes up to the first sample
  let cpuHz = 0;
  let period = 1;
  let durationNanos = 0;
  let java = false;
  const javaAttrs = new Map<string, string>();
  let l = r.next();
  for (; l !== null; l = r.next()) {
    const t = l.trim();
    if (isSpaceOrComment(t)) continue;
    if (t.startsWith('---')) break;
    const eq = t.indexOf('=');
    if (eq < 0) break;
    const key = t.slice(0, eq).trim();
    const val = t.slice(eq + 1).trim();
    javaAttrs.set(key, val);
    if (key === 'format' || key === 'resolution') {
      java = true;
      continue;
    }
    if (key === 'discarded samples') continue;
    if (!INT_OR_HEX.test(val)) throw new DecodeError(`contention profile: line ${r.lineNo}: "${key}" is not an integer: ${quoteForError(val)}`);
    const v = Number(val);
    if (key === 'cycles/second') cpuHz = v;
    else if (key === 'sampling period') period = v;
    else if (key === 'ms since reset') durationNanos = v * 1e6;
    else throw new DecodeError(`contention profile: line ${r.lineNo}: unknown attribute "${key}"`);
  }
  if (java) {
    if (!head.startsWith('--- contentionz 1 ---')) throw new DecodeError('contention profile: java attributes under a header other than "--- contentionz 1 ---"');
    return decodeJavaContentionz(r, l, javaAttrs);
  }

  const stacks = new AddressStacks();
  const records: { values: number[]; stack: AddressStack }[] = [];
  let open: number[] | null = null;
  const close = () => {
    if (open === null) return;
    records.push({ values: open, stack: stacks.endStack() });
    open = null;
  };
  const cpuGHz = cpuHz / 1e9;
  for (; l !== null; l = r.next()) {
    if (l.charCodeAt(0) === 0x23 && l.charCodeAt(1) === 0x09) {
      const s = parseSymbolLine(l);
      if (s !== null && open !== null) stacks.pushSymbol(s);
      continue;
    }
    const t = l.trim();
    if (t.startsWith('---')) break;
    if (isSpaceOrComment(t)) continue;
    const s = contentionSample(t);
    if (s === null) throw new DecodeError(`contention profile: line ${r.lineNo}: expected "CYCLES COUNT @ 0x…", found ${quoteForError(t)}`);
    close();
    let delay = s.cycles;
    let count = s.count;
    // unsampled as pprof does: delays from cycles to nanoseconds, both times the sampling period
    if (period > 0) {
      if (cpuHz > 0) delay = Math.trunc((delay * period) / cpuGHz);
      count = count * period;
    }
    open = [count, delay];
    if (!readAddresses(stacks, t, s.at)) throw new DecodeError(`contention profile: line ${r.lineNo}: an address that is not a 64-bit hex number`);
  }
  close();
  const b = new ProfileBuilder({
    format: 'legacy-contention',
    kind,
    sampleTypes: [
      { type: 'contentions', unit: 'count' },
      { type: 'delay', unit: 'nanoseconds' },
    ],
    periodType: { type: 'contentions', unit: 'count' },
    period,
    durationNanos,
    goVersion: goVersionFromPaths(stacks.paths),
  });
  for (const rec of records) {
    stacks.emit(b, rec.stack);
    b.endSample(rec.values);
  }
  return b.finish();
}

/** Java contentionz: `DELAY COUNT @ 0x…` samples times the sampling period, then method names. */
function decodeJavaContentionz(r: LineReader, first: string | null, attrs: Map<string, string>): Profile {
  let unit = '';
  let period = 0;
  let durationNanos = 0;
  let hasPeriod = false;
  for (const [k, v] of attrs) {
    if (k === 'format') {
      if (v !== 'java') throw new DecodeError(`contentionz profile: format "${v}" is not java`);
    } else if (k === 'resolution') unit = v;
    else if (k === 'sampling period' || k === 'ms since reset') {
      if (!INT.test(v)) throw new DecodeError(`contentionz profile: "${k}" is not an integer`);
      if (k === 'sampling period') {
        period = Number(v);
        hasPeriod = true;
      } else durationNanos = Number(v) * 1e6;
    } else throw new DecodeError(`contentionz profile: unknown attribute "${k}"`);
  }
  const samples: { values: number[]; stack: bigint[]; blocksize: number }[] = [];
  let l = first;
  for (; l !== null; l = r.next()) {
    const t = l.trim();
    if (t === '') continue;
    const s = javaSample(t);
    if (s === null) break;
    const m = period !== 0 ? period : 1;
    samples.push({ values: [s.b * m, s.a * m], stack: s.stack, blocksize: -1 });
  }
  const names = readJavaLocations(r, l);
  const b = new ProfileBuilder({
    format: 'legacy-contention',
    kind: 'contention',
    sampleTypes: [
      { type: 'contentions', unit: 'count' },
      { type: 'delay', unit: unit || 'microseconds' },
    ],
    periodType: hasPeriod ? { type: 'contentions', unit: 'count' } : null,
    period,
    durationNanos,
  });
  emitJavaSamples(b, samples, names);
  return b.finish();
}

// ---------------------------------------------------------------------------------------------
// Thread dumps

const THREAD_START = /--- Thread ([0-9A-Fa-f]+) \(name: (.*)\/(\d+)\) stack: ---/;

/**
 * `--- threadz 1 ---` dumps: one sample per thread (`--- Thread ID (name: N/TID) stack: ---`, then
 * every hex address on the lines below, `creator:` stacks included), `[same as previous thread]`
 * adding one to the previous sample. The leaf address is the PC itself, the others move onto the call.
 */
export function decodeLegacyThreadz(text: string): Profile {
  const r = new LineReader(text);
  let line = r.next();
  while (line !== null && isSpaceOrComment(line.trim())) line = r.next();
  if (line === null) throw new DecodeError('thread dump: empty input');
  if (/--- threadz \d+ ---/.test(line)) {
    // to the first thread
    for (line = r.next(); line !== null; line = r.next()) {
      if (isMemoryMapSentinel(line) || line.startsWith('-')) break;
    }
  } else if (!THREAD_START.test(line)) {
    throw new DecodeError(`thread dump: line ${r.lineNo}: expected "--- threadz N ---", found ${quoteForError(line)}`);
  }
  const b = new ProfileBuilder({
    format: 'legacy-threadcreate',
    kind: 'other',
    sampleTypes: [{ type: 'thread', unit: 'count' }],
    periodType: { type: 'thread', unit: 'count' },
    period: 1,
  });
  const locs = new PlainLocations(b);
  const samples: { count: number; stack: bigint[] }[] = [];
  while (line !== null && !isMemoryMapSentinel(line)) {
    if (line.startsWith('---- no stack trace for')) break;
    if (!THREAD_START.test(line)) throw new DecodeError(`thread dump: line ${r.lineNo}: expected "--- Thread … stack: ---", found ${quoteForError(line)}`);
    const addrs: bigint[] = [];
    let same = false;
    for (line = r.next(); line !== null; line = r.next()) {
      const t = line.trim();
      if (t === '') continue;
      if (t.startsWith('---')) break;
      if (t.includes('same as previous thread')) {
        same = true;
        continue;
      }
      if (!hexAddresses(t, addrs)) throw new DecodeError(`thread dump: line ${r.lineNo}: an address wider than 64 bits`);
    }
    if (same || addrs.length === 0) {
      if (samples.length > 0) samples[samples.length - 1]!.count++;
      continue;
    }
    for (let i = 1; i < addrs.length; i++) addrs[i] = BigInt.asUintN(64, addrs[i]! - 1n);
    // the unwinder may repeat the leaf, once as the PC and once as a return address
    if (addrs.length > 1 && addrs[0] === addrs[1]! + 1n) addrs.splice(1, 1);
    samples.push({ count: 1, stack: addrs });
  }
  for (const s of samples) {
    for (const a of s.stack) b.frame(locs.get(a));
    b.endSample([s.count]);
  }
  return b.finish();
}
