/**
 * Growable column storage and a ProfileBuilder for decoders that produce a Profile from text
 * (goroutine dumps, legacy profiles) or from events (execution traces). The pprof decoder fills
 * the typed arrays directly and does not need it.
 */

import { normalizeFunctionName } from './names.js';
import type {
  FunctionTable,
  GoroutineTable,
  InputFormat,
  LineTable,
  LocationTable,
  Mapping,
  Profile,
  ProfileKind,
  RuntimeVerdict,
  SampleTable,
  ValueType,
} from './profile.js';
import { StringTable } from './strings.js';

type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int32Array
  | Float64Array
  | BigUint64Array;
type TypedArrayCtor<T extends TypedArray> = { new (n: number): T };

/**
 * A column grown: a typed array of the same type with room for `capacity` elements, holding the
 * first `keep` elements of `a` (all of them by default), zero past them. The one place columns
 * grow; how much each grows by is its owner's choice (doubling, half as much again, exact).
 * Called only when a column is full, never for each element, so that the elements' own loops
 * stay monomorphic.
 */
export function resized<T extends TypedArray>(a: T, capacity: number, keep = a.length): T {
  const out = new (a.constructor as TypedArrayCtor<T>)(capacity);
  out.set((keep === a.length ? a : a.subarray(0, keep)) as never);
  return out;
}

/**
 * A typed array indexed by id with room for ids below `need`: `a` itself when it has it, else a
 * copy at least twice as long (the ids past its end zero).
 */
export function withRoom<T extends TypedArray>(a: T, need: number): T {
  return need <= a.length ? a : resized(a, Math.max(a.length * 2, need));
}

/**
 * An array indexed by id made at least `n` long, with `undefined` for the ids past its end: pushed
 * one by one, so that it stays an array of elements rather than a dictionary, which an array
 * written far past its end becomes.
 */
export function lengthen<T>(a: (T | undefined)[], n: number): void {
  while (a.length < n) a.push(undefined);
}

/** An append-only typed-array column that doubles when full. */
export class Column<T extends TypedArray> {
  data: T;
  length = 0;
  constructor(ctor: TypedArrayCtor<T>, initial = 64) {
    this.data = new ctor(initial);
  }
  push(v: T extends BigUint64Array ? bigint : number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    (this.data as unknown as Array<unknown>)[this.length++] = v;
  }
  /** Room for `n` elements in all, made at once (no doubling) when there is less. */
  reserve(n: number): void {
    if (this.data.length < n) this.data = resized(this.data, n, this.length);
  }
  grow(min: number): void {
    let n = this.data.length * 2;
    while (n < min) n *= 2;
    this.data = resized(this.data, n);
  }
  /** The filled part, trimmed to its length (a copy only when there is slack). */
  finish(): T {
    return this.data.length === this.length
      ? this.data
      : (this.data.slice(0, this.length) as T);
  }
}

/*
 * Columns of the two element types the decoders fill most, each with a push of its own: the
 * store in a push that every kind of column shares sees five kinds of typed array and is
 * megamorphic, several times slower (a tenth of a large text dump's decoding).
 */

export class Uint32Column extends Column<Uint32Array> {
  constructor(initial?: number) {
    super(Uint32Array, initial);
  }
  override push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
}

export class Float64Column extends Column<Float64Array> {
  constructor(initial?: number) {
    super(Float64Array, initial);
  }
  override push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
}

export interface ProfileHeader {
  format: InputFormat;
  kind: ProfileKind;
  sampleTypes: ValueType[];
  defaultSampleType?: number;
  periodType?: ValueType | null;
  period?: number;
  timeNanos?: number;
  durationNanos?: number;
  comments?: string[];
  goVersion?: string | null;
  statedTotal?: number | null;
}

/** Per-goroutine header fields for `ProfileBuilder.addGoroutine`. */
export interface GoroutineHeader {
  id: number;
  waitReason: string;
  waitMinutes: number; // -1 unknown
  flags: number;
  createdByFunction: string;
  createdByFile: string;
  createdByLine: number;
  createdByGoroutine: number; // -1 unknown
  framesElided: number;
}

export class ProfileBuilder {
  readonly strings = new StringTable();
  readonly mappings: Mapping[] = [];
  readonly warnings: string[] = [];
  readonly repairs: string[] = [];
  verdict: RuntimeVerdict | null = null;
  header: ProfileHeader;

