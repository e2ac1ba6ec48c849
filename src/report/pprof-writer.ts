/**
 * Writes a pprof profile (profile.proto) the way `go tool pprof` reads it: samples first, then
 * locations, functions, the string table, the period type and period, gzipped. The profiles the
 * tool writes for others to read (a trace's blocking profile, a fleet's goroutines) are built
 * with it; field numbers are profile.proto's.
 */

import protobuf from 'protobufjs/minimal.js';
import { gzip } from 'pako';

export class PprofWriter {
  private readonly strings = new Map<string, number>([['', 0]]);
  private readonly functions = new Map<string, number>();
  private readonly samples = protobuf.Writer.create();
  private readonly locW = protobuf.Writer.create();
  private readonly fnW = protobuf.Writer.create();
  private locations = 0;

  /** Sample types, in order (Profile.sample_type = 1). */
  constructor(sampleTypes: [string, string][]) {
    for (const [type, unit] of sampleTypes) this.samples.uint32((1 << 3) | 2).fork().uint32(8).int64(this.str(type)).uint32(16).int64(this.str(unit)).ldelim();
  }

  /** The string's index in the table, added when new. */
  str(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) this.strings.set(s, (i = this.strings.size));
    return i;
  }

  /** The id of the function of this name in this file, written when new (Profile.function = 5). */
  functionId(name: string, file: string): number {
    const key = `${file}\u0000${name}`;
    let fn = this.functions.get(key);
    if (fn === undefined) {
      this.functions.set(key, (fn = this.functions.size + 1));
      this.fnW.uint32((5 << 3) | 2).fork().uint32(8).uint64(fn).uint32(16).int64(this.str(name)).uint32(24).int64(this.str(name)).uint32(32).int64(this.str(file)).ldelim();
    }
    return fn;
  }

  /** A new location of one line of `fn`, at `address` when known (Profile.location = 4); its id. */
  location(fn: number, line: number, address?: bigint): number {
    const id = ++this.locations;
    this.locW.uint32((4 << 3) | 2).fork().uint32(8).uint64(id);
    if (address !== undefined) this.locW.uint32(24).uint64(address.toString());
    this.locW.uint32((4 << 3) | 2).fork().uint32(8).uint64(fn).uint32(16).int64(line).ldelim().ldelim();
    return id;
  }

  /** A sample: location ids leaf first, its values, and string labels as key, value pairs (Profile.sample = 2). */
  sample(locations: number[], values: number[], labels: [string, string][] = []): void {
    const w = this.samples;
    w.uint32((2 << 3) | 2).fork();
    if (locations.length > 0) {
      w.uint32((1 << 3) | 2).fork();
      for (const id of locations) w.uint64(id);
      w.ldelim();
    }
    w.uint32((2 << 3) | 2).fork();
    for (const v of values) w.int64(v);
    w.ldelim();
    for (const [k, v] of labels) w.uint32((3 << 3) | 2).fork().uint32(8).int64(this.str(k)).uint32(16).int64(this.str(v)).ldelim();
    w.ldelim();
  }

  /** The profile, gzipped, with its period type and period (Profile.period_type = 11, period = 12). */
  finish(periodType: [string, string], period: number): Uint8Array {
    const type = this.str(periodType[0]);
    const unit = this.str(periodType[1]);
    const tail = protobuf.Writer.create();
    for (const s of this.strings.keys()) tail.uint32((6 << 3) | 2).string(s);
    tail.uint32((11 << 3) | 2).fork().uint32(8).int64(type).uint32(16).int64(unit).ldelim();
    tail.uint32(12 << 3).int64(period);
    const parts = [this.samples.finish(), this.locW.finish(), this.fnW.finish(), tail.finish()];
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    n = 0;
    for (const p of parts) {
      out.set(p, n);
      n += p.length;
    }
    return gzip(out);
  }
}
