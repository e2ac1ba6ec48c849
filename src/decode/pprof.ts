/**
 * Decoder for the pprof protobuf format (proto/profile.proto), uncompressed bytes in.
 *
 * Framing and strings go through protobufjs' Reader; the hot loops (packed varint arrays of
 * location ids and values, 64-bit scalars) read the buffer directly, so a 50 MB heap profile
 * becomes typed-array columns without an object per sample, location or line.
 *
 * Two passes: the first walks the top-level fields and notes where each sample, location,
 * function and mapping message lies; the second decodes the string table, then functions,
 * mappings and locations (so every id is known), then the samples straight into rows. Every
 * id and string index is checked; any inconsistency is a DecodeError naming what is wrong.
 * One reader per message (Profile, ValueType, Function, Mapping, Location, Line, Sample, Label),
 * each reading its fields by the names of the field-number tables below.
 */

import protobuf from 'protobufjs/minimal.js';
import { Column, Float64Column, Uint32Column } from '../model/builder.js';
import { DecodeError } from '../model/errors.js';
import { normalizeFunctionName } from '../model/names.js';
import type {
  FunctionTable,
  LineTable,
  LocationRows,
  LocationTable,
  Mapping,
  Profile,
  SampleTable,
  ValueType,
} from '../model/profile.js';
import { StringTable } from '../model/strings.js';
import { knownSampleTypeTotals } from '../model/stacks.js';
import { inferPprofKind, goVersionFromProfile } from './infer.js';

export type Reader = protobuf.Reader;
const TWO32 = 4294967296;

/** Reads a varint of up to 64 bits as a JS number (exact below 2^53; two's complement for int64). */
function varint64(r: Reader, signed: boolean): number {
  const buf = r.buf;
  let pos = r.pos;
  const len = r.len;
  let lo = 0;
  let hi = 0;
  let b = 0;
  let shift = 0;
  // low 28 bits
  for (; shift < 28; shift += 7) {
    if (pos >= len) throw truncated(r);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      return lo >>> 0;
    }
  }
  // bits 28..34 straddle lo and hi
  if (pos >= len) throw truncated(r);
  b = buf[pos++]!;
  lo = (lo | ((b & 0x0f) << 28)) >>> 0;
  hi = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (shift = 3; shift < 32; shift += 7) {
      if (pos >= len) throw truncated(r);
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (b >= 0x80) throw new DecodeError(`malformed varint at byte ${pos}`);
  }
  r.pos = pos;
  hi >>>= 0;
  if (signed && hi >= 0x80000000) return (hi - TWO32) * TWO32 + lo;
  return hi * TWO32 + lo;
}

/** Reads a varint of up to 64 bits as a bigint (addresses). */
function varintBig(r: Reader): bigint {
  const buf = r.buf;
  let pos = r.pos;
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= r.len) throw truncated(r);
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      return BigInt.asUintN(64, result);
    }
    shift += 7n;
  }
  throw new DecodeError(`malformed varint at byte ${pos}`);
}

function truncated(r: Reader): DecodeError {
  return new DecodeError(`truncated protobuf: a field runs past the end (${r.len} bytes)`);
}

function subEnd(r: Reader): number {
  const n = r.uint32();
  const end = r.pos + n;
  if (end > r.len) throw truncated(r);
  return end;
}

/** subEnd, with a length of one byte (below 128) read here. */
function shortSubEnd(r: Reader): number {
  if (r.pos >= r.len || r.buf[r.pos]! >= 0x80) return subEnd(r);
  const n = r.buf[r.pos]!;
  const end = ++r.pos + n;
  if (end > r.len) throw truncated(r);
  return end;
}

function expectWire(field: string, wt: number, want: number): void {
  if (wt !== want) throw new DecodeError(`field ${field} has wire type ${wt}, expected ${want}: not a pprof profile`);
}

/** Offsets of sub-messages found by the first pass. */
export class Spans {
  start = new Uint32Column();
  end = new Uint32Column();
  add(s: number, e: number): void {
    this.start.push(s);
    this.end.push(e);
  }
  get length(): number {
    return this.start.length;
  }
}

/**
 * The Sample fields found by the first pass, as runs of fields that follow one another (a Go
 * profile writes them all in one run): each run from its first field's length (past its tag) to
 * its last field's end; within a run every field after the first starts with SAMPLE_TAG. The
 * samples are counted, not noted one by one: a profile has hundreds of thousands.
 */
export class SampleRuns {
  readonly runs = new Spans();
  count = 0;
}

