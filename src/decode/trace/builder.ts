/**
 * Output side of the trace decoders: the event columns (grown together), the shared string
 * table, and the frame and stack tables with deduplication across generations.
 *
 * The string, frame and stack tables only grow: a row, once made, keeps its index and content
 * for the whole trace. So a trace decoded one generation at a time can hand out each
 * generation's rows as a part (cut) whose stack and string indices stay valid in every later
 * part and in the finished trace, while the wire format's own ids (per generation) never leave
 * the decoder.
 */

import { resized } from '../../model/builder.js';
import { StringTable } from '../../model/strings.js';
import type { EventColumns, IdColumn, Trace, TraceEvents, TraceFrames, TraceStacks } from '../../model/trace.js';
import { mapColumns, noColumns, TraceEventKind } from '../../model/trace.js';

export interface TraceHeader {
  goVersion: string;
  headerVersion: number;
  family: 'v1' | 'v2';
  frequency: number;
  generations: number;
  clock: { absNs: number; wallSec: number; wallNsec: number; monoNs: number } | null;
}

type Column = Float64Array | Uint8Array | Int32Array | Uint32Array | BigUint64Array;

/** `a`, or when it has no room for `min` rows, `a` doubled until it has (its first `n` rows kept). */
function grown<T extends Column>(a: T, n: number, min: number): T {
  if (min <= a.length) return a;
  let c = Math.max(a.length * 2, 64);
  while (c < min) c *= 2;
  return resized(a, c, n);
}

export class TraceBuilder {
  readonly strings = new StringTable();
  readonly warnings: string[] = [];

  // event columns: rows [0, n) of the current part, room for `cap`
  n = 0;
  private cap = 0;
  private cols: EventColumns = noColumns();

  // frames (row 0 unused)
  private frameKey = new Map<string, number>();
  private nFrames = 1;
  private fPc = new BigUint64Array(64);
  private fFunc = new Uint32Array(64);
  private fFile = new Uint32Array(64);
  private fLine = new Float64Array(64);
  // stacks (row 0 = empty): stack s has frames sFrames[sStart[s] .. sStart[s+1])
  private stackKey = new Map<string, number>();
  private nStacks = 1;
  private sStart = new Uint32Array(64);
  private nStackFrames = 0;
  private sFrames = new Uint32Array(256);

  // over the parts cut so far
  private cutRows = 0;
  /** Absolute time of the first row, once there is one. */
  private t0: number | null = null;
  private lastTime = 0;
  private readonly goroutineIds = new Set<number>();

  constructor(expectedEvents = 1024) {
    this.reserve(Math.max(64, expectedEvents));
  }

  /**
   * Makes room for at least `min` rows in the current part: that many when `exact` (an
   * estimate of a generation's rows), else that many or half as many again as there is room
   * for now, whichever is more (a generation's columns are hundreds of megabytes: doubling them
   * would hold up to twice what the rows need).
   */
  reserve(min: number, exact = false): void {
    if (min <= this.cap) return;
    const c = exact ? min : Math.max(min, Math.ceil(this.cap * 1.5), 64);
    const n = this.n;
    // no rows yet (a generation about to begin, in columns reused): the old columns are let go
    // before the new are made, so that the collection making them sets off can take them back
    if (n === 0) this.emptyColumns();
    this.cols = mapColumns(this.cols, (a) => resized(a, c, n));
    this.cap = c;
  }

  /**
   * The time of the row push() appends next, absolute (cut() and finish() rebase it): a field
   * rather than an argument of push, which a time past 2^31 ns would be a number boxed for, at
   * every row.
   */
  rowTime = 0;

  /** Appends a row at rowTime and returns its index in the current part. */
  push(
    kind: number,
    g: number,
    p: number,
    m: number,
    stack: number,
    resource: number,
    from: number,
    to: number,
    str: number,
    arg0: number,
    arg1: number,
  ): number {
    const i = this.n;
    if (i === this.cap) this.reserve(i + 1);
    if ((g | 0) !== g || (m | 0) !== m || (resource | 0) !== resource || (arg0 | 0) !== arg0 || (arg1 | 0) !== arg1) this.widen(g, m, resource, arg0, arg1);
    const c = this.cols;
    c.time[i] = this.rowTime;
    c.kind[i] = kind;
    c.g[i] = g;
    c.p[i] = p;
    c.m[i] = m;
    c.stack[i] = stack;
    c.resource[i] = resource;
    c.from[i] = from;
    c.to[i] = to;
    c.str[i] = str;
    c.arg0[i] = arg0;
    c.arg1[i] = arg1;
    this.n = i + 1;
    return i;
  }

  /** The id and argument columns a row's values do not fit as 32-bit integers, as doubles from now on. */
  private widen(g: number, m: number, resource: number, arg0: number, arg1: number): void {
    const wide = (a: IdColumn, v: number): IdColumn => ((v | 0) === v || a instanceof Float64Array ? a : Float64Array.from(a));
    const c = this.cols;
    c.g = wide(c.g, g);
    c.m = wide(c.m, m);
    c.resource = wide(c.resource, resource);
    c.arg0 = wide(c.arg0, arg0);
    c.arg1 = wide(c.arg1, arg1);
  }

  /** Drops rows of the current part from index n on (a generation that turned out unusable). */
  truncate(n: number): void {
    if (n < this.n) this.n = n;
  }

