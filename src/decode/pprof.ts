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
 */

import protobuf from 'protobufjs/minimal.js';
import { Column } from '../model/builder.js';
import { DecodeError } from '../model/errors.js';
import { normalizeFunctionName } from '../model/names.js';
import type {
  FunctionTable,
  LineTable,
  LocationTable,
  Mapping,
  Profile,
  SampleTable,
  ValueType,
} from '../model/profile.js';
import { StringTable } from '../model/strings.js';
import { inferPprofKind, goVersionFromProfile } from './infer.js';

type Reader = protobuf.Reader;
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

function expectWire(field: string, wt: number, want: number): void {
  if (wt !== want) throw new DecodeError(`field ${field} has wire type ${wt}, expected ${want}: not a pprof profile`);
}

/** Offsets of sub-messages found by the first pass. */
class Spans {
  start = new Column(Uint32Array);
  end = new Column(Uint32Array);
  add(s: number, e: number): void {
    this.start.push(s);
    this.end.push(e);
  }
  get length(): number {
    return this.start.length;
  }
}

/** Maps message ids to rows: a dense array when ids are compact, a Map otherwise. */
class IdIndex {
  private dense: Int32Array | null = null;
  private sparse: Map<number, number> | null = null;
  constructor(ids: Float64Array, what: string) {
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
    if (e instanceof DecodeError) throw e;
    if (e instanceof RangeError || (e instanceof Error && /index out of range|invalid wire type|nesting depth/.test(e.message))) {
      throw new DecodeError(`malformed protobuf: ${e.message.split('\n')[0]}`);
    }
    throw e;
  }
}

