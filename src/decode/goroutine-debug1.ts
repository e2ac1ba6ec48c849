/**
 * Count profiles in text, as /debug/pprof/goroutine?debug=1 prints them (and the same layout for
 * goroutineleak and threadcreate, which `go tool pprof` reads as well):
 *
 *   goroutine profile: total 10
 *   2 @ 0x103b125 0x106cd1f 0x13ac44a 0x106fd81
 *   # labels: {"test_label":"test_value"}
 *   #	0x106cd1e	time.Sleep+0xbe		/usr/local/go/src/runtime/time.go:188
 *   #	0x13ac449	main.shortSleepLoop+0x29	/src/main.go:165
 *
 * The `@` line holds the stack as return addresses; like pprof, every one becomes a location at
 * `address - 1` (on the call instruction). The `#` lines are what `runtime.CallersFrames` made of
 * those addresses: their PC is the same `address - 1`, leading runtime frames and runtime.goexit
 * are not printed (those locations keep their address and no line), and tabwriter pads the
 * columns with runs of tabs. Since Go 1.12 every inlined call has an address of its own in the
 * `@` line, so each `#` line normally matches one address; should several consecutive `#` lines
 * share one address that is not repeated in the `@` line, they are the inlined calls at that PC
 * and become one location with several lines, innermost first, as in the protobuf form.
 *
 * This module also holds the small text helpers the other text decoders share: a line reader,
 * Go string unquoting, the `{k: v}` label blocks, and the `#` symbol lines with their matching
 * to addresses (Go's heap, block and mutex profiles print the same `#` lines in debug=1 form).
 */

import { ProfileBuilder, Uint32Column, withRoom } from '../model/builder.js';
import { DecodeError } from '../model/errors.js';
import type { Profile, ProfileKind } from '../model/profile.js';
import { goVersionFromPaths } from './infer.js';
import { SkippedLines } from './skipped.js';
import { NEED_MORE, StreamLines } from './stream-lines.js';
import { decodeUtf8 } from './trace/bytes.js';
import { formatCount } from '../model/units.js';

// ---------------------------------------------------------------------------------------------
// Shared text helpers

/**
 * Reads a large string line by line without splitting it into an array: the whole text as the
 * one and last piece of the streaming reader (so a question about it never waits for more).
 */
export class LineReader extends StreamLines {
  /** Reads from offset `start`, which begins line `firstLine` (1-based). */
  constructor(text: string, start = 0, firstLine = 1) {
    super();
    this.push(text, 0);
    this.ended = true;
    this.seek(start, firstLine - 1);
  }
}

/** The line shortened for an error message, quoted. */
export function quoteForError(line: string, max = 60): string {
  const s = line.length > max ? line.slice(0, max) + '…' : line;
  return JSON.stringify(s);
}

/** The most hex digits a number holds exactly (52 bits): every address Go prints on 64-bit machines today. */
const EXACT_HEX_DIGITS = 13;

/** Each ASCII character's value as a hex digit, -1 for the others. */
const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX_DIGIT['0123456789abcdef'.charCodeAt(c)] = c;
  HEX_DIGIT['0123456789ABCDEF'.charCodeAt(c)] = c;
}

function hexDigit(c: number): number {
  return c < 0x80 ? HEX_DIGIT[c]! : -1;
}

/** True when s[from, to) is `0x` followed by 1–16 hex digits. */
export function isHexWord(s: string, from = 0, to = s.length): boolean {
  if (to - from < 3 || to - from > 18) return false;
  if (s.charCodeAt(from) !== 0x30 || (s.charCodeAt(from + 1) | 0x20) !== 0x78) return false;
  for (let i = from + 2; i < to; i++) if (hexDigit(s.charCodeAt(i)) < 0) return false;
  return true;
}

/**
 * Reads a Go double-quoted string starting at s[i] === '"' (strconv.Quote and the runtime's
 * quoted printing: \n \t \r \\ \" \a \b \f \v \xHH \uHHHH \UHHHHHHHH and octal \ooo).
 * Returns the value and the index after the closing quote, or null when it is unterminated.
 */
export function readGoQuoted(s: string, i: number): { value: string; end: number } | null {
  if (s.charCodeAt(i) !== 0x22) return null;
  let j = i + 1;
  // fast path: no escapes
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return { value: s.slice(i + 1, j), end: j + 1 };
    if (c === 0x5c) break;
  }
  // runs between escapes are copied whole; the pieces joined once (a dump quoted in one JSON
  // field is tens of megabytes)
  const parts: string[] = [s.slice(i + 1, j)];
  while (j < s.length) {
    const run = j;
    while (j < s.length && s.charCodeAt(j) !== 0x22 && s.charCodeAt(j) !== 0x5c) j++;
    if (j > run) parts.push(s.slice(run, j));
    if (j >= s.length) return null;
    if (s.charCodeAt(j) === 0x22) return { value: parts.join(''), end: j + 1 };
    if (j + 1 >= s.length) return null;
    const e = readEscape(s, j);
    if (e === null) return null;
    parts.push(e.value);
    j = e.end;
  }
  return null;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** One escape at s[j] === '\\': its value and the index after it, or null when malformed. */
