/**
 * A trace blocking profile as a pprof protobuf (gzipped), in the shape `go tool trace -pprof`
 * writes (internal/trace/traceviewer.BuildProfile): period type trace/count, sample types
 * contentions/count and delay/nanoseconds, one location per PC, one function per name and file.
 */

import protobuf from 'protobufjs/minimal.js';
import { gzip } from 'pako';
import type { BlockingRecord } from '../analyze/trace/blocking.js';
import { stackFrameRows, type Trace } from '../model/trace.js';

/** Go keeps at most this many frames of a stack in these profiles. */
const MAX_STACK = 128;

export function blockingProfileBytes(t: Trace, records: BlockingRecord[]): Uint8Array {
  const strings = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  const w = protobuf.Writer.create();
  const valueType = (field: number, type: string, unit: string): void => {
    w.uint32((field << 3) | 2).fork().uint32(8).int64(str(type)).uint32(16).int64(str(unit)).ldelim();
  };
  valueType(1, 'contentions', 'count');
  valueType(1, 'delay', 'nanoseconds');

  const locations = new Map<bigint, number>(); // pc → location id
  const functions = new Map<string, number>(); // file + name → function id
  const locW = protobuf.Writer.create();
  const fnW = protobuf.Writer.create();
  for (const r of records) {
    const ids: number[] = [];
    for (const f of stackFrameRows(t, r.stack).subarray(0, MAX_STACK)) {
      const pc = t.frames.pc[f]!;
      let loc = locations.get(pc);
      if (loc === undefined) {
        const name = t.strings.get(t.frames.func[f]!);
        const file = t.strings.get(t.frames.file[f]!);
        let fn = functions.get(file + '\u0000' + name);
        if (fn === undefined) {
          fn = functions.size + 1;
          functions.set(file + '\u0000' + name, fn);
          fnW.uint32((5 << 3) | 2).fork().uint32(8).uint64(fn).uint32(16).int64(str(name)).uint32(24).int64(str(name)).uint32(32).int64(str(file)).ldelim();
        }
        loc = locations.size + 1;
        locations.set(pc, loc);
        locW.uint32((4 << 3) | 2).fork().uint32(8).uint64(loc).uint32(24).uint64(pc.toString())
          .uint32((4 << 3) | 2).fork().uint32(8).uint64(fn).uint32(16).int64(t.frames.line[f]!).ldelim()
          .ldelim();
      }
      ids.push(loc);
    }
    w.uint32((2 << 3) | 2).fork();
    if (ids.length > 0) {
      w.uint32((1 << 3) | 2).fork();
      for (const id of ids) w.uint64(id);
      w.ldelim();
    }
    w.uint32((2 << 3) | 2).fork().int64(r.count).int64(Math.round(r.ns)).ldelim();
    w.ldelim();
  }
  const head = w.finish();
  const periodType = str('trace');
  const periodUnit = str('count');
  const tableW = protobuf.Writer.create();
  for (const s of strings.keys()) tableW.uint32((6 << 3) | 2).string(s);
  const periodW = protobuf.Writer.create();
  periodW.uint32((11 << 3) | 2).fork().uint32(8).int64(periodType).uint32(16).int64(periodUnit).ldelim();
  periodW.uint32(12 << 3).int64(1);
  const parts = [head, locW.finish(), fnW.finish(), tableW.finish(), periodW.finish()];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return gzip(out);
}