function decodePprofUnchecked(bytes: Uint8Array): Profile {
  if (bytes.length === 0) throw new DecodeError('empty input');
  const r = protobuf.Reader.create(bytes);

  // ---- pass 1: find every sub-message, read the scalars ----
  const sampleTypeSpans = new Spans();
  const samples = new Spans();
  const mappings = new Spans();
  const locations = new Spans();
  const functions = new Spans();
  const stringSpans = new Spans();
  const comments: number[] = [];
  let periodTypeSpan: [number, number] | null = null;
  let timeNanos = 0;
  let durationNanos = 0;
  let period = 0;
  let defaultSampleType = 0;
  let dropFrames = 0;
  let keepFrames = 0;

  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
      case 2:
      case 3:
      case 4:
      case 5:
      case 6:
      case 11: {
        expectWire(String(field), wt, 2);
        const end = subEnd(r);
        const start = r.pos;
        if (field === 1) sampleTypeSpans.add(start, end);
        else if (field === 2) samples.add(start, end);
        else if (field === 3) mappings.add(start, end);
        else if (field === 4) locations.add(start, end);
        else if (field === 5) functions.add(start, end);
        else if (field === 6) stringSpans.add(start, end);
        else periodTypeSpan = [start, end];
        r.pos = end;
        break;
      }
      case 7:
        expectWire('drop_frames', wt, 0);
        dropFrames = varint64(r, true);
        break;
      case 8:
        expectWire('keep_frames', wt, 0);
        keepFrames = varint64(r, true);
        break;
      case 9:
        expectWire('time_nanos', wt, 0);
        timeNanos = varint64(r, true);
        break;
      case 10:
        expectWire('duration_nanos', wt, 0);
        durationNanos = varint64(r, true);
        break;
      case 12:
        expectWire('period', wt, 0);
        period = varint64(r, true);
        break;
      case 13:
        if (wt === 2) {
          const end = subEnd(r);
          while (r.pos < end) comments.push(varint64(r, true));
        } else {
          expectWire('comment', wt, 0);
          comments.push(varint64(r, true));
        }
        break;
      case 14:
        expectWire('default_sample_type', wt, 0);
        defaultSampleType = varint64(r, true);
        break;
      default:
        r.skipType(wt);
    }
  }
  void dropFrames;
  void keepFrames;

  // ---- strings ----
  const nStrings = stringSpans.length;
  const strs: string[] = new Array(nStrings);
  {
    const ss = stringSpans.start.data;
    const se = stringSpans.end.data;
    const dec = new TextDecoder('utf-8', { fatal: false });
    for (let i = 0; i < nStrings; i++) {
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
  }
  if (nStrings === 0) throw new DecodeError('no string table: not a pprof profile');
  if (strs[0] !== '') throw new DecodeError('string table entry 0 is not empty: not a pprof profile');
  const checkStr = (i: number, what: string): number => {
    if (i < 0 || i >= nStrings || !Number.isInteger(i)) {
      throw new DecodeError(`${what} refers to string ${i}, but the string table has ${nStrings} entries`);
    }
    return i;
  };

  const readValueType = (start: number, end: number, what: string): ValueType => {
    r.pos = start;
    let type = 0;
    let unit = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 1 && wt === 0) type = checkStr(varint64(r, true), what);
      else if (f === 2 && wt === 0) unit = checkStr(varint64(r, true), what);
      else r.skipType(wt);
    }
    return { type: strs[type]!, unit: strs[unit]! };
  };

  const sampleTypes: ValueType[] = [];
  for (let i = 0; i < sampleTypeSpans.length; i++) {
    sampleTypes.push(readValueType(sampleTypeSpans.start.data[i]!, sampleTypeSpans.end.data[i]!, 'sample_type'));
  }
  const periodType = periodTypeSpan ? readValueType(periodTypeSpan[0], periodTypeSpan[1], 'period_type') : null;
  const nTypes = sampleTypes.length;

  // ---- functions ----
  const nFn = functions.length;
  const fnIds = new Float64Array(nFn);
  const fnTable: FunctionTable = {
    length: nFn,
    name: new Uint32Array(nFn),
    normalizedName: new Uint32Array(nFn),
    systemName: new Uint32Array(nFn),
    filename: new Uint32Array(nFn),
    startLine: new Float64Array(nFn),
  };
  for (let i = 0; i < nFn; i++) {
    r.pos = functions.start.data[i]!;
    const end = functions.end.data[i]!;
    while (r.pos < end) {
      const tag = r.uint32();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (wt !== 0) {
        r.skipType(wt);
        continue;
      }
      const v = varint64(r, f !== 1);
      if (f === 1) fnIds[i] = v;
      else if (f === 2) fnTable.name[i] = checkStr(v, 'function name');
      else if (f === 3) fnTable.systemName[i] = checkStr(v, 'function system_name');
      else if (f === 4) fnTable.filename[i] = checkStr(v, 'function filename');
      else if (f === 5) fnTable.startLine[i] = v;
    }
  }
  const fnIndex = new IdIndex(fnIds, 'function');

  // ---- mappings ----
  const mappingList: Mapping[] = [];
  const mapIds = new Float64Array(mappings.length);
  for (let i = 0; i < mappings.length; i++) {
    r.pos = mappings.start.data[i]!;
    const end = mappings.end.data[i]!;
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
        case 1:
          m.id = varint64(r, false);
          break;
        case 2:
          m.memoryStart = varintBig(r);
          break;
        case 3:
          m.memoryLimit = varintBig(r);
          break;
        case 4:
          m.fileOffset = varintBig(r);
          break;
        case 5:
          m.filename = strs[checkStr(varint64(r, true), 'mapping filename')]!;
          break;
        case 6:
          m.buildId = strs[checkStr(varint64(r, true), 'mapping build_id')]!;
          break;
        case 7:
          m.hasFunctions = varint64(r, false) !== 0;
          break;
        case 8:
          m.hasFilenames = varint64(r, false) !== 0;
          break;
        case 9:
          m.hasLineNumbers = varint64(r, false) !== 0;
          break;
        case 10:
          m.hasInlineFrames = varint64(r, false) !== 0;
          break;
        default:
          varint64(r, false);
      }
    }
    mapIds[i] = m.id;
    mappingList.push(m);
  }
  const mapIndex = new IdIndex(mapIds, 'mapping');

  // ---- locations and their lines ----
  const nLoc = locations.length;
  const locIds = new Float64Array(nLoc);
  const locTable: LocationTable = {
    length: nLoc,
    address: new BigUint64Array(nLoc),
    mapping: new Int32Array(nLoc),
    lineStart: new Uint32Array(nLoc),
    lineCount: new Uint32Array(nLoc),
    isFolded: new Uint8Array(nLoc),
    pcOffset: new Float64Array(nLoc).fill(-1),
  };
  const lnFn = new Column(Uint32Array, Math.max(64, nLoc));
  const lnLine = new Column(Float64Array, Math.max(64, nLoc));
  const lnCol = new Column(Float64Array, Math.max(64, nLoc));
  for (let i = 0; i < nLoc; i++) {
    r.pos = locations.start.data[i]!;
    const end = locations.end.data[i]!;
    locTable.lineStart[i] = lnFn.length;
    let mappingId = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 4 && wt === 2) {
        const lend = subEnd(r);
        let fid = 0;
        let line = 0;
        let col = 0;
        while (r.pos < lend) {
          const t2 = r.uint32();
          const f2 = t2 >>> 3;
          const w2 = t2 & 7;
          if (w2 !== 0) {
            r.skipType(w2);
            continue;
          }
          const v = varint64(r, f2 !== 1);
          if (f2 === 1) fid = v;
          else if (f2 === 2) line = v;
          else if (f2 === 3) col = v;
        }
        r.pos = lend;
        const row = fnIndex.row(fid);
        if (row < 0) throw new DecodeError(`location ${locIds[i] || i + 1} refers to function ${fid}, which does not exist`);
        lnFn.push(row);
        lnLine.push(line);
        lnCol.push(col);
        continue;
      }
      if (wt !== 0) {
        r.skipType(wt);
        continue;
      }
      if (f === 1) locIds[i] = varint64(r, false);
      else if (f === 2) mappingId = varint64(r, false);
      else if (f === 3) locTable.address[i] = varintBig(r);
      else if (f === 5) locTable.isFolded[i] = varint64(r, false) !== 0 ? 1 : 0;
      else varint64(r, false);
    }
    locTable.lineCount[i] = lnFn.length - locTable.lineStart[i]!;
    if (mappingId !== 0) {
      const row = mapIndex.row(mappingId);
      if (row < 0) throw new DecodeError(`location ${locIds[i]} refers to mapping ${mappingId}, which does not exist`);
      locTable.mapping[i] = row;
    } else {
      locTable.mapping[i] = -1;
    }
  }
  const locIndex = new IdIndex(locIds, 'location');
  const lines: LineTable = {
    length: lnFn.length,
    function: lnFn.finish(),
    line: lnLine.finish(),
    column: lnCol.finish(),
  };

  // ---- samples ----
  const nSamples = samples.length;
  const values = new Float64Array(nSamples * nTypes);
  const stackStart = new Uint32Array(nSamples + 1);
  const stack = new Column(Uint32Array, Math.max(64, nSamples * 8));
  const labelStart = new Uint32Array(nSamples + 1);
  const labelKey = new Column(Uint32Array);
  const labelStr = new Column(Uint32Array);
  const labelNum = new Column(Float64Array);
  const labelUnit = new Column(Uint32Array);
  const buf = bytes;
  for (let i = 0; i < nSamples; i++) {
    r.pos = samples.start.data[i]!;
    const end = samples.end.data[i]!;
    let nValues = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 1) {
        if (wt === 2) {
          const pend = subEnd(r);
          // packed location ids: the hot loop
          while (r.pos < pend) {
            let pos = r.pos;
            let b = buf[pos++]!;
            let id: number;
            if (b < 0x80) {
              id = b;
              r.pos = pos;
            } else {
              id = varint64(r, false);
            }
            const row = locIndex.row(id);
            if (row < 0) throw new DecodeError(`sample ${i} refers to location ${id}, which does not exist`);
            stack.push(row);
          }
          if (r.pos !== pend) throw new DecodeError(`sample ${i}: malformed packed location ids`);
        } else {
          expectWire('sample.location_id', wt, 0);
          const id = varint64(r, false);
          const row = locIndex.row(id);
          if (row < 0) throw new DecodeError(`sample ${i} refers to location ${id}, which does not exist`);
          stack.push(row);
        }
      } else if (f === 2) {
        if (wt === 2) {
          const pend = subEnd(r);
          while (r.pos < pend) {
            const v = varint64(r, true);
            if (nValues < nTypes) values[i * nTypes + nValues] = v;
            nValues++;
          }
        } else {
          expectWire('sample.value', wt, 0);
          const v = varint64(r, true);
          if (nValues < nTypes) values[i * nTypes + nValues] = v;
          nValues++;
        }
      } else if (f === 3 && wt === 2) {
        const lend = subEnd(r);
        let key = 0;
        let str = 0;
        let num = 0;
        let unit = 0;
        while (r.pos < lend) {
          const t2 = r.uint32();
          const f2 = t2 >>> 3;
          const w2 = t2 & 7;
          if (w2 !== 0) {
            r.skipType(w2);
            continue;
          }
          const v = varint64(r, true);
          if (f2 === 1) key = checkStr(v, 'label key');
          else if (f2 === 2) str = checkStr(v, 'label value');
          else if (f2 === 3) num = v;
          else if (f2 === 4) unit = checkStr(v, 'label unit');
        }
        r.pos = lend;
        labelKey.push(key);
        labelStr.push(str);
        labelNum.push(num);
        labelUnit.push(unit);
      } else {
        r.skipType(wt);
      }
    }
    if (nValues !== nTypes) {
      throw new DecodeError(`sample ${i} has ${nValues} values but the profile has ${nTypes} sample types`);
    }
    stackStart[i + 1] = stack.length;
    labelStart[i + 1] = labelKey.length;
  }

  const sampleTable: SampleTable = {
    length: nSamples,
    values,
    stackStart,
    stack: stack.finish(),
    labelStart,
    labelKey: labelKey.finish(),
    labelStr: labelStr.finish(),
    labelNum: labelNum.finish(),
    labelUnit: labelUnit.finish(),
  };

  // ---- derived ----
  const strings = StringTable.from(strs);
  for (let i = 0; i < nFn; i++) {
    const name = strs[fnTable.name[i]!]!;
    const norm = name.indexOf('[') < 0 ? name : normalizeFunctionName(name);
    fnTable.normalizedName[i] = norm === name ? fnTable.name[i]! : strings.intern(norm);
  }
  const defaultName = strs[checkStr(defaultSampleType, 'default_sample_type')]!;
  let defaultIndex = nTypes - 1;
  if (defaultName !== '') {
    const k = sampleTypes.findIndex((t) => t.type === defaultName);
    if (k >= 0) defaultIndex = k;
  }

  const profile: Profile = {
    format: 'pprof',
    kind: 'other',
    strings,
    sampleTypes,
    defaultSampleType: Math.max(0, defaultIndex),
    periodType,
    period,
    timeNanos,
    durationNanos,
    comments: comments.map((c) => strs[checkStr(c, 'comment')]!),
    goVersion: null,
    statedTotal: null,
    mappings: mappingList,
    functions: fnTable,
    locations: locTable,
    lines,
    samples: sampleTable,
    goroutines: null,
    warnings: [],
  };
  profile.kind = inferPprofKind(profile, defaultName);
  profile.goVersion = goVersionFromProfile(profile);
  return profile;
}
