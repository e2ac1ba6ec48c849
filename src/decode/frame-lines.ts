/**
 * The two lines of a frame in Go's tracebacks, shared by the dump and race report readers:
 *   main.(*orderStore).summary(0xc000123000, {0x9a4f20, 0xc0001a2000})
 *   	/app/store.go:88 +0x1d4
 */

import { isHexWord } from './goroutine-debug1.js';

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export interface FileLine {
  file: string;
  line: number;
  offset: number;
  /** `pc=` value as printed, '' when absent. */
  pc: string;
  /** Where the file name starts in the text line (after the indentation). */
  start: number;
  /** End of `file:line +0x…` in the text line: the part that identifies the frame. */
  coreEnd: number;
}

function isHexish(s: string, from: number, to: number): boolean {
  // 0x followed by zero or more hex digits (crash reports cut long lines inside a number)
  if (to - from < 2 || s.charCodeAt(from) !== 0x30 || s.charCodeAt(from + 1) !== 0x78) return false;
  for (let i = from + 2; i < to; i++) {
    const c = s.charCodeAt(i);
    const lower = c | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (lower >= 0x61 && lower <= 0x66))) return false;
  }
  return true;
}

/**
 * Where the parts of a frame's file line lie, as offsets into it (scanFileLine); no strings are
 * made, so a reader that has seen the frame before pays for none.
 */
export interface FileLineSpan {
  /** Where the file name starts (after the indentation), and the end of `file:line +0x…`. */
  start: number;
  coreEnd: number;
  /** The `:` before the line number, -1 when the line holds only a `pc=`; the line number ends at lineEnd. */
  colon: number;
  lineEnd: number;
  /** Hex digits of the `+0x…` offset, -1 when there is none. */
  offStart: number;
  offEnd: number;
  /** `pc=` value (`0x…`), -1 when there is none. */
  pcStart: number;
  pcEnd: number;
}

export function newFileLineSpan(): FileLineSpan {
  return { start: 0, coreEnd: 0, colon: -1, lineEnd: 0, offStart: -1, offEnd: -1, pcStart: -1, pcEnd: -1 };
}

/**
 * Reads `\t/path/file.go:123 +0x4f fp=0x… sp=0x… pc=0x…` (suffixes optional; the path may hold
 * spaces and, on Windows, a drive colon), or a cgo symboliser's `\tfile:line pc=0x…` / `\tpc=0x…`,
 * into `out`; false when the line is not one.
 */
export function scanFileLine(s: string, out: FileLineSpan): boolean {
  // a tab as Go prints it; spaces where the dump went through a chat or a web page
  let start = 0;
  while (start < s.length && (s.charCodeAt(start) === 0x09 || s.charCodeAt(start) === 0x20)) start++;
  if (start === 0 || start === s.length) return false;
  let end = s.length;
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--;
  out.offStart = out.offEnd = out.pcStart = out.pcEnd = -1;
  let coreEnd = -1;
  for (;;) {
    const sp = s.lastIndexOf(' ', end - 1);
    if (sp < start) {
      // a lone `pc=0x…` (cgo frame without file)
      if (s.startsWith('pc=0x', start) && isHexish(s, start + 3, end)) {
        out.pcStart = start + 3;
        out.pcEnd = end;
        end = start;
      }
      break;
    }
    const t = sp + 1;
    if (s.startsWith('pc=', t) && isHexish(s, t + 3, end)) {
      out.pcStart = t + 3;
      out.pcEnd = end;
      end = sp;
    } else if ((s.startsWith('fp=', t) || s.startsWith('sp=', t)) && isHexish(s, t + 3, end)) {
      end = sp;
    } else if (s.charCodeAt(t) === 0x2b && isHexWord(s, t + 1, end)) {
      out.offStart = t + 3;
      out.offEnd = end;
      coreEnd = end;
      end = sp;
      break;
    } else break;
  }
  out.start = start;
  if (end === start) {
    if (out.pcStart < 0) return false;
    out.colon = -1;
    out.lineEnd = start;
    out.coreEnd = start;
    return true;
  }
  const colon = s.lastIndexOf(':', end - 1);
  if (colon <= start || colon === end - 1) return false;
  for (let k = colon + 1; k < end; k++) if (!isDigit(s.charCodeAt(k))) return false;
  out.colon = colon;
  out.lineEnd = end;
  out.coreEnd = coreEnd >= 0 ? coreEnd : end;
  return true;
}

/** The parts of a file line scanned into `m`, as values. */
export function fileLineOf(s: string, m: FileLineSpan): FileLine {
  return {
    file: m.colon < 0 ? '' : s.slice(m.start, m.colon),
    line: m.colon < 0 ? 0 : Number(s.slice(m.colon + 1, m.lineEnd)),
    offset: m.offStart < 0 ? -1 : parseInt(s.slice(m.offStart, m.offEnd), 16),
    pc: m.pcStart < 0 ? '' : s.slice(m.pcStart, m.pcEnd),
    start: m.start,
    coreEnd: m.coreEnd,
  };
}

const scratch = newFileLineSpan();

/** scanFileLine's parts as values, or null when the line is not a file line. */
export function parseFileLine(s: string): FileLine | null {
  return scanFileLine(s, scratch) ? fileLineOf(s, scratch) : null;
}

/**
 * Where a frame's function line's function name ends: at the `(` that opens its printed
 * arguments, or at the end of the line when it prints none.
 */
export function callNameEnd(line: string): number {
  const n = line.length;
  if (line.charCodeAt(n - 1) === 0x29 /* ) */) {
    const p = line.lastIndexOf('(');
    return p > 0 ? p : n;
  }
  // cut short by a log line limit, or a cgo symboliser's name: the first `(` not right after a
  // `.` (a method's receiver) opens the arguments
  for (let i = 1; i < n; i++) {
    if (line.charCodeAt(i) === 0x28 && line.charCodeAt(i - 1) !== 0x2e) return i;
  }
  return n;
}

/** A function line's printed arguments, given where its name ends (callNameEnd). */
export function callArgs(line: string, nameEnd: number): string {
  const n = line.length;
  if (nameEnd >= n) return '';
  return line.slice(nameEnd + 1, line.charCodeAt(n - 1) === 0x29 ? n - 1 : n);
}

/** Splits a frame's function line into the function and its printed arguments. */
export function splitCall(line: string): { fn: string; args: string } {
  const e = callNameEnd(line);
  return { fn: e === line.length ? line : line.slice(0, e), args: callArgs(line, e) };
}

/** A qualified Go function name as tracebacks print it (spaces only inside `{…}` or `[…]`). */
function isGoFuncName(fn: string): boolean {
  if (fn === '' || fn.indexOf('.') < 0) return false;
  let depth = 0;
  for (let i = 0; i < fn.length; i++) {
    const c = fn.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
    else if ((c === 0x20 && depth === 0) || c === 0x09) return false;
  }
  return true;
}

/** Whether a line starts a Go frame (`pkg.F(`…), possibly cut short. */
export function opensFrame(line: string): boolean {
  const { fn } = splitCall(line);
  return fn !== line && isGoFuncName(fn);
}

/** Whether a line reads like a whole Go frame function line (`pkg.F(…)`), for error reporting. */
export function looksLikeCall(line: string): boolean {
  return line.charCodeAt(line.length - 1) === 0x29 && opensFrame(line);
}