  // functions
  private fnKey = new Map<string, number>();
  private fnName = new Uint32Column();
  private fnNorm = new Uint32Column();
  private fnSys = new Uint32Column();
  private fnFile = new Uint32Column();
  private fnStart = new Float64Column();
  // lines
  private lnFunction = new Uint32Column();
  private lnLine = new Float64Column();
  private lnColumn = new Float64Column();
  // locations
  private locKey = new Map<string, number>();
  private locAddress = new Column(BigUint64Array);
  private locMapping = new Column(Int32Array);
  private locLineStart = new Uint32Column();
  private locLineCount = new Uint32Column();
  private locFolded = new Column(Uint8Array);
  private locOffset = new Float64Column();
  // samples
  private nSamples = 0;
  private values = new Float64Column();
  private stackStart = new Uint32Column();
  private stack = new Uint32Column();
  private labelStart = new Uint32Column();
  private labelKey = new Uint32Column();
  private labelStr = new Uint32Column();
  private labelNum = new Float64Column();
  private labelUnit = new Uint32Column();
  // goroutines (debug=2 and tracebacks)
  private hasGoroutines = false;
  private gId = new Float64Column();
  private gReason = new Uint32Column();
  private gMinutes = new Column(Int32Array);
  private gFlags = new Column(Uint8Array);
  private gCbFn = new Uint32Column();
  private gCbFile = new Uint32Column();
  private gCbLine = new Float64Column();
  private gCbG = new Float64Column();
  private gElided = new Uint32Column();
  private frameArgs = new Uint32Column();

  constructor(header: ProfileHeader) {
    this.header = header;
    this.stackStart.push(0);
    this.labelStart.push(0);
  }

  /** Row of the function with this name and file, created on first use. */
  functionId(name: string, file: string, startLine = 0): number {
    const key = name + '\u0000' + file;
    let id = this.fnKey.get(key);
    if (id === undefined) {
      id = this.fnName.length;
      const nameIdx = this.strings.intern(name);
      const norm = normalizeFunctionName(name);
      this.fnName.push(nameIdx);
      this.fnNorm.push(norm === name ? nameIdx : this.strings.intern(norm));
      this.fnSys.push(nameIdx);
      this.fnFile.push(this.strings.intern(file));
      this.fnStart.push(startLine);
      this.fnKey.set(key, id);
    }
    return id;
  }

  /**
   * Row of a location with one or more lines (innermost first), deduplicated by `key`
   * (e.g. the PC, or function+file+line+offset for text dumps).
   */
  locationId(
    key: string,
    address: bigint,
    lines: ReadonlyArray<{ function: number; line: number }>,
    pcOffset = -1,
  ): number {
    let id = this.locKey.get(key);
    if (id !== undefined) return id;
    id = this.locAddress.length;
    this.locAddress.push(address);
    this.locMapping.push(-1);
    this.locLineStart.push(this.lnFunction.length);
    this.locLineCount.push(lines.length);
    this.locFolded.push(0);
    this.locOffset.push(pcOffset);
    for (const l of lines) {
      this.lnFunction.push(l.function);
      this.lnLine.push(l.line);
      this.lnColumn.push(0);
    }
    this.locKey.set(key, id);
    return id;
  }

  /** Convenience for text frames: one function at one line, deduplicated by everything printed. */
  frameLocation(fn: string, file: string, line: number, pcOffset = -1): number {
    const key = fn + '\u0000' + file + '\u0000' + line + '\u0000' + pcOffset;
    const existing = this.locKey.get(key);
    if (existing !== undefined) return existing;
    const f = this.functionId(fn, file);
    return this.locationId(key, 0n, [{ function: f, line }], pcOffset);
  }

  /** Appends a label to the sample being built (call before `endSample`). */
  label(key: string, str: string | null, num = 0, unit = ''): void {
    this.labelKey.push(this.strings.intern(key));
    this.labelStr.push(str === null ? 0 : this.strings.intern(str));
    this.labelNum.push(num);
    this.labelUnit.push(this.strings.intern(unit));
  }

  /** Appends a location to the stack of the sample being built (leaf first). */
  frame(location: number, args = 0): void {
    this.stack.push(location);
    if (this.hasGoroutines) this.frameArgs.push(args);
  }

