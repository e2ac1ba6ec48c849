/**
 * Go execution traces: header sniffing and decoding of both wire families into the
 * normalised model of src/model/trace.ts.
 *
 * - v1, `go 1.7 trace` … `go 1.21 trace` (1.11 is the oldest Go's own tools still read;
 *   1.7–1.10 differ only in a few argument counts). Traces before 1.7 carry no symbols and
 *   are refused.
 * - v2, `go 1.22 trace`, `go 1.23 trace` (written by Go 1.23 and 1.24), `go 1.25 trace`,
 *   `go 1.26 trace` (written by Go 1.26 and 1.27). A later header is read as 1.26, with a
 *   warning.
 *
 * Bad input raises DecodeError with a one-line message. A v2 trace whose later part is
 * truncated or damaged keeps its complete generations and says what was dropped in
 * `warnings`.
 */

import { DecodeError } from '../../model/errors.js';
import type { Trace } from '../../model/trace.js';
import { TraceBuilder } from './builder.js';
import { decodeV1 } from './v1.js';
import { decodeV2 } from './v2.js';

export type { Trace } from '../../model/trace.js';

const NEWEST = 26;
const V1_VERSIONS = new Set([7, 8, 9, 10, 11, 19, 21]);
const V2_VERSIONS = new Set([22, 23, 25, 26]);

/** The minor version the 16-byte header names (`go 1.23 trace` → 23), or null when it is not a trace header. */
export function traceHeaderVersion(bytes: Uint8Array): number | null {
  if (bytes.length < 16) return null;
  // "go 1."
  if (bytes[0] !== 0x67 || bytes[1] !== 0x6f || bytes[2] !== 0x20 || bytes[3] !== 0x31 || bytes[4] !== 0x2e) return null;
  let i = 5;
  let v = 0;
  while (i < 16 && i < 8 && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) v = v * 10 + (bytes[i++]! - 0x30);
  if (i === 5) return null;
  const suffix = ' trace';
  for (let k = 0; k < suffix.length; k++, i++) {
    if (i >= 16 || bytes[i] !== suffix.charCodeAt(k)) return null;
  }
  for (; i < 16; i++) if (bytes[i] !== 0) return null;
  return v;
}

/** True when the bytes start with a Go execution trace header. */
export function isTrace(bytes: Uint8Array): boolean {
  return traceHeaderVersion(bytes) !== null;
}

export interface DecodeTraceOptions {
  /** Called as the decoder moves through the input (after each v2 generation; at the end for v1). */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export function decodeTrace(bytes: Uint8Array, opts: DecodeTraceOptions = {}): Trace {
  const v = traceHeaderVersion(bytes);
  if (v === null) {
    throw new DecodeError(bytes.length < 16 ? 'not a Go execution trace (too short for a trace header)' : 'not a Go execution trace (no "go 1.N trace" header)');
  }
  if (v < 7) throw new DecodeError(`Go 1.${v} traces are not supported (traces before Go 1.7 carry no symbol information)`);
  const b = new TraceBuilder(1024);
  if (v <= 21) {
    if (!V1_VERSIONS.has(v)) throw new DecodeError(`unknown trace version go 1.${v} (no Go release writes it)`);
    const r = decodeV1(bytes, v, b);
    opts.onProgress?.(bytes.length, bytes.length);
    return b.finish({ goVersion: `go1.${v}`, headerVersion: v, family: 'v1', frequency: r.frequency, generations: 1, clock: null });
  }
  let as = v;
  if (v > NEWEST) {
    as = NEWEST;
    b.warn(`header go 1.${v} is newer than the newest known trace format (go 1.${NEWEST}); read as go 1.${NEWEST}`);
  } else if (!V2_VERSIONS.has(v)) {
    throw new DecodeError(`unknown trace version go 1.${v} (no Go release writes it)`);
  }
  const r = decodeV2(bytes, as, b, opts);
  return b.finish({
    goVersion: `go1.${v}`,
    headerVersion: v,
    family: 'v2',
    frequency: r.frequency,
    generations: r.generations,
    clock: r.clock,
  });
}