/** Maps message ids to rows: a dense array when ids are compact, a Map otherwise. */
export class IdIndex {
  private dense: Int32Array | null = null;
  private sparse: Map<number, number> | null = null;
  /** Row by id, when the ids are dense enough for an array (else null: see row). */
  get denseRows(): Int32Array | null {
    return this.dense;
  }
  /**
   * Row by the byte of a one-byte varint id (0–127); -1 for a byte that starts a longer varint
   * (128–255) or an id that does not exist: the ids most small profiles' samples are made of,
   * told by one look-up.
   */
  readonly byteRows = new Int32Array(256).fill(-1);
  /** How many ids (rows) there are. */
  readonly size: number;
  constructor(ids: Float64Array, what: string) {
    this.size = ids.length;
    let max = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i]! > max) max = ids[i]!;
    if (max <= ids.length * 4 + 1024) {
      const d = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (id === 0) throw new DecodeError(`${what} with id 0`);
        if (d[id] !== -1) throw new DecodeError(`duplicate ${what} id ${id}`);
        d[id] = i;
      }
      this.dense = d;
    } else {
      const m = new Map<number, number>();
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (id === 0) throw new DecodeError(`${what} with id 0`);
        if (m.has(id)) throw new DecodeError(`duplicate ${what} id ${id}`);
        m.set(id, i);
      }
      this.sparse = m;
    }
    for (let b = 0; b < 0x80; b++) this.byteRows[b] = this.row(b);
  }
  row(id: number): number {
    if (this.dense !== null) {
      const v = id < this.dense.length ? this.dense[id]! : -1;
      return v;
    }
    const v = this.sparse!.get(id);
    return v === undefined ? -1 : v;
  }
}

export function decodePprof(bytes: Uint8Array): Profile {
  try {
    return decodePprofUnchecked(bytes);
  } catch (e) {
    throw asDecodeError(e);
  }
}

/** What a reading of pprof throws: protobufjs's complaints about the bytes as DecodeErrors, anything else as it is. */
export function asDecodeError(e: unknown): unknown {
  if (e instanceof DecodeError) return e;
  if (e instanceof RangeError || (e instanceof Error && /index out of range|invalid wire type|nesting depth/.test(e.message))) {
    return new DecodeError(`malformed protobuf: ${e.message.split('\n')[0]}`);
  }
  return e;
}

/*
 * Field numbers of proto/profile.proto, one table per message, each number beside its proto
 * name (as google/pprof's profile/encode.go lists them in its decoder tables).
 */

/** message Profile */
const PROFILE = {
  sample_type: 1, // repeated ValueType
  sample: 2, // repeated Sample
  mapping: 3, // repeated Mapping
  location: 4, // repeated Location
  function: 5, // repeated Function
  string_table: 6, // repeated string
  drop_frames: 7, // int64
  keep_frames: 8, // int64
  time_nanos: 9, // int64
  duration_nanos: 10, // int64
  period_type: 11, // ValueType
  period: 12, // int64
  comment: 13, // repeated int64
  default_sample_type: 14, // int64
} as const;

/** message ValueType */
const VALUE_TYPE = {
  type: 1, // int64, a string index
  unit: 2, // int64, a string index
} as const;

/** message Sample */
const SAMPLE = {
  location_id: 1, // repeated uint64
  value: 2, // repeated int64
  label: 3, // repeated Label
} as const;

/** message Label */
const LABEL = {
  key: 1, // int64, a string index
  str: 2, // int64, a string index
  num: 3, // int64
  num_unit: 4, // int64, a string index
} as const;

/** message Mapping */
const MAPPING = {
  id: 1, // uint64
  memory_start: 2, // uint64
  memory_limit: 3, // uint64
  file_offset: 4, // uint64
  filename: 5, // int64, a string index
  build_id: 6, // int64, a string index
  has_functions: 7, // bool
  has_filenames: 8, // bool
  has_line_numbers: 9, // bool
  has_inline_frames: 10, // bool
} as const;

/** message Location */
const LOCATION = {
  id: 1, // uint64
  mapping_id: 2, // uint64
  address: 3, // uint64
  line: 4, // repeated Line
  is_folded: 5, // bool
} as const;

/** message Line */
const LINE = {
  function_id: 1, // uint64
  line: 2, // int64
  column: 3, // int64
} as const;

/** message Function */
const FUNCTION = {
  id: 1, // uint64
  name: 2, // int64, a string index
  system_name: 3, // int64, a string index
  filename: 4, // int64, a string index
  start_line: 5, // int64
} as const;

