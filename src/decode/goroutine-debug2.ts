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
import { ownString } from '../model/strings.js';
import { GoroutineFlag, type Profile, type RaceAccess, type RuntimeVerdict, type VerdictKind } from '../model/profile.js';
import { callArgs, callNameEnd, fileLineOf, looksLikeCall, newFileLineSpan, opensFrame, parseFileLine, scanFileLine, type FileLineSpan } from './frame-lines.js';
import { isHexWord, parseLabelBlock, severalDumps } from './goroutine-debug1.js';
import { goVersionFromPaths } from './infer.js';
import { readRaceReport } from './race-report.js';
import { isElision, SkippedLines } from './skipped.js';
import { NEED_MORE, StreamLines } from './stream-lines.js';
import { classifyOther, outranks } from './verdict.js';
import { formatCount } from '../model/units.js';

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

/** goleak's `[Goroutine 7 in state chan send, with main.f on top of the stack:`, read as a header. */
const LEAK_CHECKER_HEADER = /^\[Goroutine (\d+) in state (.+), with \S+ on top of the stack:\s*$/;

export function leakCheckerHeader(line: string): ParsedGoroutineHeader | null {
  const m = LEAK_CHECKER_HEADER.exec(line);
  return m === null ? null : parseGoroutineHeader(`goroutine ${m[1]} [${m[2]}]:`);
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

function newHeader(id: number, waitReason: string, waitMinutes: number, flags: number): GoroutineHeader {
  return {
    id,
    waitReason,
    waitMinutes,
    flags,
    createdByFunction: '',
    createdByFile: '',
    createdByLine: 0,
    createdByGoroutine: -1,
    framesElided: 0,
  };
}

/** `N instances of:` — a leak checker's count for the stack (without its header) that follows. */
const INSTANCES = /^(\d+) instances? of:\s*$/;

/**
 * The reader's states. A goroutine header (`goroutine 7 [chan receive]:`, also glued after other
 * text or in a leak checker's words) opens a record from any state; every other line goes to the
 * function of the state it arrives in (DumpReader.states). When a record ends the reader goes
 * back to the state the record interrupted (`outer`).
 *
 *   outside      between records: a log, the runtime's verdict, a race report
 *                  `panic: send on closed channel`
 *                → record, systemStack, testList
 *   systemStack  a fatal error's `runtime stack:`, not a goroutine's, up to a blank line
 *                  `runtime.throw({0x4b0f1c?, 0x0?})`
 *                → outside, record
 *   testList     the tests `go test` was running when it timed out, one per indented line
 *                  `\tTestPoolExhausted (10m0s)`
 *                → outside, systemStack, record
 *   record       a goroutine's frames, a function line then its file line, and `created by`
 *                  `main.(*pool).get(0xc000010000)` + `\t/app/pool.go:41 +0x1d`
 *                → the state it interrupted (a blank line, other text), ancestors, record
 *   ancestors    `[originating from goroutine 1]:` stacks, skipped up to the blank line
 *                  `[originating from goroutine 1]:`
 *                → the state it interrupted, record
 */
type ParserState = 'outside' | 'systemStack' | 'testList' | 'record' | 'ancestors';
type OuterState = 'outside' | 'systemStack' | 'testList';

const TRANSITIONS: Record<ParserState, readonly ParserState[]> = {
  outside: ['record', 'systemStack', 'testList'],
  systemStack: ['outside', 'record'],
  testList: ['outside', 'systemStack', 'record'],
  record: ['outside', 'systemStack', 'testList', 'ancestors', 'record'],
  ancestors: ['outside', 'systemStack', 'testList', 'record'],
};

/** A frame seen before: its location, and the arguments it printed last (a string of the table). */
interface FrameSeen {
  fn: string;
  loc: number;
  args: string;
  argsId: number;
  next: FrameSeen | undefined;
}

function isIndented(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 0x09 || c === 0x20;
}

/**
 * Reads one dump from the lines of a text, from `start` to its end or to the header of a
 * goroutine it has read already: then a second dump begins there (a log holding two SIGQUIT
 * dumps, a paste of two snapshots), and `restartAt` says where. Lines come as the text does
 * (StreamLines); a line that needs text not yet come is read again once it has.
 */
class DumpReader {
  readonly b = new ProfileBuilder({
    format: 'goroutine-debug2',
    kind: 'goroutine',
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    periodType: { type: 'goroutine', unit: 'count' },
    period: 1,
  });
  readonly skipped = new SkippedLines();
  /** Frames seen, by their `file:line +0x…`: one for each function printed there. */
  private readonly frames = new Map<string, FrameSeen>();
  private readonly span = newFileLineSpan();
  private readonly paths: string[] = [];
  private readonly seen = new Set<number>();
  private minMinor = 0;
  private versionLine: string | null = null;
  /** Text outside goroutine blocks: a traceback or a log around it. */
  private other = false;
  /** The next header opens a dump (its `running` goroutine is the one that printed it). */
  private sectionStart = true;
  private leakWriter = false;
  private noStack = 0;
  private headerless = 0;
  private instances = 0;
  /** File lines indented with spaces where Go prints a tab (a paste through a chat or a page). */
  private spaced = 0;
  private glued = 0;
  private truncatedIn = -1;
  private state: ParserState = 'outside';
  /** The state a record interrupted, and goes back to when it ends. */
  private outer: OuterState = 'outside';
  private inRace = false;
  private readonly races = new Set<string>();
  private repeatedRaces = 0;
  verdict: RuntimeVerdict | null = null;
  private verdictOpen = false;
  /** Goroutine records read, and the line of the first. */
  goroutines = 0;
  firstLine = 0;
  /** Where a second dump starts (offset, line), -1 when the text holds one. */
  restartAt = -1;
  restartLine = 0;
  /** The text is read: to its end, to a second dump, or to where it was cut. */
  done = false;
  private recordEnd = 0;
  private recordEndLine = 0;
  /** Where the latest run of `running` goroutines began (a dump opens with its own), -1 when not in one. */
  private runningAt = -1;
  private runningLine = 0;
  /** Where the latest header that followed other text began its section. */
  private sectionAt = -1;
  private sectionLine = 0;

  private g: GoroutineHeader | null = null;
  private gLabels: [string, string][] | null = null;
  private repeat = 1;
  private readonly frameLocs: number[] = [];
  private readonly frameArgs: number[] = [];

  private static readonly states: Record<ParserState, (d: DumpReader, line: string) => boolean> = {
    outside: (d, line) => {
      if (!isBlank(line)) d.otherLine(line);
      return true;
    },
    systemStack: (d, line) => {
      if (isBlank(line)) d.toOuter('outside');
      return true;
    },
    testList: (d, line) => {
      if (isBlank(line)) d.toOuter('outside');
      else if (isIndented(line)) d.verdict?.tests.push(line.trim());
      else d.otherLine(line);
      return true;
    },
    record: (d, line) => d.recordLine(line),
    ancestors: (d, line) => {
      if (isBlank(line)) d.flush();
      return true;
    },
  };

  constructor(
    private readonly r: StreamLines,
    start: number,
    line: number,
  ) {
    r.seek(start, line - 1);
  }

  private to(next: ParserState): void {
    if (next === this.state) return;
    if (!TRANSITIONS[this.state].includes(next)) throw new Error(`goroutine dump reader: no way from ${this.state} to ${next}`);
    this.state = next;
  }

  private toOuter(next: OuterState): void {
    this.outer = next;
    if (this.g === null) this.to(next);
  }

  /** Reads the lines the text holds; stops where one needs more text than has come. */
  run(): void {
    const r = this.r;
    while (!this.done) {
      const at = r.offset;
      const lineNo = r.lineNo;
      try {
        const line = r.next();
        if (line === null) {
          this.done = true;
          this.flush();
        } else if (!this.step(line)) {
          this.done = true;
          if (this.restartAt < 0) this.flush(); // cut short inside a record: keep what it has
        } else if (this.g !== null) {
          this.recordEnd = r.offset;
          this.recordEndLine = r.lineNo + 1;
        }
      } catch (e) {
        if (e !== NEED_MORE) throw e;
        r.seek(at, lineNo); // every step up to its first look ahead can be taken again
        return;
      }
    }
  }

  /** The earliest offset this reader may go back to: where a second dump would start. */
  keepFrom(): number {
    if (this.seen.size === 0) return Infinity;
    if (this.sectionAt >= 0) return this.sectionAt;
    return this.runningAt >= 0 ? this.runningAt : this.recordEnd;
  }

  /** One line; false to stop reading (a second dump starts here, or the text is cut). */
  private step(line: string): boolean {
    let h: ParsedGoroutineHeader | null = null;
    if (line.charCodeAt(0) === 0x67 /* g */) h = parseGoroutineHeader(line, 0);
    if (h === null && line.length > 14 && line.indexOf('goroutine ', 1) > 0) {
      h = gluedHeader(line);
      if (h !== null) {
        this.noteOther(line);
        if (this.glued++ === 0) this.b.repairs.push(`a goroutine header glued to the end of other text at line ${this.r.lineNo}: read from "goroutine" on`);
      }
    }
    if (h === null && line.charCodeAt(0) === 0x5b /* [ */) h = leakCheckerHeader(line);
    if (h !== null) return this.onHeader(h);
    return DumpReader.states[this.state](this, line);
  }

  private onHeader(h: ParsedGoroutineHeader): boolean {
    const g = this.g;
    if (g !== null && g.id === h.id && this.frameLocs.length === 0) {
      // the goroutine's own header after a leak checker's line about it: one record
      g.waitReason = h.status;
      g.waitMinutes = h.minutes;
      g.flags |= h.flags;
      return true;
    }
    if (this.seen.has(h.id)) {
      // the next dump began after the text that introduced it (`SIGQUIT: quit`, a log line), or
      // at its own running goroutine (the one that wrote it), whichever came last
      const at = Math.max(this.runningAt, this.sectionAt);
      this.restartAt = at >= 0 ? at : this.recordEnd;
      this.restartLine = at < 0 ? this.recordEndLine : at === this.runningAt ? this.runningLine : this.sectionLine;
      return false;
    }
    this.noteSections(h);
    this.flush();
    this.seen.add(h.id);
    let flags = h.flags;
    if (this.sectionStart && h.status === 'running') flags |= GoroutineFlag.Current;
    this.sectionStart = false;
    if (h.minMinor > this.minMinor) this.minMinor = h.minMinor;
    if (this.verdictOpen) {
      this.verdict!.goroutine = h.status === 'running' ? h.id : -1;
      this.verdictOpen = false;
    }
    this.openRecord(newHeader(h.id, h.status, h.minutes, flags));
    this.gLabels = h.labels;
    return true;
  }

  /** Where a second dump would start, should one begin later: after other text, or at a run of `running` goroutines. */
  private noteSections(h: ParsedGoroutineHeader): void {
    if (this.sectionStart && this.goroutines > 0) {
      this.sectionAt = this.recordEnd;
      this.sectionLine = this.recordEndLine;
    }
    if (h.status === 'running' && this.goroutines > 0 && this.runningAt < 0) {
      this.runningAt = this.recordEnd;
      this.runningLine = this.recordEndLine;
    } else if (h.status !== 'running') {
      this.runningAt = -1;
    }
  }

  private openRecord(g: GoroutineHeader): void {
    if (this.goroutines++ === 0) this.firstLine = this.r.lineNo;
    this.g = g;
    this.to('record');
  }

  private flush(): void {
    const g = this.g;
    if (g === null) return;
    if (this.frameLocs.length === 0) g.flags |= GoroutineFlag.NoStack;
    if (g.flags & GoroutineFlag.NoStack) this.noStack += this.repeat;
    for (let n = 0; n < this.repeat; n++) {
      this.b.addGoroutine(g);
      for (let k = 0; k < this.frameLocs.length; k++) this.b.frame(this.frameLocs[k]!, this.frameArgs[k]!);
      if (this.gLabels !== null) for (const [k, v] of this.gLabels) this.b.label(k, v);
      this.b.endSample([1]);
    }
    this.g = null;
    this.gLabels = null;
    this.repeat = 1;
    this.frameLocs.length = 0;
    this.frameArgs.length = 0;
    this.to(this.outer);
  }

  private noteOther(line: string): void {
    this.other = true;
    this.sectionStart = true;
    if (this.versionLine === null) {
      const v = line.indexOf('go version go1.');
      if (v >= 0) {
        const m = /^go1\.\d+(?:\.\d+)?/.exec(line.slice(v + 11, v + 40));
        if (m) this.versionLine = m[0];
      }
    }
  }

  /** A line of other text outside any record: a headerless stack, a log line, a verdict, a race report. */
  private otherLine(line: string): void {
    if (this.headerlessStack(line)) return;
    if (isElision(line)) {
      this.skipped.note(this.r.lineNo, line); // records left out inside this dump: no new section
      return;
    }
    this.noteOther(line);
    const inst = INSTANCES.exec(line);
    if (inst !== null) {
      this.instances = Number(inst[1]);
      return;
    }
    const c = classifyOther(line);
    if (c === null) this.skipped.note(this.r.lineNo, line);
    else if (c.type === 'verdict') {
      if (c.glued) this.b.repairs.push(`the runtime's message glued to the end of other text at line ${this.r.lineNo}: read from "${c.message.slice(0, c.message.indexOf(':'))}:" on`);
      this.setVerdict(c.kind, c.message);
    }
    else if (c.type === 'race') this.onRace();
    else if (c.type === 'system-stack') this.toOuter('systemStack');
    else if (c.type === 'running-tests') this.toOuter('testList');
  }

  /** A stack pasted without its goroutine header (a leak checker's listing): a goroutine of unknown state. */
  private headerlessStack(line: string): boolean {
    if (!opensFrame(line)) return false;
    const next = this.r.peek();
    if (next === null || !scanFileLine(next, this.span)) return false;
    this.repeat = this.instances > 0 ? this.instances : 1;
    this.instances = 0;
    this.headerless += this.repeat;
    this.openRecord(newHeader(-1, '', -1, 0));
    this.recordLine(line);
    return true;
  }

  private setVerdict(kind: VerdictKind, message: string): void {
    const v = this.verdict;
    if (v === null) {
      this.verdict = { kind, message, line: this.r.lineNo, goroutine: -1, tests: [], races: [] };
    } else if (outranks(kind, v.kind)) {
      v.kind = kind;
      v.message = message;
      v.line = this.r.lineNo;
    } else return;
    this.verdictOpen = true;
  }

  /** A race report: each access a goroutine record. */
  private onRace(): void {
    const line = this.r.lineNo;
    const records = readRaceReport(this.r);
    // the race detector reports each race once a run: the same race again is another run's
    const key = records.map((rec) => rec.header.waitReason + '\n' + rec.frames.map((f) => f.call + f.fileLine.trim()).join('\n')).join('\n\n');
    if (this.races.has(key)) {
      this.repeatedRaces++;
      return;
    }
    this.races.add(key);
    const accesses: RaceAccess[] = [];
    this.inRace = true;
    for (const rec of records) {
      for (const f of rec.frames) if (scanFileLine(f.fileLine, this.span)) this.addFrame(f.call, f.fileLine, this.span);
      if (this.frameLocs.length === 0) rec.header.flags |= GoroutineFlag.NoStack;
      accesses.push({ access: rec.access, goroutine: rec.header.id, sample: this.b.sampleCount });
      this.g = rec.header;
      this.flush();
    }
    this.inRace = false;
    if (accesses.length === 0) return;
    if (this.verdict === null) {
      this.verdict = { kind: 'data-race', message: 'WARNING: DATA RACE', line, goroutine: accesses[0]!.goroutine, tests: [], races: [] };
    }
    this.verdict.races.push(accesses);
  }

  /** A frame: its function line (`pkg.F(args)`) and its file line, scanned into `span`. */
  private addFrame(call: string, fileLine: string, span: FileLineSpan): void {
    const nameEnd = callNameEnd(call);
    const core = fileLine.slice(span.start, span.coreEnd);
    // a frame seen before: its function and `file:line +0x…` match, no strings made
    let f = this.frames.get(core);
    while (f !== undefined && !(f.fn.length === nameEnd && call.startsWith(f.fn))) f = f.next;
    f ??= this.newFrame(call.slice(0, nameEnd), core, fileLine, span);
    this.frameLocs.push(f.loc);
    const args = callArgs(call, nameEnd);
    let id = 0;
    if (args === f.args) id = f.argsId;
    else if (args !== '' && args !== '...') {
      id = this.b.strings.intern(args);
      f.args = this.b.strings.get(id);
      f.argsId = id;
    }
    this.frameArgs.push(id);
    if (fileLine.charCodeAt(0) === 0x20 && fileLine.charCodeAt(span.start - 1) === 0x20 && !this.inRace) this.spaced++;
  }

  /** The location of a frame not seen before. */
  private newFrame(fn: string, core: string, fileLine: string, span: FileLineSpan): FrameSeen {
    const b = this.b;
    const fl = fileLineOf(fileLine, span);
    // kept for the whole read: copies, not cuts of the piece of text that holds the line
    const file = ownString(fl.file);
    const lines = [{ function: b.functionId(ownString(fn), file), line: fl.line }];
    const loc = b.locationId(ownString(fn + '\n' + core), fl.pc !== '' && fl.pc.length > 2 && fl.pc.length <= 18 ? BigInt(fl.pc) : 0n, lines, fl.offset);
    if (this.paths.length < 64 && isRuntimeSide(fn)) this.paths.push(file);
    if (fn === 'runtime/pprof.writeGoroutineLeak') this.leakWriter = true;
    const ownCore = ownString(core);
    const f: FrameSeen = { fn: ownString(fn), loc, args: '', argsId: 0, next: this.frames.get(ownCore) ?? undefined };
    this.frames.set(ownCore, f);
    return f;
  }

  /** A line inside a goroutine's record; false when the text is cut inside it. */
  private recordLine(line: string): boolean {
    if (isBlank(line)) {
      this.flush();
      return true;
    }
    const c0 = line.charCodeAt(0);
    if (c0 === 0x09 || c0 === 0x20) return this.indented(line);
    if (c0 === 0x2e && line.startsWith('...') && this.elided(line)) return true;
    if (line.startsWith('created by ')) {
      this.createdBy(line.slice(11));
      return true;
    }
    if (line.startsWith('[originating from goroutine ')) {
      this.to('ancestors');
      return true;
    }
    if (line.startsWith('non-Go function at pc=')) {
      const pc = line.slice(22).trim();
      if (isHexWord(pc)) {
        this.frameLocs.push(this.b.locationId('pc\u0000' + pc, BigInt(pc), []));
        this.frameArgs.push(0);
        return true;
      }
    }
    // a function line; its file:line follows
    const r = this.r;
    const next = r.peek();
    if (next !== null && scanFileLine(next, this.span)) {
      r.next();
      this.addFrame(line, next, this.span);
      return true;
    }
    return this.unpairedCall(line, next);
  }

  /** A function line not followed by its file line: the text cut inside the record, a frame short of a line, or the end of the record. */
  private unpairedCall(line: string, next: string | null): boolean {
    const r = this.r;
    // the text stops inside this goroutine (debug=2 output is cut at 64 MB, logs get cut too)
    const isLast = next === null || r.restIsBlank();
    const nextIsLast = !isLast && r.restAfterPeekIsBlank();
    if ((isLast && (r.endsCut || opensFrame(line))) || (nextIsLast && opensFrame(line) && (r.endsCut || next!.charCodeAt(0) === 0x09))) {
      this.truncatedIn = this.g!.id;
      return false;
    }
    if (looksLikeCall(line)) {
      // a frame whose file line is missing: keep reading the record
      this.skipped.note(r.lineNo, line);
      return true;
    }
    // anything else ends the block: a log line right after the dump
    this.flush();
    return DumpReader.states[this.state](this, line);
  }

  /** An indented line where a function line was expected. */
  private indented(line: string): boolean {
    if (line.includes('stack unavailable')) {
      this.g!.flags |= GoroutineFlag.NoStack;
      return true;
    }
    // a file:line with no function line before it: not part of the dump (unless cut short)
    if (this.r.restIsBlank() && this.r.endsCut) {
      this.truncatedIn = this.g!.id;
      return false;
    }
    this.flush();
    this.noteOther(line);
    if (this.outer !== 'systemStack' && classifyOther(line) === null) this.skipped.note(this.r.lineNo, line);
    return true;
  }

  private elided(line: string): boolean {
    const g = this.g!;
    const m = /^\.\.\.(\d+) frames elided\.\.\.$/.exec(line);
    if (m) {
      g.framesElided += Number(m[1]);
      if (this.minMinor < 21) this.minMinor = 21;
      return true;
    }
    if (line === '...additional frames elided...') {
      // before Go 1.21: printing stopped at 100 frames, how many more is not said
      if (g.framesElided === 0) g.framesElided = 1;
      return true;
    }
    return false;
  }

  private createdBy(rest: string): void {
    const g = this.g!;
    let fn = rest;
    const gi = fn.lastIndexOf(' in goroutine ');
    if (gi >= 0) {
      const num = fn.slice(gi + 14);
      if (num !== '' && /^\d+$/.test(num)) {
        g.createdByGoroutine = Number(num);
        fn = fn.slice(0, gi);
        if (this.minMinor < 21) this.minMinor = 21;
      }
    }
    g.createdByFunction = fn;
    const next = this.r.peek();
    const fl = next !== null ? parseFileLine(next) : null;
    if (fl !== null) {
      this.r.next();
      g.createdByFile = fl.file;
      g.createdByLine = fl.line;
    }
  }

  /** The profile of this dump; `earlier` are the dumps before it in the same text. */
  finish(hasText: boolean, earlier: { line: number; goroutines: number }[]): Profile {
    const b = this.b;
    if (b.sampleCount === 0) {
      if (!hasText) throw new DecodeError('goroutine dump: empty input');
      throw new DecodeError('no goroutine record: no "goroutine N [state]:" header, "COUNT @ 0x…" record or race report found');
    }
    if (this.truncatedIn >= 0) {
      b.warnings.push(`the text ends inside goroutine ${this.truncatedIn}: its stack is incomplete (Go cuts debug=2 output at 64 MB; debug=1 or debug=0 give the full count)`);
    }
    if (this.noStack > 0) b.warnings.push(`${this.noStack} goroutine(s) without a stack`);
    if (earlier.length > 0) b.repairs.push(severalDumps([...earlier, { line: this.firstLine, goroutines: this.goroutines }]));
    this.noteRepairs();
    b.verdict = this.verdict;
    if (this.other) b.header.format = 'traceback';
    b.header.kind = this.leakWriter ? 'goroutineleak' : 'goroutine';
    b.header.goVersion = this.versionLine ?? goVersionFromPaths(this.paths) ?? (this.minMinor > 0 ? `go1.${this.minMinor}+` : null);
    return b.finish();
  }

  private noteRepairs(): void {
    const b = this.b;
    if (this.spaced > 0) b.repairs.push(`${formatCount(this.spaced)} frame file lines indented with spaces where Go prints a tab: read as file lines`);
    if (this.headerless > 0) {
      b.repairs.push(`${formatCount(this.headerless)} stack${this.headerless === 1 ? '' : 's'} without a "goroutine N [state]:" header read as goroutines of unknown state`);
    }
    if (this.repeatedRaces > 0) {
      b.repairs.push(`${this.repeatedRaces} race report${this.repeatedRaces === 1 ? '' : 's'} repeated an earlier one (the same accesses, another run): counted once`);
    }
    b.repairs.push(...this.skipped.sentences());
  }
}

/**
 * A debug=2 dump or traceback read as its text comes, in pieces of any size (a line may be
 * split between two): `push` each piece, then `end` gives the Profile, the same one
 * decodeGoroutineDebug2 gives for the whole text. Memory is bounded by the distinct stacks and a
 * small record per goroutine, not by the text: only the line being read is held (and, once a
 * second dump could start, the text since the point it would start from).
 */
export class GoroutineDebug2Stream {
  private readonly lines = new StreamLines();
  private d = new DumpReader(this.lines, 0, 1);
  private readonly earlier: { line: number; goroutines: number }[] = [];

  push(piece: string): void {
    this.lines.push(piece, this.d.keepFrom());
    if (piece.indexOf('\n') >= 0) this.read();
  }

  /** The profile, once the last piece has been pushed. */
  end(): Profile {
    this.lines.ended = true;
    this.read();
    return this.d.finish(this.lines.hasText, this.earlier);
  }

  private read(): void {
    this.d.run();
    while (this.d.restartAt >= 0) {
      const d = this.d;
      this.earlier.push({ line: d.firstLine, goroutines: d.goroutines });
      this.d = new DumpReader(this.lines, d.restartAt, d.restartLine);
      this.d.run();
    }
  }
}

/**
 * Reads a debug=2 dump or traceback. A text that holds several dumps (a goroutine id comes
 * round again) is read as its last, the latest state, and says so.
 */
export function decodeGoroutineDebug2(text: string): Profile {
  const s = new GoroutineDebug2Stream();
  s.push(text);
  return s.end();
}
