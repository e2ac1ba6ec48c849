/**
 * Cursor over trace bytes with the unsigned LEB128 varints both trace families use.
 *
 * Values come back as JS numbers. The all-ones 64-bit sentinel (2^64-1, Go's "none" for
 * threads, procs, goroutines and tasks) comes back as -1. Any other value of 2^53 or more
 * cannot be represented exactly: `u()` returns it rounded (so it compares >= 2^53) and callers
 * that care reject it; `big()` reads such a value exactly as a bigint (program counters).
 */

import { DecodeError } from '../../model/errors.js';

export const MAX_EXACT = 9007199254740991; // 2^53 - 1

/** The data ended inside an item (a DecodeError, so it may escape as one). */
export class TruncatedError extends DecodeError {}

function truncated(what: string, at: number): TruncatedError {
  return new TruncatedError(`unexpected end of data at byte ${at} (${what})`);
}

export class ByteReader {
  buf: Uint8Array;
  pos: number;
  end: number;
  /** Offset in the input of buf[0], for the positions error messages name. */
  base: number;

  constructor(buf: Uint8Array, pos: number, end: number, base = 0) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.base = base;
  }

  byte(): number {
    if (this.pos >= this.end) throw truncated('byte', this.base + this.pos);
    return this.buf[this.pos++]!;
  }

  /** Next varint (see the file comment for the ranges). */
  u(): number {
    const buf = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) throw truncated('varint', this.base + p);
    let b = buf[p++]!;
    if (b < 0x80) {
      this.pos = p;
      return b;
    }
    let v = b & 0x7f;
    let mul = 128;
    let ones = b === 0xff;
    for (let i = 1; ; i++) {
      if (p >= end) throw truncated('varint', this.base + p);
      b = buf[p++]!;
      if (i === 9) {
        if (b > 1) throw new DecodeError(`malformed varint at byte ${this.base + this.pos} (overflows 64 bits)`);
        this.pos = p;
        if (ones && b === 1) return -1;
        return v + b * mul;
      }
      v += (b & 0x7f) * mul;
      if (b < 0x80) break;
      if (b !== 0xff) ones = false;
      mul *= 128;
    }
    this.pos = p;
    return v;
  }

  /** Next varint, exactly, as a bigint. */
  big(): bigint {
    let v = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      if (i === 9 && b > 1) throw new DecodeError(`malformed varint at byte ${this.base + this.pos - 1} (overflows 64 bits)`);
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
    return v;
  }

  /** Skips n bytes; throws when fewer remain. */
  skip(n: number): void {
    if (n < 0 || n > this.end - this.pos) throw truncated(`${n} bytes wanted at ${this.base + this.pos}`, this.base + this.end);
    this.pos += n;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii && end - start <= 256) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  return utf8.decode(buf.subarray(start, end));
}