/** The top-level Profile message after the first pass: where its sub-messages lie, and its scalars. */
export interface ProfileMessage {
  sampleTypes: Spans;
  samples: SampleRuns;
  mappings: Spans;
  locations: Spans;
  functions: Spans;
  strings: Spans;
  periodType: [number, number] | null;
  comments: number[];
  dropFrames: number;
  keepFrames: number;
  timeNanos: number;
  durationNanos: number;
  period: number;
  defaultSampleType: number;
}

/** Notes where a length-delimited sub-message lies and steps over it. */
function skipMessage(r: Reader, field: number, wt: number): [number, number] {
  const start = subStart(r, field, wt);
  return [start, r.pos];
}

/** A sub-message noted by its place (skipMessage without the pair: a profile has hundreds of thousands). */
function addSpan(r: Reader, field: number, wt: number, spans: Spans): void {
  const start = subStart(r, field, wt);
  spans.add(start, r.pos);
}

/** A Sample field's tag in one byte (field 2, wire type 2), as Go writes each but the first of a run. */
const SAMPLE_TAG = (2 << 3) | 2;

/**
 * The Sample fields from the reader (past the first's tag) while they follow one another, as a
 * profile's samples do, as one run from the first's length: each next tag read as its byte. The
 * reader is left at the first field that is not a sample.
 */
function sampleRun(r: Reader, wt: number, samples: SampleRuns): void {
  const from = r.pos;
  subStart(r, PROFILE.sample, wt);
  let count = 1;
  while (r.pos < r.len && r.buf[r.pos] === SAMPLE_TAG) {
    r.pos++;
    r.pos = shortSubEnd(r);
    count++;
  }
  samples.runs.add(from, r.pos);
  samples.count += count;
}

/** Where the sub-message at the reader starts; the reader is left at its end. */
function subStart(r: Reader, field: number, wt: number): number {
  if (wt !== 2) expectWire(String(field), wt, 2);
  const end = subEnd(r);
  const start = r.pos;
  r.pos = end;
  return start;
}

/** Pass 1: the Profile message's fields, sub-messages noted by their place only. */
export function readProfile(r: Reader): ProfileMessage {
  const m: ProfileMessage = {
    sampleTypes: new Spans(),
    samples: new SampleRuns(),
    mappings: new Spans(),
    locations: new Spans(),
    functions: new Spans(),
    strings: new Spans(),
    periodType: null,
    comments: [],
    dropFrames: 0,
    keepFrames: 0,
    timeNanos: 0,
    durationNanos: 0,
    period: 0,
    defaultSampleType: 0,
  };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case PROFILE.sample_type:
        addSpan(r, field, wt, m.sampleTypes);
        break;
      case PROFILE.sample:
        sampleRun(r, wt, m.samples);
        break;
      case PROFILE.mapping:
        addSpan(r, field, wt, m.mappings);
        break;
      case PROFILE.location:
        addSpan(r, field, wt, m.locations);
        break;
      case PROFILE.function:
        addSpan(r, field, wt, m.functions);
        break;
      case PROFILE.string_table:
        addSpan(r, field, wt, m.strings);
        break;
      case PROFILE.period_type:
        m.periodType = skipMessage(r, field, wt);
        break;
      case PROFILE.drop_frames:
        expectWire('drop_frames', wt, 0);
        m.dropFrames = varint64(r, true);
        break;
      case PROFILE.keep_frames:
        expectWire('keep_frames', wt, 0);
        m.keepFrames = varint64(r, true);
        break;
      case PROFILE.time_nanos:
        expectWire('time_nanos', wt, 0);
        m.timeNanos = varint64(r, true);
        break;
      case PROFILE.duration_nanos:
        expectWire('duration_nanos', wt, 0);
        m.durationNanos = varint64(r, true);
        break;
      case PROFILE.period:
        expectWire('period', wt, 0);
        m.period = varint64(r, true);
        break;
      case PROFILE.comment:
        if (wt === 2) {
          const end = subEnd(r);
          while (r.pos < end) m.comments.push(varint64(r, true));
        } else {
          expectWire('comment', wt, 0);
          m.comments.push(varint64(r, true));
        }
        break;
      case PROFILE.default_sample_type:
        expectWire('default_sample_type', wt, 0);
        m.defaultSampleType = varint64(r, true);
        break;
      default:
        r.skipType(wt);
    }
  }
  return m;
}

