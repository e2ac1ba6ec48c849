/**
 * A trace blocking profile as a pprof protobuf (gzipped), in the shape `go tool trace -pprof`
 * writes (internal/trace/traceviewer.BuildProfile): period type trace/count, sample types
 * contentions/count and delay/nanoseconds, one location per PC, one function per name and file.
 */

import type { BlockingRecord } from '../analyze/trace/blocking.js';
import { stackFrameRows, type Trace } from '../model/trace.js';
import { PprofWriter } from './pprof-writer.js';

/** Go keeps at most this many frames of a stack in these profiles. */
const MAX_STACK = 128;

export function blockingProfileBytes(t: Trace, records: BlockingRecord[]): Uint8Array {
  const out = new PprofWriter([
    ['contentions', 'count'],
    ['delay', 'nanoseconds'],
  ]);
  const locations = new Map<bigint, number>(); // pc → location id
  for (const r of records) {
    const ids: number[] = [];
    for (const f of stackFrameRows(t, r.stack).subarray(0, MAX_STACK)) {
      const pc = t.frames.pc[f]!;
      let loc = locations.get(pc);
      if (loc === undefined) {
        const fn = out.functionId(t.strings.get(t.frames.func[f]!), t.strings.get(t.frames.file[f]!));
        locations.set(pc, (loc = out.location(fn, t.frames.line[f]!, pc)));
      }
      ids.push(loc);
    }
    out.sample(ids, [r.count, Math.round(r.ns)]);
  }
  return out.finish(['trace', 'count'], 1);
}
