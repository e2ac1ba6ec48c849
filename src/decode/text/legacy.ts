/**
 * The legacy profile forms `go tool pprof` still reads:
 *   - heap text, `heap profile: 13: 1595680 [47130736: 2584596557304] @ heap/1048576`
 *     (Go's /debug/pprof/heap?debug=1) and the heapz_v2 / heapprofile / growthz /
 *     fragmentationz variants, with the sampled values scaled back up the way pprof does;
 *   - contention text, `--- contention:` / `--- mutex:` / `--- contentionz N ---` with its
 *     `cycles/second`, `sampling period` and `ms since reset` attributes;
 *   - thread dumps, `--- threadz N ---`;
 *   - the binary CPU profile (words 0, 3, 0, period, 0; then count, depth, PCs…).
 * Stacks are addresses only (the `#` symbol lines of Go's heap text are kept as lines).
 */

import type { Profile } from '../../model/profile.js';
import { ProfileBuilder } from '../../model/builder.js';
import { DecodeError } from '../../model/errors.js';
import { Lines } from './lines.js';

const HEAP_HEADER = /heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *(heap[_a-z0-9]*)\/?(\d*)/;
const GROWTH_HEADER = /heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] @ (growthz|fragmentationz)/;
const HEAP_SAMPLE = /(-?\d+): *(-?\d+) *\[ *(\d+): *(\d+) *\] @([ x0-9a-f]*)/;
const CONTENTION_SAMPLE = /(\d+) *(\d+) @([ x0-9a-f]*)/;
const HEX = /0x[0-9a-f]+/g;
const MEMORY_MAP = /--- Memory map: ---|MAPPED_LIBRARIES:/;

function addresses(s: string): bigint[] {
  return (s.match(HEX) ?? []).map((h) => BigInt(h));
}

/** Adds a stack of raw return addresses: all but the leaf move back one byte onto the call. */
function addStack(b: ProfileBuilder, addrs: bigint[]): void {
  addrs.forEach((a, i) => {
    const pc = i > 0 ? a - 1n : a;
    b.frame(b.locationId('0x' + pc.toString(16), pc, []));
  });
}

/** pprof's unsampling of a heap sample taken at an average rate of one per `rate` bytes. */
export function scaleHeapSample(count: number, size: number, rate: number): [number, number] {
  if (count === 0 || size === 0) return [0, 0];
  if (rate <= 1) return [count, size];
  const avg = size / count;
  const scale = 1 / (1 - Math.exp(-avg / rate));
  return [Math.trunc(count * scale), Math.trunc(size * scale)];
}

export function decodeLegacyHeap(text: string): Profile {
  const lines = new Lines(text);
  let first = lines.next();
  while (first !== null && first.trim() === '') first = lines.next();
  if (first === null) throw new DecodeError('empty heap profile');
  let sampling = '';
  let period = 1;
  let hasAlloc = false;
  const h = HEAP_HEADER.exec(first);
  if (h && !GROWTH_HEADER.test(first)) {
    const rate = h[6] ? Number(h[6]) : 0;
    hasAlloc = (h[3] !== h[1] && h[3] !== '0') || (h[4] !== h[2] && h[4] !== '0');
    switch (h[5]) {
      case 'heapz_v2':
      case 'heap_v2':
        sampling = 'v2';
        period = rate;
        break;
      case 'heapprofile':
        period = 1;
        break;
      case 'heap':
        sampling = 'v2';
        period = Math.trunc(rate / 2);
        break;
      default:
        throw new DecodeError(`heap profile: unknown format "${h[5]}"`);
    }
  } else if (!GROWTH_HEADER.test(first)) {
    throw new DecodeError('not a legacy heap profile: expected "heap profile: N: N [N: N] @ heap/RATE"');
  }
  const b = new ProfileBuilder({
    format: 'legacy-heap',
    kind: 'heap',
    sampleTypes: hasAlloc
      ? [
          { type: 'alloc_objects', unit: 'count' },
          { type: 'alloc_space', unit: 'bytes' },
          { type: 'inuse_objects', unit: 'count' },
          { type: 'inuse_space', unit: 'bytes' },
        ]
      : [
          { type: 'objects', unit: 'count' },
          { type: 'space', unit: 'bytes' },
        ],
    periodType: { type: 'space', unit: 'bytes' },
    period,
  });
  const values: number[] = [];
  let blocksize = 0;
  const add = (countS: string, sizeS: string, what: string, line: number) => {
    let count = Number(countS);
    let size = Number(sizeS);
    if (count === 0 && size !== 0) throw new DecodeError(`heap profile: line ${line}: ${what} count is 0 but its bytes are ${size}`);
    if (count !== 0) {
      blocksize = Math.trunc(size / count);
      if (sampling === 'v2') [count, size] = scaleHeapSample(count, size, period);
    }
    values.push(count, size);
  };
  for (let line = lines.next(); line !== null; line = lines.next()) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (MEMORY_MAP.test(t)) break;
    const m = HEAP_SAMPLE.exec(t);
    if (!m) throw new DecodeError(`heap profile: line ${lines.lineNo}: expected "N: N [N: N] @ 0x…", found "${t.slice(0, 60)}"`);
    values.length = 0;
    blocksize = 0;
    if (hasAlloc) add(m[3]!, m[4]!, 'allocation', lines.lineNo);
    add(m[1]!, m[2]!, 'in-use', lines.lineNo);
    addStack(b, addresses(m[5]!));
    b.label('bytes', null, blocksize);
    b.endSample(values);
  }
  return b.finish();
}