/** The string table, in order; short ASCII strings without a TextDecoder call. */
function readStringTable(bytes: Uint8Array, spans: Spans): string[] {
  const n = spans.length;
  const strs: string[] = new Array(n);
  const ss = spans.start.data;
  const se = spans.end.data;
  const dec = new TextDecoder('utf-8', { fatal: false });
  for (let i = 0; i < n; i++) {
    const s = ss[i]!;
    const e = se[i]!;
    if (e - s < 64) {
      // short strings: ASCII fast path
      let ascii = true;
      let out = '';
      for (let k = s; k < e; k++) {
        const c = bytes[k]!;
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        out += String.fromCharCode(c);
      }
      strs[i] = ascii ? out : dec.decode(bytes.subarray(s, e));
    } else {
      strs[i] = dec.decode(bytes.subarray(s, e));
    }
  }
  if (n === 0) throw new DecodeError('no string table: not a pprof profile');
  if (strs[0] !== '') throw new DecodeError('string table entry 0 is not empty: not a pprof profile');
  return strs;
}

/** The string table as read, with every index into it checked (strings interned later are not its). */
export class StringRefs {
  private readonly n: number;
  constructor(readonly strs: string[]) {
    this.n = strs.length;
  }
  check(i: number, what: string): number {
    const n = this.n;
    if (i < 0 || i >= n || !Number.isInteger(i)) {
      throw new DecodeError(`${what} refers to string ${i}, but the string table has ${n} entries`);
    }
    return i;
  }
  get(i: number, what: string): string {
    return this.strs[this.check(i, what)]!;
  }
}

function readValueType(r: Reader, start: number, end: number, what: string, refs: StringRefs): ValueType {
  r.pos = start;
  let type = 0;
  let unit = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === VALUE_TYPE.type && wt === 0) type = refs.check(varint64(r, true), what);
    else if (f === VALUE_TYPE.unit && wt === 0) unit = refs.check(varint64(r, true), what);
    else r.skipType(wt);
  }
  return { type: refs.strs[type]!, unit: refs.strs[unit]! };
}

function readFunctions(r: Reader, spans: Spans, refs: StringRefs): { table: FunctionTable; ids: Float64Array } {
  const n = spans.length;
  const ids = new Float64Array(n);
  const table: FunctionTable = {
    length: n,
    name: new Uint32Array(n),
    normalizedName: new Uint32Array(n),
    systemName: new Uint32Array(n),
    filename: new Uint32Array(n),
    startLine: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    r.pos = spans.start.data[i]!;
    const end = spans.end.data[i]!;
    while (r.pos < end) {
      const tag = r.uint32();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (wt !== 0) {
        r.skipType(wt);
        continue;
      }
      const v = varint64(r, f !== FUNCTION.id);
      if (f === FUNCTION.id) ids[i] = v;
      else if (f === FUNCTION.name) table.name[i] = refs.check(v, 'function name');
      else if (f === FUNCTION.system_name) table.systemName[i] = refs.check(v, 'function system_name');
      else if (f === FUNCTION.filename) table.filename[i] = refs.check(v, 'function filename');
      else if (f === FUNCTION.start_line) table.startLine[i] = v;
    }
  }
  return { table, ids };
}

function readMapping(r: Reader, start: number, end: number, refs: StringRefs): Mapping {
  r.pos = start;
  const m: Mapping = {
    id: 0,
    memoryStart: 0n,
    memoryLimit: 0n,
    fileOffset: 0n,
    filename: '',
    buildId: '',
    hasFunctions: false,
    hasFilenames: false,
    hasLineNumbers: false,
    hasInlineFrames: false,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt !== 0) {
      r.skipType(wt);
      continue;
    }
    switch (f) {
      case MAPPING.id:
        m.id = varint64(r, false);
        break;
      case MAPPING.memory_start:
        m.memoryStart = varintBig(r);
        break;
      case MAPPING.memory_limit:
        m.memoryLimit = varintBig(r);
        break;
      case MAPPING.file_offset:
        m.fileOffset = varintBig(r);
        break;
      case MAPPING.filename:
        m.filename = refs.get(varint64(r, true), 'mapping filename');
        break;
      case MAPPING.build_id:
        m.buildId = refs.get(varint64(r, true), 'mapping build_id');
        break;
      case MAPPING.has_functions:
        m.hasFunctions = varint64(r, false) !== 0;
        break;
      case MAPPING.has_filenames:
        m.hasFilenames = varint64(r, false) !== 0;
        break;
      case MAPPING.has_line_numbers:
        m.hasLineNumbers = varint64(r, false) !== 0;
        break;
      case MAPPING.has_inline_frames:
        m.hasInlineFrames = varint64(r, false) !== 0;
        break;
      default:
        varint64(r, false);
    }
  }
  return m;
}

