/**
 * What every finding rule shares: the Finding shape, the thresholds, and the small helpers
 * that count goroutines, pick evidence and word numbers.
 */

import { SIG } from './signature-ids.js';
import type { GoroutineBucket, LabelSummary } from './summary.js';
import { GoroutineFlag } from '../model/profile.js';
import type { SignatureHit, SnapshotMatch } from './match.js';
import type { WaitLatency } from './trace/latency.js';

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
}

export interface Thresholds {
  /** Waiters on one pool or lock that make a finding a warning / critical. */
  waitersWarning: number;
  waitersCritical: number;
  /** Minutes of waiting that make any waiter critical (debug=2 only). */
  minutesCritical: number;
  /** Goroutines of one leaked shape that make a leak suspect in one snapshot. */
  leakCount: number;
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

export function pct(n: number, total: number): string {
  return total > 0 ? `${Math.round((n / total) * 100)}%` : '0%';
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
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
