/**
 * Two goroutine snapshots of one process: which groups and signatures grew, and the leak
 * findings growth supports — the only way to see a leak in protobuf and debug=1 dumps,
 * which carry no wait ages.
 */

import { SIG } from './signature-ids.js';
import type { Finding } from './findings.js';
import type { SnapshotMatch } from './match.js';
import type { GoroutineBucket } from './summary.js';
import { formatSeconds } from '../model/units.js';
import { groupNames } from './group-names.js';

export interface BucketGrowth {
  key: string;
  /** What tables call the group, unique within the diff (src/analyze/group-names.ts). */
  name: string;
  before: number;
  after: number;
  delta: number;
  waitReason: string;
  /** Signatures matching this group in the later snapshot. */
  signatures: string[];
  frames: GoroutineBucket['frames'];
}

export interface SignatureGrowth {
  signature: string;
  role: string;
  before: number;
  after: number;
  delta: number;
}

export interface SnapshotDiff {
  before: number;
  after: number;
  delta: number;
  /** Seconds between the snapshots when both carry a time, else null. */
  seconds: number | null;
  buckets: BucketGrowth[];
  signatures: SignatureGrowth[];
  findings: Finding[];
}

export interface GrowthThresholds {
  /** Growth of one group that counts as a leak: at least this many goroutines … */
  minDelta: number;
  /** … and at least this share of what the group had before. */
  minRatio: number;
}

/** The title of growth that no signature explains. */
export const GROWTH_TITLE = 'goroutines accumulate';

export const defaultGrowth: GrowthThresholds = { minDelta: 10, minRatio: 0.1 };

/** Which finding a growing group supports, by the signatures it matched. */
const LEAK_BY_SIGNATURE: [string, string, string][] = [
  [SIG.sqlRowsOpen, 'sql-rows-leak', 'database/sql Rows left open'],
  [SIG.sqlTxOpen, 'sql-tx-leak', 'database/sql transactions left open'],
  [SIG.sqlConnectionOpener, 'sql-db-handle-leak', 'sql.DB handles opened and never closed'],
  [SIG.pgxpoolHealthCheck, 'sql-db-handle-leak', 'pgx pools created and never closed'],
  [SIG.httpClientReadloopBodyOutstanding, 'http-client-conn-leak', 'HTTP client connections held by unclosed response bodies'],
  [SIG.httpClientWriteloop, 'http-client-conn-leak', 'HTTP client connections piling up'],
  [SIG.httpClientReadloopIdle, 'http-client-conn-leak', 'HTTP client connections piling up'],
  [SIG.mysqlWatcher, 'sql-db-handle-leak', 'MySQL connections piling up'],
  [SIG.grpcClientconnSerializer, 'grpc-clientconn-leak', 'gRPC ClientConns created and never closed'],
  [SIG.grpcTransportReader, 'grpc-clientconn-leak', 'gRPC connections piling up'],
  [SIG.grpcBalancerWatcher, 'grpc-clientconn-leak', 'gRPC ClientConns created and never closed'],
  [SIG.grpcClientLoopyWriter, 'grpc-clientconn-leak', 'gRPC connections piling up'],
  [SIG.grpcClientStream, 'goroutine-leak', 'gRPC client streams never finished'],
  [SIG.chanSend, 'chan-leak', 'goroutines blocked forever on a channel'],
  [SIG.chanReceive, 'chan-leak', 'goroutines blocked forever on a channel'],
  [SIG.chanNilOrEmptySelect, 'chan-leak', 'goroutines blocked forever on a channel'],
  [SIG.syncWaitgroupWait, 'waitgroup-stuck', 'WaitGroup waiters piling up'],
];

function signaturesOf(m: SnapshotMatch, key: string): string[] {
  const out: string[] = [];
  for (const [id, h] of m.hits) if (h.buckets.some((b) => b.bucket.key === key)) out.push(id);
  return out;
}

