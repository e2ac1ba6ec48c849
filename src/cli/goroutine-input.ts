/**
 * A goroutine dump, debug=1 or debug=2 (plain or gzip'd), read as it comes: its bytes turned
 * into text a piece at a time and handed to its reader (a debug=1 reader takes ASCII bytes as
 * they are, and makes strings only of the lines it must), so that a dump of hundreds of
 * megabytes is decoded in memory bounded by its distinct stacks, not by the file. Only a dump
 * whose head shows it clean (no paste damage to repair, which needs the whole text) goes this
 * way; the decoders read anything else whole, as before.
 */

import { Buffer, isAscii } from 'node:buffer';
import { concatBytes } from '../decode/gzip.js';
import { sniff } from '../decode/index.js';
import { GoroutineDebug1Stream } from '../decode/goroutine-debug1.js';
import { GoroutineDebug2Stream } from '../decode/goroutine-debug2.js';
import { needsUnpaste } from '../decode/paste.js';
import type { Profile } from '../model/profile.js';

/**
 * Largest piece of ASCII text made into one string: short enough to be an object of the heap's
 * young generation, whose memory is used again and again, rather than of its large objects,
 * each on pages of its own, first touched (a tenth of a 50 MB debug=1 dump's decoding).
 */
const ASCII_PIECE = 64 * 1024;

/** Characters of the head the paste repairs look at (decodeGoroutineText). */
const PASTE_HEAD = 64 * 1024;

export type DumpForm = 'debug1' | 'debug2';

/**
 * The form of a clean goroutine dump (debug=1 or debug=2) whose content starts with `head`,
 * told as the whole text would tell it (`whole` when the head is all of the content); null for
 * any other input, and for a head too short to tell (a multi-byte text whose first 64 K
 * characters do not fit).
 */
export function streamedDumpForm(head: Uint8Array, whole: boolean): DumpForm | null {
  if (!whole && head.length < PASTE_HEAD) return null;
  const kind = sniff(head);
  if (kind !== 'goroutine-debug1' && kind !== 'goroutine-debug2') return null;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(whole ? head : head.subarray(0, 4 * PASTE_HEAD), { stream: !whole });
  if (!whole && text.length < PASTE_HEAD) return null;
  if (needsUnpaste(text.length > PASTE_HEAD ? text.slice(0, PASTE_HEAD) : text)) return null;
  return kind === 'goroutine-debug1' ? 'debug1' : 'debug2';
}

/**
 * Where the bytes of a piece stop being whole UTF-8 characters: before a last character whose
 * bytes go on in the next piece. A cut before any byte that does not continue a character is
 * one the whole text's decoding would make too (TextDecoder's streaming mode does this, several
 * times slower).
 */
export function wholeCharsEnd(b: Uint8Array): number {
  const n = b.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const c = b[n - k]!;
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back
    if (c < 0xc0) return n; // ASCII
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return need > k ? n - k : n;
  }
  return n;
}

/**
 * Where `b` (from `from` on) stops being whole lines: after its last newline at or after `from`,
 * else at `from`. A reader's lines then each lie in one string made at once, which it reads
 * faster than one joined from the end of a piece and the start of the next.
 */
function linesEnd(b: Buffer, from: number, to = b.length): number {
  const nl = to > from ? b.lastIndexOf(0x0a, to - 1) : -1;
  return nl >= from ? nl + 1 : from;
}

/** Decodes a dump of the form given from its content's pieces; `onPiece` is told the bytes read so far. */
export async function decodeDumpPieces(pieces: AsyncIterable<Uint8Array>, form: DumpForm, onPiece?: (bytes: number) => void): Promise<Profile> {
  // the first text decoded drops a byte order mark, as decoding the whole would; later ones keep theirs
  const first = new TextDecoder('utf-8', { fatal: false });
  const rest = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const reader = form === 'debug1' ? new GoroutineDebug1Stream() : new GoroutineDebug2Stream();
  let started = false;
  let carry: Uint8Array | null = null;
  let bytes = 0;
  // `b` ends where a line ends, or where a whole character does
  const decode = (b: Uint8Array) => {
    if (b.length === 0) return;
    // ASCII, nearly every dump: the same characters as UTF-8 gives, copied rather than decoded
    if (isAscii(b)) {
      // in pieces short enough to be strings of the heap's young generation (ASCII_PIECE), of whole lines
      const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
      // a debug=1 dump's whole lines read from the bytes, most of them never made strings
      const read = reader instanceof GoroutineDebug1Stream ? reader.pushBytes(buf, 0, buf.length) : 0;
      for (let at = read; at < buf.length; ) {
        let end = Math.min(buf.length, at + ASCII_PIECE);
        // (a line longer than a piece is cut where the piece ends)
        const lines = end < buf.length ? linesEnd(buf, at, end) : end;
        if (lines > at) end = lines;
        reader.push(buf.toString('latin1', at, end));
        at = end;
      }
    } else reader.push((started ? rest : first).decode(b));
    started = true;
  };
  for await (const piece of pieces) {
    bytes += piece.length;
    const b = Buffer.from(piece.buffer, piece.byteOffset, piece.length);
    let from = 0;
    if (carry !== null) {
      // the line the piece before ended in, and its end from this piece (all of it when it has no newline)
      const nl = b.indexOf(0x0a);
      const joined = concatBytes([carry, b.subarray(0, nl + 1 || b.length)], carry.length + (nl + 1 || b.length));
      from = joined.length - carry.length;
      const end = nl >= 0 ? joined.length : wholeCharsEnd(joined);
      decode(joined.subarray(0, end));
      carry = end === joined.length ? null : joined.slice(end);
    }
    if (from < b.length) {
      // the piece's whole lines; the rest (a copy: the piece's memory may be used again) waits for the next
      const end = linesEnd(b, from);
      decode(b.subarray(from, end));
      carry = end === b.length ? null : new Uint8Array(b.subarray(end));
    }
    onPiece?.(bytes);
  }
  if (carry !== null) decode(carry);
  return reader.end();
}
