/**
 * Latency of waits by signature: every interval a goroutine spent blocked in a trace, matched by
 * where it blocked (stack, wait reason, creator) against the signatures, and summed up per
 * signature — how many waits, how long in all, p50 / p99 / max. The number an engineer wants
 * when a pool is too small: not that 95 goroutines wait now, but that a connection takes 180 ms
 * to get at the median.
 *
 * A wait can be cut by the trace's window. Waits that began before the trace did (a goroutine
 * first seen through a status row, already blocked) have an unknown true length; waits still
 * under way at the end have not ended. Both are kept apart from the complete waits the
 * percentiles are computed from, with the longest part observed (a lower bound of the wait).
 */

import { ProfileBuilder } from '../../model/builder.js';
import type { Trace } from '../../model/trace.js';
import { matchFrames, matchGoroutine, type SignatureSet } from '../../signatures/engine.js';
import type { Role } from '../../signatures/types.js';
import { visibleNames } from '../summary.js';
import { waitReason } from '../wait-reason.js';
import type { TraceGoroutines, WaitSite } from './goroutines.js';
import { StackCutter, dumpWaitReason } from './snapshot.js';

export interface WaitLatency {
  signature: string;
  role: Role;
  description: string;
  /** Waits that began and ended within the trace, and their figures (ns). */
  count: number;
  totalNs: number;
  p50Ns: number | null;
  p90Ns: number | null;
  p99Ns: number | null;
  maxNs: number | null;
  /** Waits under way when the trace began (ended within it, or not): their count and the longest part seen. */
  begunBefore: number;
  begunBeforeMaxNs: number | null;
  /** Waits under way when the trace ended (begun within it): count and the longest so far. */
  stillWaiting: number;
  stillWaitingMaxNs: number | null;
  /** Distinct goroutines that waited here. */
  goroutines: number;
  /**
   * Every wait, those cut by the trace's window counted as long as they were seen: a figure is
   * a lower bound of the true one when a cut wait stands at or below it.
   */
  all: CensoredFigures;
}

export interface CensoredFigures {
  count: number;
  p50Ns: number | null;
  p99Ns: number | null;
  maxNs: number | null;
  p50IsLowerBound: boolean;
  p99IsLowerBound: boolean;
  maxIsLowerBound: boolean;
}

/** Percentiles over complete waits and cut ones (lower bounds), saying which figures are only bounds. */
export function censoredFigures(complete: ArrayLike<number>, cut: ArrayLike<number>): CensoredFigures {
  const all: [number, boolean][] = [];
  for (let i = 0; i < complete.length; i++) all.push([complete[i]!, false]);
  for (let i = 0; i < cut.length; i++) all.push([cut[i]!, true]);
  all.sort((a, b) => a[0] - b[0] || Number(a[1]) - Number(b[1]));
  // the smallest cut wait: a figure at or above it may be pulled up by that wait's true length
  let lowestCut = Infinity;
  for (const [v, c] of all) if (c && v < lowestCut) lowestCut = v;
  const at = (q: number): [number | null, boolean] => {
    if (all.length === 0) return [null, false];
    const [v, c] = all[Math.max(1, Math.ceil(q * all.length)) - 1]!;
    return [v, c || v >= lowestCut];
  };
  const [p50, p50b] = at(0.5);
  const [p99, p99b] = at(0.99);
  const last = all[all.length - 1];
  return {
    count: all.length,
    p50Ns: p50,
    p99Ns: p99,
    maxNs: last ? last[0] : null,
    p50IsLowerBound: p50b,
    p99IsLowerBound: p99b,
    maxIsLowerBound: last ? last[1] || lowestCut <= last[0] : false,
  };
}

/** The value below which a share `q` of the sorted values fall (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

/** Wait sites as a goroutine profile: one record per site, so the signature engine can judge it. */
function sitesProfile(t: Trace, sites: WaitSite[], blockLeaves?: ReadonlySet<string>): ReturnType<ProfileBuilder['finish']> {
  const b = new ProfileBuilder({
    format: 'trace',
    kind: 'goroutine',
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    period: 1,
  });
  const locations = new Map<number, number>();
  const cutter = new StackCutter(t, blockLeaves);
  for (const s of sites) {
    const { frames, functions, reason } = cutter.cut(s.stack);
    b.addGoroutine({
      id: 0,
      waitReason: dumpWaitReason(s.reason, functions) || (reason === 'running' ? '' : reason),
      waitMinutes: -1,
      flags: 0,
      createdByFunction: s.createdBy,
      createdByFile: '',
      createdByLine: 0,
      createdByGoroutine: -1,
      framesElided: 0,
    });
    for (const f of frames) {
      let loc = locations.get(f);
      if (loc === undefined) {
        const fn = b.functionId(t.strings.get(t.frames.func[f]!), t.strings.get(t.frames.file[f]!));
        loc = b.locationId(`f${f}`, t.frames.pc[f]!, [{ function: fn, line: t.frames.line[f]! }]);
        locations.set(f, loc);
      }
      b.frame(loc);
    }
    b.endSample([1]);
  }
  return b.finish();
}

/**
 * Wait latency per signature, for every signature some wait matched (background signatures
 * left out), longest total first.
 */
export function waitLatency(r: TraceGoroutines, set: SignatureSet): WaitLatency[] {
  const t = r.trace;
  if (t === null || r.sites.length === 0) return [];
  const p = sitesProfile(t, r.sites, r.blockLeaves);
  const acc = new Map<string, { complete: number[]; before: number[]; still: number[]; goroutines: Set<number> }>();
  const signatures = set.compiled.filter((c) => c.sig.role !== 'background');
  for (let i = 0; i < r.sites.length; i++) {
    const site = r.sites[i]!;
    const names = visibleNames(p, i);
    const reason = waitReason(p, i);
    for (const c of signatures) {
      if (matchFrames(c, names) === null || !matchGoroutine(c, p, i, reason)) continue;
      let a = acc.get(c.sig.id);
      if (a === undefined) acc.set(c.sig.id, (a = { complete: [], before: [], still: [], goroutines: new Set() }));
      for (const ns of site.complete) a.complete.push(ns);
      for (const ns of site.fromStart) a.before.push(ns);
      for (const ns of site.atEnd) a.still.push(ns);
      for (const g of site.goroutines) a.goroutines.add(g);
    }
  }
  const out: WaitLatency[] = [];
  for (const [id, a] of acc) {
    const c = set.get(id)!;
    const sorted = Float64Array.from(a.complete).sort();
    let total = 0;
    for (const x of sorted) total += x;
    out.push({
      signature: id,
      role: c.sig.role,
      description: c.sig.description,
      count: sorted.length,
      totalNs: total,
      p50Ns: quantile(sorted, 0.5),
      p90Ns: quantile(sorted, 0.9),
      p99Ns: quantile(sorted, 0.99),
      maxNs: sorted.length ? sorted[sorted.length - 1]! : null,
      begunBefore: a.before.length,
      begunBeforeMaxNs: maxOf(a.before),
      stillWaiting: a.still.length,
      stillWaitingMaxNs: maxOf(a.still),
      goroutines: a.goroutines.size,
      all: censoredFigures(sorted, [...a.before, ...a.still]),
    });
  }
  return out.sort((x, y) => y.totalNs - x.totalNs || y.count - x.count);
}

function maxOf(xs: number[]): number | null {
  let m: number | null = null;
  for (const x of xs) if (m === null || x > m) m = x;
  return m;
}