  /** Row of the frame (pc, func, file, line), created on first use. func/file are string indices. */
  frame(pc: bigint | number, func: number, file: number, line: number): number {
    const key = pc + ':' + func + ':' + file + ':' + line;
    let row = this.frameKey.get(key);
    if (row === undefined) {
      row = this.nFrames;
      const need = row + 1;
      this.fPc = grown(this.fPc, row, need);
      this.fFunc = grown(this.fFunc, row, need);
      this.fFile = grown(this.fFile, row, need);
      this.fLine = grown(this.fLine, row, need);
      this.fPc[row] = typeof pc === 'bigint' ? pc : BigInt(pc);
      this.fFunc[row] = func;
      this.fFile[row] = file;
      this.fLine[row] = line;
      this.nFrames = need;
      this.frameKey.set(key, row);
    }
    return row;
  }

  /** Row of the stack with these frame rows (leaf first), created on first use; 0 for no frames. */
  stackOf(frames: ArrayLike<number>, count = frames.length): number {
    if (count === 0) return 0;
    let key = '';
    for (let i = 0; i < count; i++) key += frames[i] + ',';
    let row = this.stackKey.get(key);
    if (row === undefined) {
      row = this.nStacks;
      this.sFrames = grown(this.sFrames, this.nStackFrames, this.nStackFrames + count);
      for (let i = 0; i < count; i++) this.sFrames[this.nStackFrames++] = frames[i]!;
      this.sStart = grown(this.sStart, row + 1, row + 2);
      this.sStart[row + 1] = this.nStackFrames;
      this.nStacks = row + 1;
      this.stackKey.set(key, row);
    }
    return row;
  }

  warn(msg: string): void {
    if (!this.warnings.includes(msg)) this.warnings.push(msg);
  }

  /** Rows so far: those of the parts already cut and of the current one. */
  get rows(): number {
    return this.cutRows + this.n;
  }

  /** The frame and stack tables as they stand (views: later rows do not change these). */
  private tables(copy: boolean): { frames: TraceFrames; stacks: TraceStacks } {
    const f = this.nFrames;
    const s = this.nStacks;
    const take = <T extends Column>(a: T, k: number): T => (copy ? (a.slice(0, k) as T) : (a.subarray(0, k) as T));
    return {
      frames: { length: f, pc: take(this.fPc, f), func: take(this.fFunc, f), file: take(this.fFile, f), line: take(this.fLine, f) },
      stacks: { length: s, frameStart: take(this.sStart, s + 1), frames: take(this.sFrames, this.nStackFrames) },
    };
  }

  /**
   * The rows of the current part, rebased to the first row of the trace, as events; the
   * builder then starts an empty part, in new columns, or with `reuse` in the same ones (the
   * rows handed out are then good only until the next row is pushed). Little slack is kept
   * rather than copied.
   */
  private takeEvents(reuse = false): TraceEvents {
    const n = this.n;
    const events: TraceEvents = {
      length: n,
      ...mapColumns(this.cols, (a) => (a.length === n ? a : reuse || a.length - n <= a.length >> 3 ? a.subarray(0, n) : a.slice(0, n)) as typeof a),
    };
    const time = events.time;
    if (n > 0 && this.t0 === null) this.t0 = time[0]!;
    const t0 = this.t0 ?? 0;
    if (t0 !== 0) for (let i = 0; i < n; i++) time[i] = time[i]! - t0;
    // distinct goroutines: every goroutine enters through a create or a status row
    const K = TraceEventKind;
    const kind = events.kind;
    const res = events.resource;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (k === K.GoStatus || k === K.GoCreate || k === K.GoCreateSyscall || k === K.GoCreateBlocked) this.goroutineIds.add(res[i]!);
    }
    if (n > 0) this.lastTime = time[n - 1]!;
    this.cutRows += n;
    this.n = 0;
    if (!reuse) this.emptyColumns();
    return events;
  }

  /** The current part's columns let go, for new empty ones (ids 32-bit again). */
  private emptyColumns(): void {
    this.cols = noColumns();
    this.cap = 0;
  }

  /** No more rows will come: the (empty) current part's columns let go. */
  dropColumns(): void {
    if (this.n > 0) throw new Error('rows left uncut');
    this.emptyColumns();
  }

  private trace(h: TraceHeader, events: TraceEvents, copyTables: boolean): Trace {
    const t0 = this.t0 ?? 0;
    const clock = h.clock
      ? { traceNs: h.clock.absNs - t0, wallSec: h.clock.wallSec, wallNsec: h.clock.wallNsec, monoNs: h.clock.monoNs }
      : null;
    return {
      format: 'trace',
      goVersion: h.goVersion,
      headerVersion: h.headerVersion,
      family: h.family,
      frequency: h.frequency,
      generations: h.generations,
      eventCount: this.cutRows,
      goroutines: this.goroutineIds.size,
      durationNs: this.cutRows > 0 ? this.lastTime : 0,
      clock,
      strings: this.strings,
      ...this.tables(copyTables),
      events,
      warnings: this.warnings,
    };
  }

  /**
   * A part: the current part's rows as `events`, the rest as the trace so far. The builder
   * goes on with an empty part; with `reuse`, in the same columns (see takeEvents).
   */
  cut(h: TraceHeader, reuse = false): Trace {
    return this.trace(h, this.takeEvents(reuse), false);
  }

  /** The trace without rows (after the last cut): its header, totals, tables and warnings. */
  finishParts(h: TraceHeader): Trace {
    if (this.n > 0) throw new Error('rows left uncut');
    return this.trace(h, this.takeEvents(), true);
  }

  /** The whole trace: every row pushed, in one piece. */
  finish(h: TraceHeader): Trace {
    if (this.cutRows > 0) throw new Error('finish() after cut()');
    return this.trace(h, this.takeEvents(), true);
  }
}
