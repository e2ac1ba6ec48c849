/**
 * The normalised profile: one shape for every input that carries stacks with values
 * (pprof protobuf, goroutine text dumps, legacy text and binary profiles, and later the
 * blocking profiles built from execution traces).
 *
 * Built for inputs of 100k goroutines and 50 MB+ heap profiles: there is no object per
 * sample, location, line or function. Each table is a set of typed-array columns indexed
 * by row number, and every string lives once in the profile's string table.
 *
 * Vocabulary follows profile.proto: a *sample* has values (one per *sample type*) and a
 * stack of *locations*, leaf first; a location has one or more *lines*, innermost first
 * (several lines = inlined calls folded into one PC); a line names a *function*.
 * A *frame* is one line of one location: what a human reads as one stack entry.
 */

import { StringTable } from './strings.js';

export { StringTable };

/** What a profile measures; inferred from its sample types and, where they are ambiguous, its stacks. */
export type ProfileKind =
  | 'goroutine'
  | 'goroutineleak'
  | 'heap'
  | 'allocs'
  | 'cpu'
  | 'block'
  | 'mutex'
  | 'threadcreate'
  | 'contention'
  | 'wall'
  | 'trace'
  | 'other';

/** The encoding the input arrived in. */
export type InputFormat =
  | 'pprof' // profile.proto, gzipped or not
  | 'goroutine-debug1' // /debug/pprof/goroutine?debug=1
  | 'goroutine-debug2' // /debug/pprof/goroutine?debug=2, runtime.Stack(all)
  | 'traceback' // panic / fatal error / SIGQUIT output, possibly inside a log
  | 'legacy-heap' // "heap profile: ..." text (heap?debug=1 and older C++ forms)
  | 'legacy-contention' // "--- contention:" / "--- mutex:" text
  | 'legacy-threadcreate' // "threadcreate profile: total N" text
  | 'legacy-cpu' // legacy binary CPU profile (header 0 3 0 period)
  | 'trace'; // Go execution trace

export interface ValueType {
  type: string;
  unit: string;
}

