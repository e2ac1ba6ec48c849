/**
 * gzip undone by the browser's own DecompressionStream (much faster than the portable inflate),
 * a piece at a time, within the command line's limits: the decompressed size ceiling and the
 * ratio rule. The page's thread inflates the first input this way and hands the pieces to the
 * worker as they come, so that the worker reads them while the rest is inflated; the worker
 * inflates the others itself, whole (inflateWhole).
 */
import { concatBytes, gzipStatedSize, isGzip, pastRatio } from '../../src/decode/gzip.js';
import { defaultLimits } from '../../src/model/errors.js';

/**
 * Each piece of the content of `bytes` to `onPiece`, in order; false (and no more pieces) when
 * the stream is damaged or passes a limit, which the pipeline's own inflate then says.
 */
export async function inflatePieces(bytes: Uint8Array, onPiece: (piece: Uint8Array) => void, stop: () => boolean = () => false): Promise<boolean> {
  if (!isGzip(bytes) || typeof DecompressionStream === 'undefined') return false;
  const maxBytes = defaultLimits.maxDecompressedBytes;
  try {
    const reader = inSteps(bytes).pipeThrough(new DecompressionStream('gzip')).getReader();
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      total += value.length;
      if (stop() || total > maxBytes || pastRatio(total, bytes.length, defaultLimits.maxRatio)) {
        await reader.cancel();
        return false;
      }
      onPiece(value);
    }
  } catch {
    return false;
  }
}

/**
 * `bytes` as a stream of small steps: a stream given the whole input at once (as a Blob's may
 * be) is inflated whole before its first piece can be read, so nothing would overlap with it.
 */
function inSteps(bytes: Uint8Array): ReadableStream<Uint8Array<ArrayBuffer>> {
  let at = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      pull(c) {
        if (at >= bytes.length) c.close();
        else c.enqueue(bytes.subarray(at, (at += INFLATE_STEP)) as Uint8Array<ArrayBuffer>);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Compressed bytes a step (about half a megabyte of a profile's content). */
const INFLATE_STEP = 32 * 1024;

/**
 * The whole content of `bytes` (null when damaged or past a limit), for the pipeline's gunzip
 * option, so that it decodes exactly as it would have: the pieces go straight into one buffer
 * of the size the trailer states, when that is within the limits, rather than into a list
 * joined at the end (a second copy as large as the profile).
 */
export async function inflateWhole(bytes: Uint8Array): Promise<Uint8Array | null> {
  const stated = gzipStatedSize(bytes);
  let out = stated > 0 && stated <= defaultLimits.maxDecompressedBytes && !pastRatio(stated, bytes.length, defaultLimits.maxRatio) ? new Uint8Array(stated) : null;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const ok = await inflatePieces(bytes, (piece) => {
    if (out !== null && total + piece.length <= out.length) out.set(piece, total);
    else {
      // more than the trailer said: the pieces so far, and the rest, joined at the end
      if (out !== null) chunks.push(out.subarray(0, total));
      out = null;
      chunks.push(piece);
    }
    total += piece.length;
  });
  if (!ok) return null;
  if (out !== null) return total === out.length ? out : out.slice(0, total);
  return concatBytes(chunks, total);
}

/** The page could not inflate the input: it is read whole, and the pipeline says what is wrong. */
export class NotInflated extends Error {}

/**
 * The pieces of an input's content as the page hands them over, kept for a second reading;
 * `read()` gives them as they come and ends with the last, or throws once the page could not
 * inflate the input.
 */
export class Pieces {
  private readonly list: Uint8Array[] = [];
  private state: 'open' | 'ended' | 'failed' = 'open';
  private wake: (() => void) | null = null;
  bytes = 0;

  push(piece: Uint8Array): void {
    this.list.push(piece);
    this.bytes += piece.length;
    this.wake?.();
  }

  end(ok: boolean): void {
    this.state = ok ? 'ended' : 'failed';
    this.wake?.();
  }

  async *read(): AsyncGenerator<Uint8Array> {
    for (let i = 0; ; ) {
      while (i < this.list.length) yield this.list[i++]!;
      if (this.state === 'failed') throw new NotInflated();
      if (this.state === 'ended') return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** Until at least `n` bytes have come, or all there are; false if the page could not inflate it. */
  async atLeast(n: number): Promise<boolean> {
    while (this.bytes < n && this.state === 'open') {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return this.state !== 'failed';
  }

  /** All the pieces, once they have all come (null if the page could not inflate the input). */
  async whole(): Promise<Uint8Array | null> {
    if (!(await this.atLeast(Infinity))) return null;
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const p of this.list) {
      out.set(p, at);
      at += p.length;
    }
    // one copy held, not two
    this.list.length = 0;
    this.list.push(out);
    return out;
  }

  /** The first `n` bytes (fewer when there are not so many). */
  head(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.bytes));
    let at = 0;
    for (const p of this.list) {
      if (at >= out.length) break;
      const take = p.subarray(0, out.length - at);
      out.set(take, at);
      at += take.length;
    }
    return out;
  }
}
