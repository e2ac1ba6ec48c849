/**
 * gzip through node's zlib, several times faster than pako on large profiles (see bench/),
 * with the same ceiling on the decompressed size and the same errors: whole (gunzipNode), a
 * stream's head (gunzipHead), or as the pieces come (gunzipStream).
 */
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { DecodeError } from '../model/errors.js';
import { tooLarge, type Gunzip } from '../decode/gzip.js';

export const gunzipNode: Gunzip = (bytes, maxBytes) => {
  try {
    const out = gunzipSync(bytes, { maxOutputLength: Math.min(maxBytes + 1, 2 ** 32) });
    if (out.length > maxBytes) throw tooLarge(maxBytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (e) {
    throw gunzipFailure(e, maxBytes);
  }
};

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

/** Up to `max` bytes of a gzip stream's content, from its first bytes (none when they hold none or are not gzip). */
export function gunzipHead(bytes: Uint8Array, max: number): Uint8Array {
  try {
    const out = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: max });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch {
    return new Uint8Array(0);
  }
}

/** Decompresses pieces as they come, up to `maxBytes` of output, with gunzipNode's errors. */
export async function* gunzipStream(chunks: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  const z = createGunzip({ chunkSize: 1 << 20 });
  let failed: Error | null = null; // the input's own failure (an InputError), passed on as it is
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
    throw failed ?? gunzipFailure(e, maxBytes);
  } finally {
    z.destroy();
    await feed;
  }
  if (failed !== null) throw failed;
}
