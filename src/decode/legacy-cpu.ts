/**
 * The legacy binary CPU profile (gperftools' profiler, Go before 1.9's /debug/pprof/profile, and
 * Java agents): a sequence of machine words of one size (32 or 64 bits) and byte order.
 *
 *   header   0, 3, 0 (1 for Java), sampling period in µs, 0
 *   records  count, depth, depth × address      (the leaf first)
 *   trailer  0, 1, 0
 *   then text: the process's memory map (native) or `0xID method (File.java:N)` lines (Java)
 *
 * Like pprof: native return addresses move back one byte onto the call (the leaf stays), a second
 * frame shared by nearly every sample (the signal handler's, pushed by the measurement) is dropped
 * up to twice, a leaf the unwinder repeated is dropped, and Java method ids are named from the
 * trailing text. Sample types are samples/count and cpu/nanoseconds (count × period).
 */

import { ProfileBuilder } from '../model/builder.js';
import { DecodeError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { LineReader } from './goroutine-debug1.js';
import { emitJavaSamples, PlainLocations, readJavaLocations } from './legacy-text.js';

interface Layout {
  size: 4 | 8;
  little: boolean;
  java: boolean;
  periodMicros: number;
}

const LAYOUTS: ReadonlyArray<{ size: 4 | 8; little: boolean }> = [
  { size: 4, little: true },
  { size: 4, little: false },
  { size: 8, little: true },
  { size: 8, little: false },
];

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function word(dv: DataView, at: number, size: 4 | 8, little: boolean): bigint {
  return size === 4 ? BigInt(dv.getUint32(at, little)) : dv.getBigUint64(at, little);
}

function layoutOf(bytes: Uint8Array): Layout | null {
  const dv = view(bytes);
  for (const { size, little } of LAYOUTS) {
    if (bytes.length < 5 * size) continue;
    const w = (i: number) => word(dv, i * size, size, little);
    const n3 = w(2);
    const n4 = w(3);
    if (w(0) === 0n && w(1) === 3n && (n3 === 0n || n3 === 1n) && n4 > 0n && w(4) === 0n) {
      return { size, little, java: n3 === 1n, periodMicros: Number(n4) };
    }
  }
  return null;
}

/** True when the bytes open with a legacy CPU profile header (0, 3, 0|1, period, 0). */
export function looksLikeLegacyCpu(bytes: Uint8Array): boolean {
  return layoutOf(bytes) !== null;
}

interface CpuSample {
  count: number;
  stack: bigint[];
}

export function decodeLegacyCpu(bytes: Uint8Array): Profile {
  const lay = layoutOf(bytes);
  if (lay === null) throw new DecodeError('not a legacy CPU profile: the header words are not 0, 3, 0, period, 0');
  const { size, little, java } = lay;
  const dv = view(bytes);
  const period = lay.periodMicros * 1000;
  const samples: CpuSample[] = [];
  let at = 5 * size;
  let end = bytes.length;
  while (at < bytes.length) {
    if (at + 2 * size > bytes.length) throw new DecodeError(`legacy CPU profile: a record is cut short at byte ${at}`);
    const count = word(dv, at, size, little);
    const depth = word(dv, at + size, size, little);
    at += 2 * size;
    if (depth > BigInt(Math.floor((bytes.length - at) / size))) {
      throw new DecodeError(`legacy CPU profile: a stack of ${depth} addresses runs past the end of the data (byte ${at - 2 * size})`);
    }
    const n = Number(depth);
    const stack: bigint[] = new Array<bigint>(n);
    for (let i = 0; i < n; i++, at += size) stack[i] = word(dv, at, size, little);
    if (count === 0n && n === 1 && stack[0] === 0n) {
      end = at; // the trailer: what follows is text
      break;
    }
    if (!java) {
      // return addresses onto their calls; the leaf is the interrupted PC itself
      for (let i = 1; i < n; i++) stack[i] = BigInt.asUintN(64, stack[i]! - 1n);
    }
    samples.push({ count: Number(count), stack });
  }

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

  if (java) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(end));
    const r = new LineReader(text);
    const names = readJavaLocations(r, r.next());
    emitJavaSamples(
      b,
      samples.map((s) => ({ values: [s.count, s.count * period], stack: s.stack, blocksize: -1 })),
      names,
    );
    return b.finish();
  }

  dropSignalFrames(samples);
  for (const s of samples) {
    if (s.stack.length > 1 && s.stack[0] === s.stack[1]! + 1n) s.stack.splice(1, 1);
  }
  const locs = new PlainLocations(b);
  for (const s of samples) {
    for (const a of s.stack) b.frame(locs.get(a));
    b.endSample([s.count, s.count * period]);
  }
  return b.finish();
}

/**
 * When all samples but one in 32 share their second frame, that frame was pushed by the signal
 * handler, not the program: drop it (twice at most, as pprof does).
 */
function dropSignalFrames(samples: CpuSample[]): void {
  const margin = Math.floor(samples.length / 32);
  for (let iter = 0; iter < 2; iter++) {
    const seen = new Map<bigint, number>();
    for (const s of samples) {
      if (s.stack.length > 1) seen.set(s.stack[1]!, (seen.get(s.stack[1]!) ?? 0) + 1);
    }
    for (const [addr, n] of seen) {
      if (n >= samples.length - margin) {
        for (const s of samples) if (s.stack.length > 1 && s.stack[1] === addr) s.stack.splice(1, 1);
        break;
      }
    }
  }
}
