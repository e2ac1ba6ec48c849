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

/**
 * Percentiles over complete waits and cut ones (lower bounds), saying which figures are only
 * bounds: a figure at or above the shortest cut wait may be pulled up by that wait's true length
 * (a cut wait is never below it, so a figure that is a cut wait is a bound too). The figures are
 * those of both lists together, picked out by rank without sorting them.
 */
export function censoredFigures(complete: ArrayLike<number>, cut: ArrayLike<number>): CensoredFigures {
  let lowestCut = Infinity;
  for (let i = 0; i < cut.length; i++) if (cut[i]! < lowestCut) lowestCut = cut[i]!;
  const all = new Float64Array(complete.length + cut.length);
  all.set(complete);
  all.set(cut, complete.length);
  const [p50, p99, max] = figures(all, [0.5, 0.99, 1]);
  return {
    count: all.length,
    p50Ns: p50 ?? null,
    p99Ns: p99 ?? null,
    maxNs: max ?? null,
    p50IsLowerBound: (p50 ?? -Infinity) >= lowestCut,
    p99IsLowerBound: (p99 ?? -Infinity) >= lowestCut,
    maxIsLowerBound: (max ?? -Infinity) >= lowestCut,
  };
}

/**
 * The values below which the shares `qs` (ascending) of `a` fall, by nearest rank (null for
 * none): picked out in place (quickselect, each rank within what the last one left to its
 * right), so that millions of waits are not sorted for three figures.
 */
export function figures(a: Float64Array, qs: number[]): (number | null)[] {
  if (a.length === 0) return qs.map(() => null);
  let lo = 0;
  return qs.map((q) => {
    const k = Math.max(1, Math.ceil(q * a.length)) - 1;
    const v = select(a, k, lo, a.length - 1);
    lo = k;
    return v;
  });
}

/** The k-th smallest of a[lo..hi] (a reordered: smaller to its left, larger to its right). */
function select(a: Float64Array, k: number, lo: number, hi: number): number {
  while (hi > lo) {
    // the median of three as pivot, and a three-way partition: waits repeat a lot
    const x = a[lo]!;
    const y = a[(lo + hi) >>> 1]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let lt = lo;
    let gt = hi;
    for (let i = lo; i <= gt; ) {
      const v = a[i]!;
      if (v < pivot) {
        a[i++] = a[lt]!;
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt--] = v;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return a[k]!;
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
  // the sites each signature matched
  const matched = new Map<string, WaitSite[]>();
  const signatures = set.compiled.filter((c) => c.sig.role !== 'background');
  for (let i = 0; i < r.sites.length; i++) {
    const names = visibleNames(p, i);
    const reason = waitReason(p, i);
    for (const c of signatures) {
      if (matchFrames(c, names) === null || !matchGoroutine(c, p, i, reason)) continue;
      let l = matched.get(c.sig.id);
      if (l === undefined) matched.set(c.sig.id, (l = []));
      l.push(r.sites[i]!);
    }
  }
  const out: WaitLatency[] = [];
  for (const [id, sites] of matched) {
    const c = set.get(id)!;
    // a trace of a busy server holds millions of waits: each list once, into an array of its size
    const complete = gather(sites, (s) => s.complete);
    const before = gather(sites, (s) => s.fromStart);
    const still = gather(sites, (s) => s.atEnd);
    const goroutines = new Set<number>();
    for (const s of sites) for (const g of s.goroutines) goroutines.add(g);
    let total = 0;
    for (const x of complete) total += x;
    const cut = new Float64Array(before.length + still.length);
    cut.set(before);
    cut.set(still, before.length);
    const all = censoredFigures(complete, cut);
    const [p50, p90, p99, max] = figures(complete, [0.5, 0.9, 0.99, 1]);
    out.push({
      signature: id,
      role: c.sig.role,
      description: c.sig.description,
      count: complete.length,
      totalNs: total,
      p50Ns: p50 ?? null,
      p90Ns: p90 ?? null,
      p99Ns: p99 ?? null,
      maxNs: max ?? null,
      begunBefore: before.length,
      begunBeforeMaxNs: maxOf(before),
      stillWaiting: still.length,
      stillWaitingMaxNs: maxOf(still),
      goroutines: goroutines.size,
      all,
    });
  }
  return out.sort((x, y) => y.totalNs - x.totalNs || y.count - x.count);
}

/** One of the sites' lists of waits, all of them in one array. */
function gather(sites: WaitSite[], list: (s: WaitSite) => number[]): Float64Array {
  let n = 0;
  for (const s of sites) n += list(s).length;
  const out = new Float64Array(n);
  let at = 0;
  for (const s of sites) {
    const l = list(s);
    for (let k = 0; k < l.length; k++) out[at++] = l[k]!;
  }
  return out;
}

function maxOf(xs: Float64Array): number | null {
  let m: number | null = null;
  for (const x of xs) if (m === null || x > m) m = x;
  return m;
}