function readMappings(r: Reader, spans: Spans, refs: StringRefs): { list: Mapping[]; ids: Float64Array } {
  const list: Mapping[] = [];
  const ids = new Float64Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const m = readMapping(r, spans.start.data[i]!, spans.end.data[i]!, refs);
    ids[i] = m.id;
    list.push(m);
  }
  return { list, ids };
}

/** The Line messages of all locations, as columns (function as a row of the function table). */
class LineColumns {
  readonly fn: Column<Uint32Array>;
  readonly line: Column<Float64Array>;
  readonly column: Column<Float64Array>;
  constructor(initial: number) {
    this.fn = new Uint32Column(initial);
    this.line = new Float64Column(initial);
    this.column = new Float64Column(initial);
  }
  get length(): number {
    return this.fn.length;
  }
  finish(): LineTable {
    return { length: this.fn.length, function: this.fn.finish(), line: this.line.finish(), column: this.column.finish() };
  }
}

/** One Line message, ending at `end`, onto the columns; `loc` names its location in errors. */
function readLine(r: Reader, end: number, fnIndex: IdIndex, lines: LineColumns, loc: number): void {
  let fid = 0;
  let line = 0;
  let col = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt !== 0) {
      r.skipType(wt);
      continue;
    }
    const v = varint64(r, f !== LINE.function_id);
    if (f === LINE.function_id) fid = v;
    else if (f === LINE.line) line = v;
    else if (f === LINE.column) col = v;
  }
  r.pos = end;
  const row = fnIndex.row(fid);
  if (row < 0) throw new DecodeError(`location ${loc} refers to function ${fid}, which does not exist`);
  lines.fn.push(row);
  lines.line.push(line);
  lines.column.push(col);
}

/** Location i (its id into `ids`, its lines onto `lines`); returns its mapping_id. */
function readLocation(r: Reader, i: number, end: number, table: LocationTable, ids: Float64Array, lines: LineColumns, fnIndex: IdIndex): number {
  let mappingId = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === LOCATION.line && wt === 2) {
      readLine(r, subEnd(r), fnIndex, lines, ids[i] || i + 1);
      continue;
    }
    if (wt !== 0) {
      r.skipType(wt);
      continue;
    }
    if (f === LOCATION.id) ids[i] = varint64(r, false);
    else if (f === LOCATION.mapping_id) mappingId = varint64(r, false);
    else if (f === LOCATION.address) table.address[i] = varintBig(r);
    else if (f === LOCATION.is_folded) table.isFolded[i] = varint64(r, false) !== 0 ? 1 : 0;
    else varint64(r, false);
  }
  return mappingId;
}

function readLocations(r: Reader, spans: Spans, fnIndex: IdIndex, mapIndex: IdIndex): { table: LocationTable; ids: Float64Array; lines: LineTable } {
  const n = spans.length;
  const ids = new Float64Array(n);
  const table: LocationTable = {
    length: n,
    address: new BigUint64Array(n),
    mapping: new Int32Array(n),
    lineStart: new Uint32Array(n),
    lineCount: new Uint32Array(n),
    isFolded: new Uint8Array(n),
    pcOffset: new Float64Array(n).fill(-1),
  };
  const lines = new LineColumns(Math.max(64, n));
  for (let i = 0; i < n; i++) {
    r.pos = spans.start.data[i]!;
    table.lineStart[i] = lines.length;
    const mappingId = readLocation(r, i, spans.end.data[i]!, table, ids, lines, fnIndex);
    table.lineCount[i] = lines.length - table.lineStart[i]!;
    if (mappingId !== 0) {
      const row = mapIndex.row(mappingId);
      if (row < 0) throw new DecodeError(`location ${ids[i]} refers to mapping ${mappingId}, which does not exist`);
      table.mapping[i] = row;
    } else {
      table.mapping[i] = -1;
    }
  }
  return { table, ids, lines: lines.finish() };
}