  /** Appends locations[0, n) to the stack of the sample being built (leaf first): `frame` for each, at once. */
  frames(locations: ArrayLike<number>, n: number): void {
    const s = this.stack;
    if (s.length + n > s.data.length) s.grow(s.length + n);
    const d = s.data;
    for (let i = 0, at = s.length; i < n; i++, at++) d[at] = locations[i]!;
    s.length += n;
    if (this.hasGoroutines) for (let i = 0; i < n; i++) this.frameArgs.push(0);
  }

  /** Room for `samples` more samples of `frames` frames in all, made at once (a reader that knows how many). */
  reserve(samples: number, frames: number): void {
    this.stack.reserve(this.stack.length + frames);
    this.values.reserve(this.values.length + samples * this.header.sampleTypes.length);
    this.stackStart.reserve(this.stackStart.length + samples);
    this.labelStart.reserve(this.labelStart.length + samples);
  }

  /** Closes the sample being built with one value per sample type. */
  endSample(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.values.push(values[i]!);
    this.stackStart.push(this.stack.length);
    this.labelStart.push(this.labelKey.length);
    this.nSamples++;
  }

  /** Starts a goroutine record; frames and labels follow, then `endSample([1])`. */
  addGoroutine(g: GoroutineHeader): void {
    if (!this.hasGoroutines) {
      if (this.nSamples > 0) throw new Error('goroutine records must come before other samples');
      this.hasGoroutines = true;
    }
    this.gId.push(g.id);
    this.gReason.push(this.strings.intern(g.waitReason));
    this.gMinutes.push(g.waitMinutes);
    this.gFlags.push(g.flags);
    this.gCbFn.push(this.strings.intern(g.createdByFunction));
    this.gCbFile.push(this.strings.intern(g.createdByFile));
    this.gCbLine.push(g.createdByLine);
    this.gCbG.push(g.createdByGoroutine);
    this.gElided.push(g.framesElided);
  }

  get sampleCount(): number {
    return this.nSamples;
  }

  finish(): Profile {
    const h = this.header;
    const functions: FunctionTable = {
      length: this.fnName.length,
      name: this.fnName.finish(),
      normalizedName: this.fnNorm.finish(),
      systemName: this.fnSys.finish(),
      filename: this.fnFile.finish(),
      startLine: this.fnStart.finish(),
    };
    const lines: LineTable = {
      length: this.lnFunction.length,
      function: this.lnFunction.finish(),
      line: this.lnLine.finish(),
      column: this.lnColumn.finish(),
    };
    const locations: LocationTable = {
      length: this.locAddress.length,
      address: this.locAddress.finish(),
      mapping: this.locMapping.finish(),
      lineStart: this.locLineStart.finish(),
      lineCount: this.locLineCount.finish(),
      isFolded: this.locFolded.finish(),
      pcOffset: this.locOffset.finish(),
    };
    const samples: SampleTable = {
      length: this.nSamples,
      values: this.values.finish(),
      stackStart: this.stackStart.finish(),
      stack: this.stack.finish(),
      labelStart: this.labelStart.finish(),
      labelKey: this.labelKey.finish(),
      labelStr: this.labelStr.finish(),
      labelNum: this.labelNum.finish(),
      labelUnit: this.labelUnit.finish(),
    };
    let goroutines: GoroutineTable | null = null;
    if (this.hasGoroutines) {
      goroutines = {
        length: this.gId.length,
        id: this.gId.finish(),
        waitReason: this.gReason.finish(),
        waitMinutes: this.gMinutes.finish(),
        flags: this.gFlags.finish(),
        createdByFunction: this.gCbFn.finish(),
        createdByFile: this.gCbFile.finish(),
        createdByLine: this.gCbLine.finish(),
        createdByGoroutine: this.gCbG.finish(),
        framesElided: this.gElided.finish(),
        frameArgs: this.frameArgs.finish(),
      };
    }
    return {
      format: h.format,
      kind: h.kind,
      strings: this.strings,
      sampleTypes: h.sampleTypes,
      defaultSampleType: h.defaultSampleType ?? h.sampleTypes.length - 1,
      periodType: h.periodType ?? null,
      period: h.period ?? 0,
      timeNanos: h.timeNanos ?? 0,
      durationNanos: h.durationNanos ?? 0,
      comments: h.comments ?? [],
      goVersion: h.goVersion ?? null,
      statedTotal: h.statedTotal ?? null,
      mappings: this.mappings,
      functions,
      locations,
      lines,
      samples,
      goroutines,
      warnings: this.warnings,
      repairs: this.repairs,
      verdict: this.verdict,
    };
  }
}
