/**
 * Output side of the trace decoders: the event columns (grown together), the shared string
 * table, and the frame and stack tables with deduplication across generations.
 */

import { StringTable } from '../../model/strings.js';
import type { Trace, TraceEvents } from '../../model/trace.js';
import { TraceEventKind } from '../../model/trace.js';

export class TraceBuilder {
  readonly strings = new StringTable();
  readonly warnings: string[] = [];

  // event columns
  n = 0;
  private cap = 0;
  time = new Float64Array(0);
  kind = new Uint8Array(0);
  g = new Float64Array(0);
  p = new Int32Array(0);
  m = new Float64Array(0);
  stack = new Uint32Array(0);
  resource = new Float64Array(0);
  from = new Uint8Array(0);
  to = new Uint8Array(0);
  str = new Uint32Array(0);
  arg0 = new Float64Array(0);
  arg1 = new Float64Array(0);

  // frames (row 0 unused)
  private frameKey = new Map<string, number>();
  private fPc: bigint[] = [0n];
  private fFunc: number[] = [0];
  private fFile: number[] = [0];
  private fLine: number[] = [0];
  // stacks (row 0 = empty)
  private stackKey = new Map<string, number>();
  private sStart: number[] = [0, 0];
  private sFrames: number[] = [];

  constructor(expectedEvents = 1024) {
    this.reserve(Math.max(64, expectedEvents));
  }

  /** Makes room for at least `min` rows in total. */
  reserve(min: number): void {
    if (min <= this.cap) return;
    let c = Math.max(this.cap * 2, 64);
    while (c < min) c *= 2;
    const n = this.n;
    const grow = <T extends Float64Array | Uint8Array | Int32Array | Uint32Array>(a: T, ctor: new (k: number) => T): T => {
      const b = new ctor(c);
      b.set(a.subarray(0, n) as never);
      return b;
    };
    this.time = grow(this.time, Float64Array);
    this.kind = grow(this.kind, Uint8Array);
    this.g = grow(this.g, Float64Array);
    this.p = grow(this.p, Int32Array);
    this.m = grow(this.m, Float64Array);
    this.stack = grow(this.stack, Uint32Array);
    this.resource = grow(this.resource, Float64Array);
    this.from = grow(this.from, Uint8Array);
    this.to = grow(this.to, Uint8Array);
    this.str = grow(this.str, Uint32Array);
    this.arg0 = grow(this.arg0, Float64Array);
    this.arg1 = grow(this.arg1, Float64Array);
    this.cap = c;
  }

  /** Appends a row and returns its index. Time is absolute here; finish() rebases it. */
  push(
    kind: number,
    time: number,
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
    this.time[i] = time;
    this.kind[i] = kind;
    this.g[i] = g;
    this.p[i] = p;
    this.m[i] = m;
    this.stack[i] = stack;
    this.resource[i] = resource;
    this.from[i] = from;
    this.to[i] = to;
    this.str[i] = str;
    this.arg0[i] = arg0;
    this.arg1[i] = arg1;
    this.n = i + 1;
    return i;
  }

  /** Drops rows from index n on (a generation that turned out unusable). */
  truncate(n: number): void {
    if (n < this.n) this.n = n;
  }

  /** Row of the frame (pc, func, file, line), created on first use. func/file are string indices. */
  frame(pc: bigint | number, func: number, file: number, line: number): number {
    const key = pc + ':' + func + ':' + file + ':' + line;
    let row = this.frameKey.get(key);
    if (row === undefined) {
      row = this.fPc.length;
      this.fPc.push(typeof pc === 'bigint' ? pc : BigInt(pc));
      this.fFunc.push(func);
      this.fFile.push(file);
      this.fLine.push(line);
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
      row = this.sStart.length - 1;
      for (let i = 0; i < count; i++) this.sFrames.push(frames[i]!);
      this.sStart.push(this.sFrames.length);
      this.stackKey.set(key, row);
    }
    return row;
  }

  warn(msg: string): void {
    if (!this.warnings.includes(msg)) this.warnings.push(msg);
  }

  finish(h: {
    goVersion: string;
    headerVersion: number;
    family: 'v1' | 'v2';
    frequency: number;
    generations: number;
    clock: { absNs: number; wallSec: number; wallNsec: number; monoNs: number } | null;
  }): Trace {
    const n = this.n;
    // exact-size columns; a little slack is kept rather than copied
    const cut = <T extends Float64Array | Uint8Array | Int32Array | Uint32Array>(a: T): T =>
      (a.length === n ? a : a.length - n <= a.length >> 3 ? a.subarray(0, n) : a.slice(0, n)) as T;
    const time = cut(this.time);
    const t0 = n > 0 ? time[0]! : 0;
    if (t0 !== 0) for (let i = 0; i < n; i++) time[i] = time[i]! - t0;
    const events: TraceEvents = {
      length: n,
      time,
      kind: cut(this.kind),
      g: cut(this.g),
      p: cut(this.p),
      m: cut(this.m),
      stack: cut(this.stack),
      resource: cut(this.resource),
      from: cut(this.from),
      to: cut(this.to),
      str: cut(this.str),
      arg0: cut(this.arg0),
      arg1: cut(this.arg1),
    };
    // distinct goroutines: every goroutine enters through a create or a status row
    const seen = new Set<number>();
    const K = TraceEventKind;
    const kind = events.kind;
    const res = events.resource;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (k === K.GoStatus || k === K.GoCreate || k === K.GoCreateSyscall || k === K.GoCreateBlocked) seen.add(res[i]!);
    }
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
      eventCount: n,
      goroutines: seen.size,
      durationNs: n > 0 ? time[n - 1]! - time[0]! : 0,
      clock,
      strings: this.strings,
      frames: {
        length: this.fPc.length,
        pc: BigUint64Array.from(this.fPc),
        func: Uint32Array.from(this.fFunc),
        file: Uint32Array.from(this.fFile),
        line: Float64Array.from(this.fLine),
      },
      stacks: {
        length: this.sStart.length - 1,
        frameStart: Uint32Array.from(this.sStart),
        frames: Uint32Array.from(this.sFrames),
      },
      events,
      warnings: this.warnings,
    };
  }
}