/** The samples as rows: values, stacks (location rows, leaf first) and labels in columns. */
export class SampleColumns {
  readonly values: Float64Array;
  /** Each sample type's values summed as they are read (sampleTypeTotals). */
  readonly totals: Float64Array;
  readonly stackStart: Uint32Array;
  readonly stack: Column<LocationRows>;
  readonly labelStart: Uint32Array;
  readonly labelKey: Column<Uint32Array>;
  readonly labelStr: Column<Uint32Array>;
  readonly labelNum: Column<Float64Array>;
  readonly labelUnit: Column<Uint32Array>;
  /** `rows`: how many location ids and labels the samples hold, as countSampleRows makes it out. */
  constructor(
    readonly length: number,
    readonly nTypes: number,
    locations: number,
    rows: { frames: number; labels: number },
  ) {
    const labels = Math.max(64, rows.labels);
    this.labelKey = new Uint32Column(labels);
    this.labelStr = new Uint32Column(labels);
    this.labelNum = new Float64Column(labels);
    this.labelUnit = new Uint32Column(labels);
    this.values = new Float64Array(length * nTypes);
    this.totals = new Float64Array(nTypes);
    this.stackStart = new Uint32Array(length + 1);
    const rowType = locations <= 0x100 ? Uint8Array : locations <= 0x10000 ? Uint16Array : Uint32Array;
    this.stack = new Column<LocationRows>(rowType, Math.max(64, rows.frames));
    this.labelStart = new Uint32Array(length + 1);
  }
  finish(): SampleTable {
    return {
      length: this.length,
      values: this.values,
      stackStart: this.stackStart,
      stack: this.stack.finish(),
      labelStart: this.labelStart,
      labelKey: this.labelKey.finish(),
      labelStr: this.labelStr.finish(),
      labelNum: this.labelNum.finish(),
      labelUnit: this.labelUnit.finish(),
    };
  }
}

/** One Label message, ending at `end`, onto the sample columns. */
function readLabel(r: Reader, end: number, refs: StringRefs, out: SampleColumns): void {
  let key = 0;
  let str = 0;
  let num = 0;
  let unit = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt !== 0) {
      r.skipType(wt);
      continue;
    }
    const v = varint64(r, true);
    if (f === LABEL.key) key = refs.check(v, 'label key');
    else if (f === LABEL.str) str = refs.check(v, 'label value');
    else if (f === LABEL.num) num = v;
    else if (f === LABEL.num_unit) unit = refs.check(v, 'label unit');
  }
  r.pos = end;
  out.labelKey.push(key);
  out.labelStr.push(str);
  out.labelNum.push(num);
  out.labelUnit.push(unit);
}

/** Sample i's packed location ids, ending at `end`: the hot loop. */
function readPackedLocationIds(r: Reader, i: number, end: number, locIndex: IdIndex, stack: Column<LocationRows>): void {
  const buf = r.buf;
  const dense = locIndex.denseRows;
  const byteRows = locIndex.byteRows;
  let data = stack.data;
  let n = stack.length;
  let pos = r.pos;
  while (pos < end) {
    // one-byte ids of locations that exist, while the column has room for every byte left
    if (n + (end - pos) <= data.length) {
      while (pos < end) {
        const row = byteRows[buf[pos]!]!;
        if (row < 0) break;
        data[n++] = row;
        pos++;
      }
      if (pos === end) break;
    }
    let id = buf[pos]!;
    if (id < 0x80) pos++;
    else if (pos + 1 < end && buf[pos + 1]! < 0x80) {
      // two bytes: ids up to 16,383, most locations of most profiles
      id = (id & 0x7f) | (buf[pos + 1]! << 7);
      pos += 2;
    } else {
      r.pos = pos;
      id = varint64(r, false);
      pos = r.pos;
    }
    const row = dense !== null ? (id < dense.length ? dense[id]! : -1) : locIndex.row(id);
    if (row < 0) throw new DecodeError(`sample ${i} refers to location ${id}, which does not exist`);
    if (n === data.length) {
      stack.length = n;
      stack.grow(n + 1);
      data = stack.data;
    }
    data[n++] = row;
  }
  stack.length = n;
  r.pos = pos;
  if (pos !== end) throw new DecodeError(`sample ${i}: malformed packed location ids`);
}

/** Sample i, ending at `end`, onto the columns. */
export function readSample(r: Reader, i: number, end: number, locIndex: IdIndex, refs: StringRefs, out: SampleColumns): void {
  const nTypes = out.nTypes;
  const values = out.values;
  const totals = out.totals;
  let nValues = 0;
  const buf = r.buf;
  while (r.pos < end) {
    // (a tag of one byte read here: every field of a Sample has one)
    const tag = buf[r.pos]! < 0x80 ? buf[r.pos++]! : r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === SAMPLE.location_id) {
      if (wt === 2) {
        readPackedLocationIds(r, i, shortSubEnd(r), locIndex, out.stack);
      } else {
        expectWire('sample.location_id', wt, 0);
        const id = varint64(r, false);
        const row = locIndex.row(id);
        if (row < 0) throw new DecodeError(`sample ${i} refers to location ${id}, which does not exist`);
        out.stack.push(row);
      }
    } else if (f === SAMPLE.value) {
      if (wt === 2) {
        const pend = shortSubEnd(r);
        while (r.pos < pend) {
          const v = varint64(r, true);
          if (nValues < nTypes) {
            values[i * nTypes + nValues] = v;
            totals[nValues] += v;
          }
          nValues++;
        }
      } else {
        expectWire('sample.value', wt, 0);
        const v = varint64(r, true);
        if (nValues < nTypes) {
          values[i * nTypes + nValues] = v;
          totals[nValues] += v;
        }
        nValues++;
      }
    } else if (f === SAMPLE.label && wt === 2) {
      readLabel(r, subEnd(r), refs, out);
    } else {
      r.skipType(wt);
    }
  }
  if (nValues !== nTypes) {
    throw new DecodeError(`sample ${i} has ${nValues} values but the profile has ${nTypes} sample types`);
  }
  out.stackStart[i + 1] = out.stack.length;
  out.labelStart[i + 1] = out.labelKey.length;
}

