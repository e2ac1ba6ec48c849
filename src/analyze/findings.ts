/**
 * Findings from one goroutine snapshot: what is wrong, how sure, with the numbers, the
 * evidence (stacks and counts), the holders, and what to change.
 */

import { GoroutineFlag } from '../model/profile.js';
import type { GoroutineBucket } from './summary.js';
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

const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };
export function severityAtLeast(s: Severity, floor: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[floor];
}

function count(m: SnapshotMatch, ...ids: string[]): number {
  let n = 0;
  for (const id of ids) n += m.hits.get(id)?.goroutines ?? 0;
  return n;
}

function maxMinutes(m: SnapshotMatch, ...ids: string[]): number | null {
  let best: number | null = null;
  for (const id of ids) {
    const h = m.hits.get(id);
    if (!h || h.minutes.length === 0) continue;
    const v = h.minutes[h.minutes.length - 1]!;
    best = best === null ? v : Math.max(best, v);
  }
  return best;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  return xs[Math.floor(xs.length / 2)]!;
}

function pct(n: number, total: number): string {
  return total > 0 ? `${Math.round((n / total) * 100)}%` : '0%';
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function evidenceOf(hit: SignatureHit, limit = 3): EvidenceStack[] {
  return hit.buckets.slice(0, limit).map(({ bucket, goroutines, frames }) => stackEvidence(hit.signature, bucket, goroutines, frames));
}

function stackEvidence(signature: string, b: GoroutineBucket, goroutines: number, matched: number[]): EvidenceStack {
  const set = new Set(matched);
  return {
    signature,
    goroutines,
    waitReason: b.waitReason,
    minMinutes: b.minMinutes,
    maxMinutes: b.maxMinutes,
    frames: b.frames.map((f, i) => ({ ...f, matched: set.has(i) })),
    createdBy: b.createdBy,
  };
}

function holdersOf(m: SnapshotMatch, ids: string[]): Holder[] {
  const out: Holder[] = [];
  for (const id of ids) {
    const h = m.hits.get(id);
    if (h && h.goroutines > 0) out.push({ signature: id, description: h.description, goroutines: h.goroutines });
  }
  return out.sort((a, b) => b.goroutines - a.goroutines);
}

function waiterSeverity(n: number, minutes: number | null, t: Thresholds): Severity {
  if (n >= t.waitersCritical || (minutes !== null && minutes >= t.minutesCritical)) return 'critical';
  if (n >= t.waitersWarning) return 'warning';
  return 'info';
}

const QUERY_HOLDERS = ['pq.read', 'pgconn.read', 'mysql.read'];

/** go-redis commands that block on the server until data arrives or their timeout passes. */
const REDIS_BLOCKING = /^(BLPop|BRPop|BRPopLPush|BLMove|BLMPop|BZPopMin|BZPopMax|BZMPop|XRead|XReadGroup|XReadStreams|Wait|WaitAOF)$/;

/**
 * The command methods (cmdable.BLPop …) under the holders' stacks, most goroutines first. (The
 * root package of gopkg.in/redis.v5 reads redis%2ev5 in symbol names.)
 */
function redisCommands(hit: SignatureHit | undefined): [string, number][] {
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

/** Findings that one goroutine snapshot supports. */
export function snapshotFindings(m: SnapshotMatch, t: Thresholds = defaultThresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;

  // --- database/sql pool ---
  const sqlWait = m.hits.get('sql.conn-wait');
  const tx = count(m, 'sql.tx-open');
  const rows = count(m, 'sql.rows-open');
  const queries = count(m, ...QUERY_HOLDERS);
  if (sqlWait && sqlWait.goroutines > 0) {
    const w = sqlWait.goroutines;
    const minutes = maxMinutes(m, 'sql.conn-wait');
    const pools = sqlWait.instances.size;
    const poolText = pools === 1 ? ` ${[...sqlWait.instances.keys()][0]}` : pools > 1 ? ` (${pools} pools)` : '';
    const held: string[] = [];
    if (queries > 0) held.push(`${plural(queries, 'query', 'queries')} waiting on the database server`);
    if (tx > 0) held.push(`${plural(tx, 'open transaction')}`);
    if (rows > 0) held.push(`${plural(rows, 'open Rows', 'open Rows')}`);
    const remediation: string[] = [];
    if (tx > 0 && tx >= queries) {
      remediation.push('Transactions are left open: make every Begin end in Commit or Rollback (`defer tx.Rollback()` right after Begin).');
    }
    if (rows > 0 && rows >= queries) {
      remediation.push('Rows are left open: `defer rows.Close()` right after Query, and check rows.Err().');
    }
    if (queries > 0 && queries >= tx + rows) {
      remediation.push(
        'The connections are busy in queries the server has not answered: the pool is not the bottleneck. Find the slow query (pg_stat_activity / SHOW PROCESSLIST); raising MaxOpenConns would add load to a database that is already slow.',
      );
    }
    remediation.push('Bound the wait: pass a context with a deadline to QueryContext/ExecContext so callers fail fast instead of queueing.');
    out.push({
      id: 'db-pool-exhausted',
      severity: waiterSeverity(w, minutes, t),
      title: 'database/sql connection pool exhausted',
      summary:
        `${plural(w, 'goroutine')} of ${total.toLocaleString('en-US')} (${pct(w, total)}) wait for a connection from the database/sql pool${poolText}` +
        (minutes !== null && minutes > 0 ? `, the longest for ${plural(minutes, 'minute')}` : '') +
        (held.length ? `; the connections are held by ${held.join(', ')}.` : '.'),
      goroutines: w,
      share: total ? w / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(sqlWait),
      holders: holdersOf(m, ['sql.tx-open', 'sql.rows-open', ...QUERY_HOLDERS]),
      remediation,
      signatures: ['sql.conn-wait'],
    });
  }

  // --- open transactions ---
  const txHit = m.hits.get('sql.tx-open');
  if (txHit && (txHit.goroutines >= t.waitersCritical || (sqlWait && txHit.goroutines > 0 && txHit.goroutines >= queries))) {
    const minutes = maxMinutes(m, 'sql.tx-open');
    out.push({
      id: 'sql-tx-leak',
      severity: sqlWait ? 'critical' : 'warning',
      title: 'database/sql transactions left open',
      summary:
        `${plural(txHit.goroutines, 'transaction')} ${txHit.goroutines === 1 ? 'is' : 'are'} open, each pinning a pool connection` +
        (sqlWait ? ` while ${plural(sqlWait.goroutines, 'goroutine')} wait for one` : '') +
        (minutes ? `; the oldest for ${plural(minutes, 'minute')}` : '') +
        '.',
      goroutines: txHit.goroutines,
      share: total ? txHit.goroutines / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(txHit),
      holders: [],
      remediation: [
        'Make every Begin end in Commit or Rollback: `tx, err := db.BeginTx(ctx, nil); if err != nil {…}; defer tx.Rollback()`.',
        'Look for early returns between Begin and Commit (error paths) in the code that created these transactions.',
      ],
      signatures: ['sql.tx-open'],
    });
  }

  // --- open rows ---
  const rowsHit = m.hits.get('sql.rows-open');
  if (rowsHit && (rowsHit.goroutines >= t.waitersCritical || (sqlWait && rowsHit.goroutines > 0 && rowsHit.goroutines >= queries))) {
    out.push({
      id: 'sql-rows-leak',
      severity: sqlWait ? 'critical' : 'warning',
      title: 'database/sql Rows left open',
      summary:
        `${plural(rowsHit.goroutines, 'Rows', 'Rows')} ${rowsHit.goroutines === 1 ? 'is' : 'are'} open, each pinning a pool connection` +
        (sqlWait ? ` while ${plural(sqlWait.goroutines, 'goroutine')} wait for one.` : '.'),
      goroutines: rowsHit.goroutines,
      share: total ? rowsHit.goroutines / total : 0,
      maxMinutes: maxMinutes(m, 'sql.rows-open'),
      evidence: evidenceOf(rowsHit),
      holders: [],
      remediation: ['`defer rows.Close()` immediately after a successful Query; an early return before it leaks the connection.'],
      signatures: ['sql.rows-open'],
    });
  }

  // --- pgxpool ---
  const pgx = m.hits.get('pgxpool.acquire-wait');
  if (pgx && pgx.goroutines > 0) {
    const minutes = maxMinutes(m, 'pgxpool.acquire-wait');
    const q = count(m, 'pgconn.read');
    out.push({
      id: 'pgxpool-acquire-wait',
      severity: waiterSeverity(pgx.goroutines, minutes, t),
      title: 'pgxpool exhausted: callers wait in Acquire',
      summary:
        `${plural(pgx.goroutines, 'goroutine')} of ${total.toLocaleString('en-US')} (${pct(pgx.goroutines, total)}) wait in pgxpool Acquire for a connection` +
        (q > 0 ? `; ${plural(q, 'connection')} ${q === 1 ? 'is' : 'are'} busy in queries waiting on the server.` : '.'),
      goroutines: pgx.goroutines,
      share: total ? pgx.goroutines / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(pgx),
      holders: holdersOf(m, ['pgconn.read', 'pgconn.context-watcher']),
      remediation: [
        'Release what you acquire: `defer rows.Close()`, `defer conn.Release()`, finish every transaction.',
        q > 0
          ? 'The acquired connections are in queries the server has not answered: find the slow query before raising pool_max_conns.'
          : 'If the holders are legitimately busy, raise pool_max_conns (default max(4, NumCPU)).',
      ],
      signatures: ['pgxpool.acquire-wait'],
    });
  }

  // --- connect storm ---
  const connecting = count(m, 'pq.connect', 'pgconn.connect', 'mysql.connect');
  if (connecting >= t.connectStorm) {
    const ids = ['pq.connect', 'pgconn.connect', 'mysql.connect'].filter((id) => m.hits.has(id));
    out.push({
      id: 'db-connect-storm',
      severity: 'critical',
      title: 'connect storm: many database connections being opened at once',
      summary: `${plural(connecting, 'goroutine')} (${pct(connecting, total)}) are opening database connections at the same moment.`,
      goroutines: connecting,
      share: total ? connecting / total : 0,
      maxMinutes: maxMinutes(m, ...ids),
      evidence: ids.flatMap((id) => evidenceOf(m.hits.get(id)!, 2)),
      holders: [],
      remediation: [
        'Cap the pool: SetMaxOpenConns (or pool_max_conns) so the fleet total stays under the server’s max_connections.',
        'Keep connections: SetMaxIdleConns close to the steady concurrency, ConnMaxIdleTime about a minute, so bursts reuse them.',
      ],
      signatures: ids,
    });
  }

  // --- HTTP client ---
  const bodies = m.hits.get('http.client-readloop-body-outstanding');
  if (bodies && bodies.goroutines >= t.waitersCritical) {
    out.push({
      id: 'http-client-conn-leak',
      severity: bodies.goroutines >= t.leakCount ? 'critical' : 'warning',
      title: 'HTTP client connections held by unclosed response bodies',
      summary: `${plural(bodies.goroutines, 'HTTP client connection')} wait for their response body to be read or closed.`,
      goroutines: bodies.goroutines,
      share: total ? bodies.goroutines / total : 0,
      maxMinutes: maxMinutes(m, 'http.client-readloop-body-outstanding'),
      evidence: evidenceOf(bodies),
      holders: [],
      remediation: ['Close every response body: `defer resp.Body.Close()` right after the error check, and drain it (io.Copy(io.Discard, resp.Body)) to reuse the connection.'],
      signatures: ['http.client-readloop-body-outstanding'],
    });
  }
  const getConn = m.hits.get('http.client-getconn-wait');
  if (getConn && getConn.goroutines >= t.waitersWarning) {
    const minutes = maxMinutes(m, 'http.client-getconn-wait');
    out.push({
      id: 'http-conn-wait',
      severity: waiterSeverity(getConn.goroutines, minutes, t),
      title: 'HTTP client requests wait for a connection',
      summary: `${plural(getConn.goroutines, 'request')} (${pct(getConn.goroutines, total)}) wait in Transport.getConn for a connection to the host: MaxConnsPerHost is reached or dialling is slow.`,
      goroutines: getConn.goroutines,
      share: total ? getConn.goroutines / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(getConn),
      holders: holdersOf(m, ['http.client-awaiting-response', 'http.client-readloop-body-outstanding', 'http.client-dialing']),
      remediation: [
        'Raise Transport.MaxConnsPerHost (and MaxIdleConnsPerHost, default 2) to the concurrency you need, or find why the upstream answers slowly.',
        'Give requests a deadline (http.Client.Timeout or a context) so callers do not queue without bound.',
      ],
      signatures: ['http.client-getconn-wait'],
    });
  }

  // --- go-redis ---
  const redis = m.hits.get('redis.pool-wait');
  if (redis && redis.goroutines >= t.waitersWarning) {
    const minutes = maxMinutes(m, 'redis.pool-wait');
    const reading = m.hits.get('redis.command-read');
    const commands = redisCommands(reading);
    const busy = reading?.goroutines ?? 0;
    const blocking = commands.filter(([c]) => REDIS_BLOCKING.test(c));
    out.push({
      id: 'redis-pool-wait',
      severity: waiterSeverity(redis.goroutines, minutes, t),
      title: 'go-redis pool exhausted: callers wait for a connection',
      summary:
        `${plural(redis.goroutines, 'goroutine')} of ${total.toLocaleString('en-US')} (${pct(redis.goroutines, total)}) wait for a connection from a go-redis pool` +
        (minutes !== null && minutes > 0 ? `, the longest for ${plural(minutes, 'minute')}` : '') +
        (busy > 0
          ? `; ${plural(busy, 'connection')} ${busy === 1 ? 'is' : 'are'} in commands waiting for the server's reply` +
            (commands.length ? ` (${commands.map(([c, n]) => `${c} ${n}`).join(', ')})` : '') +
            '.'
          : '.'),
      goroutines: redis.goroutines,
      share: total ? redis.goroutines / total : 0,
      maxMinutes: minutes,
      evidence: [...evidenceOf(redis, 2), ...(reading ? evidenceOf(reading, 1) : [])],
      holders: holdersOf(m, ['redis.command-read']),
      remediation: [
        blocking.length
          ? `Blocking commands (${blocking.map(([c]) => c).join(', ')}) keep their connection for the whole wait: give them a client of their own, or size PoolSize for them plus the other traffic.`
          : 'Find connections held for long: PubSub and blocking commands (BLPOP, XREAD) each keep one; give them a dedicated client.',
        'Raise PoolSize (default 10 per CPU) only once holders are short-lived; keep PoolTimeout short so callers fail fast.',
      ],
      signatures: ['redis.pool-wait'],
    });
  }

  // --- gRPC ClientConns: each runs goroutines of its own whether it carries traffic or not, so
  // their number counts the ClientConns (a connected one runs three callback serializers in
  // recent grpc-go, one balancer watcher in older releases)
  const serializers = count(m, 'grpc.clientconn-serializer');
  const watchers = count(m, 'grpc.balancer-watcher');
  const clientConns = Math.ceil(serializers / 3) + watchers;
  if (clientConns >= t.leakCount) {
    const transports = count(m, 'grpc.transport-reader');
    const ids = ['grpc.clientconn-serializer', 'grpc.balancer-watcher', 'grpc.transport-reader', 'grpc.client-loopy-writer', 'grpc.keepalive'];
    const goroutines = count(m, ...ids);
    out.push({
      id: 'grpc-clientconn-leak',
      severity: 'critical',
      title: 'many gRPC ClientConns (grpc.NewClient or Dial without Close?)',
      summary:
        `At least ${plural(clientConns, 'grpc.ClientConn')} ${clientConns === 1 ? 'is' : 'are'} open` +
        ` (${[serializers ? plural(serializers, 'callback serializer') : '', watchers ? plural(watchers, 'balancer watcher') : ''].filter(Boolean).join(' and ')}` +
        `${transports ? `, ${plural(transports, 'client transport')}` : ''}), ${plural(goroutines, 'goroutine')} in all (${pct(goroutines, total)}): a service normally holds one per backend it calls.`,
      goroutines,
      share: total ? goroutines / total : 0,
      maxMinutes: null,
      evidence: ids.flatMap((id) => (m.hits.has(id) ? evidenceOf(m.hits.get(id)!, 1) : [])).slice(0, 3),
      holders: [],
      remediation: [
        'Create one grpc.ClientConn per target at start-up and share it (it is safe for concurrent use and reconnects by itself); Close the ones you are done with.',
        'Look for grpc.NewClient / grpc.Dial in request paths: every call there without a matching conn.Close() leaves a ClientConn, its transport and a TCP connection behind. (A client that keeps one ClientConn per shard or store by design shows this many too.)',
      ],
      signatures: ['grpc.clientconn-serializer', 'grpc.balancer-watcher'],
    });
  }

  // --- sync ---
  const mu = m.hits.get('sync.mutex-wait');
  if (mu && mu.goroutines > 0) {
    const minutes = maxMinutes(m, 'sync.mutex-wait');
    const sev = waiterSeverity(mu.goroutines, null, t);
    if (sev !== 'info' || (minutes !== null && minutes >= t.minutesCritical)) {
      const top = mu.buckets[0]!;
      const site = top.bucket.frames.find((f) => !/^(internal\/)?sync\./.test(f.function));
      out.push({
        id: 'mutex-contention',
        severity: sev,
        title: 'goroutines queue on a sync.Mutex',
        summary:
          `${plural(mu.goroutines, 'goroutine')} (${pct(mu.goroutines, total)}) wait to lock a sync.Mutex` +
          (mu.instances.size === 1 ? ` at ${[...mu.instances.keys()][0]}` : mu.instances.size > 1 ? ` (${mu.instances.size} mutexes)` : '') +
          (site ? `, most in ${site.function}` : '') +
          (minutes ? `; the longest for ${plural(minutes, 'minute')}` : '') +
          '.',
        goroutines: mu.goroutines,
        share: total ? mu.goroutines / total : 0,
        maxMinutes: minutes,
        evidence: evidenceOf(mu),
        holders: [],
        remediation: [
          'Shorten the critical section: no I/O, channel operations or slow calls while holding the lock.',
          'With a mutex profile (runtime.SetMutexProfileFraction), the Unlock sites show who holds it longest.',
        ],
        signatures: ['sync.mutex-wait'],
      });
    }
    if (minutes !== null && minutes >= t.minutesCritical) {
      out.push({
        id: 'deadlock-suspect',
        severity: 'critical',
        title: 'possible deadlock: goroutines blocked on a lock for minutes',
        summary: `${plural(mu.goroutines, 'goroutine')} have waited on a sync.Mutex for up to ${plural(minutes, 'minute')}.`,
        goroutines: mu.goroutines,
        share: total ? mu.goroutines / total : 0,
        maxMinutes: minutes,
        evidence: evidenceOf(mu),
        holders: [],
        remediation: ['Find the holder: a goroutine that locked this mutex and is itself blocked (on I/O, a channel, or another lock taken in the opposite order).'],
        signatures: ['sync.mutex-wait'],
      });
    }
  }
  const rlock = m.hits.get('sync.rwmutex-rlock-wait');
  const wlock = count(m, 'sync.rwmutex-lock-wait', 'sync.rwmutex-writer-behind-readers');
  if (rlock && rlock.goroutines > 0 && wlock > 0) {
    out.push({
      id: 'rwmutex-starvation',
      severity: rlock.goroutines >= t.waitersCritical ? 'critical' : 'warning',
      title: 'RWMutex: readers queue behind a waiting writer',
      summary: `${plural(rlock.goroutines, 'reader')} wait for a read lock behind ${plural(wlock, 'writer')} that waits for long-held read locks to be released.`,
      goroutines: rlock.goroutines + wlock,
      share: total ? (rlock.goroutines + wlock) / total : 0,
      maxMinutes: maxMinutes(m, 'sync.rwmutex-rlock-wait', 'sync.rwmutex-lock-wait'),
      evidence: [...evidenceOf(m.hits.get('sync.rwmutex-lock-wait') ?? m.hits.get('sync.rwmutex-writer-behind-readers')!, 1), ...evidenceOf(rlock, 2)],
      holders: [],
      remediation: [
        'A reader holds the read lock too long (slow work under RLock): shorten it, or copy the data out and release.',
        'Go’s RWMutex blocks new readers once a writer waits, so one slow reader stalls everyone.',
      ],
      signatures: ['sync.rwmutex-rlock-wait', 'sync.rwmutex-lock-wait'],
    });
  }
  const wg = m.hits.get('sync.waitgroup-wait');
  if (wg && wg.goroutines > 0) {
    const minutes = maxMinutes(m, 'sync.waitgroup-wait');
    if (minutes !== null && minutes >= t.minutesCritical) {
      out.push({
        id: 'waitgroup-stuck',
        severity: 'warning',
        title: 'a WaitGroup never finishes',
        summary: `${plural(wg.goroutines, 'goroutine')} ${wg.goroutines === 1 ? 'has' : 'have'} waited in WaitGroup.Wait for ${plural(minutes, 'minute')}: a Done is missing.`,
        goroutines: wg.goroutines,
        share: total ? wg.goroutines / total : 0,
        maxMinutes: minutes,
        evidence: evidenceOf(wg),
        holders: [],
        remediation: ['Call `defer wg.Done()` at the top of every goroutine started after wg.Add, so error paths cannot skip it.'],
        signatures: ['sync.waitgroup-wait'],
      });
    }
  }

  // --- channels and leaks (one snapshot: needs ages) ---
  for (const id of ['chan.send', 'chan.receive', 'chan.nil-or-empty-select']) {
    const h = m.hits.get(id);
    if (!h) continue;
    for (const { bucket, goroutines, frames } of h.buckets) {
      const med = bucket.maxMinutes === null ? null : median(h.minutes);
      if (goroutines >= t.leakCount && med !== null && med >= t.leakMinutes) {
        out.push({
          id: 'chan-leak',
          severity: 'critical',
          title: 'goroutines blocked forever on a channel',
          summary: `${plural(goroutines, 'goroutine')} of one shape are blocked on a channel (${bucket.waitReason}) for ${bucket.minMinutes}–${bucket.maxMinutes} minutes.`,
          goroutines,
          share: total ? goroutines / total : 0,
          maxMinutes: bucket.maxMinutes,
          evidence: [stackEvidence(id, bucket, goroutines, frames)],
          holders: [],
          remediation: ['Give the other side a way out: buffered channels for results nobody may read, select with ctx.Done() on every send and receive, close channels the receivers range over.'],
          signatures: [id],
        });
      }
    }
  }

  // --- proven leaks: the goroutineleak profile (Go 1.26 with its experiment, 1.27) lists only
  // goroutines the garbage collector found blocked on something no other goroutine can reach;
  // a debug=2 dump marks them (leaked)
  const p = m.profile;
  let leaked = 0;
  const leakedBuckets: { bucket: GoroutineBucket; goroutines: number }[] = [];
  if (p.kind === 'goroutineleak' && p.goroutines === null) {
    for (const b of m.buckets) leakedBuckets.push({ bucket: b, goroutines: b.count });
  } else if (p.goroutines !== null) {
    const leakedRows = new Set<number>();
    for (let i = 0; i < p.goroutines.length; i++) if (p.goroutines.flags[i]! & GoroutineFlag.Leaked) leakedRows.add(i);
    for (const b of m.buckets) {
      const n = b.samples.filter((s) => leakedRows.has(s)).length;
      if (n > 0) leakedBuckets.push({ bucket: b, goroutines: n });
    }
  }
  for (const x of leakedBuckets) leaked += x.goroutines;
  if (leaked > 0) {
    leakedBuckets.sort((a, b) => b.goroutines - a.goroutines);
    const top = leakedBuckets[0]!.bucket;
    out.push({
      id: 'goroutine-leak',
      severity: 'critical',
      title: 'leaked goroutines (proven by the garbage collector)',
      summary: `${plural(leaked, 'goroutine')} ${leaked === 1 ? 'is' : 'are'} blocked forever: nothing else can reach what ${leaked === 1 ? 'it waits' : 'they wait'} on. The largest group (${leakedBuckets[0]!.goroutines}) waits in ${top.frames[0]?.function ?? 'the runtime'} [${top.waitReason || '?'}].`,
      goroutines: leaked,
      share: total ? leaked / total : 0,
      maxMinutes: null,
      evidence: leakedBuckets.slice(0, 3).map((x) => stackEvidence('goroutineleak', x.bucket, x.goroutines, [])),
      holders: [],
      remediation: ['Each group is a channel, lock or WaitGroup that no live goroutine will ever operate on again: give the blocked side a way out (a context, a buffered channel, a deferred Unlock or Done).'],
      signatures: [],
    });
  }

  // --- sql.DB handles: one opener goroutine per sql.DB ---
  const openers = count(m, 'sql.connection-opener');
  if (openers >= 8) {
    out.push({
      id: 'sql-db-handle-leak',
      severity: openers >= 32 ? 'critical' : 'warning',
      title: 'many sql.DB handles (sql.Open without Close?)',
      summary: `${plural(openers, 'sql.DB')} ${openers === 1 ? 'is' : 'are'} open (one connectionOpener goroutine each): a service normally holds one per database.`,
      goroutines: openers,
      share: total ? openers / total : 0,
      maxMinutes: null,
      evidence: evidenceOf(m.hits.get('sql.connection-opener')!),
      holders: [],
      remediation: ['Open each database once at start-up and share the *sql.DB; never sql.Open per request, and Close the ones you are done with.'],
      signatures: ['sql.connection-opener'],
    });
  }

  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.goroutines - a.goroutines);
}