export interface Mapping {
  id: number;
  /** Address range and file offset; bigint because Go addresses use all 64 bits. */
  memoryStart: bigint;
  memoryLimit: bigint;
  fileOffset: bigint;
  filename: string;
  buildId: string;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

/** Functions: one row per distinct function. All name columns are string-table indices. */
export interface FunctionTable {
  length: number;
  /** Name as written by the producer, e.g. `github.com/jackc/puddle/v2.(*Pool[go.shape.*uint8]).acquire`. */
  name: Uint32Array;
  /** Name used for matching: generic instantiations folded to `[...]` (`(*Pool[...]).acquire`). */
  normalizedName: Uint32Array;
  systemName: Uint32Array;
  filename: Uint32Array;
  startLine: Float64Array;
}

/** Lines: one row per (location, inlined call) pair, stored contiguously per location. */
export interface LineTable {
  length: number;
  /** Row in the function table. */
  function: Uint32Array;
  line: Float64Array;
  column: Float64Array;
}

/** Locations: one row per distinct PC (or, for text dumps, per distinct function+file+line+offset). */
export interface LocationTable {
  length: number;
  /** Program counter; 0n where the input has none (debug=2 text). */
  address: BigUint64Array;
  /** Row in `mappings`, or -1. */
  mapping: Int32Array;
  /** First row in the line table; lines of one location are contiguous, innermost first. */
  lineStart: Uint32Array;
  lineCount: Uint32Array;
  isFolded: Uint8Array;
  /** `+0x4f` offset printed in text dumps, -1 where unknown. */
  pcOffset: Float64Array;
}

/**
 * Location rows, as narrow as a profile's number of locations allows: a profile of a few hundred
 * locations takes one byte a frame, so that the deep stacks of millions of samples fit in memory
 * no larger than the profile itself.
 */
export type LocationRows = Uint8Array | Uint16Array | Uint32Array;

/**
 * Samples. Sample i has values `values[i*sampleTypes.length + j]`, its stack is
 * `stack[stackStart[i] .. stackStart[i+1])` (location rows, leaf first), and its labels are
 * rows `labelStart[i] .. labelStart[i+1]` of the label columns.
 */
export interface SampleTable {
  length: number;
  values: Float64Array;
  stackStart: Uint32Array; // length + 1 entries
  stack: LocationRows;
  labelStart: Uint32Array; // length + 1 entries
  labelKey: Uint32Array;
  /** String value (string index), 0 when the label is numeric. */
  labelStr: Uint32Array;
  labelNum: Float64Array;
  /** Unit of a numeric label (string index), 0 when none. */
  labelUnit: Uint32Array;
}

/**
 * Per-goroutine records from text dumps (debug=2 / tracebacks). In such a profile every sample is
 * one goroutine with value 1, and row i of this table describes sample i.
 */
export interface GoroutineTable {
  length: number;
  id: Float64Array;
  /** Wait reason or status as printed in the header: `select`, `IO wait`, `running`, `sync.Mutex.Lock` … (string index). */
  waitReason: Uint32Array;
  /** `N minutes` from the header; -1 when not printed. */
  waitMinutes: Int32Array;
  /** Bit flags, see GoroutineFlag. */
  flags: Uint8Array;
  /** `created by` function (string index, 0 = none), its file, line and the creating goroutine (-1 unknown). */
  createdByFunction: Uint32Array;
  createdByFile: Uint32Array;
  createdByLine: Float64Array;
  createdByGoroutine: Float64Array;
  /** `...N frames elided...` count, 0 when the stack is whole. */
  framesElided: Uint32Array;
  /**
   * Arguments of each frame as printed, e.g. `0xc000123000, 0x1?` (string index, 0 = none or
   * `...`), aligned with `SampleTable.stack`: frameArgs[k] belongs to the frame at stack[k].
   * Where a location has several inlined lines the args are those of its innermost line.
   */
  frameArgs: Uint32Array;
}

export const GoroutineFlag = {
  LockedToThread: 1,
  Leaked: 2,
  Durable: 4,
  /** The header said `(stack unavailable)` or no frames followed. */
  NoStack: 8,
  /** The dump was taken from this goroutine (the `running` one that printed it). */
  Current: 16,
} as const;

/** What the runtime itself printed about the process, read from a traceback. */
export type VerdictKind = 'deadlock' | 'panic' | 'fatal-error' | 'signal' | 'test-timeout' | 'data-race' | 'leak-check';

/** One access of a data race report: the goroutine that made it and the sample holding its stack. */
export interface RaceAccess {
  /** `Write at 0x00c0000b4010`, `Previous read at 0x00c0000b4010`, as printed. */
  access: string;
  /** The goroutine id; 1 for `by main goroutine`. */
  goroutine: number;
  /** Row of the sample whose stack is this access. */
  sample: number;
}

/**
 * The runtime's own verdict on the process, as a traceback states it: `fatal error: all
 * goroutines are asleep - deadlock!`, `panic: …`, `panic: test timed out after 10m0s`, a
 * fatal signal, or the race detector's `WARNING: DATA RACE`. Go has proven these; they lead
 * the diagnosis.
 */
export interface RuntimeVerdict {
  kind: VerdictKind;
  /** The line as printed, e.g. `fatal error: concurrent map writes`. */
  message: string;
  /** 1-based line of the message in the text read. */
  line: number;
  /** The goroutine running when it happened (the one that panicked), -1 when not known. */
  goroutine: number;
  /** A test time-out's `running tests:`, e.g. `TestCheckout (10s)`. */
  tests: string[];
  /** Data races, each with its accesses. */
  races: RaceAccess[][];
}

/** A legacy debug=1 bucket's `#` lines and `# labels:` survive as-is for readers who want them. */
export interface Profile {
  format: InputFormat;
  kind: ProfileKind;
  strings: StringTable;
  sampleTypes: ValueType[];
  /** Index into sampleTypes of the type a viewer should show first. */
  defaultSampleType: number;
  periodType: ValueType | null;
  period: number;
  timeNanos: number;
  durationNanos: number;
  comments: string[];
  /** Go version when it can be told (`go1.24.2`), from comments, headers, build info or file paths. */
  goVersion: string | null;
  /** Goroutine total the input itself states (`goroutine profile: total N`), or null. */
  statedTotal: number | null;
  mappings: Mapping[];
  functions: FunctionTable;
  locations: LocationTable;
  lines: LineTable;
  samples: SampleTable;
  /** Present for inputs that carry per-goroutine headers (debug=2, tracebacks). */
  goroutines: GoroutineTable | null;
  /** Notes the decoder wants a reader to see (e.g. "3 goroutines had no stack"). */
  warnings: string[];
  /**
   * What was repaired or skipped to read a pasted dump (a missing header, spaces for tabs, log
   * prefixes, lines not understood, several dumps); absent or empty for a clean input.
   */
  repairs?: string[];
  /** The runtime's own verdict, when the text is a crash, deadlock, test time-out or race report. */
  verdict?: RuntimeVerdict | null;
}
