/**
 * Goroutine dumps with one header per goroutine: /debug/pprof/goroutine?debug=2,
 * runtime.Stack(buf, true), and the tracebacks a panic, a fatal error or SIGQUIT print — also
 * inside a longer log (test output, crash reports, a shell prompt glued before the first header).
 *
 * Header forms, Go 1.15 – 1.27 (runtime/traceback.go, goroutineheader):
 *   goroutine 7 [chan receive]:
 *   goroutine 7 [select, 3 minutes, locked to thread]:
 *   goroutine 1 gp=0xc000002380 m=0 mp=0x5d3f80 [running]:        GOTRACEBACK=system, fatal errors
 *   goroutine 2 gp=0xc000002380 m=nil [force gc (idle)]:
 *   goroutine 9 [chan receive (leaked)]:                          goroutineleak dumps (1.26+)
 *   goroutine 5 [select (durable), synctest bubble 2]:            synctest (1.24+)
 *   goroutine 8 [chan receive labels:{"job": "a"}]:               1.26, GODEBUG=tracebacklabels=1
 *   goroutine 82 [sync.Mutex.Lock] {endpoint: /v1/x, tenant: "t 03"}:   1.27
 * Bracket order: status, ` (leaked)`, ` (scan)`, ` (durable)`, `, N minutes`, `, locked to thread`,
 * `, synctest bubble N`, then (1.26) ` labels:{…}`.
 *
 * Frames: `pkg.(*T).M(0xc000010000, 0x1?)` then `\t/path/file.go:123 +0x4f`, with
 * ` fp=0x… sp=0x… pc=0x…` appended under GOTRACEBACK=system; inlined calls print `(...)` and no
 * offset. Also `...N frames elided...` (1.21+, between the inner and outer frames),
 * `...additional frames elided...` (before 1.21), `created by F[ in goroutine N]` with its
 * file:line, `[originating from goroutine N]:` ancestor stacks (GODEBUG=tracebackancestors),
 * `non-Go function at pc=0x…` cgo frames, and `\tgoroutine running on other thread; stack
 * unavailable`. A fatal error's `runtime stack:` section is the system stack, not a goroutine.
 *
 * One sample per goroutine (value 1) and one goroutine record beside it. A location is one printed
 * frame (function, file, line and offset): inlined calls are not folded, so that each frame keeps
 * its own printed arguments.
 */

import { ProfileBuilder, type GoroutineHeader } from '../model/builder.js';
import { DecodeError } from '../model/errors.js';
import { GoroutineFlag, type Profile } from '../model/profile.js';
import { isHexWord, LineReader, parseLabelBlock, quoteForError } from './goroutine-debug1.js';
import { goVersionFromPaths } from './infer.js';

const HEAD_LIMIT = 64 * 1024;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** Index of the `"` closing the Go string that opens at s[i], or -1. */
function skipQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j;
  }
  return -1;
}

/**
 * True when a goroutine header (`goroutine N [`, `goroutine N gp=… m=… [`) starts a line within the
 * first `limit` characters (64 KB unless told otherwise; pass Infinity to search a whole log).
 */
export function looksLikeGoroutineDebug2(head: string, limit = HEAD_LIMIT): boolean {
  const end = Math.min(head.length, limit);
  let i = 0;
  while (i < end) {
    let nl = head.indexOf('\n', i);
    if (nl < 0 || nl > end) nl = end;
    if (head.startsWith('goroutine ', i) && headerOpens(head, i + 10, nl)) return true;
    i = nl + 1;
  }
  return false;
}

/** `\d+ (gp=\S+ m=\S+ (mp=\S+ )?)?\[` at s[i…end). */
function headerOpens(s: string, i: number, end: number): boolean {
  const d0 = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  if (i === d0 || s.charCodeAt(i) !== 0x20) return false;
  i++;
  const token = (key: string): boolean => {
    if (!s.startsWith(key, i)) return false;
    const sp = s.indexOf(' ', i);
    if (sp < 0 || sp >= end || sp === i + key.length) return false;
    i = sp + 1;
    return true;
  };
  if (token('gp=')) {
    if (!token('m=')) return false;
    token('mp=');
  }
  return i < end && s.charCodeAt(i) === 0x5b;
}

