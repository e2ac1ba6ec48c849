/**
 * What every finding rule shares: the Finding shape, the thresholds, and the small helpers
 * that count goroutines, pick evidence and word numbers.
 */

import { SIG } from './signature-ids.js';
import type { GoroutineBucket, LabelSummary } from './summary.js';
import { GoroutineFlag } from '../model/profile.js';
import { isStandardLibrary, packageOf } from '../model/names.js';
import { builtinPacks } from '../signatures/builtin.js';
import type { SignatureHit, SnapshotMatch } from './match.js';
import type { WaitLatency } from './trace/latency.js';
import { formatCount } from '../model/units.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface EvidenceStack {
  signature: string;
  goroutines: number;
  waitReason: string;
  minMinutes: number | null;
  maxMinutes: number | null;
  /** Leaf first; `matched` marks the frames the signature matched. */
  frames: { function: string; file: string; line: number; matched: boolean }[];
  createdBy: string | null;
  /** pprof labels of the group's goroutines, when it has any. */
  labels?: LabelSummary[];
}

export interface Holder {
  signature: string;
  description: string;
  goroutines: number;
  /** Where the holder shows in another input's profile (a mutex profile's releasing function), for a viewer to highlight. */
  at?: { input: string; function: string };
}

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  summary: string;
  /** Goroutines showing the problem, and the share of all goroutines. */
  goroutines: number;
  share: number;
  maxMinutes: number | null;
  evidence: EvidenceStack[];
  holders: Holder[];
  remediation: string[];
  /** Signatures that fed this finding. */
  signatures: string[];
  /** From traces: how long the waits of this finding's signatures took. */
  latency?: WaitLatency[];
  /** The runtime's own message this finding states (`fatal error: …`, `panic: …`): such findings lead. */
  runtimeVerdict?: string;
  /** Where the finding shows in a profile that has no goroutine stacks to match (a block profile's site), for a viewer to highlight. */
  at?: { input: string; function: string }[];
}

export interface Thresholds {
  /** Waiters on one pool or lock that make a finding a warning / critical. */
  waitersWarning: number;
  waitersCritical: number;
  /** Minutes of waiting that make any waiter critical (debug=2 only). */
  minutesCritical: number;
  /** Goroutines of one leaked shape that make a leak suspect in one snapshot. */
  leakCount: number;
  /** Leaked goroutines of one shape that make a leak critical in one snapshot, ages or not. */
  leakCritical: number;
  /** Median minutes of a leaked shape that make it a leak in one snapshot. */
  leakMinutes: number;
  /** Connection attempts in flight that make a connect storm. */
  connectStorm: number;
}

export const defaultThresholds: Thresholds = {
  waitersWarning: 5,
  waitersCritical: 10,
  minutesCritical: 1,
  leakCount: 100,
  leakCritical: 250,
  leakMinutes: 10,
  connectStorm: 20,
};

export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };
export function severityAtLeast(s: Severity, floor: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[floor];
}

export function count(m: SnapshotMatch, ...ids: string[]): number {
  let n = 0;
  for (const id of ids) n += m.hits.get(id)?.goroutines ?? 0;
  return n;
}

export function maxMinutes(m: SnapshotMatch, ...ids: string[]): number | null {
  let best: number | null = null;
  for (const id of ids) {
    const h = m.hits.get(id);
    if (!h || h.minutes.length === 0) continue;
    const v = h.minutes[h.minutes.length - 1]!;
    best = best === null ? v : Math.max(best, v);
  }
  return best;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  return xs[Math.floor(xs.length / 2)]!;
}


export function plural(n: number, one: string, many = one + 's'): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function evidenceOf(hit: SignatureHit, limit = 3): EvidenceStack[] {
  return hit.buckets.slice(0, limit).map(({ bucket, goroutines, frames }) => stackEvidence(hit.signature, bucket, goroutines, frames));
}

export function stackEvidence(signature: string, b: GoroutineBucket, goroutines: number, matched: number[]): EvidenceStack {
  const set = new Set(matched);
  return {
    signature,
    goroutines,
    waitReason: b.waitReason,
    minMinutes: b.minMinutes,
    maxMinutes: b.maxMinutes,
    frames: b.frames.map((f, i) => ({ ...f, matched: set.has(i) })),
    createdBy: b.createdBy,
    ...(b.labels.length > 0 ? { labels: b.labels } : {}),
  };
}

export function holdersOf(m: SnapshotMatch, ids: string[]): Holder[] {
  const out: Holder[] = [];
  for (const id of ids) {
    const h = m.hits.get(id);
    if (h && h.goroutines > 0) out.push({ signature: id, description: h.description, goroutines: h.goroutines });
  }
  return out.sort((a, b) => b.goroutines - a.goroutines);
}

export function waiterSeverity(n: number, minutes: number | null, t: Thresholds): Severity {
  if (n >= t.waitersCritical || (minutes !== null && minutes >= t.minutesCritical)) return 'critical';
  if (n >= t.waitersWarning) return 'warning';
  return 'info';
}

export const QUERY_HOLDERS = [SIG.pqRead, SIG.pgconnRead, SIG.mysqlRead];

/** go-redis commands that block on the server until data arrives or their timeout passes. */
export const REDIS_BLOCKING = /^(BLPop|BRPop|BRPopLPush|BLMove|BLMPop|BZPopMin|BZPopMax|BZMPop|XRead|XReadGroup|XReadStreams|Wait|WaitAOF)$/;

/**
 * The command methods (cmdable.BLPop …) under the holders' stacks, most goroutines first. (The
 * root package of gopkg.in/redis.v5 reads redis%2ev5 in symbol names.)
 */
