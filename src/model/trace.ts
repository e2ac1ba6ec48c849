/**
 * The normalised Go execution trace: one shape for both wire families (v1: Go 1.7–1.21,
 * v2: Go 1.22+).
 *
 * Built for traces of 100+ MB: there is no object per event. Events are rows of typed-array
 * columns; stacks are rows of a stack table whose frames live in a frame table; every string
 * (function and file names, block reasons, task and region names, log messages) lives once in
 * the trace's StringTable.
 *
 * ## What a row is, and what `events.length` counts
 *
 * One row per event that Go's own trace reader (`internal/trace.Reader.ReadEvent`, the
 * stream `go tool trace -d=parsed` prints one event per line starting with `M=`) yields, in
 * the same order:
 * - one `Sync` row at the start of every generation and one final `Sync` row (a v1 trace is
 *   one generation: a `Sync` first and a `Sync` last);
 * - every timed event of every M, ordered the way Go orders them (timestamps plus the
 *   goroutine, proc and GC sequence numbers), CPU samples merged in by time;
 * - the events Go synthesises: a `GoSwitch` yields three rows (the switch, then `GoBlock`
 *   or `GoDestroy` of the switching goroutine, then `GoStart` of the target); a
 *   `GoDestroySyscall` on a thread still holding a proc is preceded by a self `ProcSteal`;
 *   a v1 `GoSysCall` that did not block becomes `GoSyscallBegin` + `GoSyscallEnd` 1 ns later,
 *   a v1 `GoStartLabel` becomes `GoStart` + `GoLabel`, goroutines that existed when a v1 trace
 *   started become `GoStatus` rows.
 * Not rows: structural data (batches, string and stack tables, frequency, clock snapshots),
 * experimental batches, v1 `GoSysBlock` (folded into the syscall it ends), the first v1
 * `Gomaxprocs` (Go drops it too), v1 `FutileWakeup` markers and `TimerGoroutine` notes.
 * So for a trace Go reads without error, `events.length` equals the number of events
 * `go tool trace -d=parsed` prints.
 *
 * Go fails on a v1 trace holding `FutileWakeup` markers (Go 1.7–1.10); this decoder skips them
 * with a warning. A v2 generation Go cannot order is an error for Go; here it is dropped with
 * a warning when earlier generations decoded (their rows and one closing `Sync` stay: the
 * rows `go tool trace` keeps before reporting the error).
 *
 * `goroutines` counts distinct goroutine ids whose state a row changes (the `GoID=` values of
 * `-d=parsed`); every goroutine enters the trace through a create or a status row.
 *
 * ## Times
 * `time` is nanoseconds since the first row (the first `Sync`), computed from ticks exactly as
 * Go does (`int64(float64(ticks) * nsPerTick)`, then bumped to stay strictly increasing).
 */

import { StringTable } from './strings.js';

export { StringTable };

/** Normalised event kinds, shared by both wire families (Uint8Array values). */
export const TraceEventKind = {
  /** Generation boundary. arg0 = sync number (1-based), arg1 = generation number (v1: 1). */
  Sync: 1,
  /** GOMAXPROCS changed. arg0 = new value. */
  ProcsChange: 2,
  /** Proc transitions; resource = proc id, from/to = ProcState. */
  ProcStart: 3,
  ProcStop: 4,
  /** The proc was taken from a thread blocked in a syscall; arg0 = that thread. */
  ProcSteal: 5,
  /** Proc status snapshot at a generation start. */
  ProcStatus: 6,
  /** Goroutine transitions; resource = goroutine id, from/to = GoState. */
  GoCreate: 7, // arg0 = stack row where the new goroutine starts; stack = creator's stack
  GoCreateSyscall: 8,
  GoCreateBlocked: 9, // arg0 as GoCreate
  GoStart: 10,
  GoDestroy: 11,
  GoDestroySyscall: 12,
  GoStop: 13, // str = reason ("preempted", "runtime.Gosched", …)
  GoBlock: 14, // str = reason ("chan receive", "sync", "select", …)
  GoUnblock: 15, // stack = unblocker's stack, g = unblocking goroutine
  GoSyscallBegin: 16,
  GoSyscallEnd: 17,
  GoSyscallEndBlocked: 18,
  /**
   * Goroutine status snapshot (GoStatus / GoStatusStack, and v1 goroutines alive at trace
   * start): from = Undetermined the first time, to = its state; stack = its current stack when
   * the trace carries it (Go 1.23+); arg0 = the thread of a goroutine in a syscall (-1 none).
   */
  GoStatus: 19,
  /** Coroutine switch: resource (the target) goes Waiting → Runnable; rows for the rest follow. */
  GoSwitch: 20,
  GoSwitchDestroy: 21,
  /** Stop-the-world range on goroutine g; str = kind ("GC mark termination", …). */
  STWBegin: 22,
  STWEnd: 23,
  /** GC mark phase range; arg0 = GC sequence number. */
  GCActive: 24,
  GCBegin: 25,
  GCEnd: 26,
  /** Sweep range on a proc; GCSweepActive: arg0 = proc. GCSweepEnd: arg0 = swept, arg1 = reclaimed bytes. */
  GCSweepActive: 27,
  GCSweepBegin: 28,
  GCSweepEnd: 29,
  /** Mark assist range on a goroutine; GCMarkAssistActive: arg0 = goroutine. */
  GCMarkAssistActive: 30,
  GCMarkAssistBegin: 31,
  GCMarkAssistEnd: 32,
  /** arg0 = bytes. */
  HeapAlloc: 33,
  HeapGoal: 34,
  /** str = label applied to goroutine g. */
  GoLabel: 35,
  /** arg0 = task id, arg1 = parent task id (-1 none), str = task type. */
  TaskBegin: 36,
  TaskEnd: 37,
  /** arg0 = task id, str = region type. */
  RegionBegin: 38,
  RegionEnd: 39,
  /** arg0 = task id, str = category, arg1 = message (string index). */
  Log: 40,
  /** CPU profile sample: g/p/m = where it was taken, stack = sampled stack. */
  CPUSample: 41,
  /** Event of a runtime experiment: str = its name, arg0/arg1 = its first two arguments. */
  Experimental: 42,
} as const;
export type TraceEventKind = (typeof TraceEventKind)[keyof typeof TraceEventKind];