export function decodeLegacyContention(text: string): Profile {
  const lines = new Lines(text);
  let first = lines.next();
  while (first !== null && first.trim() === '') first = lines.next();
  if (first === null) throw new DecodeError('empty contention profile');
  if (first.startsWith('--- threadz')) return decodeThreadz(lines);
  const mutex = first.startsWith('--- mutex');
  if (!first.startsWith('--- contention') && !mutex) {
    throw new DecodeError('not a legacy contention profile: expected "--- contention:" or "--- mutex:"');
  }
  let cpuHz = 0;
  let period = 1;
  let durationNanos = 0;
  let line = lines.next();
  for (; line !== null; line = lines.next()) {
    const t = line.trim();
    if (t === '') continue;
    if (t.startsWith('---')) break;
    const eq = t.indexOf('=');
    if (eq < 0) break;
    const key = t.slice(0, eq).trim();
    const val = Number(t.slice(eq + 1).trim());
    if (key === 'cycles/second') cpuHz = val;
    else if (key === 'sampling period') period = val;
    else if (key === 'ms since reset') durationNanos = val * 1e6;
    else if (key !== 'discarded samples') throw new DecodeError(`contention profile: unknown attribute "${key}"`);
    if (!Number.isFinite(val)) throw new DecodeError(`contention profile: "${key}" is not a number`);
  }
  const b = new ProfileBuilder({
    format: 'legacy-contention',
    kind: mutex ? 'mutex' : 'contention',
    sampleTypes: [
      { type: 'contentions', unit: 'count' },
      { type: 'delay', unit: 'nanoseconds' },
    ],
    periodType: { type: 'contentions', unit: 'count' },
    period,
    durationNanos,
  });
  for (; line !== null; line = lines.next()) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('---')) break;
    const m = CONTENTION_SAMPLE.exec(t);
    if (!m) throw new DecodeError(`contention profile: line ${lines.lineNo}: expected "CYCLES COUNT @ 0x…"`);
    let delay = Number(m[1]);
    let count = Number(m[2]);
    if (period > 0) {
      if (cpuHz > 0) delay = Math.trunc((delay * period) / (cpuHz / 1e9));
      count = count * period;
    }
    addStack(b, addresses(m[3]!));
    b.endSample([count, delay]);
  }
  return b.finish();
}

const THREAD_START = /--- Thread ([0-9a-fA-F]+) \(name: (.*)\/(\d+)\) stack: ---/;

function decodeThreadz(lines: Lines): Profile {
  const b = new ProfileBuilder({
    format: 'legacy-threadcreate',
    kind: 'other',
    sampleTypes: [{ type: 'thread', unit: 'count' }],
    periodType: { type: 'thread', unit: 'count' },
    period: 1,
  });
  let line = lines.next();
  while (line !== null && !THREAD_START.test(line) && !MEMORY_MAP.test(line)) line = lines.next();
  let last: bigint[] | null = null;
  let lastCount = 0;
  const flush = () => {
    if (last !== null) {
      addStack(b, last);
      b.endSample([lastCount]);
    }
  };
  while (line !== null && THREAD_START.test(line)) {
    const addrs: bigint[] = [];
    let same = false;
    line = lines.next();
    for (; line !== null; line = lines.next()) {
      const t = line.trim();
      if (t === '') continue;
      if (t.startsWith('---')) break;
      if (t.includes('same as previous thread')) {
        same = true;
        continue;
      }
      addrs.push(...addresses(t));
    }
    if (same && last !== null) {
      lastCount++;
    } else if (addrs.length > 0) {
      flush();
      last = addrs;
      lastCount = 1;
    }
    if (line !== null && line.startsWith('---- no stack trace for')) break;
  }
  flush();
  return b.finish();
}