/**
 * How many location ids and labels the samples hold: a varint ends on a byte below 0x80, so a
 * packed field holds as many ids as such bytes. Read ahead of the samples so that their stacks
 * and labels fill arrays of the right size instead of doubling them (a heap profile of a million
 * deep stacks holds hundreds of millions of ids, and a label a sample). An estimate only: a
 * damaged sample is left to the real reading to name.
 */
export function countSampleRows(r: Reader, samples: SampleRuns): { frames: number; labels: number } {
  const rows = { frames: 0, labels: 0 };
  const words = new WordView();
  try {
    eachSample(r, samples, (_i, end) => countSample(r, r.pos, end, rows, words));
  } catch {
    // damaged: the samples' own reading says where
  }
  return rows;
}

/** Each sample of the runs, in order: `read(i, end)` with the reader at the start of sample i, which ends at `end`. */
function eachSample(r: Reader, samples: SampleRuns, read: (i: number, end: number) => void): void {
  const { start, end } = samples.runs;
  let i = 0;
  for (let k = 0; k < samples.runs.length; k++) {
    const runEnd = end.data[k]!;
    r.pos = start.data[k]!;
    for (;;) {
      const e = shortSubEnd(r);
      read(i++, e);
      if (e >= runEnd) break;
      // past the next one's tag, SAMPLE_TAG
      r.pos = e + 1;
    }
  }
}

/** The location ids and labels of one Sample message, [start, end), added to `rows`. */
export function countSample(r: Reader, start: number, end: number, rows: { frames: number; labels: number }, words: WordView): void {
  r.pos = start;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === SAMPLE.location_id && (tag & 7) === 2) {
      const pend = subEnd(r);
      rows.frames += varintEnds(r.buf, words.of(r.buf), r.pos, pend);
      r.pos = pend;
    } else if (tag >>> 3 === SAMPLE.location_id && (tag & 7) === 0) {
      r.skipType(0);
      rows.frames++;
    } else {
      if (tag >>> 3 === SAMPLE.label && (tag & 7) === 2) rows.labels++;
      r.skipType(tag & 7);
    }
  }
}

/** The memory of the buffer being counted as 32-bit words, made again when the buffer changes (a stream's next piece). */
export class WordView {
  private buffer: ArrayBufferLike | null = null;
  private words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  of(buf: Uint8Array): Uint32Array<ArrayBufferLike> {
    if (buf.buffer !== this.buffer) {
      this.buffer = buf.buffer;
      this.words = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    }
    return this.words;
  }
}

/**
 * How many varints end in buf[from, to): its bytes below 0x80. Four bytes at a time through
 * `words` (the same memory as 32-bit words) where they fill a word: each byte's top bit moved to
 * its lowest, and the four summed by one multiplication.
 */
export function varintEnds(buf: Uint8Array, words: Uint32Array<ArrayBufferLike>, from: number, to: number): number {
  let n = 0;
  let k = from;
  if (to - from >= 16) {
    const off = buf.byteOffset;
    for (; ((off + k) & 3) !== 0; k++) n += 1 - (buf[k]! >>> 7);
    const wEnd = (off + to) >>> 2;
    let high = 0;
    for (let w = (off + k) >>> 2; w < wEnd; w++) high += Math.imul((words[w]! & 0x80808080) >>> 7, 0x01010101) >>> 24;
    const next = wEnd * 4 - off;
    n += next - k - high;
    k = next;
  }
  for (; k < to; k++) n += 1 - (buf[k]! >>> 7);
  return n;
}

/**
 * Below this many bytes of samples their stacks' column is sized from the bytes (a location id
 * takes one byte at least; labels grow as they come) rather than counted first: a pass that costs
 * more than the room it saves.
 */
