/**
 * Blocking profiles of an execution trace, by the rules of `go tool trace -pprof=TYPE`
 * (cmd/trace/pprof.go): a goroutine transition into the tracked state opens an interval, the
 * next transition out of that state closes it, and the interval's count and duration go to the
 * stack of the opening event. Intervals still open when the trace ends are not counted.
 * As `go tool trace -pprof` does, each interval is clipped to its goroutine's life as Go's
 * goroutine summary defines it: from the first time it runs (from the start of the trace if it
 * never runs) to its end or the end of the trace, and empty intervals do not count. A goroutine
 * first runs only by leaving every tracked state, so that clipping drops whole intervals: those
 * that end before the goroutine's first run.
 *
 *   net      Waiting with reason "network"
 *   sync     Waiting with a reason containing "chan", "sync" or "select"
 *   syscall  Syscall
 *   sched    Runnable (waiting for a proc)
 */

import { lengthen, ProfileBuilder, withRoom } from '../../model/builder.js';
import type { Profile } from '../../model/profile.js';
import { GoroutineMap } from './goroutine-map.js';
import { GoState, TraceEventKind, isGoroutineTransition, stackFrameRows, type Trace } from '../../model/trace.js';

export type BlockingType = 'net' | 'sync' | 'syscall' | 'sched';
export const BLOCKING_TYPES: readonly BlockingType[] = ['net', 'sync', 'syscall', 'sched'];

/** One stack of a blocking profile: `stack` is a row of the trace's stack table. */
export interface BlockingRecord {
  stack: number;
  count: number;
  ns: number;
}

function tracks(type: BlockingType, to: number, reason: string): boolean {
  switch (type) {
    case 'net':
      return to === GoState.Waiting && reason === 'network';
    case 'sync':
      return to === GoState.Waiting && (reason.includes('chan') || reason.includes('sync') || reason.includes('select'));
    case 'syscall':
      return to === GoState.Syscall;
    case 'sched':
      return to === GoState.Runnable;
  }
}

const trackedState: Record<BlockingType, GoState> = {
  net: GoState.Waiting,
  sync: GoState.Waiting,
  syscall: GoState.Syscall,
  sched: GoState.Runnable,
};

/**
 * A goroutine's open intervals: bit k of `open` set while profile k's is, since `since[k]` at
 * stack row `stack[k]`. Typed arrays: a time read from a number[] is a number boxed on every read.
 */
interface OpenIntervals {
  since: Float64Array;
  stack: Uint32Array;
  open: number;
  /** Whether the goroutine has run (as `ran` says: kept here so that most rows need no look-up there). */
  ran: boolean;
}

/**
 * Accumulates blocking profiles, one a type, over the rows of a trace, given whole or one
 * generation at a time (`add` in order; open intervals carry over from one call to the next).
 * The types share one pass and one look-up of a goroutine's state an event.
 */
export class BlockingProfiler {
  /** For each goroutine state, the profiles (bit k for profile k) whose intervals it is. */
  private readonly tracking = new Uint32Array(8);
  private readonly intervals = new GoroutineMap<OpenIntervals>();
  /** Each profile's records by stack row, and in the order first seen. */
  private readonly byStack: (BlockingRecord | undefined)[][];
  private readonly inOrder: BlockingRecord[][];
  /** Goroutines seen running. */
  private readonly ran = new GoroutineMap<true>();
  /** Intervals of goroutines not seen running yet: counted only if they never run. */
  private readonly pending = new Map<number, { type: number; stack: number; ns: number }[]>();
  /** tracks, once a profile and wait reason (its string index): 1 yes, 2 no, 0 not asked yet. */
  private readonly reasons: Int8Array[];

  constructor(readonly types: readonly BlockingType[]) {
    if (types.length > 32) throw new Error('at most 32 blocking profiles at once');
    types.forEach((x, k) => (this.tracking[trackedState[x]] |= 1 << k));
    this.byStack = types.map(() => []);
    this.inOrder = types.map(() => []);
    this.reasons = types.map(() => new Int8Array(64));
  }