export function redisCommands(hit: SignatureHit | undefined): [string, number][] {
  if (!hit) return [];
  const byName = new Map<string, number>();
  for (const { bucket, goroutines } of hit.buckets) {
    for (const f of bucket.frames) {
      const c = /^(?:github\.com\/(?:go-redis\/redis|redis\/go-redis)(?:\/v\d+)?|gopkg\.in\/redis(?:\.|%2e)v\d+)\.\(?\*?cmdable\)?\.(\w+)$/.exec(f.function);
      if (c) {
        byName.set(c[1]!, (byName.get(c[1]!) ?? 0) + goroutines);
        break;
      }
    }
  }
  return [...byName].sort((a, b) => b[1] - a[1]);
}


/**
 * How many of a signature's goroutines the garbage collector proved leaked: every one in a
 * goroutineleak profile, those marked `(leaked)` in a debug=2 dump. A proven leak is the
 * leak finding's, not a queue's: those goroutines wait on something nobody holds any more.
 */
export function leakedIn(m: SnapshotMatch, hit: SignatureHit): number {
  const p = m.profile;
  if (p.kind === 'goroutineleak' && p.goroutines === null) return hit.goroutines;
  const g = p.goroutines;
  if (g === null) return 0;
  let n = 0;
  for (const { bucket } of hit.buckets) for (const s of bucket.samples) if (g.flags[s]! & GoroutineFlag.Leaked) n++;
  return Math.min(n, hit.goroutines);
}

/** Name prefixes of the libraries the built-in signatures describe (drivers, gRPC, go-redis …). */
let libraries: string[] | null = null;

/** The literal start of a pattern: a name's package path, or a regular expression's fixed prefix. */
function literalPrefix(pat: string): string | null {
  if (!pat.startsWith('re:')) return packageOf(pat.replace(/\*$/, '')) + '.';
  let out = '';
  const re = pat.slice(3).replace(/^\^/, '');
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '\\' && i + 1 < re.length && /[./\-]/.test(re[i + 1]!)) {
      out += re[++i];
      continue;
    }
    if (/[[\]()*+?{}|^$.\\]/.test(c)) break;
    out += c;
  }
  return out.includes('/') ? out : null;
}

function libraryPrefixes(): string[] {
  if (libraries !== null) return libraries;
  const set = new Set<string>();
  for (const pack of builtinPacks) {
    for (const sig of pack.signatures) {
      const m = sig.match ?? {};
      for (const pat of [...(m.sequence ?? []), ...(m.anywhere ?? [])]) {
        const prefix = literalPrefix(pat);
        if (prefix !== null && !isStandardLibrary(prefix + 'x')) set.add(prefix);
      }
    }
  }
  return (libraries = [...set]);
}

/** The program's own code: neither Go's standard library nor a library the signatures know. */
export function isProgramCode(fn: string): boolean {
  return !isStandardLibrary(fn) && !libraryPrefixes().some((p) => fn.startsWith(p));
}

/** Whose code a frame is, for colouring: 0 the runtime, 1 the rest of Go's standard library, 2 a library, 3 the program's own. */
export type FrameClass = 0 | 1 | 2 | 3;

export function frameClass(fn: string): FrameClass {
  if (/^(runtime\.|internal\/runtime\/|runtime\/internal\/)/.test(fn) || (!fn.includes('.') && !fn.includes('/'))) return 0;
  if (isStandardLibrary(fn)) return 1;
  return isProgramCode(fn) ? 3 : 2;
}

/** Whether a group's labels share a value with the given key → values. */
function sharesLabel(b: GoroutineBucket, want: Map<string, Set<string>>): boolean {
  for (const l of b.labels) {
    const vs = want.get(l.key);
    if (vs && l.values.some((v) => vs.has(v.value))) return true;
  }
  return false;
}

/**
 * Goroutines that may still be working with what `of`'s goroutines hold open (a Tx, a Rows):
 * running the program's own code, not queued in one of `waiting`, not background, not the
 * profiler's. When the open things carry pprof labels, an owner carries one of their values
 * (the same endpoint or job). More open things than possible owners means some owner moved
 * on without closing: a leak, seen in one snapshot.
 */
export function possibleOwners(m: SnapshotMatch, of: SignatureHit, waiting: string[]): number {
  const skip = new Set<GoroutineBucket>(of.buckets.map((x) => x.bucket));
  const working = new Set<GoroutineBucket>();
  for (const h of m.hits.values()) {
    for (const { bucket } of h.buckets) {
      if (waiting.includes(h.signature)) skip.add(bucket);
      else if (h.role !== 'background') working.add(bucket);
      else if (!working.has(bucket)) skip.add(bucket);
    }
  }
  for (const b of working) skip.delete(b);
  for (const id of waiting) for (const { bucket } of m.hits.get(id)?.buckets ?? []) skip.add(bucket);
  const want = new Map<string, Set<string>>();
  for (const { bucket } of of.buckets) {
    for (const l of bucket.labels) {
      let vs = want.get(l.key);
      if (vs === undefined) want.set(l.key, (vs = new Set()));
      for (const v of l.values) vs.add(v.value);
    }
  }
  let n = 0;
  for (const b of m.buckets) {
    if (skip.has(b) || !b.frames.some((f) => isProgramCode(f.function))) continue;
    // the goroutine writing the profile (pprof.Do, which sets labels, is the program's)
    if (b.frames.some((f) => /^(runtime\/pprof\.(write|\(\*Profile\)\.WriteTo)|net\/http\/pprof\.)/.test(f.function))) continue;
    if (want.size > 0 && !sharesLabel(b, want)) continue;
    n += b.count;
  }
  return n;
}