/** What one goroutine header says. */
export interface ParsedGoroutineHeader {
  id: number;
  /** Status or wait reason with the ` (leaked)`, ` (scan)` and ` (durable)` markers taken off. */
  status: string;
  minutes: number;
  flags: number;
  labels: [string, string][] | null;
  /** Lowest Go minor version that prints this form (0 when any). */
  minMinor: number;
}

/**
 * Parses the goroutine header starting at line[start] (`goroutine N …:` running to the end of the
 * line); null when the line is not one.
 */
export function parseGoroutineHeader(line: string, start = 0): ParsedGoroutineHeader | null {
  if (!line.startsWith('goroutine ', start)) return null;
  const n = line.length;
  let i = start + 10;
  const d0 = i;
  while (i < n && isDigit(line.charCodeAt(i))) i++;
  if (i === d0 || i - d0 > 19) return null;
  const id = Number(line.slice(d0, i));
  // gp=… m=… mp=…
  while (
    line.charCodeAt(i) === 0x20 &&
    (line.startsWith('gp=', i + 1) || line.startsWith('m=', i + 1) || line.startsWith('mp=', i + 1))
  ) {
    const sp = line.indexOf(' ', i + 1);
    if (sp < 0) return null;
    i = sp;
  }
  if (line.charCodeAt(i) !== 0x20 || line.charCodeAt(i + 1) !== 0x5b) return null;
  i += 2;
  const b0 = i;
  for (; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5d) break;
    if (c === 0x22) {
      i = skipQuoted(line, i);
      if (i < 0) return null;
    }
  }
  if (i >= n) return null;
  let inner = line.slice(b0, i);
  i++;
  let labels: [string, string][] | null = null;
  let minMinor = 0;
  if (line.charCodeAt(i) === 0x20 && line.charCodeAt(i + 1) === 0x7b) {
    const lb = parseLabelBlock(line, i + 1);
    if (lb === null) return null;
    labels = lb.labels;
    i = lb.end;
    minMinor = 27;
  }
  if (line.charCodeAt(i) !== 0x3a) return null;
  if (!isBlank(line.slice(i + 1))) return null;

  const li = inner.indexOf(' labels:{');
  if (li >= 0) {
    const lb = parseLabelBlock(inner, li + 8);
    if (lb !== null && labels === null) labels = lb.labels;
    inner = inner.slice(0, li);
    minMinor = Math.max(minMinor, 26);
  }
  const parts = inner.split(', ');
  let status = parts[0]!;
  let flags = 0;
  for (;;) {
    if (status.endsWith(' (leaked)')) {
      flags |= GoroutineFlag.Leaked;
      status = status.slice(0, -9);
      minMinor = Math.max(minMinor, 26);
    } else if (status.endsWith(' (scan)')) {
      status = status.slice(0, -7);
    } else if (status.endsWith(' (durable)')) {
      flags |= GoroutineFlag.Durable;
      status = status.slice(0, -10);
    } else break;
  }
  let minutes = -1;
  for (let k = 1; k < parts.length; k++) {
    const p = parts[k]!;
    if (p === 'locked to thread') flags |= GoroutineFlag.LockedToThread;
    else if (p.endsWith(' minutes') || p.endsWith(' minute')) {
      const num = p.slice(0, p.indexOf(' '));
      if (num !== '' && /^\d+$/.test(num)) minutes = Number(num);
    }
  }
  return { id, status, minutes, flags, labels, minMinor };
}

/** A header glued after other text on the same line (`…dumping all stacksgoroutine 1 [running]:`). */
function gluedHeader(line: string): ParsedGoroutineHeader | null {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  if (end < 14 || line.charCodeAt(end - 1) !== 0x3a) return null;
  let idx = line.indexOf('goroutine ', 1);
  for (let tries = 0; idx > 0 && tries < 4; tries++) {
    const h = parseGoroutineHeader(line, idx);
    if (h !== null) return h;
    idx = line.indexOf('goroutine ', idx + 10);
  }
  return null;
}

