/**
 * The fleet's goroutines as one pprof goroutine profile (gzipped), the instance as a dimension:
 * each instance's goroutine groups become samples labelled `instance=<name>`, so a flame graph
 * of it (`pprof-diag analyze --format html`, or `go tool pprof -tagroot instance`) shows the
 * whole fleet, instance by instance. Built from the goroutine groups each instance's analysis
 * made (the whole stack of one goroutine per group, and the group's count), not from the
 * profiles themselves, which are dropped as each instance is done.
 */

import type { GroupStack } from '../analyze/fleet.js';
import { PprofWriter } from './pprof-writer.js';

export interface InstanceStacks {
  instance: string;
  /** Each goroutine group: a whole stack of it, leaf first, and how many goroutines it holds. */
  stacks: GroupStack[];
}

export function fleetProfileBytes(instances: InstanceStacks[], file: (f: string) => string = (f) => f): Uint8Array {
  const out = new PprofWriter([['goroutine', 'count']]);
  const locations = new Map<string, number>(); // function id and line → location id
  for (const inst of instances) {
    for (const s of inst.stacks) {
      const ids: number[] = [];
      for (const f of s.frames) {
        const fn = out.functionId(f.function, file(f.file));
        const key = `${fn}:${f.line}`;
        let loc = locations.get(key);
        if (loc === undefined) locations.set(key, (loc = out.location(fn, f.line)));
        ids.push(loc);
      }
      out.sample(ids, [s.count], [['instance', inst.instance]]);
    }
  }
  return out.finish(['goroutine', 'count'], 1);
}
