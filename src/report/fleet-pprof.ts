/**
 * The fleet's goroutines as one pprof goroutine profile (gzipped), the instance as a dimension:
 * each instance's goroutine groups become samples labelled `instance=<name>`, so a flame graph
 * of it (`pprof-diag analyze --format html`, or `go tool pprof -tagroot instance`) shows the
 * whole fleet, instance by instance. Built from the goroutine groups each instance's analysis
 * made (the whole stack of one goroutine per group, and the group's count), not from the
 * profiles themselves, which are dropped as each instance is done.
 */

import protobuf from 'protobufjs/minimal.js';
import { gzip } from 'pako';
import type { GroupStack } from '../analyze/fleet.js';

export interface InstanceStacks {
  instance: string;
  /** Each goroutine group: a whole stack of it, leaf first, and how many goroutines it holds. */
  stacks: GroupStack[];
}

export function fleetProfileBytes(instances: InstanceStacks[], file: (f: string) => string = (f) => f): Uint8Array {
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
  valueType(1, 'goroutine', 'count');
  const functions = new Map<string, number>();
  const locations = new Map<string, number>();
  const fnW = protobuf.Writer.create();
  const locW = protobuf.Writer.create();
  const instanceKey = str('instance');
  for (const inst of instances) {
    const value = str(inst.instance);
    for (const s of inst.stacks) {
      const ids: number[] = [];
      for (const f of s.frames) {
        const path = file(f.file);
        const fk = `${f.function}\u0000${path}`;
        let fn = functions.get(fk);
        if (fn === undefined) {
          functions.set(fk, (fn = functions.size + 1));
          fnW.uint32((5 << 3) | 2).fork().uint32(8).uint64(fn).uint32(16).int64(str(f.function)).uint32(24).int64(str(f.function)).uint32(32).int64(str(path)).ldelim();
        }
        const lk = `${fn}:${f.line}`;
        let loc = locations.get(lk);
        if (loc === undefined) {
          locations.set(lk, (loc = locations.size + 1));
          locW.uint32((4 << 3) | 2).fork().uint32(8).uint64(loc).uint32((4 << 3) | 2).fork().uint32(8).uint64(fn).uint32(16).int64(f.line).ldelim().ldelim();
        }
        ids.push(loc);
      }
      w.uint32((2 << 3) | 2).fork();
      if (ids.length > 0) {
        w.uint32((1 << 3) | 2).fork();
        for (const id of ids) w.uint64(id);
        w.ldelim();
      }
      w.uint32((2 << 3) | 2).fork().int64(s.count).ldelim();
      w.uint32((3 << 3) | 2).fork().uint32(8).int64(instanceKey).uint32(16).int64(value).ldelim();
      w.ldelim();
    }
  }
  const body = [w.finish(), locW.finish(), fnW.finish()];
  const tail = protobuf.Writer.create();
  for (const s of strings.keys()) tail.uint32((6 << 3) | 2).string(s);
  tail.uint32((11 << 3) | 2).fork().uint32(8).int64(str('goroutine')).uint32(16).int64(str('count')).ldelim();
  tail.uint32(12 << 3).int64(1);
  const parts = [...body, tail.finish()];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return gzip(bytes);
}
