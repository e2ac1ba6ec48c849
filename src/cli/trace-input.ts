/**
 * Reading an input that may be large: a trace (plain or gzipped) is decoded as it is read, one
 * generation at a time, its rows handed to `onPart` (PART_ROWS at most at once) and then let
 * go, so a large trace is analysed in memory bounded by a generation rather than the file. When
 * asked, a clean debug=1 or debug=2 dump is decoded as it is read too, and a large gzip'd pprof
 * profile from its content's pieces (a `profile`). Anything else comes back as its bytes, for
 * the ordinary decoders.
 */

import { concatBytes, gzipStatedSize, isGzip } from '../decode/gzip.js';
import { sniff } from '../decode/index.js';
import { decodePprofPieces } from '../decode/pprof-stream.js';
import { formatCount, formatSize } from '../model/units.js';
import { DecodeError, defaultLimits, limitError } from '../model/errors.js';
import { TraceStreamDecoder, isTrace } from '../decode/trace/index.js';
import type { Profile } from '../model/profile.js';
import type { Trace } from '../model/trace.js';
import { gunzipHead, gunzipStream } from './gunzip-node.js';
import { decodeDumpPieces, streamedDumpForm } from './goroutine-input.js';
import { openInput, type FetchOptions } from './inputs.js';

export type TraceOrBytes =
  | { type: 'trace'; name: string; compressed: boolean; trace: Trace }
  | { type: 'profile'; name: string; compressed: boolean; profile: Profile }
  | { type: 'bytes'; name: string; bytes: Uint8Array };

export interface TraceReadOptions {
  /** Once the input is known to be a trace, before any of it is decoded (may throw to refuse it). */
  onTrace?: (compressed: boolean) => void;
  /**
   * Each part of the trace (a generation; see TraceStreamDecoder), in order, as soon as it is
   * decoded. Its rows are good only during the call: the next part is written into its columns.
   */
  onPart: (part: Trace) => void;
  /** Bytes of the input read so far, its size when known, generations decoded. */
  onProgress?: (done: number, total: number | null, generations: number) => void;
  /**
   * Decode a clean debug=1 or debug=2 goroutine dump as it is read too (a `profile`), rather
   * than give its bytes; `onDumpProgress` is told the bytes of the input read so far.
   */
  streamDumps?: boolean;
  onDumpProgress?: (done: number, total: number | null) => void;
  /**
   * Decode a gzip'd pprof profile whose trailer states at least this many bytes of content from
   * the content's pieces (a `profile`), inflating it twice rather than holding the whole content
   * beside the columns it becomes (PPROF_PIECES_FROM for the command line).
   */
  streamPprofFrom?: number;
}

/** gzip'd pprof profiles the command line reads in pieces: those of at least this much content. */
export const PPROF_PIECES_FROM = 32 * 1024 * 1024;

/** Enough of the head to tell a trace (16 bytes; of a gzip stream, its first block). */
const HEAD = 64 * 1024;

export async function readTraceOrBytes(spec: string, fetch: FetchOptions & { maxGenerationBytes?: number; maxRatio?: number }, opts: TraceReadOptions): Promise<TraceOrBytes> {
  const input = await openInput(spec, fetch);
  const it = input.chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < HEAD) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headBytes += r.value.length;
  }
  const ended = headBytes < HEAD;
  const first = concatBytes(head, headBytes);
  // the head, then what the input has left (nothing once it has ended), from its pieces or `rest`
  let read = 0;
  const all = async function* (rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => it }): AsyncGenerator<Uint8Array> {
    read += first.length;
    yield first;
    for await (const b of rest) {
      read += b.length;
      yield b;
    }
  };
  const compressed = isGzip(first);
  // the head of the content: of a gzip stream, as much as its first bytes hold, up to HEAD
  const content = compressed ? gunzipHead(first, HEAD) : first;
  if (!isTrace(content)) {
    const form = opts.streamDumps === true ? streamedDumpForm(content, ended && content.length < HEAD) : null;
    if (form !== null) {
      // the dump's text is made of each piece at once: a file's pieces may come in one array used again
      const pieces = compressed ? gunzipStream(all(), fetch.maxBytes, fetch.maxRatio ?? defaultLimits.maxRatio) : all(input.passing?.());
      const profile = await decodeDumpPieces(pieces, form, () => opts.onDumpProgress?.(read, input.size));
      return { type: 'profile', name: input.name, compressed, profile };
    }
    const bytes = await input.whole(first);
    if (opts.streamPprofFrom !== undefined && compressed && sniff(content) === 'pprof' && gzipStatedSize(bytes) >= opts.streamPprofFrom) {
      const profile = await pprofInPieces(bytes, fetch.maxBytes, fetch.maxRatio ?? defaultLimits.maxRatio);
      if (profile !== null) return { type: 'profile', name: input.name, compressed, profile };
    }
    return { type: 'bytes', name: input.name, bytes };
  }
  opts.onTrace?.(compressed);
  // each part to onPart as soon as it is decoded, its rows in columns the next part reuses
  const d = new TraceStreamDecoder({ onPart: opts.onPart });
  // the decoder holds a generation whole (an old-format trace, all of it) until it is complete
  const maxGeneration = fetch.maxGenerationBytes ?? defaultLimits.maxGenerationBytes;
  for await (const c of compressed ? gunzipStream(all(), fetch.maxBytes, fetch.maxRatio ?? defaultLimits.maxRatio) : all()) {
    pushWithin(d, c, maxGeneration);
    opts.onProgress?.(read, input.size, d.generations);
  }
  d.end();
  return { type: 'trace', name: input.name, compressed, trace: d.result() };
}

/**
 * A gzip'd pprof profile decoded from its content's pieces, inflated twice; null when it is
 * damaged, too large or a bomb, which reading it whole then says as for any input.
 */
async function pprofInPieces(bytes: Uint8Array, maxBytes: number, maxRatio: number): Promise<Profile | null> {
  const once = async function* (): AsyncGenerator<Uint8Array> {
    yield bytes;
  };
  try {
    return await decodePprofPieces(() => gunzipStream(once(), maxBytes, maxRatio));
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/**
 * Gives the decoder a piece of the input in steps of an eighth of the limit (1 MiB at most), so
 * that a generation past the limit is seen before much more than the limit is held.
 */
function pushWithin(d: TraceStreamDecoder, c: Uint8Array, maxGeneration: number): void {
  const step = Math.min(1 << 20, Math.max(256, Math.floor(maxGeneration / 8)));
  for (let at = 0; at < c.length; at += step) {
    d.push(c.length <= step ? c : c.subarray(at, at + step));
    if (d.heldBytes > maxGeneration) {
      const what = d.family === 'v1' ? `an old-format trace (held whole) of ${formatCount(d.heldBytes)} bytes so far` : `generation ${d.generations + 1} of the trace holds ${formatCount(d.heldBytes)} bytes so far`;
      throw limitError('maxGenerationBytes', what, formatSize(maxGeneration));
    }
  }
}
