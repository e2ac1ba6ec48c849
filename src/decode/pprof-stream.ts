/**
 * A pprof profile read from its content's pieces, so that a profile of hundreds of megabytes is
 * decoded without the whole of its content in memory beside the columns it becomes. The pieces
 * are read twice (a gzip'd profile is inflated twice):
 *   1. every top-level field but the samples is kept (the tables: strings, functions, mappings,
 *      locations — a small part of a large profile), and the samples' location ids and labels are
 *      counted, so that
 *   2. the samples are read into columns of the right size, as decodePprof reads them.
 * The result is the Profile decodePprof gives for the whole content.
 */

import protobuf from 'protobufjs/minimal.js';
import { resized } from '../model/builder.js';
import { DecodeError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { concatBytes } from './gzip.js';
import { asDecodeError, assembleProfile, countSample, readProfile, readSample, readTables, SampleColumns, WordView, type Reader } from './pprof.js';

/** message Profile: repeated Sample sample = 2 */
const SAMPLE_FIELD = 2;

/**
 * A top-level field whole: its bytes are buf[start, end), its payload (a length-delimited
 * field's) buf[payload, end). The reader `r` reads buf.
 */
type FieldSink = (field: number, wireType: number, r: Reader, start: number, payload: number, end: number) => void;

/**
 * Splits the pieces of a protobuf message into its top-level fields. A field cut between two
 * pieces is kept until the next piece completes it; only its own bytes are joined.
 */
class TopLevelFields {
  private carry: Uint8Array | null = null;

  constructor(private readonly sink: FieldSink) {}

  push(piece: Uint8Array): void {
    let pos = 0;
    if (this.carry !== null) {
      pos = this.complete(this.carry, piece);
      if (pos < 0) return;
    }
    const r = protobuf.Reader.create(piece);
    for (let end = fieldEnd(piece, pos); end >= 0; end = fieldEnd(piece, pos)) {
      this.sink(at.field, at.wireType, r, pos, at.payload, end);
      pos = end;
    }
    this.carry = rest(piece, pos);
  }

  /** Whether the content ended between fields; it must have. */
  end(): void {
    if (this.carry !== null) throw new DecodeError(`truncated: the content ends inside a field (${this.carry.length} bytes of it)`);
  }

  /**
   * The field begun in `carry` completed from the start of `piece` and handed on; where the rest
   * of the piece starts, or -1 when the piece does not complete it (then all of it is carried).
   */
  private complete(carry: Uint8Array, piece: Uint8Array): number {
    // a field's header (tag and length) takes at most 15 bytes
    let joined = concatBytes([carry, piece.subarray(0, 16)], carry.length + Math.min(16, piece.length));
    let end = fieldEnd(joined, 0);
    if (end < 0) {
      const len = at.payload >= 0 ? at.length : -1;
      if (len < 0 || len > carry.length + piece.length) {
        this.carry = concatBytes([carry, piece], carry.length + piece.length);
        return -1;
      }
      joined = concatBytes([carry, piece.subarray(0, len - carry.length)], len);
      end = fieldEnd(joined, 0);
    }
    this.sink(at.field, at.wireType, protobuf.Reader.create(joined), 0, at.payload, end);
    this.carry = null;
    return end - carry.length;
  }
}

/**
 * A copy of piece[pos, end), or null when nothing is left: a function of its own, so that the
 * field loop's optimised code, made while the loop runs, does not end where it has never been.
 */
function rest(piece: Uint8Array, pos: number): Uint8Array | null {
  return pos < piece.length ? Uint8Array.prototype.slice.call(piece, pos) : null;
}

/**
 * The last field fieldEnd looked at: its number, wire type, where its payload starts, and its
 * whole length once its header is known (payload -1 while the header is cut).
 */
const at = { field: 0, wireType: 0, payload: -1, length: 0 };

/** The end of the field at `pos` (its facts into `at`), or -1 when the buffer ends before it does. */
function fieldEnd(buf: Uint8Array, pos: number): number {
  at.payload = -1;
  if (pos >= buf.length) return -1;
  const tag = varintAt(buf, pos);
  if (tag < 0) return -1;
  at.field = Math.floor(tag / 8);
  at.wireType = tag % 8;
  let payload = varEnd;
  let end: number;
  if (at.wireType === 0) {
    if (varintAt(buf, payload) < 0) return -1;
    end = varEnd;
  } else if (at.wireType === 1) end = payload + 8;
  else if (at.wireType === 5) end = payload + 4;
  else if (at.wireType === 2) {
    const len = varintAt(buf, payload);
    if (len < 0) return -1;
    payload = varEnd;
    end = payload + len;
  } else throw new DecodeError(`malformed protobuf: wire type ${at.wireType} at the top level`);
  at.payload = payload;
  at.length = end - pos;
  return end <= buf.length ? end : -1;
}

/** Where the varint varintAt read last ends. */
let varEnd = 0;

/** The varint at `pos` (up to 2^53), or -1 when the buffer ends inside it. */
function varintAt(buf: Uint8Array, pos: number): number {
  let value = 0;
  let scale = 1;
  for (let k = pos; k < buf.length && k < pos + 10; k++) {
    const b = buf[k]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      varEnd = k + 1;
      return value;
    }
    scale *= 128;
  }
  if (buf.length - pos >= 10) throw new DecodeError(`malformed varint at byte ${pos}`);
  return -1;
}

/** A growing byte buffer: the fields of the first pass that are not samples. */
class Bytes {
  private buf = new Uint8Array(64 * 1024);
  length = 0;
  add(b: Uint8Array): void {
    if (this.length + b.length > this.buf.length) {
      this.buf = resized(this.buf, Math.max(this.buf.length * 2, this.length + b.length), this.length);
    }
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Decodes a pprof profile from its content, given as pieces twice: `pieces()` is called once for
 * each pass and must give the same bytes both times. Throws a DecodeError for a damaged profile.
 */
export async function decodePprofPieces(pieces: () => AsyncIterable<Uint8Array>): Promise<Profile> {
  try {
    return await decodeTwice(pieces);
  } catch (e) {
    throw asDecodeError(e);
  }
}

async function decodeTwice(pieces: () => AsyncIterable<Uint8Array>): Promise<Profile> {
  // pass 1: the tables kept, the samples counted
  const head = new Bytes();
  const rows = { frames: 0, labels: 0 };
  const words = new WordView();
  let samples = 0;
  let seen = 0;
  const first = new TopLevelFields((field, wt, r, start, payload, end) => {
    if (field === SAMPLE_FIELD && wt === 2) {
      countSample(r, payload, end, rows, words);
      samples++;
    } else head.add(r.buf.subarray(start, end));
  });
  for await (const p of pieces()) {
    seen += p.length;
    first.push(p);
  }
  first.end();
  if (seen === 0) throw new DecodeError('empty input');
  const hr = protobuf.Reader.create(head.bytes());
  const m = readProfile(hr);
  const t = readTables(hr, head.bytes(), m);

  // pass 2: the samples into their columns
  const out = new SampleColumns(samples, t.sampleTypes.length, t.locIndex.size, rows);
  let i = 0;
  const second = new TopLevelFields((field, wt, r, _start, payload, end) => {
    if (field !== SAMPLE_FIELD || wt !== 2) return;
    if (i === samples) throw new DecodeError('the profile changed between its two readings');
    r.pos = payload;
    readSample(r, i++, end, t.locIndex, t.refs, out);
  });
  for await (const p of pieces()) second.push(p);
  second.end();
  if (i !== samples) throw new DecodeError('the profile changed between its two readings');
  return assembleProfile(m, t, out);
}
