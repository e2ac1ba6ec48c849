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
 * Parses `\t/path/file.go:123 +0x4f fp=0x… sp=0x… pc=0x…` (suffixes optional; the path may hold
 * spaces and, on Windows, a drive colon), or a cgo symboliser's `\tfile:line pc=0x…` / `\tpc=0x…`.
 */
export function parseFileLine(s: string): FileLine | null {
  // a tab as Go prints it; spaces where the dump went through a chat or a web page
  let start = 0;
  while (start < s.length && (s.charCodeAt(start) === 0x09 || s.charCodeAt(start) === 0x20)) start++;
  if (start === 0 || start === s.length) return null;
  let end = s.length;
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--;
  let offset = -1;
  let pc = '';
  let coreEnd = -1;
  for (;;) {
    const sp = s.lastIndexOf(' ', end - 1);
    if (sp < start) {
      // a lone `pc=0x…` (cgo frame without file)
      if (s.startsWith('pc=0x', start) && isHexish(s, start + 3, end)) {
        pc = s.slice(start + 3, end);
        end = start;
      }
      break;
    }
    const t = sp + 1;
    if (s.startsWith('pc=', t) && isHexish(s, t + 3, end)) {
      pc = s.slice(t + 3, end);
      end = sp;
    } else if ((s.startsWith('fp=', t) || s.startsWith('sp=', t)) && isHexish(s, t + 3, end)) {
      end = sp;
    } else if (s.charCodeAt(t) === 0x2b && isHexWord(s, t + 1, end)) {
      offset = parseInt(s.slice(t + 3, end), 16);
      coreEnd = end;
      end = sp;
      break;
    } else break;
  }
  if (end === start) {
    if (pc === '') return null;
    return { file: '', line: 0, offset, pc, start, coreEnd: start };
  }
  const colon = s.lastIndexOf(':', end - 1);
  if (colon <= start || colon === end - 1) return null;
  for (let k = colon + 1; k < end; k++) if (!isDigit(s.charCodeAt(k))) return null;
  return { file: s.slice(start, colon), line: Number(s.slice(colon + 1, end)), offset, pc, start, coreEnd: coreEnd >= 0 ? coreEnd : end };
}

/** Splits a frame's function line into the function and its printed arguments. */
export function splitCall(line: string): { fn: string; args: string } {
  const n = line.length;
  if (line.charCodeAt(n - 1) === 0x29 /* ) */) {
    const p = line.lastIndexOf('(');
    if (p > 0) return { fn: line.slice(0, p), args: line.slice(p + 1, n - 1) };
    return { fn: line, args: '' };
  }
  // cut short by a log line limit, or a cgo symboliser's name: the first `(` not right after a
  // `.` (a method's receiver) opens the arguments
  for (let i = 1; i < n; i++) {
    if (line.charCodeAt(i) === 0x28 && line.charCodeAt(i - 1) !== 0x2e) return { fn: line.slice(0, i), args: line.slice(i + 1) };
  }
  return { fn: line, args: '' };
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
