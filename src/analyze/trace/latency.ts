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
import type { Durations, TraceGoroutines, WaitSite } from './goroutines.js';
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
  const all = concat(complete, cut);
  return censored(figures(all, ALL_QS), all.length, cut);
}

/** The shares censoredFigures gives of all waits, and those waitFigures gives of the complete ones. */
const ALL_QS = [0.5, 0.99, 1];
const COMPLETE_QS = [0.5, 0.9, 0.99, 1];

/** CensoredFigures from the figures of `count` waits (ALL_QS), with `cut` among them. */
function censored([p50, p99, max]: (number | null)[], count: number, cut: ArrayLike<number>): CensoredFigures {
  let lowestCut = Infinity;
  for (let i = 0; i < cut.length; i++) if (cut[i]! < lowestCut) lowestCut = cut[i]!;
  return {
    count,
    p50Ns: p50 ?? null,
    p99Ns: p99 ?? null,
    maxNs: max ?? null,
    p50IsLowerBound: (p50 ?? -Infinity) >= lowestCut,
    p99IsLowerBound: (p99 ?? -Infinity) >= lowestCut,
    maxIsLowerBound: (max ?? -Infinity) >= lowestCut,
  };
}

/**
 * The complete waits' figures (COMPLETE_QS) and censoredFigures(complete, cut), as those two
 * give them; a long list of complete waits is counted into buckets once for both, and not copied
 * beside the cut ones.
 */
export function waitFigures(complete: Float64Array, cut: Float64Array): { complete: (number | null)[]; all: CensoredFigures } {
  const n = complete.length + cut.length;
  const counts = n >= BUCKETS_FROM ? bucketCounts(complete) : null;
  const cutCounts = counts === null ? null : bucketCounts(cut);
  if (counts === null || cutCounts === null || complete.length === 0) {
    const all = censoredFigures(complete, cut);
    return { complete: figures(complete, COMPLETE_QS), all };
  }
  const inComplete = bucketRanks(counts, nearestRanks(COMPLETE_QS, complete.length));
  const allCounts = counts.slice();
  for (let b = 0; b < counts.length; b++) allCounts[b]! += cutCounts[b]!;
  const inAll = bucketRanks(allCounts, nearestRanks(ALL_QS, n));
  const buckets = [...new Set([...inComplete.bucketOf, ...inAll.bucketOf])];
  const ofComplete = bucketValues(complete, counts, buckets);
  const ofCut = bucketValues(cut, cutCounts, buckets);
  return {
    complete: pickRanks(inComplete, buckets, (j) => ofComplete[j]!),
    all: censored(pickRanks(inAll, buckets, (j) => concat(ofComplete[j]!, ofCut[j]!)), n, cut),
  };
}

