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
 * Percentiles over complete waits (`complete`, sorted ascending) and cut ones (lower bounds), saying which
 * figures are only bounds: a figure at or above the shortest cut wait may be pulled up by that
 * wait's true length (a cut wait is never below it, so a figure that is a cut wait is a bound
 * too). The figures are those of both lists merged, found without merging them.
 */
export function censoredFigures(complete: ArrayLike<number>, cut: ArrayLike<number>): CensoredFigures {
  const cutSorted = Float64Array.from(cut).sort();
  const lowestCut = cutSorted.length ? cutSorted[0]! : Infinity;
  const n = complete.length + cutSorted.length;
  const at = (q: number): number | null => (n === 0 ? null : kth(complete, cutSorted, Math.max(1, Math.ceil(q * n)) - 1));
  const p50 = at(0.5);
  const p99 = at(0.99);
  const max = at(1);
  return {
    count: n,
    p50Ns: p50,
    p99Ns: p99,
    maxNs: max,
    p50IsLowerBound: p50 !== null && p50 >= lowestCut,
    p99IsLowerBound: p99 !== null && p99 >= lowestCut,
    maxIsLowerBound: max !== null && max >= lowestCut,
  };
}

/** The k-th smallest (from 0) of two sorted lists together, k below their joint length: a binary search over how many come from `a`. */
function kth(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  // take i from a and k + 1 - i from b: the least i whose a[i] is not below b's last taken
  let lo = Math.max(0, k + 1 - b.length);
  let hi = Math.min(k + 1, a.length);
  while (lo < hi) {
    const i = (lo + hi) >> 1;
    if (a[i]! < b[k - i]!) lo = i + 1;
    else hi = i;
  }
  const fromA = lo > 0 ? a[lo - 1]! : -Infinity;
  const fromB = k + 1 - lo > 0 ? b[k - lo]! : -Infinity;
  return Math.max(fromA, fromB);
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
    const sorted = gather(sites, (s) => s.complete).sort();
    const before = gather(sites, (s) => s.fromStart);
    const still = gather(sites, (s) => s.atEnd);
    const goroutines = new Set<number>();
    for (const s of sites) for (const g of s.goroutines) goroutines.add(g);
    let total = 0;
    for (const x of sorted) total += x;
    const cut = new Float64Array(before.length + still.length);
    cut.set(before);
    cut.set(still, before.length);
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
      begunBefore: before.length,
      begunBeforeMaxNs: maxOf(before),
      stillWaiting: still.length,
      stillWaitingMaxNs: maxOf(still),
      goroutines: goroutines.size,
      all: censoredFigures(sorted, cut),
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