const COUNT_ROWS_FROM = 4 << 20;

function readSamples(r: Reader, samples: SampleRuns, nTypes: number, locIndex: IdIndex, refs: StringRefs): SampleColumns {
  // the samples lie between the first run's start and the last one's end
  const { runs } = samples;
  const bytes = runs.length === 0 ? 0 : runs.end.data[runs.length - 1]! - runs.start.data[0]!;
  const rows = bytes < COUNT_ROWS_FROM ? { frames: bytes, labels: 0 } : countSampleRows(r, samples);
  const out = new SampleColumns(samples.count, nTypes, locIndex.size, rows);
  eachSample(r, samples, (i, end) => readSample(r, i, end, locIndex, refs, out));
  return out;
}

function decodePprofUnchecked(bytes: Uint8Array): Profile {
  if (bytes.length === 0) throw new DecodeError('empty input');
  const r = protobuf.Reader.create(bytes);
  // pass 1: find every sub-message, read the scalars
  const m = readProfile(r);
  // pass 2: strings, then functions, mappings and locations (so every id is known), then samples
  const t = readTables(r, bytes, m);
  return assembleProfile(m, t, readSamples(r, m.samples, t.sampleTypes.length, t.locIndex, t.refs));
}

/** What the samples refer to, read from a Profile message's spans: every table but the samples. */
export interface PprofTables {
  strs: string[];
  refs: StringRefs;
  sampleTypes: ValueType[];
  periodType: ValueType | null;
  functions: FunctionTable;
  mappings: Mapping[];
  locations: LocationTable;
  lines: LineTable;
  locIndex: IdIndex;
}

export function readTables(r: Reader, bytes: Uint8Array, m: ProfileMessage): PprofTables {
  const strs = readStringTable(bytes, m.strings);
  const refs = new StringRefs(strs);
  const sampleTypes: ValueType[] = [];
  for (let i = 0; i < m.sampleTypes.length; i++) {
    sampleTypes.push(readValueType(r, m.sampleTypes.start.data[i]!, m.sampleTypes.end.data[i]!, 'sample_type', refs));
  }
  const periodType = m.periodType ? readValueType(r, m.periodType[0], m.periodType[1], 'period_type', refs) : null;
  const functions = readFunctions(r, m.functions, refs);
  const fnIndex = new IdIndex(functions.ids, 'function');
  const mappings = readMappings(r, m.mappings, refs);
  const mapIndex = new IdIndex(mappings.ids, 'mapping');
  const locations = readLocations(r, m.locations, fnIndex, mapIndex);
  const locIndex = new IdIndex(locations.ids, 'location');
  return { strs, refs, sampleTypes, periodType, functions: functions.table, mappings: mappings.list, locations: locations.table, lines: locations.lines, locIndex };
}

/** The Profile from its message's scalars, its tables and its samples. */
export function assembleProfile(m: ProfileMessage, t: PprofTables, columns: SampleColumns): Profile {
  const samples = columns.finish();
  const { strs, refs, sampleTypes } = t;
  const nTypes = sampleTypes.length;
  const strings = StringTable.from(strs);
  const fnTable = t.functions;
  for (let i = 0; i < fnTable.length; i++) {
    const name = strs[fnTable.name[i]!]!;
    const norm = name.indexOf('[') < 0 ? name : normalizeFunctionName(name);
    fnTable.normalizedName[i] = norm === name ? fnTable.name[i]! : strings.intern(norm);
  }
  const defaultName = refs.get(m.defaultSampleType, 'default_sample_type');
  let defaultIndex = nTypes - 1;
  if (defaultName !== '') {
    const k = sampleTypes.findIndex((st) => st.type === defaultName);
    if (k >= 0) defaultIndex = k;
  }

  const profile: Profile = {
    format: 'pprof',
    kind: 'other',
    strings,
    sampleTypes,
    defaultSampleType: Math.max(0, defaultIndex),
    periodType: t.periodType,
    period: m.period,
    timeNanos: m.timeNanos,
    durationNanos: m.durationNanos,
    comments: m.comments.map((c) => refs.get(c, 'comment')),
    goVersion: null,
    statedTotal: null,
    mappings: t.mappings,
    functions: fnTable,
    locations: t.locations,
    lines: t.lines,
    samples,
    goroutines: null,
    warnings: [],
  };
  knownSampleTypeTotals(profile, Array.from(columns.totals));
  profile.kind = inferPprofKind(profile, defaultName);
  profile.goVersion = goVersionFromProfile(profile);
  return profile;
}