function readEscape(s: string, j: number): { value: string; end: number } | null {
  const e = s[j + 1]!;
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) return { value: simple, end: j + 2 };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    let code = 0;
    for (let k = 0; k < n; k++) {
      const d = hexDigit(s.charCodeAt(j + 2 + k));
      if (d < 0) return null;
      code = code * 16 + d;
    }
    return { value: code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd', end: j + 2 + n };
  }
  if (e >= '0' && e <= '7') {
    let code = 0;
    for (let k = 0; k < 3; k++) {
      const d = s.charCodeAt(j + 1 + k) - 0x30;
      if (d < 0 || d > 7) return null;
      code = code * 8 + d;
    }
    return { value: String.fromCharCode(code), end: j + 4 };
  }
  return { value: e, end: j + 2 };
}

/**
 * Parses a label block starting at s[i] === '{' in any of the three forms Go prints:
 *   debug=1 `# labels:`      {"k":"v", "k2":"v2"}
 *   Go 1.26 tracebacklabels  labels:{"k": "v", "k2": "v2"}
 *   Go 1.27 traceback        {k: v, "odd key": "a b", empty: }
 * (bare keys and values are those without characters that need quoting, possibly empty).
 * Returns the pairs and the index after the closing brace, or null when malformed.
 */
export function parseLabelBlock(s: string, i: number): { labels: [string, string][]; end: number } | null {
  if (s.charCodeAt(i) !== 0x7b) return null;
  const labels: [string, string][] = [];
  let j = i + 1;
  if (s.charCodeAt(j) === 0x7d) return { labels, end: j + 1 };
  for (;;) {
    // key
    let key: string;
    if (s.charCodeAt(j) === 0x22) {
      const q = readGoQuoted(s, j);
      if (q === null) return null;
      key = q.value;
      j = q.end;
    } else {
      const k0 = j;
      while (j < s.length && s.charCodeAt(j) !== 0x3a && s.charCodeAt(j) !== 0x7d && s.charCodeAt(j) !== 0x2c) j++;
      key = s.slice(k0, j);
    }
    if (s.charCodeAt(j) !== 0x3a) return null;
    j++;
    if (s.charCodeAt(j) === 0x20) j++;
    // value
    let value: string;
    if (s.charCodeAt(j) === 0x22) {
      const q = readGoQuoted(s, j);
      if (q === null) return null;
      value = q.value;
      j = q.end;
    } else {
      const v0 = j;
      while (j < s.length && s.charCodeAt(j) !== 0x2c && s.charCodeAt(j) !== 0x7d) j++;
      value = s.slice(v0, j);
    }
    labels.push([key, value]);
    const c = s.charCodeAt(j);
    if (c === 0x7d) return { labels, end: j + 1 };
    if (c !== 0x2c) return null;
    j++;
    if (s.charCodeAt(j) === 0x20) j++;
  }
}

/** One `#\t0xPC\tfunc+0xoff\tfile:line` line (or the bare `#\t0xPC` of an unsymbolised PC). */
export interface SymbolLine {
  pc: string;
  /** The PC's value when it has at most 13 hex digits (exact as a number), else -1. */
  pcValue: number;
  fn: string;
  offset: number;
  file: string;
  line: number;
  /** Whether the file lies under a `/src/` directory (GOROOT's, GOPATH's): a path that may tell the Go version. */
  inSrc: boolean;
}

/** Parses a `#` symbol line of Go's debug=1 text profiles; null when the line is not one. */
export function parseSymbolLine(line: string): SymbolLine | null {
  if (line.charCodeAt(0) !== 0x23 || line.charCodeAt(1) !== 0x09) return null;
  let i = 2;
  let t = line.indexOf('\t', i);
  if (t < 0) t = line.length;
  let pcEnd = t;
  while (pcEnd > i && line.charCodeAt(pcEnd - 1) === 0x20) pcEnd--;
  if (!isHexWord(line, i, pcEnd)) return null;
  const pc = line.slice(i, pcEnd);
  const pcValue = hexValue(line, i + 2, pcEnd);
  i = t;
  while (i < line.length && line.charCodeAt(i) === 0x09) i++;
  if (i >= line.length) return { pc, pcValue, fn: '', offset: -1, file: '', line: 0, inSrc: false };
  t = line.indexOf('\t', i);
  if (t < 0) return null;
  const fnOff = line.slice(i, t);
  let fn = fnOff;
  let offset = -1;
  const plus = fnOff.lastIndexOf('+0x');
  if (plus > 0 && isHexWord(fnOff, plus + 1)) {
    fn = fnOff.slice(0, plus);
    offset = parseInt(fnOff.slice(plus + 3), 16);
  }
  i = t;
  while (i < line.length && line.charCodeAt(i) === 0x09) i++;
  let end = line.length;
  while (end > i && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  const colon = line.lastIndexOf(':', end - 1);
  if (colon < i || colon === end - 1) return null;
  for (let k = colon + 1; k < end; k++) {
    const c = line.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return null;
  }
  const file = line.slice(i, colon);
  return { pc, pcValue, fn, offset, file, line: Number(line.slice(colon + 1, end)), inSrc: file.includes('/src/') };
}

interface PcRecord {
  /** The address as printed, canonical (`0x` + lowercase hex without leading zeros). */
  raw: string;
  /** Its value when it has at most 13 hex digits (exact as a number), else -1. */
  rawValue: number;
  /** Where the location sits, the address minus one (on the call instruction), canonical. */
  addr: string;
  lines: SymbolLine[] | null;
  /** 0 not symbolised yet, 1 being symbolised by the stack being read, 2 done. */
  state: number;
  location: number;
}

/** `0x…` as Go's %#x prints it: lowercase, no leading zeros. */
function canonicalHex(h: string): string {
  let canonical = h.length > 2 && (h.charCodeAt(2) !== 0x30 || h.length === 3) && h.charCodeAt(1) === 0x78;
  for (let i = 2; canonical && i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c >= 0x41 && c <= 0x46) canonical = false;
  }
  return canonical ? h : '0x' + BigInt(h).toString(16);
}

