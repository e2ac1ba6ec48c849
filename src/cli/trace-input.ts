/**
 * Reading an input that may be an execution trace: a trace (plain or gzipped) is decoded as it
 * is read, one generation at a time, each generation handed to `onPart` and then let go, so a
 * large trace is analysed in memory bounded by a generation rather than the file. Anything else
 * comes back as its bytes, for the ordinary decoders.
 */

import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { isGzip, tooLarge } from '../decode/gzip.js';
import { TraceStreamDecoder, isTrace } from '../decode/trace/index.js';
import { DecodeError } from '../model/errors.js';
import type { Trace } from '../model/trace.js';
import { concatBytes } from '../decode/gzip.js';
import { openInput, type FetchOptions } from './inputs.js';

export type TraceOrBytes =
  | { type: 'trace'; name: string; compressed: boolean; trace: Trace }
  | { type: 'bytes'; name: string; bytes: Uint8Array };

export interface TraceReadOptions {
  /** Once the input is known to be a trace, before any of it is decoded (may throw to refuse it). */
  onTrace?: (compressed: boolean) => void;
  /** Each part of the trace (a generation; see TraceStreamDecoder), in order. */
  onPart: (part: Trace) => void;
  /** Bytes of the input read so far, its size when known, generations decoded. */
  onProgress?: (done: number, total: number | null, generations: number) => void;
}

/** Enough of the head to tell a trace (16 bytes; of a gzip stream, its first block). */
const HEAD = 64 * 1024;

export async function readTraceOrBytes(spec: string, fetch: FetchOptions, opts: TraceReadOptions): Promise<TraceOrBytes> {
  const input = await openInput(spec, fetch);
  const it = input.chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < HEAD) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    headBytes += r.value.length;
  }
  const first = concatBytes(head, headBytes);
  const compressed = isGzip(first);
  const rest = async function* (): AsyncGenerator<Uint8Array> {
    yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  };
  if (!(compressed ? isTrace(gunzipHead(first)) : isTrace(first))) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const c of rest()) {
      chunks.push(c);
      total += c.length;
    }
    return { type: 'bytes', name: input.name, bytes: concatBytes(chunks, total) };
  }
  opts.onTrace?.(compressed);
  let read = 0;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const c of rest()) {
      read += c.length;
      yield c;
    }
  };
  const d = new TraceStreamDecoder();
  const source = compressed ? gunzipStream(counted(), fetch.maxBytes) : counted();
  for await (const c of source) {
    d.push(c);
    for (const p of d.take()) opts.onPart(p);
    opts.onProgress?.(read, input.size, d.generations);
  }
  d.end();
  for (const p of d.take()) opts.onPart(p);
  return { type: 'trace', name: input.name, compressed, trace: d.result() };
}

/** The start of a gzip stream's content, from its first bytes ('' when they hold none). */
function gunzipHead(bytes: Uint8Array): Uint8Array {
  try {
    const out = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch {
    return new Uint8Array(0);
  }
}

/** Decompresses pieces as they come, up to `maxBytes` of output; errors as the whole-input gunzip gives them. */
async function* gunzipStream(chunks: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  const z = createGunzip({ chunkSize: 1 << 20 });
  let failed: Error | null = null;
  const feed = (async () => {
    try {
      for await (const c of chunks) {
        if (!z.write(c)) await new Promise<void>((resolve) => z.once('drain', resolve));
      }
      z.end();
    } catch (e) {
      failed = e as Error;
      z.destroy();
    }
  })();
  let total = 0;
  try {
    for await (const out of z) {
      const b = out as Buffer;
      total += b.length;
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
  } catch (e) {
    if (failed !== null) throw failed;
    if (e instanceof DecodeError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
      throw new DecodeError('truncated gzip stream: the file ends before the compressed data does');
    }
    throw new DecodeError(`corrupt gzip stream: ${err.message}`);
  } finally {
    z.destroy();
    await feed;
  }
  if (failed !== null) throw failed;
}