/** Name of each kind, indexed by its value. */
export const traceEventKindNames: readonly string[] = (() => {
  const names: string[] = [];
  for (const [k, v] of Object.entries(TraceEventKind)) names[v] = k;
  for (let i = 0; i < names.length; i++) if (names[i] === undefined) names[i] = `Kind${i}`;
  return names;
})();

/** Goroutine states (as Go's internal/trace GoState). */
export const GoState = {
  Undetermined: 0,
  NotExist: 1,
  Runnable: 2,
  Running: 3,
  Waiting: 4,
  Syscall: 5,
} as const;
export type GoState = (typeof GoState)[keyof typeof GoState];
export const goStateNames = ['Undetermined', 'NotExist', 'Runnable', 'Running', 'Waiting', 'Syscall'] as const;

/** Proc states (as Go's internal/trace ProcState). */
export const ProcState = {
  Undetermined: 0,
  NotExist: 1,
  Running: 2,
  Idle: 3,
} as const;
export type ProcState = (typeof ProcState)[keyof typeof ProcState];
export const procStateNames = ['Undetermined', 'NotExist', 'Running', 'Idle'] as const;

/** True for kinds whose `resource` is a proc (from/to are ProcState). */
export function isProcTransition(kind: number): boolean {
  return kind >= TraceEventKind.ProcStart && kind <= TraceEventKind.ProcStatus;
}

/** True for kinds whose `resource` is a goroutine (from/to are GoState). */
export function isGoroutineTransition(kind: number): boolean {
  return kind >= TraceEventKind.GoCreate && kind <= TraceEventKind.GoSwitchDestroy;
}

/**
 * A column of ids or arguments: 32-bit integers while every value of the part fits, else
 * doubles (a thread id past 2^31 on some systems, a heap size past 2 GiB), so that the rows of
 * a generation of millions of events take less than half the memory doubles would.
 */
export type IdColumn = Int32Array | Float64Array;

/**
 * The events, one row each (see the file comment for what a row is). Ids are numbers;
 * -1 stands for "none" (Go's NoGoroutine / NoProc / NoThread / NoTask, the all-ones sentinels
 * of the wire format).
 */
export interface TraceEvents {
  length: number;
  /** Nanoseconds since the first row. */
  time: Float64Array;
  /** TraceEventKind. */
  kind: Uint8Array;
  /** Goroutine running on the thread when the event happened, before any transition it makes (-1 none). */
  g: IdColumn;
  /** Proc held by the thread (-1 none). v1 pseudo-procs (timers, netpoll, syscalls, GC) are -1. */
  p: Int32Array;
  /** Thread (OS thread id in v2, runtime M id in v1; -1 unknown). */
  m: IdColumn;
  /** Row in the stack table; 0 = no stack. */
  stack: Uint32Array;
  /** Goroutine or proc whose state the row changes (see isGoroutineTransition / isProcTransition), else -1. */
  resource: IdColumn;
  /** State before and after (GoState or ProcState); 0 for other kinds. */
  from: Uint8Array;
  to: Uint8Array;
  /** String index: block/stop reason, STW kind, label, task/region type, log category; 0 = none. */
  str: Uint32Array;
  /** Kind-specific arguments (see TraceEventKind). */
  arg0: IdColumn;
  arg1: IdColumn;
}