/** The canonical hex address one below `h` (wrapping at 0, as a uint64 would). */
function hexMinusOne(h: string): string {
  if (h === '0x0') return '0xffffffffffffffff';
  let i = h.length - 1;
  let out = '';
  while (h.charCodeAt(i) === 0x30) {
    out = 'f' + out;
    i--;
  }
  const d = hexDigit(h.charCodeAt(i)) - 1;
  const head = h.slice(0, i) + (d === 0 && i === 2 ? '' : d.toString(16));
  const res = head + out;
  return res === '0x' ? '0x0' : res.length > 3 && res.charCodeAt(2) === 0x30 ? canonicalHex(res) : res;
}

function matches(r: PcRecord, s: SymbolLine): boolean {
  // the `#` PC is normally the address minus one; after a signal (sigpanic) it is the address itself
  if (r.rawValue >= 0 && s.pcValue >= 0) return r.rawValue - 1 === s.pcValue || r.rawValue === s.pcValue;
  const pc = canonicalHex(s.pc);
  return r.addr === pc || r.raw === pc;
}

/**
 * A stack read by `AddressStacks`: its number, in the order the stacks were closed. Its frames
 * are address records, or (rarely) its own symbol lines.
 */
export type AddressStack = number;

/**
 * Stacks of return addresses (the `@ 0x… 0x…` of Go's debug=1 text and of the legacy forms),
 * each address a location at `address - 1` as pprof places them, symbolised by the `#` lines
 * that follow when there are any. Locations are made only in `emit`, once every stack is read,
 * because an address hidden in one stack (a leading runtime frame) may be printed in another.
 */
export class AddressStacks {
  private readonly records: PcRecord[] = [];
  private readonly byToken = new Map<string, number>();
  private readonly byValue = new Map<number, number>();
  /** Per position in a stack, the address value last pushed there by `pushValues`, and its record. */
  private readonly seenValues: number[] = [];
  private readonly seenRecords: number[] = [];
  /** The addresses of every stack read, one stack after another (their records' indices). */
  private readonly ids = new Uint32Column(1 << 16);
  /** A stack's locations, made by `emit`. */
  private locations = new Uint32Array(64);
  /** Where the stack being read starts in `ids`. */
  private start = 0;
  /** Where each stack closed ends in `ids` (it starts where the one before ends). */
  private readonly ends = new Uint32Column(1024);
  /** The stacks whose `#` lines did not match their `@` addresses: they are built from those lines. */
  private readonly fromSymbols = new Map<AddressStack, SymbolLine[]>();
  private syms: SymbolLine[] = [];
  /** Whether the stack being read holds an address no stack before held. */
  private newAddress = false;
  /** Number of stacks whose `#` lines did not match their addresses. */
  mismatched = 0;
  /** A few file paths from the symbol lines, for telling the Go version. */
  readonly paths: string[] = [];

