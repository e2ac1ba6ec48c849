/**
 * Per snapshot, built once: which groups run a function, and how many goroutines each function
 * started, so rules that ask this for every group they judge stay linear in the groups.
 */

import type { SnapshotMatch } from './match.js';
import type { GoroutineBucket } from './summary.js';

export interface StackIndex {
  /** The groups with the function on their stack. */
  running: Map<string, GoroutineBucket[]>;
  /** The groups a function started: `created by` it (debug=2), or running one of its closures. */
  started: Map<string, GoroutineBucket[]>;
}

const cache = new WeakMap<SnapshotMatch, StackIndex>();

export function stackIndex(m: SnapshotMatch): StackIndex {
  let ix = cache.get(m);
  if (ix !== undefined) return ix;
  ix = { running: new Map(), started: new Map() };
  for (const b of m.buckets) {
    const names = new Set<string>();
    const starters = new Set<string>();
    if (b.createdBy) starters.add(b.createdBy);
    for (const f of b.frames) {
      names.add(f.function);
      for (const s of closureParents(f.function)) starters.add(s);
    }
    for (const n of names) push(ix.running, n, b);
    for (const s of starters) push(ix.started, s, b);
  }
  cache.set(m, ix);
  return ix;
}

/**
 * The functions a frame is a closure of: `pkg.F.func2.1` runs in closures of `pkg.F` and of
 * `pkg.F.func2`; `pkg.(*T).M.func1` of `pkg.(*T).M`.
 */
function closureParents(fn: string): string[] {
  const out: string[] = [];
  const re = /\.func\d+/g;
  for (let m = re.exec(fn); m !== null; m = re.exec(fn)) {
    out.push(fn.slice(0, m.index));
    const end = m.index + m[0].length;
    if (fn[end] === '.') out.push(fn.slice(0, end));
  }
  return out;
}

function push(map: Map<string, GoroutineBucket[]>, k: string, b: GoroutineBucket): void {
  const l = map.get(k);
  if (l === undefined) map.set(k, [b]);
  else l.push(b);
}

/** Goroutines in groups other than `except` that any of `fns` started, each group once. */
export function startedBy(m: SnapshotMatch, fns: string[], except: GoroutineBucket): number {
  const seen = new Set<GoroutineBucket>([except]);
  let n = 0;
  for (const fn of fns) {
    for (const b of stackIndex(m).started.get(fn) ?? []) {
      if (seen.has(b)) continue;
      seen.add(b);
      n += b.count;
    }
  }
  return n;
}