/** The columns of TraceEvents (all but `length`). */
export type EventColumns = Omit<TraceEvents, 'length'>;
export const EVENT_COLUMNS = ['time', 'kind', 'g', 'p', 'm', 'stack', 'resource', 'from', 'to', 'str', 'arg0', 'arg1'] as const satisfies readonly (keyof EventColumns)[];

/** Each column of `c` through `f` (which keeps its type), in EVENT_COLUMNS order. */
export function mapColumns(c: EventColumns, f: <T extends EventColumns[keyof EventColumns]>(column: T) => T): EventColumns {
  const out = {} as Record<keyof EventColumns, EventColumns[keyof EventColumns]>;
  for (const k of EVENT_COLUMNS) out[k] = f(c[k]);
  return out as EventColumns;
}

/** No rows: every column empty, the id and argument columns 32-bit (IdColumn). */
export function noEvents(): TraceEvents {
  return { length: 0, ...noColumns() };
}

/** Every event column empty, as noEvents has them. */
export function noColumns(): EventColumns {
  return {
    time: new Float64Array(0),
    kind: new Uint8Array(0),
    g: new Int32Array(0),
    p: new Int32Array(0),
    m: new Int32Array(0),
    stack: new Uint32Array(0),
    resource: new Int32Array(0),
    from: new Uint8Array(0),
    to: new Uint8Array(0),
    str: new Uint32Array(0),
    arg0: new Int32Array(0),
    arg1: new Int32Array(0),
  };
}

/** Frames: one row per distinct (pc, function, file, line). Row 0 is unused. */
export interface TraceFrames {
  length: number;
  pc: BigUint64Array;
  /** String indices. */
  func: Uint32Array;
  file: Uint32Array;
  line: Float64Array;
}

/**
 * Stacks: row s has frames `frames[frameStart[s] .. frameStart[s+1])` (rows of the frame
 * table, leaf first). Row 0 is the empty stack ("no stack"). Stacks are shared across
 * generations: the same frames always give the same row.
 */
export interface TraceStacks {
  length: number;
  frameStart: Uint32Array; // length + 1 entries
  frames: Uint32Array;
}

/** A simultaneous reading of the trace clock and the wall clock (Go 1.25+). */
export interface TraceClockSnapshot {
  /** Trace time of the reading, in ns since the first row (may be negative). */
  traceNs: number;
  /** Wall clock (Unix seconds and nanoseconds). */
  wallSec: number;
  wallNsec: number;
  /** Monotonic clock, ns. */
  monoNs: number;
}

export interface Trace {
  format: 'trace';
  /** From the header: "go1.21" for `go 1.21 trace`. The 1.23 header is also written by Go 1.24, 1.26 by 1.27. */
  goVersion: string;
  /** The minor version the header names (21 for `go 1.21 trace`). */
  headerVersion: number;
  family: 'v1' | 'v2';
  /** Trace clock ticks per second (of the first generation; v2 generations may differ). */
  frequency: number;
  /** Generations decoded (v1: 1). */
  generations: number;
  /** Number of rows (== events.length); see the file comment. */
  eventCount: number;
  /** Distinct goroutines whose state some row changes. */
  goroutines: number;
  /** Time from the first row to the last, ns. */
  durationNs: number;
  /** Clock snapshot of the first generation that has one, or null. */
  clock: TraceClockSnapshot | null;
  strings: StringTable;
  frames: TraceFrames;
  stacks: TraceStacks;
  events: TraceEvents;
  /**
   * What the decoder could not use, e.g. "truncated: generation 7 incomplete (…); analysed the
   * first 6 generations (6.001 s), 1234 bytes dropped (3% of the input)".
   */
  warnings: string[];
}

/** Frame rows of stack `s`, leaf first. */
export function stackFrameRows(t: Trace, s: number): Uint32Array {
  const { frameStart, frames } = t.stacks;
  if (s <= 0 || s >= t.stacks.length) return new Uint32Array(0);
  return frames.subarray(frameStart[s]!, frameStart[s + 1]!);
}

/** Function names of stack `s`, leaf first. */
export function stackFunctions(t: Trace, s: number): string[] {
  const out: string[] = [];
  for (const f of stackFrameRows(t, s)) out.push(t.strings.get(t.frames.func[f]!));
  return out;
}