  /**
   * Adds the addresses of values `values` (each exact as a number: at most EXACT_HEX_DIGITS hex
   * digits) to the stack being read. Each position remembers the last address seen there: Go
   * sorts the records, so a stack shares most of its addresses with the one before, found
   * without a look-up.
   */
  pushValues(values: readonly number[]): void {
    const seen = this.seenValues;
    const seenRecord = this.seenRecords;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (i < seen.length && seen[i] === v) {
        this.ids.push(seenRecord[i]!);
        continue;
      }
      let r = this.byValue.get(v);
      if (r === undefined) this.byValue.set(v, (r = this.addRecord('0x' + v.toString(16), v)));
      this.ids.push(r);
      if (i < seen.length) {
        seen[i] = v;
        seenRecord[i] = r;
      } else {
        seen.push(v);
        seenRecord.push(r);
      }
    }
  }

  /** Adds the address `token` (`0x…`) to the stack being read; false when it is not hex. */
  pushAddress(token: string): boolean {
    let r = this.byToken.get(token);
    if (r === undefined) {
      if (!isHexWord(token)) return false;
      const raw = canonicalHex(token);
      this.byToken.set(token, (r = this.addRecord(raw, hexValue(raw, 2, raw.length))));
    }
    this.ids.push(r);
    return true;
  }

  /** A record for the address `raw` (canonical hex), not symbolised yet; its index. */
  private addRecord(raw: string, rawValue: number): number {
    this.newAddress = true;
    this.records.push({ raw, rawValue, addr: hexMinusOne(raw), lines: null, state: 0, location: -1 });
    return this.records.length - 1;
  }

  pushSymbol(s: SymbolLine): void {
    this.syms.push(s);
    if (s.inSrc && this.paths.length < 64) this.paths.push(s.file);
  }

  /**
   * Whether the `#` lines of the stack being read (its addresses all read) can tell nothing new:
   * every address was held by an earlier stack, the printed ones symbolised there, and those
   * left unprinted there (leading runtime frames, runtime.goexit at the root) sit where Go
   * leaves them out again (before the first printed frame, or last). A stack of frames none of
   * which was printed is printed whole (printStackRecord's second try), so it is read.
   */
  symbolisedBefore(): boolean {
    if (this.newAddress) return false;
    const ids = this.ids.data;
    const recs = this.records;
    const n = this.ids.length;
    let i = this.start;
    while (i < n && recs[ids[i]!]!.state === 0) i++;
    if (i === n) return false;
    while (i < n && recs[ids[i]!]!.state === 2) i++;
    return i === n || (i === n - 1 && recs[ids[i]!]!.state === 0);
  }

  /** Closes the stack being read and matches its symbol lines to its addresses. */
  endStack(): AddressStack {
    const start = this.start;
    const end = this.ids.length;
    const syms = this.syms;
    const stack = this.ends.length;
    this.ends.push(end);
    this.start = end;
    this.newAddress = false;
    if (syms.length === 0) return stack;
    this.syms = [];
    // a record with no frames: Go's printStackRecord still walks one zero frame and prints `#\t0x0`
    if (end === start && syms.length === 1 && syms[0]!.fn === '' && canonicalHex(syms[0]!.pc) === '0x0') return stack;
    const recs = this.records;
    const records = this.ids.data.subarray(start, end);
    let k = 0; // next stack position to match
    let last = -1; // record the previous symbol line matched
    let fresh = false; // whether `last` is being symbolised by this stack's lines
    const touched: number[] = [];
    let ok = true;
    for (const s of syms) {
      let at = -1;
      if (k < records.length && matches(recs[records[k]!]!, s)) {
        // the next address of the stack: a frame of its own (also when recursion repeats a PC)
        at = k;
      } else if (last >= 0 && matches(recs[last]!, s)) {
        // the same PC again, not repeated in the stack: a call inlined at that PC
        if (fresh && s.fn !== '') recs[last]!.lines!.push(s);
        continue;
      } else {
        // skip addresses the text did not print (leading runtime frames)
        for (let j = k + 1; j < records.length; j++) {
          if (matches(recs[records[j]!]!, s)) {
            at = j;
            break;
          }
        }
        if (at < 0) {
          ok = false;
          break;
        }
      }
      k = at + 1;
      last = records[at]!;
      const rec = recs[last]!;
      fresh = rec.state === 0;
      if (fresh) {
        rec.state = 1;
        rec.lines = s.fn === '' ? [] : [s];
        touched.push(last);
      }
    }
    for (const r of touched) recs[r]!.state = 2;
    if (!ok) {
      this.mismatched++;
      this.fromSymbols.set(stack, syms);
    }
    return stack;
  }

  /** Appends the frames of `stack` to the sample being built, leaf first. */
  emit(b: ProfileBuilder, stack: AddressStack): void {
    const symbols = this.fromSymbols.get(stack);
    if (symbols !== undefined) {
      for (const s of symbols) {
        const key = '#' + s.pc + '\u0000' + s.fn + '\u0000' + s.file + '\u0000' + s.line;
        const lines = s.fn === '' ? [] : [{ function: b.functionId(s.fn, s.file), line: s.line }];
        b.frame(b.locationId(key, BigInt(s.pc), lines, s.offset));
      }
      return;
    }
    const ids = this.ids.data;
    const start = stack === 0 ? 0 : this.ends.data[stack - 1]!;
    const n = this.ends.data[stack]! - start;
    const locations = (this.locations = withRoom(this.locations, n));
    for (let i = 0; i < n; i++) {
      const rec = this.records[ids[start + i]!]!;
      locations[i] = rec.location >= 0 ? rec.location : this.locate(b, rec);
    }
    b.frames(locations, n);
  }

  /** The location of `rec`, made in `b` the first time it is asked for. */
  private locate(b: ProfileBuilder, rec: PcRecord): number {
    const ls = rec.lines ?? [];
    const lines = ls.map((s) => ({ function: b.functionId(s.fn, s.file), line: s.line }));
    return (rec.location = b.locationId(rec.addr, BigInt(rec.addr), lines, ls.length > 0 ? ls[0]!.offset : -1));
  }

  /** How many addresses the stacks hold in all (the frames `emit` makes of those not built from their `#` lines). */
  get addresses(): number {
    return this.ids.length;
  }
}

/** The values of the addresses of the line being read (readAddresses, plainRecords: one line at a time). */
const lineValues: number[] = [];

/**
 * Reads the ` 0x… 0x…` addresses of `line` from index `from` into `stacks`; false on a bad
 * token. Those Go writes are read as numbers as they are scanned (exactAddresses); any other
 * token (more digits than a number holds exactly, upper case, leading zeros) is looked at whole.
 */
export function readAddresses(stacks: AddressStacks, line: string, from: number): boolean {
  const n = line.length;
  for (let i = from; ; ) {
    const other = exactAddresses(line, i, n, lineValues);
    stacks.pushValues(lineValues);
    if (other === n) return true;
    let j = other;
    while (j < n && line.charCodeAt(j) !== 0x20 && line.charCodeAt(j) !== 0x09) j++;
    if (!stacks.pushAddress(line.slice(other, j))) return false;
    i = j;
  }
}

/**
 * The addresses of s[from, to) into `out`, up to the first token that is not `0x` and 1 to
 * EXACT_HEX_DIGITS hex digits (as Go writes them; blanks between): where that token starts,
 * `to` when there is none.
 */