/** `a` then `b`, in one array. */
function concat(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * The values below which the shares `qs` (ascending) of `a` fall, by nearest rank (null for
 * none), without sorting millions of waits for three figures: a long list by buckets of its
 * values (byBuckets), a short one picked out in place (quickselect, each rank within what the
 * last one left to its right).
 */
export function figures(a: Float64Array, qs: number[]): (number | null)[] {
  if (a.length === 0) return qs.map(() => null);
  const ks = nearestRanks(qs, a.length);
  const bucketed = a.length >= BUCKETS_FROM ? byBuckets(a, ks) : null;
  if (bucketed !== null) return bucketed;
  let lo = 0;
  return ks.map((k) => {
    const v = select(a, k, lo, a.length - 1);
    lo = k;
    return v;
  });
}

/** The 0-based nearest ranks of the shares `qs` of `length` values. */
function nearestRanks(qs: number[], length: number): number[] {
  return qs.map((q) => Math.max(1, Math.ceil(q * length)) - 1);
}

/** Lists this long are ranked by buckets. */
const BUCKETS_FROM = 1 << 14;

/** Whether a double's high 32 bits are the second word of its 8 bytes (a little-endian machine). */
const HIGH_WORD_SECOND = new Uint32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000;

/**
 * The ranks `ks` (ascending) of `a` by buckets of 2^20 keyed by a value's top 20 bits (sign,
 * exponent and 8 bits of mantissa: for values ≥ 0 the buckets come in the values' order, 256 an
 * octave): one pass counts the buckets, which says the bucket of each rank; a second takes the
 * values of those few buckets, and the rank is picked out among them. Null when some value is
 * below 0 (or -0, or not a number), or on a big-endian machine: then quickselect does it.
 */
function byBuckets(a: Float64Array, ks: number[]): number[] | null {
  const counts = bucketCounts(a);
  if (counts === null) return null;
  const ranks = bucketRanks(counts, ks);
  const buckets = [...new Set(ranks.bucketOf)];
  const values = bucketValues(a, counts, buckets);
  return pickRanks(ranks, buckets, (j) => values[j]!);
}

/** Each rank picked out among the values of its bucket (`valuesOf(j)`: those of buckets[j]). */
function pickRanks(r: { bucketOf: number[]; rankIn: number[] }, buckets: number[], valuesOf: (j: number) => Float64Array): number[] {
  return r.bucketOf.map((b, k) => {
    const v = valuesOf(buckets.indexOf(b));
    return select(v, r.rankIn[k]!, 0, v.length - 1);
  });
}

/** How many values of `a` each bucket holds (see byBuckets); null when some value has no bucket. */
function bucketCounts(a: Float64Array): Uint32Array | null {
  if (!HIGH_WORD_SECOND) return null;
  const words = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const counts = new Uint32Array(1 << 20);
  for (let i = 1; i < words.length; i += 2) {
    const hi = words[i]!;
    // the sign bit, or the exponent of infinity and NaN
    if (hi >= 0x7ff00000) return null;
    counts[hi >>> 12]!++;
  }
  return counts;
}

/** The bucket of each rank `ks` (ascending) among values counted into `counts`, and its rank among that bucket's values. */
function bucketRanks(counts: Uint32Array, ks: number[]): { bucketOf: number[]; rankIn: number[] } {
  const bucketOf: number[] = [];
  const rankIn: number[] = [];
  let before = 0;
  for (let b = 0; bucketOf.length < ks.length; before += counts[b++]!) {
    while (bucketOf.length < ks.length && ks[bucketOf.length]! < before + counts[b]!) {
      rankIn.push(ks[bucketOf.length]! - before);
      bucketOf.push(b);
    }
  }
  return { bucketOf, rankIn };
}

/** The values of `a` (counted into `counts`) in each of the few `buckets`: one pass, a bucket's index + 1 in `held` saying which. */
function bucketValues(a: Float64Array, counts: Uint32Array, buckets: number[]): Float64Array[] {
  const words = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const held = new Uint8Array(1 << 20);
  buckets.forEach((b, j) => (held[b] = j + 1));
  const values = buckets.map((b) => new Float64Array(counts[b]!));
  const filled = buckets.map(() => 0);
  for (let i = 0; i < a.length; i++) {
    const j = held[words[2 * i + 1]! >>> 12]!;
    if (j !== 0) values[j - 1]![filled[j - 1]!++] = a[i]!;
  }
  return values;
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
    for (let k = 0; k < complete.length; k++) total += complete[k]!;
    const cut = concat(before, still);
    const f = waitFigures(complete, cut);
    const all = f.all;
    const [p50, p90, p99, max] = f.complete;
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
function gather(sites: WaitSite[], list: (s: WaitSite) => Durations): Float64Array {
  let n = 0;
  for (const s of sites) n += list(s).length;
  const out = new Float64Array(n);
  let at = 0;
  for (const s of sites) at = list(s).copyInto(out, at);
  return out;
}

function maxOf(xs: Float64Array): number | null {
  let m: number | null = null;
  for (let k = 0; k < xs.length; k++) if (m === null || xs[k]! > m) m = xs[k]!;
  return m;
}
