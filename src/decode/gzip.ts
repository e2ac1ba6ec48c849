/**
 * gzip with a ceiling on the decompressed size, in pure JavaScript (pako), so the browser
 * path decodes the same way. A decompression bomb stops at the limit instead of exhausting
 * memory; a truncated or corrupt stream is a DecodeError.
 */
import { Inflate } from 'pako';
import { DecodeError, LIMIT_OPTIONS } from '../model/errors.js';
import { formatSize, grouped } from '../model/units.js';

const Z_BUF_ERROR = -5;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses `bytes` whole, refusing more than `maxBytes` of output or, past RATIO_FLOOR of it, more than `maxRatio` times the input. */
export type Gunzip = (bytes: Uint8Array, maxBytes: number, maxRatio?: number) => Uint8Array;

/**
 * Output past which the ratio rule applies: smaller inputs inflate freely up to --max-size,
 * larger ones are refused as soon as they pass `maxRatio` times what was read of the input, so
 * a bomb stops after tens of MiB instead of at --max-size.
 */
export const RATIO_FLOOR = 64 * 1024 * 1024;

/** The bomb refused by the ratio rule, as tooLarge says its limit, with the option that raises the rule. */
export function tooManyTimes(maxRatio: number): DecodeError {
  return new DecodeError(
    `inflates more than ${grouped(maxRatio)} times its compressed size past ${formatSize(RATIO_FLOOR)} (a decompression bomb?); raise ${LIMIT_OPTIONS.maxRatio} to read it anyway`,
  );
}

/** Whether `output` bytes from `input` bytes of gzip breaks the ratio rule. */
export function pastRatio(output: number, input: number, maxRatio: number): boolean {
  return output > RATIO_FLOOR && output > maxRatio * input;
}

export function tooLarge(maxBytes: number): DecodeError {
  return new DecodeError(
    `decompresses to more than ${formatSize(maxBytes)} (a decompression bomb?); raise --max-size to read it anyway`,
  );
}

/** Decompresses one or more concatenated gzip members. */
export const gunzipPako: Gunzip = (bytes, maxBytes, maxRatio = Infinity) => {
  const inflate = new Inflate({ chunkSize: 1 << 16 }) as Inflate & { ended: boolean };
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  let read = 0;
  let bomb = false;
  inflate.onData = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > maxBytes) over = true;
    else if (pastRatio(total, read, maxRatio)) bomb = true;
    else chunks.push(chunk);
  };
  const step = 1 << 16;
  for (let off = 0; off < bytes.length; off += step) {
    const end = Math.min(off + step, bytes.length);
    read = end;
    inflate.push(bytes.subarray(off, end), end === bytes.length);
    if (over) throw tooLarge(maxBytes);
    if (bomb) throw tooManyTimes(maxRatio);
    if (inflate.err === Z_BUF_ERROR) break; // ran out of input before the end of the stream
    if (inflate.err) throw new DecodeError(`corrupt gzip stream: ${inflate.msg || 'error ' + inflate.err}`);
    if (inflate.ended) break; // trailing bytes after the last member are ignored, as gzip does
  }
  if (!inflate.ended || inflate.err === Z_BUF_ERROR) {
    throw new DecodeError('truncated gzip stream: the file ends before the compressed data does');
  }
  return concatBytes(chunks, total);
};

/**
 * The size a gzip stream's trailer states (ISIZE: the last member's size modulo 2^32), for
 * sizing the output ahead; 0 when the input is too short to have one. Only a hint: a stream of
 * several members, past 4 GiB or damaged says something else.
 */
export function gzipStatedSize(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 18) return 0;
  return (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0;
}

/** Joins chunks into one array (the chunk itself when there is only one). */
export function concatBytes(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