function exactAddresses(s: string, from: number, to: number, out: number[]): number {
  out.length = 0;
  let i = from;
  while (i < to) {
    let c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      i++;
      continue;
    }
    if (c !== 0x30 || s.charCodeAt(i + 1) !== 0x78) return i;
    let v = 0;
    let j = i + 2;
    for (; j < to; j++) {
      c = s.charCodeAt(j);
      const d = hexDigit(c);
      if (d < 0) break;
      v = v * 16 + d;
    }
    if (j === i + 2 || j - i - 2 > EXACT_HEX_DIGITS || (j < to && c !== 0x20 && c !== 0x09)) return i;
    out.push(v);
    i = j;
  }
  return to;
}

/**
 * exactAddresses over the bytes of ASCII text (GoroutineDebug1Stream.pushBytes): the same scan,
 * kept as a twin rather than one function over a character accessor, which V8 would not inline
 * in this loop over every address of a dump. A change to one is a change to both.
 */
function exactAddressBytes(b: Uint8Array, from: number, to: number, out: number[]): number {
  out.length = 0;
  let i = from;
  while (i < to) {
    let c = b[i]!;
    if (c === 0x20 || c === 0x09) {
      i++;
      continue;
    }
    if (c !== 0x30 || b[i + 1] !== 0x78) return i;
    let v = 0;
    let j = i + 2;
    for (; j < to; j++) {
      c = b[j]!;
      const d = hexDigit(c);
      if (d < 0) break;
      v = v * 16 + d;
    }
    if (j === i + 2 || j - i - 2 > EXACT_HEX_DIGITS || (j < to && c !== 0x20 && c !== 0x09)) return i;
    out.push(v);
    i = j;
  }
  return to;
}

// ---------------------------------------------------------------------------------------------
// debug=1 count profiles

/** `NAME profile: total N`; returns the name and N, or null. */
function parseCountHeader(line: string): { name: string; total: number } | null {
  const t = line.trim();
  const p = t.indexOf(' profile: total ');
  if (p <= 0) return null;
  const name = t.slice(0, p);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x20 || c === 0x09) return null;
  }
  const num = t.slice(p + 16);
  if (num === '' || !/^\d+$/.test(num)) return null;
  return { name, total: Number(num) };
}

/** True when the first non-blank line is `goroutine profile: total N` (or goroutineleak / threadcreate). */
export function looksLikeGoroutineDebug1(head: string): boolean {
  const r = new LineReader(head.length > 4096 ? head.slice(0, 4096) : head);
  for (let l = r.next(); l !== null; l = r.next()) {
    if (l.trim() === '') continue;
    const h = parseCountHeader(l);
    return h !== null && (h.name === 'goroutine' || h.name === 'goroutineleak' || h.name === 'threadcreate');
  }
  return false;
}

/** The number a `#\t0x…` line starts with (its PC), or -1 when that is not 1–13 hex digits. */
function linePc(line: string): number {
  if (line.charCodeAt(2) !== 0x30 || line.charCodeAt(3) !== 0x78) return -1;
  let end = 4;
  while (end < line.length && hexDigit(line.charCodeAt(end)) >= 0) end++;
  return end === 4 ? -1 : hexValue(line, 4, end);
}

