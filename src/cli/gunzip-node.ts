/**
 * gzip through node's zlib, several times faster than pako on large profiles (see bench/),
 * with the same ceiling on the decompressed size and the same errors: whole (gunzipNode), a
 * stream's head (gunzipHead), or as the pieces come (gunzipStream).
 */
import { constants, createGunzip, gunzipSync, type Gunzip as ZlibGunzip } from 'node:zlib';
import { DecodeError } from '../model/errors.js';
import { RATIO_FLOOR, gzipStatedSize, pastRatio, tooLarge, tooManyTimes, type Gunzip } from '../decode/gzip.js';

/** How much of a large input is inflated first to see whether it is a bomb (see RATIO_FLOOR). */
const PROBE = 128 * 1024;

export const gunzipNode: Gunzip = (bytes, maxBytes, maxRatio = Infinity) => {
  // the whole, held to the ratio too: at most maxRatio times its size past the floor
  const cap = Number.isFinite(maxRatio) ? Math.min(maxBytes, Math.max(RATIO_FLOOR, maxRatio * bytes.length)) : maxBytes;
  // the head first when the whole may inflate past the floor: a bomb then stops once its head
  // passes the ratio rather than at the whole's ceiling (one whose whole may not pass the floor
  // stops at the floor either way, as its head would)
  if (Number.isFinite(maxRatio) && bytes.length > PROBE && cap > RATIO_FLOOR) probeRatio(bytes.subarray(0, PROBE), maxRatio);
  try {
    const out = gunzipSync(bytes, { maxOutputLength: Math.min(cap + 1, 2 ** 32), chunkSize: outputChunk(bytes, cap) });
    if (out.length > cap) throw cap < maxBytes ? tooManyTimes(maxRatio) : tooLarge(maxBytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && cap < maxBytes) throw tooManyTimes(maxRatio);
    throw gunzipFailure(e, maxBytes);
  }
};

/**
 * zlib's output piece size: the whole of a one-member stream as its trailer states its size
 * (ISIZE, the size modulo 2^32), so that zlib inflates into one buffer and hands it over instead
 * of joining pieces into a second copy as large as the profile. Within the ceiling; where the
 * trailer says less (more members, or a size past 4 GiB), zlib joins pieces as usual.
 */
function outputChunk(bytes: Uint8Array, cap: number): number {
  const DEFAULT = 64 * 1024;
  const isize = gzipStatedSize(bytes);
  return isize > DEFAULT && isize <= cap ? isize + 1 : DEFAULT;
}

/** A bomb shows in its first bytes: the head of the input inflated, stopped once past the ratio rule. */
function probeRatio(head: Uint8Array, maxRatio: number): void {
  const cap = Math.max(RATIO_FLOOR, maxRatio * head.length);
  try {
    gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: cap });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooManyTimes(maxRatio);
    // anything else wrong with the stream is the whole inflate's to say
  }
}

/** zlib's error as the one-line DecodeError the decoders give. */
function gunzipFailure(e: unknown, maxBytes: number): DecodeError {
  if (e instanceof DecodeError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(maxBytes);
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
    return new DecodeError('truncated gzip stream: the file ends before the compressed data does');
  }
  return new DecodeError(`corrupt gzip stream: ${err.message}`);
}

/** Until zlib takes more input, or is closed (destroyed by a reader that stopped early). */
function drainedOrClosed(z: ZlibGunzip): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      z.off('drain', done);
      z.off('close', done);
      resolve();
    };
    z.on('drain', done);
    z.on('close', done);
  });
}

/** Decompresses pieces as they come, up to `maxBytes` of output and the ratio rule, with gunzipNode's errors. */
export async function* gunzipStream(chunks: AsyncIterable<Uint8Array>, maxBytes: number, maxRatio = Infinity): AsyncGenerator<Uint8Array> {
  const z = createGunzip({ chunkSize: 1 << 20 });
  let failed: Error | null = null; // the input's own failure (an InputError), passed on as it is
  let read = 0;
  const feed = (async () => {
    try {
      for await (const c of chunks) {
        // the reader stopped early (it found what it read damaged): no more to write
        if (z.destroyed) break;
        read += c.length;
        if (!z.write(c)) await drainedOrClosed(z);
      }
      if (!z.destroyed) z.end();
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
      if (pastRatio(total, read, maxRatio)) throw tooManyTimes(maxRatio);
      yield new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
  } catch (e) {
    throw failed ?? gunzipFailure(e, maxBytes);
  } finally {
    z.destroy();
    await feed;
  }
  if (failed !== null) throw failed;
}

/**
 * The first `max` bytes of a gzip stream's content (all of it when it holds fewer), inflated at
 * once: from the input's first 4 KiB, then four times as much, until they give `max` bytes (a
 * bomb's first 4 KiB give them, and a few MiB at most); of a damaged stream, what the last step
 * before the damage gave. Inflated here rather than through a stream, whose work past the head
 * went on after it and held the process open at its end.
 */
export function gunzipHead(bytes: Uint8Array, max: number): Uint8Array {
  let got: Uint8Array = new Uint8Array(0);
  for (let n = 4096; ; n *= 4) {
    const part = bytes.subarray(0, Math.min(n, bytes.length));
    try {
      const out = gunzipSync(part, { finishFlush: constants.Z_SYNC_FLUSH });
      got = out.length > max ? new Uint8Array(out.subarray(0, max)) : new Uint8Array(out.buffer, out.byteOffset, out.length);
    } catch {
      return got;
    }
    if (got.length >= max || part.length === bytes.length) return got;
  }
}