interface FileLine {
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
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/**
 * Parses `\t/path/file.go:123 +0x4f fp=0x… sp=0x… pc=0x…` (suffixes optional; the path may hold
 * spaces and, on Windows, a drive colon), or a cgo symboliser's `\tfile:line pc=0x…` / `\tpc=0x…`.
 */
function parseFileLine(s: string): FileLine | null {
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
function splitCall(line: string): { fn: string; args: string } {
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
function opensFrame(line: string): boolean {
  const { fn } = splitCall(line);
  return fn !== line && isGoFuncName(fn);
}

/** Whether a line reads like a whole Go frame function line (`pkg.F(…)`), for error reporting. */
function looksLikeCall(line: string): boolean {
  return line.charCodeAt(line.length - 1) === 0x29 && opensFrame(line);
}

function isRuntimeSide(fn: string): boolean {
  return (
    fn.startsWith('runtime') ||
    fn.startsWith('internal/') ||
    fn.startsWith('sync.') ||
    fn.startsWith('time.') ||
    fn.startsWith('net.') ||
    fn.startsWith('net/') ||
    fn.startsWith('os.')
  );
}

export function decodeGoroutineDebug2(text: string): Profile {
  const b = new ProfileBuilder({
    format: 'goroutine-debug2',
    kind: 'goroutine',
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    periodType: { type: 'goroutine', unit: 'count' },
    period: 1,
  });
  const r = new LineReader(text);
  const locations = new Map<string, number>();
  const paths: string[] = [];
  let minMinor = 0;
  let versionLine: string | null = null;
  let other = false; // text outside goroutine blocks: a traceback or a log around it
  let sectionStart = true; // the next header opens a dump
  let leakWriter = false;
  let noStack = 0;
  let truncatedIn = -1;
  const endsCut = text.length > 0 && text.charCodeAt(text.length - 1) !== 0x0a;

  let g: GoroutineHeader | null = null;
  let gLabels: [string, string][] | null = null;
  let ancestors = false;
  const frameLocs: number[] = [];
  const frameArgs: number[] = [];

  const flush = () => {
    if (g === null) return;
    if (frameLocs.length === 0) g.flags |= GoroutineFlag.NoStack;
    if (g.flags & GoroutineFlag.NoStack) noStack++;
    b.addGoroutine(g);
    for (let k = 0; k < frameLocs.length; k++) b.frame(frameLocs[k]!, frameArgs[k]!);
    if (gLabels !== null) for (const [k, v] of gLabels) b.label(k, v);
    b.endSample([1]);
    g = null;
    gLabels = null;
    ancestors = false;
    frameLocs.length = 0;
    frameArgs.length = 0;
  };

  const noteOther = (line: string) => {
    other = true;
    sectionStart = true;
    if (versionLine === null) {
      const v = line.indexOf('go version go1.');
      if (v >= 0) {
        const m = /^go1\.\d+(?:\.\d+)?/.exec(line.slice(v + 11, v + 40));
        if (m) versionLine = m[0];
      }
    }
  };

  const addFrame = (call: string, fileLine: string, fl: FileLine) => {
    const { fn, args } = splitCall(call);
    const key = fn + '\n' + fileLine.slice(fl.start, fl.coreEnd);
    let loc = locations.get(key);
    if (loc === undefined) {
      const lines = [{ function: b.functionId(fn, fl.file), line: fl.line }];
      loc = b.locationId(key, fl.pc !== '' && fl.pc.length > 2 && fl.pc.length <= 18 ? BigInt(fl.pc) : 0n, lines, fl.offset);
      locations.set(key, loc);
      if (paths.length < 64 && isRuntimeSide(fn)) paths.push(fl.file);
      if (fn === 'runtime/pprof.writeGoroutineLeak') leakWriter = true;
    }
    frameLocs.push(loc);
    frameArgs.push(args === '' || args === '...' ? 0 : b.strings.intern(args));
  };

  for (let line = r.next(); line !== null; line = r.next()) {
    let h: ParsedGoroutineHeader | null = null;
    if (line.charCodeAt(0) === 0x67 /* g */) h = parseGoroutineHeader(line, 0);
    if (h === null && line.length > 14 && line.indexOf('goroutine ', 1) > 0) {
      h = gluedHeader(line);
      if (h !== null) noteOther(line);
    }
    if (h !== null) {
      flush();
      let flags = h.flags;
      if (sectionStart && h.status === 'running') flags |= GoroutineFlag.Current;
      sectionStart = false;
      if (h.minMinor > minMinor) minMinor = h.minMinor;
      g = {
        id: h.id,
        waitReason: h.status,
        waitMinutes: h.minutes,
        flags,
        createdByFunction: '',
        createdByFile: '',
        createdByLine: 0,
        createdByGoroutine: -1,
        framesElided: 0,
      };
      gLabels = h.labels;
      continue;
    }
    if (g === null) {
      if (!isBlank(line)) noteOther(line);
      continue;
    }
    // inside a goroutine's block
    if (isBlank(line)) {
      flush();
      continue;
    }
    if (ancestors) continue; // `[originating from goroutine N]:` stacks run to the blank line
    const c0 = line.charCodeAt(0);
    if (c0 === 0x09 || c0 === 0x20) {
      if (line.includes('stack unavailable')) {
        g.flags |= GoroutineFlag.NoStack;
        continue;
      }
      // a file:line with no function line before it: not part of the dump (unless cut short)
      if (endsCut && r.restIsBlank()) {
        truncatedIn = g.id;
        break;
      }
      flush();
      noteOther(line);
      continue;
    }
    if (c0 === 0x2e && line.startsWith('...')) {
      const m = /^\.\.\.(\d+) frames elided\.\.\.$/.exec(line);
      if (m) {
        g.framesElided += Number(m[1]);
        if (minMinor < 21) minMinor = 21;
        continue;
      }
      if (line === '...additional frames elided...') {
        // before Go 1.21: printing stopped at 100 frames, how many more is not said
        if (g.framesElided === 0) g.framesElided = 1;
        continue;
      }
    }
    if (line.startsWith('created by ')) {
      let fn = line.slice(11);
      const gi = fn.lastIndexOf(' in goroutine ');
      if (gi >= 0) {
        const num = fn.slice(gi + 14);
        if (num !== '' && /^\d+$/.test(num)) {
          g.createdByGoroutine = Number(num);
          fn = fn.slice(0, gi);
          if (minMinor < 21) minMinor = 21;
        }
      }
      g.createdByFunction = fn;
      const next = r.peek();
      const fl = next !== null ? parseFileLine(next) : null;
      if (fl !== null) {
        r.next();
        g.createdByFile = fl.file;
        g.createdByLine = fl.line;
      }
      continue;
    }
    if (line.startsWith('[originating from goroutine ')) {
      ancestors = true;
      continue;
    }
    if (line.startsWith('non-Go function at pc=')) {
      const pc = line.slice(22).trim();
      if (isHexWord(pc)) {
        frameLocs.push(b.locationId('pc\u0000' + pc, BigInt(pc), []));
        frameArgs.push(0);
        continue;
      }
    }
    // a function line; its file:line follows
    const next = r.peek();
    const fl = next !== null ? parseFileLine(next) : null;
    if (fl !== null) {
      r.next();
      addFrame(line, next!, fl);
      continue;
    }
    // the text stops inside this goroutine (debug=2 output is cut at 64 MB, logs get cut too)
    const isLast = next === null || r.restIsBlank();
    const nextIsLast = !isLast && r.restAfterPeekIsBlank();
    if ((isLast && (endsCut || opensFrame(line))) || (nextIsLast && opensFrame(line) && (endsCut || next!.charCodeAt(0) === 0x09))) {
      truncatedIn = g.id;
      break;
    }
    if (!other && looksLikeCall(line)) {
      throw new DecodeError(`goroutine dump: line ${r.lineNo + 1}: expected a frame's file:line after ${quoteForError(line)}, found ${quoteForError(next ?? "")}`);
    }
    // anything else ends the block: a log line right after the dump
    flush();
    noteOther(line);
  }
  flush();

  if (b.sampleCount === 0) {
    if (text.trim() === '') throw new DecodeError('goroutine dump: empty input');
    if (text.includes('WARNING: DATA RACE')) {
      throw new DecodeError('a data race report, not a goroutine dump: it has no "goroutine N [state]:" header');
    }
    throw new DecodeError('goroutine dump: no "goroutine N [state]:" header found');
  }
  if (truncatedIn >= 0) {
    b.warnings.push(`the text ends inside goroutine ${truncatedIn}: its stack is incomplete (Go cuts debug=2 output at 64 MB; debug=1 or debug=0 give the full count)`);
  }
  if (noStack > 0) b.warnings.push(`${noStack} goroutine(s) without a stack`);
  if (other) b.header.format = 'traceback';
  b.header.kind = leakWriter ? 'goroutineleak' : 'goroutine';
  b.header.goVersion = versionLine ?? goVersionFromPaths(paths) ?? (minMinor > 0 ? `go1.${minMinor}+` : null);
  return b.finish();
}