export function diffSnapshots(a: SnapshotMatch, b: SnapshotMatch, t: GrowthThresholds = defaultGrowth): SnapshotDiff {
  const before = new Map(a.buckets.map((x) => [x.key, x]));
  const after = new Map(b.buckets.map((x) => [x.key, x]));
  const keys = new Set([...before.keys(), ...after.keys()]);
  const buckets: BucketGrowth[] = [];
  for (const key of keys) {
    const x = before.get(key);
    const y = after.get(key);
    const n0 = x?.count ?? 0;
    const n1 = y?.count ?? 0;
    const rep = (y ?? x)!;
    buckets.push({
      key,
      name: '',
      before: n0,
      after: n1,
      delta: n1 - n0,
      waitReason: rep.waitReason,
      signatures: signaturesOf(y ? b : a, key),
      frames: rep.frames,
    });
  }
  buckets.sort((p, q) => q.delta - p.delta || q.after - p.after);
  groupNames(buckets).forEach((n, i) => (buckets[i]!.name = n));
  const ids = new Set([...a.hits.keys(), ...b.hits.keys()]);
  const signatures: SignatureGrowth[] = [...ids]
    .map((id) => {
      const h0 = a.hits.get(id);
      const h1 = b.hits.get(id);
      const n0 = h0?.goroutines ?? 0;
      const n1 = h1?.goroutines ?? 0;
      return { signature: id, role: (h1 ?? h0)!.role, before: n0, after: n1, delta: n1 - n0 };
    })
    .sort((p, q) => q.delta - p.delta);
  const t0 = a.profile.timeNanos;
  const t1 = b.profile.timeNanos;
  const seconds = t0 > 0 && t1 > 0 ? (t1 - t0) / 1e9 : null;

  const findings = new Map<string, Finding>();
  const linesOf = new Map<string, string[]>();
  const grewEnough = (n0: number, d: number) => d >= t.minDelta && d >= n0 * t.minRatio;
  for (const g of buckets) {
    if (!grewEnough(g.before, g.delta)) continue;
    const roleOf = (sig: string) => (b.hits.get(sig) ?? a.hits.get(sig))?.role;
    const isChan = (sig: string) => sig.startsWith('chan.');
    const specific = LEAK_BY_SIGNATURE.find(([sig]) => !isChan(sig) && g.signatures.includes(sig));
    const others = g.signatures.filter((sig) => !isChan(sig));
    // a growing queue of waiters (for a pool, a lock) is the snapshot finding's business
    if (!specific && others.some((sig) => roleOf(sig) === 'waiter')) continue;
    let id: string;
    let title: string;
    let severity: Finding['severity'] = 'critical';
    if (specific) {
      [, id, title] = specific;
    } else if (others.length === 0 && g.signatures.some(isChan)) {
      [, id, title] = LEAK_BY_SIGNATURE.find(([sig]) => g.signatures.includes(sig))!;
    } else {
      id = 'goroutine-leak';
      title = GROWTH_TITLE;
      // growth of what is normally background or helper work (idle connections, watchers) is
      // a consequence worth a look, not the incident itself
      if (others.length > 0) severity = 'warning';
    }
    const existing = findings.get(id);
    const rate = seconds && seconds > 0 ? ` (${(g.delta / seconds).toFixed(1)}/s)` : '';
    const line = `${g.before} → ${g.after} (+${g.delta})${rate} [${g.waitReason || '?'}] ${g.name}`;
    if (existing) {
      existing.goroutines += g.delta;
      existing.share = b.total ? existing.goroutines / b.total : 0;
      existing.evidence.push(evidenceOfGrowth(g));
      for (const sig of g.signatures) if (!existing.signatures.includes(sig)) existing.signatures.push(sig);
      linesOf.get(id)!.push(line);
      continue;
    }
    linesOf.set(id, [line]);
    findings.set(id, {
      id,
      severity,
      title,
      summary: `${g.delta} more goroutines of one shape between the snapshots${seconds ? ` (${formatSeconds(seconds)} apart)` : ''}: ${line}.`,
      goroutines: g.delta,
      share: b.total ? g.delta / b.total : 0,
      maxMinutes: null,
      evidence: [evidenceOfGrowth(g)],
      holders: [],
      remediation: remediationFor(id),
      signatures: [...g.signatures],
    });
  }
  const out = [...findings.values()];
  for (const f of out) {
    const lines = linesOf.get(f.id)!;
    if (lines.length > 1) {
      f.summary = `${f.goroutines} more goroutines in ${lines.length} growing groups between the snapshots${seconds ? ` (${formatSeconds(seconds)} apart)` : ''}; largest: ${lines[0]}.`;
    }
  }
  return { before: a.total, after: b.total, delta: b.total - a.total, seconds, buckets, signatures, findings: out };
}

function evidenceOfGrowth(g: BucketGrowth): Finding['evidence'][number] {
  return {
    signature: g.signatures[0] ?? '',
    goroutines: g.after,
    waitReason: g.waitReason,
    minMinutes: null,
    maxMinutes: null,
    frames: g.frames.map((f) => ({ ...f, matched: false })),
    createdBy: null,
  };
}

function remediationFor(id: string): string[] {
  switch (id) {
    case 'sql-rows-leak':
      return ['`defer rows.Close()` right after a successful Query; early returns before it leak the connection.'];
    case 'sql-tx-leak':
      return ['`defer tx.Rollback()` right after Begin, so every path ends the transaction.'];
    case 'sql-db-handle-leak':
      return ['Open one sql.DB / pgxpool.Pool per database at start-up and share it; never sql.Open per request.'];
    case 'http-client-conn-leak':
      return ['Close every response body (`defer resp.Body.Close()`), and reuse one http.Client / Transport.'];
    case 'chan-leak':
      return ['Give every blocked send or receive a way out: select on ctx.Done(), buffer result channels, close channels receivers range over.'];
    case 'grpc-clientconn-leak':
      return ['Create one grpc.ClientConn per target at start-up and share it; Close the ones you no longer need.'];
    case 'waitgroup-stuck':
      return ['`defer wg.Done()` at the top of each goroutine started after wg.Add.'];
    default:
      return ['Find what these goroutines wait for and who should have woken them; give each a context or a deadline.'];
  }
}
