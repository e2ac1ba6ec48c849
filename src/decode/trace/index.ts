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
 * The trace is checked as Go's reader checks it (event types and arguments, string and stack
 * references, the ordering state machine). Bad input raises DecodeError with a one-line
 * message. A v2 trace whose later part is truncated or inconsistent keeps the generations
 * before the damage and says in `warnings` from which generation and time on it stopped being
 * consistent, what was analysed and what was dropped.
 *
 * Whole (decodeTrace: every row in one Trace) or a generation at a time (TraceStreamDecoder,
 * decodeTraceParts: one part per generation, memory bounded by a generation); both give the
 * same rows, tables and warnings.
 */

import { DecodeError } from '../../model/errors.js';
import type { Trace } from '../../model/trace.js';
import { TraceBuilder, type TraceHeader } from './builder.js';
import { decodeV1 } from './v1.js';
import { V2Decoder } from './v2.js';

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

/** The whole trace in one piece (every row in `events`). */
export function decodeTrace(bytes: Uint8Array, opts: DecodeTraceOptions = {}): Trace {
  const total = bytes.length;
  const d = new TraceStreamDecoder({ whole: true, onGeneration: opts.onProgress ? (end) => opts.onProgress!(end, total) : undefined });
  d.push(bytes);
  d.end();
  if (d.family === 'v1') opts.onProgress?.(total, total);
  return d.result();
}

/**
 * The trace one part at a time, from bytes in memory: for the new format one part per
 * generation (several for a generation of more than `partRows` rows) and a last part holding
 * the closing sync, for the old format one part. Returns the trace without rows (see
 * TraceStreamDecoder.result) when done.
 */
export function* decodeTraceParts(chunks: Iterable<Uint8Array>, opts: Pick<TraceStreamOptions, 'partRows'> = {}): Generator<Trace, Trace, undefined> {
  const d = new TraceStreamDecoder(opts);
  for (const c of chunks) {
    d.push(c);
    yield* d.take();
  }
  d.end();
  yield* d.take();
  return d.result();
}

export interface TraceStreamOptions {
  /** Keep every row in one piece, for result(), instead of handing out parts. */
  whole?: boolean;
  /** Called after each v2 generation that decoded, with the input offset where it ended. */
  onGeneration?: (endOffset: number) => void;
  /**
   * Each part as soon as it is decoded, instead of through take(). Its rows are good only
   * during the call: the next part's rows are written into the same columns, so that a trace
   * of many large generations holds one generation's columns, not a new set each generation
   * (with the garbage of their growing) until the collector gets to them.
   */
  onPart?: (part: Trace) => void;
  /**
   * Rows a part holds at most (PART_ROWS unless set): a generation that makes more is handed
   * out in several parts, cut where its rows reach this many.
   */
  partRows?: number;
}

/**
 * Rows of a part, at most: about 700 KB of columns. A generation of a busy server's trace
 * (tens of megabytes of input) makes tens of millions of rows, which held whole until its end
 * would be most of the decoder's memory; and a part this small is still in the processor's
 * cache when the analyses read it after the decoder wrote it (the 414 MB trace of the bench
 * analysed in 4 % less time than in parts of a million rows, 40 % less memory than whole).
 */
export const PART_ROWS = 1 << 14;

/**
 * A trace decoded as its bytes come in (push, in pieces of any size, then end). Each
 * generation of a new-format trace (Go 1.22+) is decoded as soon as it is complete and handed
 * out as a part (take, or onPart as it is cut, into reused columns): a Trace whose `events` are
 * that generation's rows (or the next partRows of them, for a generation that makes more) and
 * whose other fields (counts, string, frame and stack tables, warnings) are those of the trace
 * so far. Stack, frame and string indices are the same in every part and in result(), so state
 * kept across parts stays valid. Working memory is bounded by one generation's input and one
 * part's rows plus what the tables keep (distinct stacks and strings), not by the input.
 *
 * An old-format trace (Go 1.7–1.21) has no generations, and Go's own reader also needs it
 * whole: its bytes are kept until end(), which decodes them into one part, so memory is bounded
 * by the input there.
 *
 * A truncated or damaged new-format trace keeps the generations before the damage (and the
 * parts of the damaged one already handed out, which the warning names), and result().warnings
 * says what was dropped. push() and end() raise a one-line DecodeError only
 * when nothing usable is left (not a trace, an unsupported version, no complete generation).
 */
export class TraceStreamDecoder {
  private readonly whole: boolean;
  private readonly opts: TraceStreamOptions;
  private head: Uint8Array | null = new Uint8Array(0);
  private version = 0;
  private readonly b = new TraceBuilder(1024);
  private v2: V2Decoder | null = null;
  private v1Chunks: Uint8Array[] | null = null;
  private v1Bytes = 0;
  private v1Frequency = 0;
  private parts: Trace[] = [];
  private ended = false;
  /** Bytes pushed so far. */
  bytesIn = 0;