  add(t: Trace): void {
    const ev = t.events;
    for (const b of this.byStack) lengthen(b, t.stacks.length);
    for (let i = 0; i < ev.length; i++) {
      const kind = ev.kind[i]!;
      if (!isGoroutineTransition(kind) && kind !== TraceEventKind.GoStatus) continue;
      const g = ev.resource[i]!;
      const to = ev.to[i]!;
      let o = this.intervals.get(g);
      const firstRun = to === GoState.Running && !(o?.ran ?? this.ran.has(g));
      if (firstRun) {
        this.ran.set(g, true);
        if (o !== undefined) o.ran = true;
        this.pending.delete(g);
      }
      const open = o?.open ?? 0;
      // profile by profile, the open intervals of other states close, and this state's open
      for (let m = open ^ this.tracking[to]!; m !== 0; m &= m - 1) {
        const k = 31 - Math.clz32(m & -m);
        if ((open & (1 << k)) !== 0) {
          this.close(k, g, o!, ev.time, i, firstRun);
          continue;
        }
        if (!this.reasonTracks(k, to, t, ev.str[i]!)) continue;
        if (o === undefined) this.intervals.set(g, (o = { since: new Float64Array(this.types.length), stack: new Uint32Array(this.types.length), open: 0, ran: this.ran.has(g) }));
        o.since[k] = ev.time[i]!;
        o.stack[k] = ev.stack[i]!;
        o.open |= 1 << k;
      }
      // kept while the goroutine lives, its slots reused: a server's goroutines block and run
      // again millions of times, and a record made each time is as much garbage
      if (o !== undefined && o.open === 0 && to === GoState.NotExist) this.intervals.delete(g);
    }
  }

  /**
   * Goroutine g's interval of profile k, open in `o`, closed at row i (`time` its column: a
   * length passed as an argument would be a number boxed each call).
   */
  private close(k: number, g: number, o: OpenIntervals, time: Float64Array, i: number, firstRun: boolean): void {
    const ns = time[i]! - o.since[k]!;
    const stack = o.stack[k]!;
    o.open &= ~(1 << k);
    if (!(ns > 0)) return;
    // a transition into Running closes the interval at the goroutine's first run: clipped away
    if (firstRun) return;
    if (o.ran) this.count(k, stack, ns);
    else {
      let list = this.pending.get(g);
      if (list === undefined) this.pending.set(g, (list = []));
      list.push({ type: k, stack, ns });
    }
  }

  private reasonTracks(k: number, to: number, t: Trace, str: number): boolean {
    const known = (this.reasons[k] = withRoom(this.reasons[k]!, str + 1));
    if (known[str] === 0) known[str] = tracks(this.types[k]!, to, t.strings.get(str)) ? 1 : 2;
    return known[str] === 1;
  }

  private count(k: number, stack: number, ns: number): void {
    let r = this.byStack[k]![stack];
    if (r === undefined) {
      r = this.byStack[k]![stack] = { stack, count: 0, ns: 0 };
      this.inOrder[k]!.push(r);
    }
    r.count++;
    r.ns += ns;
  }

  /** Each profile so far, in the order of the types; goroutines that never ran count in full. */
  records(): BlockingRecord[][] {
    for (const list of this.pending.values()) for (const x of list) this.count(x.type, x.stack, x.ns);
    this.pending.clear();
    return this.inOrder.map((l) => [...l].sort((a, b) => b.ns - a.ns));
  }
}

export function blockingProfile(t: Trace, type: BlockingType): BlockingRecord[] {
  const p = new BlockingProfiler([type]);
  p.add(t);
  return p.records()[0]!;
}

/**
 * A blocking profile as a model Profile — contentions/count and delay/nanoseconds per stack, the
 * sample types of `go tool trace -pprof` — so the rest of the tool (top functions, correlation
 * with findings, flame graphs, reports) reads it like any block profile.
 */
export function blockingAsProfile(t: Trace, type: BlockingType, records: BlockingRecord[]): Profile {
  const b = new ProfileBuilder({
    format: 'trace',
    kind: 'block',
    sampleTypes: [
      { type: 'contentions', unit: 'count' },
      { type: 'delay', unit: 'nanoseconds' },
    ],
    defaultSampleType: 1,
    periodType: { type: 'trace', unit: 'count' },
    period: 1,
    goVersion: t.goVersion,
    comments: [`${type} blocking profile of an execution trace`],
  });
  const locations = new Map<number, number>();
  for (const r of records) {
    for (const f of stackFrameRows(t, r.stack)) {
      let loc = locations.get(f);
      if (loc === undefined) {
        const fn = b.functionId(t.strings.get(t.frames.func[f]!), t.strings.get(t.frames.file[f]!));
        loc = b.locationId(`f${f}`, t.frames.pc[f]!, [{ function: fn, line: t.frames.line[f]! }]);
        locations.set(f, loc);
      }
      b.frame(loc);
    }
    b.endSample([r.count, Math.round(r.ns)]);
  }
  return b.finish();
}