/** Reads words of one size and byte order; null past the end. */
type WordReader = (b: Uint8Array, at: number) => bigint | null;
const word32l: WordReader = (b, at) => (at + 4 <= b.length ? BigInt(b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + (BigInt(b[at + 3]!) << 24n) : null);
const word32b: WordReader = (b, at) => (at + 4 <= b.length ? BigInt(b[at + 3]! | (b[at + 2]! << 8) | (b[at + 1]! << 16)) + (BigInt(b[at]!) << 24n) : null);
const word64l: WordReader = (b, at) => {
  if (at + 8 > b.length) return null;
  return new DataView(b.buffer, b.byteOffset + at, 8).getBigUint64(0, true);
};
const word64b: WordReader = (b, at) => {
  if (at + 8 > b.length) return null;
  return new DataView(b.buffer, b.byteOffset + at, 8).getBigUint64(0, false);
};
const WORDS: [WordReader, number][] = [
  [word32l, 4],
  [word32b, 4],
  [word64l, 8],
  [word64b, 8],
];

function cpuHeader(bytes: Uint8Array): { read: WordReader; size: number; java: boolean; periodUs: bigint } | null {
  for (const [read, size] of WORDS) {
    const w = [0, 1, 2, 3, 4].map((i) => read(bytes, i * size));
    if (w.some((x) => x === null)) continue;
    const [n1, n2, n3, n4, n5] = w as bigint[];
    if (n1 === 0n && n2 === 3n && (n3 === 0n || n3 === 1n) && n4! > 0n && n5 === 0n) return { read, size, java: n3 === 1n, periodUs: n4! };
  }
  return null;
}

export function looksLikeLegacyCpu(bytes: Uint8Array): boolean {
  return bytes.length >= 20 && cpuHeader(bytes) !== null;
}

export function decodeLegacyCpu(bytes: Uint8Array): Profile {
  const h = cpuHeader(bytes);
  if (!h) throw new DecodeError('not a legacy CPU profile: bad header words');
  const period = Number(h.periodUs) * 1000;
  const { read, size } = h;
  let at = 5 * size;
  const samples: { count: number; addrs: bigint[] }[] = [];
  for (;;) {
    const count = read(bytes, at);
    const depth = read(bytes, at + size);
    if (count === null || depth === null) break;
    at += 2 * size;
    if (depth > BigInt(Math.floor((bytes.length - at) / size))) throw new DecodeError('legacy CPU profile: a stack runs past the end of the file');
    const addrs: bigint[] = [];
    for (let i = 0n; i < depth; i++) {
      addrs.push(read(bytes, at)!);
      at += size;
    }
    if (count === 0n && depth === 1n && addrs[0] === 0n) break; // end-of-data marker
    // Java profiles carry exact PCs; native ones return addresses, moved back onto the call
    samples.push({ count: Number(count), addrs: h.java ? addrs : addrs.map((a, i) => (i > 0 ? a - 1n : a)) });
  }
  if (h.java) return cpuProfileOf(samples, period);
  // Like pprof: drop a second frame (the signal handler's) most samples share, up to twice,
  // and a leaf duplicated by the unwinder.
  const margin = Math.floor(samples.length / 32);
  for (let iter = 0; iter < 2; iter++) {
    const seen = new Map<bigint, number>();
    for (const s of samples) if (s.addrs.length > 1) seen.set(s.addrs[1]!, (seen.get(s.addrs[1]!) ?? 0) + 1);
    for (const [addr, n] of seen) {
      if (n >= samples.length - margin) {
        for (const s of samples) if (s.addrs.length > 1 && s.addrs[1] === addr) s.addrs.splice(1, 1);
        break;
      }
    }
  }
  for (const s of samples) if (s.addrs.length > 1 && s.addrs[0] === s.addrs[1]! + 1n) s.addrs.splice(1, 1);
  return cpuProfileOf(samples, period);
}

function cpuProfileOf(samples: { count: number; addrs: bigint[] }[], period: number): Profile {
  const b = new ProfileBuilder({
    format: 'legacy-cpu',
    kind: 'cpu',
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period,
  });
  for (const s of samples) {
    for (const pc of s.addrs) b.frame(b.locationId('0x' + pc.toString(16), pc, []));
    b.endSample([s.count, s.count * period]);
  }
  return b.finish();
}