/** The value of the hex digits s[from, to), or -1 when one is not a digit or there are more than EXACT_HEX_DIGITS. */
function hexValue(s: string, from: number, to: number): number {
  if (to - from > EXACT_HEX_DIGITS) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = hexDigit(s.charCodeAt(i));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Lines of one PC compared one by one before the rest are hashed (SymbolLines). */
const SAME_PC_LINES = 8;

/**
 * The `#` symbol lines read so far, each parsed once, found by the PC they start with and then
 * compared whole with the few lines of that PC (the calls inlined at it): cheaper than hashing
 * every line, of which a large dump has hundreds of thousands.
 */
class SymbolLines {
  private readonly byPc = new Map<number, SeenLine[]>();
  private readonly byLine = new Map<string, SeenLine>();
  /** The `#` lines of the record before, in order, and of this one so far. */
  private before: SeenLine[] = [];
  private now: SeenLine[] = [];

  /** A record starts: its lines are compared first with those of the record before, line by line. */
  startRecord(): void {
    const t = this.before;
    this.before = this.now;
    this.now = t;
    t.length = 0;
  }

  read(line: string): SymbolLine | null {
    // records next to each other often start alike: the same line at the same place
    // (an index past the end read as undefined would send the optimised code back to the interpreter)
    const same = this.now.length < this.before.length ? this.before[this.now.length] : undefined;
    const seen = same !== undefined && same.line === line ? same : this.find(line);
    this.now.push(seen);
    return seen.symbol;
  }

  private find(line: string): SeenLine {
    const pc = linePc(line);
    if (pc < 0) return this.byText(line);
    let seen = this.byPc.get(pc);
    if (seen === undefined) this.byPc.set(pc, (seen = []));
    for (const e of seen) if (e.line === line) return e;
    // past a few lines of one PC (texts of several builds, damaged spacing), hashed whole
    if (seen.length >= SAME_PC_LINES) return this.byText(line);
    const e = { line, symbol: parseSymbolLine(line) };
    seen.push(e);
    return e;
  }

  private byText(line: string): SeenLine {
    let e = this.byLine.get(line);
    if (e === undefined) this.byLine.set(line, (e = { line, symbol: parseSymbolLine(line) }));
    return e;
  }
}

/** A `#` line read before, and what it said (null: not a symbol line). */
interface SeenLine {
  line: string;
  symbol: SymbolLine | null;
}

/** `COUNT @ 0x… 0x…`: the count and where the addresses start, or null. */
function parseRecordLine(line: string): { count: number; at: number } | null {
  const at = line.indexOf(' @');
  if (at <= 0) return null;
  // nearly always digits alone, few enough to add up exactly
  let count = 0;
  let k = 0;
  for (; k < at && k < 15; k++) {
    const c = line.charCodeAt(k);
    if (c < 0x30 || c > 0x39) break;
    count = count * 10 + (c - 0x30);
  }
  if (k === at) return { count, at };
  const num = line.slice(0, at).trim();
  if (!/^\d+$/.test(num)) return null;
  return { count: Number(num), at };
}

/**
 * Whether the line ends as both forms of a count header do, ` profile: total N` before any
 * blanks: a look at its end, not a search of the whole line.
 */
function endsLikeCountHeader(line: string): boolean {
  const t = line.trimEnd();
  let k = t.length;
  while (k > 0 && t.charCodeAt(k - 1) >= 0x30 && t.charCodeAt(k - 1) <= 0x39) k--;
  return k < t.length && t.startsWith(' profile: total ', k - 16);
}

/** `…dumping profilesgoroutine profile: total 12`: a header glued to the end of a log line. */
function gluedCountHeader(line: string, lineNo: number, skipped: SkippedLines): { name: string; total: number } | null {
  const m = /(goroutine|goroutineleak|threadcreate) profile: total (\d+)\s*$/.exec(line);
  if (m === null || m.index === 0) return null;
  skipped.glued.push(lineNo);
  return { name: m[1]!, total: Number(m[2]) };
}

/** True when `line` opens a debug=1 record: `COUNT @ 0x…` with at least one address. */
export function isDebug1Record(line: string): boolean {
  const r = parseRecordLine(line);
  return r !== null && line.startsWith(' 0x', r.at + 2);
}

/** One dump of a debug=1 text: its header (null when the paste lost it) and its records. */
class Debug1Dump {
  readonly stacks = new AddressStacks();
  /** Its records (as many as `counts`): each one's count, stack, and labels when it has any. */
  readonly counts: number[] = [];
  readonly stackOf: AddressStack[] = [];
  readonly labelsOf = new Map<number, [string, string][]>();
  private count = -1;
  private labels: [string, string][] | null = null;

  constructor(
    readonly header: { name: string; total: number } | null,
    readonly line: number,
  ) {}

  get goroutines(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }

  get open(): boolean {
    return this.count >= 0;
  }

  startRecord(count: number): void {
    this.endRecord();
    this.count = count;
  }

  setLabels(labels: [string, string][]): void {
    this.labels = labels;
  }

  endRecord(): void {
    if (this.count < 0) return;
    if (this.labels !== null) this.labelsOf.set(this.counts.length, this.labels);
    this.counts.push(this.count);
    this.stackOf.push(this.stacks.endStack());
    this.count = -1;
    this.labels = null;
  }

  /** Drops the record being read (its addresses were not all hex). */
  dropRecord(): void {
    this.stacks.endStack();
    this.count = -1;
    this.labels = null;
  }
}

/**
 * Reads the lines of a debug=1 text into dumps, as its pieces come (push, then end). Lenient:
 * text before, between and after the records (log lines, a reporter's elisions) is skipped and
 * counted; a record pasted without the `goroutine profile: total N` line starts a dump of its
 * own; a second header starts the next dump. Nothing is read twice: a line not complete yet
 * waits for the next piece, and the text before it is let go.
 */
export class GoroutineDebug1Stream {
  private readonly r = new StreamLines();
  private readonly skipped = new SkippedLines();
  private readonly dumps: Debug1Dump[] = [];
  // the records of one dump print the same few thousand symbol lines over and over: each read once
  private readonly symbols = new SymbolLines();
  private d: Debug1Dump | null = null;
  /** The record being read holds only addresses symbolised before: its `#` lines are passed over. */
  private known = false;

  push(piece: string): void {
    this.r.push(piece, this.r.offset);
    if (piece.indexOf('\n') >= 0) this.read();
  }

  /** The profile, once the last piece has been pushed. */
  end(): Profile {
    this.r.ended = true;
    this.read();
    this.d?.endRecord();
    return debug1Profile(this.dumps, this.skipped, this.r.hasText);
  }

  /**
   * Reads the whole lines of the bytes b[from, to), ASCII text pushed as bytes rather than as a
   * string, as `read()` would read them, and returns where it stopped: before a last line not
   * ended by a newline, which is to be pushed as text. Records in the form Go writes (see
   * `plainRecords`) are read from the bytes, and a known record's `#` lines passed over as bytes,
   * so most of a dump never becomes a string; any other line is made one and read as `read()`
   * reads it. Reads nothing while pushed text waits for the end of its last line.
   */
  pushBytes(b: Uint8Array, from: number, to: number): number {
    const r = this.r;
    if (!r.idle) return from;
    let p = from;
    // the bytes and lines read since the text reader was last told (passOutside)
    let told = from;
    let lines = 0;
    let text = false;
    for (;;) {
      const eol = b.indexOf(0x0a, p);
      if (eol < 0 || eol >= to) break;
      const d = this.d;
      const c = b[p]!;
      lines++;
      if (d !== null && (c === 0x23 /* # */ ? !d.open || (this.known && b[p + 1] === 0x09) : this.plainRecordBytes(b, p, eol, d))) {
        p = eol + 1; // a known record's symbol line, a comment outside a record, or a record read
        text = true;
        // and the known record's symbol lines that follow
        while (this.known && p + 1 < to && b[p] === 0x23 && b[p + 1] === 0x09) {
          const end = b.indexOf(0x0a, p);
          if (end < 0 || end >= to) break;
          p = end + 1;
          lines++;
        }
        continue;
      }
      if (eol === p) {
        this.known = false;
        d?.endRecord(); // a blank line
        p++;
        continue;
      }
      const line = decodeUtf8(b, p, b[eol - 1] === 0x0d ? eol - 1 : eol);
      p = eol + 1;
      if (!text && line.trim() !== '') text = true;
      r.passOutside(p - told, lines, text);
      told = p;
      lines = 0;
      this.line(line);
    }
    r.passOutside(p - told, lines, text);
    return p;
  }

  /** A `COUNT @ 0x…` line in b[p, eol) as plainRecords reads it (false: another line, nothing read). */
  private plainRecordBytes(b: Uint8Array, p: number, eol: number, d: Debug1Dump): boolean {
    let k = p;
    let count = 0;
    for (; k < eol && k - p < 15; k++) {
      const c = b[k]!;
      if (c < 0x30 || c > 0x39) break;
      count = count * 10 + (c - 0x30);
    }
    if (k === p || k + 5 > eol || b[k] !== 0x20 || b[k + 1] !== 0x40 || b[k + 2] !== 0x20 || b[k + 3] !== 0x30 || b[k + 4] !== 0x78) return false;
    if (exactAddressBytes(b, k + 2, eol, lineValues) !== eol) return false;
    this.startPlainRecord(d, count);
    return true;
  }

  /** Opens a record of `count` whose addresses, all exact, are in lineValues (plainRecords, plainRecordBytes). */
  private startPlainRecord(d: Debug1Dump, count: number): void {
    d.startRecord(count);
    this.symbols.startRecord();
    d.stacks.pushValues(lineValues);
    this.known = d.stacks.symbolisedBefore();
  }

  private read(): void {
    const r = this.r;
    for (;;) {
      if (this.d !== null) this.plainRecords();
      let line: string | null;
      try {
        line = r.next();
      } catch (e) {
        if (e !== NEED_MORE) throw e;
        return; // (next() moves on only past a whole line)
      }
      if (line === null) return;
      this.line(line);
    }
  }

  /** A line: a `#` line, or another. */
  private line(line: string): void {
    if (line.length > 0 && line.charCodeAt(0) === 0x23 /* # */) this.commentLine(line);
    else {
      this.known = false;
      this.otherLine(line);
    }
  }

  /**
   * Reads records as Go writes them, in one loop over the text held, up to the first line of
   * another form (or one not complete yet), which is left to `read()`:
   *   `2 @ 0x48c16a 0x465537 0x50b32e …`   the record: its count and return addresses
   *   `#\t0x50b32d\tdatabase/sql.(*DB).conn+0x40d\t…`   passed over when every address was
   *                                     symbolised before; the first of them stops the loop else
   *   ``                                  the blank line that closes the record
   * A record so read is read as `otherLine`, `commentLine` and `otherLine` would read it.
   */
  private plainRecords(): void {
    const r = this.r;
    const t = r.scanText;
    const d = this.d!;
    if (t === null) return;
    const n = t.length;
    let p = r.scanAt;
    let lines = 0;
    for (;;) {
      // `COUNT @ 0x`: a count of at most 15 digits, as parseRecordLine reads it
      // (every index looked at is below n: one past the end would undo the optimised loop)
      let k = p;
      let count = 0;
      for (; k < n && k - p < 15; k++) {
        const c = t.charCodeAt(k);
        if (c < 0x30 || c > 0x39) break;
        count = count * 10 + (c - 0x30);
      }
      if (k === p || k + 5 > n || t.charCodeAt(k) !== 0x20 || t.charCodeAt(k + 1) !== 0x40 || !t.startsWith(' 0x', k + 2)) break;
      const eol = t.indexOf('\n', k);
      if (eol < 0 || exactAddresses(t, k + 2, eol, lineValues) !== eol) break; // (a CR before the newline is no address either)
      this.startPlainRecord(d, count);
      p = eol + 1;
      lines++;
      if (!this.known) break;
      r.passScanned(p, lines);
      r.skipLinesOpening(0x23, 0x09);
      p = r.scanAt;
      lines = 0;
      if (p >= n || t.charCodeAt(p) !== 0x0a) break;
      this.known = false;
      d.endRecord();
      p++;
      lines++;
    }
    r.passScanned(p, lines);
  }

  /** A `#` line: a symbol line or the labels of the record being read, else a comment. */
  private commentLine(line: string): void {
    const d = this.d;
    if (d === null || !d.open) return; // a comment outside a record
    if (line.charCodeAt(1) === 0x09) {
      if (this.known) {
        this.r.skipLinesOpening(0x23, 0x09);
        return;
      }
      const s = this.symbols.read(line);
      if (s === null) this.skipped.note(this.r.lineNo, line);
      else d.stacks.pushSymbol(s);
    } else if (line.startsWith('# labels: ')) {
      const lb = parseLabelBlock(line, 10);
      if (lb === null) this.skipped.note(this.r.lineNo, line);
      else d.setLabels(lb.labels);
    }
  }

  /** A blank line, a count header, a `---` section, a record's `COUNT @ 0x…` line, or text skipped. */
  private otherLine(line: string): void {
    const lineNo = this.r.lineNo;
    if (line.trim() === '') {
      this.d?.endRecord();
      return;
    }
    // (both forms of a header end so; a record's line of addresses need not be tried)
    const h = endsLikeCountHeader(line) ? (parseCountHeader(line) ?? gluedCountHeader(line, lineNo, this.skipped)) : null;
    if (h !== null) {
      this.d?.endRecord();
      this.d = new Debug1Dump(h, lineNo);
      this.dumps.push(this.d);
      return;
    }
    if (line.startsWith('---') && this.d !== null) {
      this.d.endRecord();
      this.d = null; // further sections (a memory map) carry no samples
      return;
    }
    const rec = parseRecordLine(line);
    // `1 @` alone is a record with an empty stack (Go 1.27's goroutineleak profile prints one)
    if (rec === null || !(line.startsWith(' 0x', rec.at + 2) || line.slice(rec.at + 2).trim() === '')) {
      this.skipped.note(lineNo, line);
      return;
    }
    if (this.d === null) {
      this.d = new Debug1Dump(null, lineNo);
      this.dumps.push(this.d);
    }
    const d = this.d;
    d.startRecord(rec.count);
    this.symbols.startRecord();
    if (!readAddresses(d.stacks, line, rec.at + 2)) {
      d.dropRecord();
      this.skipped.note(lineNo, line);
    } else this.known = d.stacks.symbolisedBefore();
  }
}

export function decodeGoroutineDebug1(text: string): Profile {
  const s = new GoroutineDebug1Stream();
  s.push(text);
  return s.end();
}

/** The profile of the last dump of a debug=1 text read into `all` (`hasText`: whether it held more than white space). */
function debug1Profile(all: Debug1Dump[], skipped: SkippedLines, hasText: boolean): Profile {
  const dumps = all.filter((d) => d.header !== null || d.counts.length > 0);
  if (dumps.length === 0) {
    if (!hasText) throw new DecodeError('debug=1 profile: empty input');
    throw new DecodeError('no goroutine record: neither "goroutine profile: total N" nor "COUNT @ 0x…" lines');
  }
  const dump = dumps[dumps.length - 1]!;
  if (dump.counts.length === 0 && skipped.count > 0) {
    throw new DecodeError(`debug=1 profile: no record could be read; ${skipped.sentences().join('; ')}`);
  }
  const h = dump.header;
  const name = h?.name ?? 'goroutine';
  const kind: ProfileKind =
    name === 'goroutine' ? 'goroutine' : name === 'goroutineleak' ? 'goroutineleak' : name === 'threadcreate' ? 'threadcreate' : 'other';
  const type = kind === 'other' ? name : kind;
  const { stacks, counts } = dump;
  const b = new ProfileBuilder({
    format: kind === 'threadcreate' ? 'legacy-threadcreate' : 'goroutine-debug1',
    kind,
    sampleTypes: [{ type, unit: 'count' }],
    periodType: { type, unit: 'count' },
    period: 1,
    statedTotal: h?.total ?? null,
    goVersion: goVersionFromPaths(stacks.paths),
  });
  let sum = 0;
  b.reserve(counts.length, stacks.addresses);
  const value = [0];
  for (let i = 0; i < counts.length; i++) {
    stacks.emit(b, dump.stackOf[i]!);
    const labels = dump.labelsOf.get(i);
    if (labels !== undefined) for (const [k, v] of labels) b.label(k, v);
    value[0] = counts[i]!;
    b.endSample(value);
    sum += counts[i]!;
  }
  if (h === null) {
    b.repairs.push(
      `no "goroutine profile: total N" line (the paste starts at a record): read as a goroutine profile (only that line tells a goroutineleak profile apart); the total, ${formatCount(sum)}, is the sum of the records`,
    );
  } else if (sum !== h.total && skipped.elisions === 0) {
    b.warnings.push(`the stacks add up to ${sum} but the header says total ${h.total} (is the text cut short?)`);
  }
  if (dumps.length > 1) b.repairs.push(severalDumps(dumps.map((x) => ({ line: x.line, goroutines: x.goroutines }))));
  b.repairs.push(...skipped.sentences());
  if (stacks.mismatched > 0) {
    b.warnings.push(`${stacks.mismatched} stack(s) had # lines that did not match their addresses; those stacks come from the # lines`);
  }
  return b.finish();
}

/** The repair sentence for a text holding several dumps, of which the last is analysed. */
export function severalDumps(dumps: { line: number; goroutines: number }[]): string {
  const last = dumps[dumps.length - 1]!;
  // the first few by name: a test log of thousands of panics holds thousands of dumps
  const shown = 5;
  const earlier =
    dumps
      .slice(0, Math.min(shown, dumps.length - 1))
      .map((d) => `${formatCount(d.goroutines)} goroutines from line ${d.line}`)
      .join(', ') + (dumps.length - 1 > shown ? `, and ${formatCount(dumps.length - 1 - shown)} more` : '');
  return `${dumps.length} dumps in one text: the last (${formatCount(last.goroutines)} goroutines from line ${last.line}) is analysed; earlier: ${earlier} (save each to a file of its own and give them in order to see the growth)`;
}