  constructor(opts: TraceStreamOptions = {}) {
    this.whole = opts.whole === true;
    this.opts = opts;
  }

  /** 'v1' or 'v2' once the header is in, else null. */
  get family(): 'v1' | 'v2' | null {
    return this.version === 0 ? null : this.version <= 21 ? 'v1' : 'v2';
  }

  /** Input bytes held (the generation being read; for the old format, the whole input so far). */
  get heldBytes(): number {
    if (this.head !== null) return this.head.length;
    return this.v2 !== null ? this.v2.heldBytes : this.v1Bytes;
  }

  /** Generations decoded so far. */
  get generations(): number {
    return this.v2 !== null ? this.v2.generations : this.version !== 0 && this.ended ? 1 : 0;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('push() after end()');
    this.bytesIn += chunk.length;
    if (this.head !== null) {
      // the 16-byte header first
      const h = this.head.length === 0 && chunk.length >= 16 ? chunk : concat(this.head, chunk);
      if (h.length < 16) {
        this.head = h;
        return;
      }
      this.head = null;
      this.start(h);
      if (this.v1Chunks !== null) {
        this.v1Chunks.push(h); // header included
        this.v1Bytes += h.length;
        return;
      }
      chunk = h.subarray(16);
    }
    if (this.v1Chunks !== null) {
      if (chunk.length > 0) this.v1Chunks.push(chunk);
      this.v1Bytes += chunk.length;
      return;
    }
    this.v2!.push(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.head !== null) {
      this.start(this.head); // too short: the error for it
      return;
    }
    if (this.v1Chunks !== null) {
      const chunks = this.v1Chunks;
      let bytes = chunks[0]!;
      if (chunks.length > 1) {
        bytes = new Uint8Array(this.v1Bytes);
        let at = 0;
        for (const c of chunks) {
          bytes.set(c, at);
          at += c.length;
        }
      }
      this.v1Chunks = [];
      this.v1Frequency = decodeV1(bytes, this.version, this.b).frequency;
    } else {
      this.v2!.end();
    }
    if (!this.whole) this.emit();
    // the last part is out: the columns its rows were written into are not needed again
    if (this.opts.onPart) this.b.dropColumns();
  }

  private emit(): void {
    const onPart = this.opts.onPart;
    if (onPart) onPart(this.b.cut(this.header(), true));
    else this.parts.push(this.b.cut(this.header()));
  }

  /** The parts completed since the last call (none in `whole` mode, or with onPart). */
  take(): Trace[] {
    const p = this.parts;
    this.parts = [];
    return p;
  }

  /**
   * After end(): the trace. In `whole` mode with every row; otherwise without rows (they went
   * out as parts) but with the totals, tables and warnings of the whole trace.
   */
  result(): Trace {
    if (!this.ended) throw new Error('result() before end()');
    return this.whole ? this.b.finish(this.header()) : this.b.finishParts(this.header());
  }

  private start(h: Uint8Array): void {
    const v = traceHeaderVersion(h);
    if (v === null) {
      throw new DecodeError(h.length < 16 ? 'not a Go execution trace (too short for a trace header)' : 'not a Go execution trace (no "go 1.N trace" header)');
    }
    if (v < 7) throw new DecodeError(`Go 1.${v} traces are not supported (traces before Go 1.7 carry no symbol information)`);
    if (v <= 21) {
      if (!V1_VERSIONS.has(v)) throw new DecodeError(`unknown trace version go 1.${v} (no Go release writes it)`);
      this.version = v;
      this.v1Chunks = [];
      return;
    }
    let as = v;
    if (v > NEWEST) {
      as = NEWEST;
      this.b.warn(`header go 1.${v} is newer than the newest known trace format (go 1.${NEWEST}); read as go 1.${NEWEST}`);
    } else if (!V2_VERSIONS.has(v)) {
      throw new DecodeError(`unknown trace version go 1.${v} (no Go release writes it)`);
    }
    this.version = v;
    this.v2 = new V2Decoder(as, this.b, 16, {
      onGeneration: (end) => {
        if (!this.whole) this.emit();
        this.opts.onGeneration?.(end);
      },
      ...(this.whole ? {} : { onRows: () => this.emit(), partRows: this.opts.partRows ?? PART_ROWS }),
    });
  }

  private header(): TraceHeader {
    const v = this.version;
    if (this.v2 === null) {
      return { goVersion: `go1.${v}`, headerVersion: v, family: 'v1', frequency: this.v1Frequency, generations: 1, clock: null };
    }
    return {
      goVersion: `go1.${v}`,
      headerVersion: v,
      family: 'v2',
      frequency: this.v2.firstFreq,
      generations: this.v2.generations,
      clock: this.v2.clock,
    };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}
