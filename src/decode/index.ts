/**
 * Entry point of the decoders: sniff the bytes (never the file name), decompress, and hand
 * them to the decoder of their format. Platform-neutral: the browser calls this unchanged.
 */

import { DecodeError, defaultLimits, type DecodeLimits } from '../model/errors.js';
import { checkProfileLimits } from './limits.js';
import type { Profile, ProfileKind } from '../model/profile.js';
import { gunzipPako, isGzip, type Gunzip } from './gzip.js';
import { decodePprof } from './pprof.js';
import { isDebug1Record } from './goroutine-debug1.js';
import { looksLikeGoroutineDebug2 } from './goroutine-debug2.js';
import { decodeGoroutineText } from './goroutine-text.js';
import { decodeLegacyCpu, looksLikeLegacyCpu } from './legacy-cpu.js';
import { decodeLegacyContention, decodeLegacyHeap, looksLikeLegacyContention, looksLikeLegacyHeap } from './legacy-text.js';
import { decodeTrace, isTrace } from './trace/index.js';
import type { Trace } from '../model/trace.js';

export { DecodeError };

export type Decoded =
  | { type: 'profile'; profile: Profile; compressed: boolean }
  | { type: 'trace'; trace: Trace; compressed: boolean };

export interface DecodeOptions extends Partial<DecodeLimits> {
  /** gzip implementation; defaults to pako (node callers may pass zlib's). */
  gunzip?: Gunzip;
  /** Progress of long decodes (traces), in bytes. */
  onProgress?: (done: number, total: number) => void;
}

/** What the bytes look like, before decoding them. */
export type Sniffed =
  | 'gzip'
  | 'trace'
  | 'goroutine-debug1'
  | 'goroutine-debug2'
  | 'legacy-heap'
  | 'legacy-contention'
  | 'legacy-cpu'
  | 'html'
  | 'json'
  | 'text'
  | 'pprof'
  | 'binary';

const HEAD = 64 * 1024;

function headText(bytes: Uint8Array, n = HEAD): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, Math.min(n, bytes.length)));
}

/** Share of bytes in the head that are printable text (tabs and newlines included). */
function textRatio(bytes: Uint8Array): number {
  const n = Math.min(bytes.length, 4096);
  if (n === 0) return 0;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if ((c >= 0x20 && c !== 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  }
  return printable / n;
}

export function sniff(bytes: Uint8Array): Sniffed {
  if (isGzip(bytes)) return 'gzip';
  if (isTrace(bytes)) return 'trace';
  if (looksLikeLegacyCpu(bytes)) return 'legacy-cpu';
  if (textRatio(bytes) > 0.95) {
    const head = headText(bytes);
    const first = head.trimStart();
    if (/^(goroutine|goroutineleak|threadcreate) profile: total \d+/.test(first)) return 'goroutine-debug1';
    if (isDebug1Record(first.slice(0, first.indexOf('\n') >>> 0))) return 'goroutine-debug1';
    if (looksLikeLegacyHeap(head)) return 'legacy-heap';
    if (looksLikeLegacyContention(head)) return 'legacy-contention';
    if (/^(<!doctype html|<html|<head|<body)/i.test(first)) return 'html';
    if (looksLikeGoroutineDebug2(head)) return 'goroutine-debug2';
    if (/^[[{]/.test(first)) return 'json';
    return 'text';
  }
  // A pprof Profile starts with one of its own fields: tags 0x0a (sample_type) … 0x72.
  const b0 = bytes[0]!;
  if ((b0 & 7) <= 2 && b0 >>> 3 >= 1 && b0 >>> 3 <= 15) return 'pprof';
  return 'binary';
}

/** An input's content and whether it came gzip'd. */
export interface Content {
  bytes: Uint8Array;
  compressed: boolean;
}

/** An input's content: gzip undone, within the options' size ceiling and ratio rule. */
export function inflateInput(bytes: Uint8Array, opts: DecodeOptions = {}): Content {
  if (bytes.length === 0) throw new DecodeError('empty input');
  if (!isGzip(bytes)) return { bytes, compressed: false };
  const max = opts.maxDecompressedBytes ?? defaultLimits.maxDecompressedBytes;
  const content = (opts.gunzip ?? gunzipPako)(bytes, max, opts.maxRatio ?? defaultLimits.maxRatio);
  if (content.length === 0) throw new DecodeError('empty input (gzip of nothing)');
  if (isGzip(content)) throw new DecodeError('gzip inside gzip: not a profile Go writes');
  return { bytes: content, compressed: true };
}

/** Decodes an input of any format it recognises; a profile past a limit (DecodeLimits) is refused. */
export function decode(bytes: Uint8Array, opts: DecodeOptions = {}): Decoded {
  return decodeContent(inflateInput(bytes, opts), opts);
}

/** decode's second half: an input's content (inflateInput) decoded, within the limits. */
export function decodeContent(content: Content, opts: DecodeOptions = {}): Decoded {
  const d = decodeAny(content, opts);
  if (d.type === 'profile') checkProfileLimits(d.profile, opts);
  return d;
}

function decodeAny({ bytes, compressed }: Content, opts: DecodeOptions): Decoded {
  const kind = sniff(bytes);
  const text = () => new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  switch (kind) {
    case 'trace':
      return { type: 'trace', trace: decodeTrace(bytes, opts.onProgress ? { onProgress: opts.onProgress } : {}), compressed };
    case 'goroutine-debug1':
      return { type: 'profile', profile: decodeGoroutineText(text(), 'debug1'), compressed };
    case 'goroutine-debug2':
      return { type: 'profile', profile: decodeGoroutineText(text(), 'debug2'), compressed };
    case 'legacy-heap':
      return { type: 'profile', profile: decodeLegacyHeap(text()), compressed };
    case 'legacy-contention':
      return { type: 'profile', profile: decodeLegacyContention(text()), compressed };
    case 'legacy-cpu':
      return { type: 'profile', profile: decodeLegacyCpu(bytes), compressed };
    case 'html':
      throw new DecodeError('an HTML page, not a profile (saved from a browser or an error page?)');
    case 'json':
    case 'text':
      // a dump pasted into a log, a chat or a JSON field, or deep inside a long log
      return { type: 'profile', profile: decodeGoroutineText(text(), null), compressed };
    case 'pprof':
      try {
        return { type: 'profile', profile: decodePprof(bytes), compressed };
      } catch (e) {
        if (e instanceof DecodeError) throw new DecodeError(`not a valid pprof profile: ${e.message}`);
        throw e;
      }
    default:
      throw new DecodeError('unrecognised binary data: not a pprof profile, goroutine dump or execution trace');
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/** Throws unless the decoded input is of the expected kind. */
export function expectKind(d: Decoded, want: ProfileKind): void {
  checkKind(d.type === 'trace' ? 'trace' : d.profile.kind, want);
}

/** Throws unless an input of kind `got` answers for `want` (heap and allocs, block or mutex and legacy contention, go together). */
export function checkKind(got: ProfileKind, want: ProfileKind): void {
  const ok =
    got === want ||
    (want === 'heap' && got === 'allocs') ||
    (want === 'allocs' && got === 'heap') ||
    (got === 'contention' && (want === 'block' || want === 'mutex'));
  const what = (k: ProfileKind) => (k === 'trace' ? 'an execution trace' : `${article(k)} ${k} profile`);
  if (!ok) throw new DecodeError(`${what(got)}, but ${what(want)} was asked for`);
}
