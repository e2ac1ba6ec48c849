/**
 * Pool settings from load figures. A pool is a queue with `c` servers: queries arrive at `qps`
 * and each holds a connection for `latency` on average, so the offered load is A = qps × latency
 * connections (Little's law). The size comes from Erlang C (M/M/c): the smallest `c` whose
 * probability of waiting for a connection and whose p99 wait meet the policy's targets, raised
 * to a floor that keeps one slow query from stalling every caller. Where a p99 latency is known
 * the waits are scaled for the tail (Allen–Cunneen, with the service time's spread from a
 * lognormal through the mean and the p99). The common rule of thumb (A × headroom) is shown
 * beside it. Then the fleet: instances × pools × size against the server's max_connections
 * less its reserved connections.
 *
 * Assumptions: arrivals are random (Poisson) at the peak rate given; connections are the only
 * shared resource (the database itself keeps up, which `utilisation` checks against the budget).
 */

import defaultPolicyJson from './pool-policy.json' with { type: 'json' };
import { UsageError } from '../model/errors.js';
import { formatSeconds } from '../model/units.js';

export interface PoolPolicy {
  /** The rule of thumb's multiplier on the busy connections. */
  headroom: number;
  /** Idle connections kept (database/sql MaxIdleConns, go-redis MinIdleConns), as a share of the maximum. */
  maxIdleRatio: number;
  connMaxLifetimeSeconds: number;
  connMaxIdleTimeSeconds: number;
  /** Share of the server's connections (after reserved ones) the fleet may use. */
  serverShare: number;
  /** Targets: the share of queries that may wait for a connection, and the p99 wait as a share of the latency. */
  targetWaitProbability: number;
  targetP99WaitShare: number;
  /** Never fewer connections than this: one slow query must not stall every caller. */
  minOpenConns: number;
}

export const defaultPolicy: PoolPolicy = defaultPolicyJson as unknown as PoolPolicy;

export type ServerKind = 'postgres' | 'mysql' | 'tidb';

export interface LoadFigures {
  /** Peak queries per second of one instance. */
  qps: number;
  /** Mean time a query holds a connection, in seconds. */
  latencySeconds: number;
  /** The 99th percentile of that time, when known (a trace or --latency-p99). */
  latencyP99Seconds?: number;
  /** Instances of the service sharing the database server. */
  instances: number;
  /** Pools per instance (a read and a write pool count as two). */
  poolsPerInstance: number;
  /** The server's max_connections, when known. */
  serverMaxConnections?: number;
  /** Connections the server keeps for others (superuser, replication, other clients). */
  reservedConnections?: number;
  serverKind?: ServerKind;
}

/** The figures of M/M/c (scaled for the tail when known) at one pool size. */
export interface QueueFigures {
  connections: number;
  /** A / c. */
  utilisation: number;
  /** Erlang C: the share of queries that wait for a connection. */
  waitProbability: number;
  /** The 99th percentile of the wait for a connection, in seconds. */
  p99WaitSeconds: number;
}

export interface PoolAdvice {
  /** Offered load: connections busy on average at peak (qps × latency). */
  busyAtPeak: number;
  /** The recommended size, and why. */
  maxOpenConns: number;
  why: string;
  /** The queue at the recommended size. */
  queue: QueueFigures;
  /** What the rule of thumb (busy × headroom) would give. */
  ruleOfThumb: number;
  maxIdleConns: number;
  connMaxLifetimeSeconds: number;
  connMaxIdleTimeSeconds: number;
  /** instances × pools × maxOpenConns. */
  fleetConnections: number;
  /** Connections the fleet may use on the server, when max_connections is known. */
  serverBudget: number | null;
  /** True when the load needs more connections than the budget allows. */
  capped: boolean;
  /** database/sql, pgxpool and go-redis settings, each in its own names. */
  databaseSql: string[];
  pgxpool: { pool_max_conns: number; pool_min_conns: number; pool_max_conn_lifetime: string; pool_max_conn_idle_time: string; pool_health_check_period: string };
  goRedis: string[];
  /** Go code and DSN settings to paste (database/sql, then the pgxpool DSN). */
  goSettings: string[];
  notes: string[];
}

/** A value from a user's document as it was written (a policy file may hold anything JSON holds). */
function shown(v: unknown): string {
  const s = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function check(name: string, v: number, min: number): void {
  if (!Number.isFinite(v) || v < min) throw new UsageError(`${name} must be a number ≥ ${min} (got ${shown(v)})`);
}

/** The policy file's own notes, beside the targets. */
const POLICY_NOTES = new Set(['version', 'description']);

/** More connections than any one pool or server holds: sizes beyond it are a mistake in the figures. */
const MAX_CONNECTIONS = 100_000;

export function validatePolicy(p: Partial<PoolPolicy>): PoolPolicy {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new UsageError('a policy is a JSON object of targets, as in pool-policy.json');
  const unknown = Object.keys(p).filter((k) => !Object.hasOwn(defaultPolicy, k));
  if (unknown.length > 0) {
    const known = Object.keys(defaultPolicy).filter((k) => !POLICY_NOTES.has(k));
    throw new UsageError(`unknown policy field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${known.join(', ')})`);
  }
  const merged = { ...defaultPolicy, ...p };
  check('headroom', merged.headroom, 1);
  if (merged.headroom > 100) throw new UsageError(`headroom must be at most 100 (got ${shown(merged.headroom)})`);
  check('maxIdleRatio', merged.maxIdleRatio, 0);
  if (merged.maxIdleRatio > 1) throw new UsageError('maxIdleRatio must be at most 1');
  check('connMaxLifetimeSeconds', merged.connMaxLifetimeSeconds, 1);
  check('connMaxIdleTimeSeconds', merged.connMaxIdleTimeSeconds, 1);
  check('serverShare', merged.serverShare, 0.01);
  if (merged.serverShare > 1) throw new UsageError('serverShare must be at most 1');
  check('targetWaitProbability', merged.targetWaitProbability, 0.0001);
  if (merged.targetWaitProbability >= 1) throw new UsageError('targetWaitProbability must be below 1');
  check('targetP99WaitShare', merged.targetP99WaitShare, 0);
  check('minOpenConns', merged.minOpenConns, 1);
  if (merged.minOpenConns > MAX_CONNECTIONS) throw new UsageError(`minOpenConns must be at most ${MAX_CONNECTIONS} (got ${shown(merged.minOpenConns)})`);
  return merged;
}

/** Erlang C: the probability that a query waits, with `c` connections and offered load `a` (a < c). */
export function erlangC(c: number, a: number): number {
  if (a <= 0) return 0;
  if (a >= c) return 1;
  // Erlang B by its recurrence (stable for large c), then C from B
  let b = 1;
  // once B has underflowed to 0 it stays there (a pool far larger than its load never waits)
  for (let k = 1; k <= c && b > 0; k++) b = (a * b) / (k + a * b);
  return (c * b) / (c - a * (1 - b));
}

/** The queue's figures at `c` connections; `tail` scales waits for a service time more spread than exponential. */
export function queueAt(c: number, a: number, latency: number, tail = 1): QueueFigures {
  const pw = erlangC(c, a);
  // the wait of those who wait is exponential with rate (c − A) / latency: P(W > t) = C e^{−(c−A)t/S}
  const p99 = pw <= 0.01 || a >= c ? (a >= c ? Infinity : 0) : (latency / (c - a)) * Math.log(pw / 0.01) * tail;
  return { connections: c, utilisation: c > 0 ? a / c : Infinity, waitProbability: pw, p99WaitSeconds: p99 };
}

/**
 * Allen–Cunneen's factor (1 + Cs²) / 2 for a service time with this mean and p99, its spread
 * taken from a lognormal through both (σ from p99 / mean = e^{2.326σ − σ²/2}).
 */
export function tailFactor(mean: number, p99: number): number {
  const r = Math.log(p99 / mean);
  if (!(r > 0)) return 1;
  const z = 2.326;
  // f(σ) = zσ − σ²/2 rises to z²/2 at σ = z: beyond that the ratio is out of a lognormal's reach
  let lo = 0;
  let hi = z;
  if (r >= (z * z) / 2) lo = hi;
  for (let i = 0; i < 60 && lo < hi; i++) {
    const mid = (lo + hi) / 2;
    if (z * mid - (mid * mid) / 2 < r) lo = mid;
    else hi = mid;
  }
  const cs2 = Math.exp(lo * lo) - 1;
  return (1 + cs2) / 2;
}

function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

function goDuration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} * time.Minute` : Number.isInteger(seconds) ? `${seconds} * time.Second` : `${Math.round(seconds * 1000)} * time.Millisecond`;
}

function fmtSeconds(s: number): string {
  return Number.isFinite(s) ? formatSeconds(s) : 'without bound';
}

/** The smallest size that meets the policy's targets (and the floor). */
function erlangSize(a: number, latency: number, tail: number, p: PoolPolicy): number {
  let c = Math.max(1, Math.floor(a) + 1);
  for (; c < 1_000_000; c++) {
    const q = queueAt(c, a, latency, tail);
    if (q.waitProbability <= p.targetWaitProbability && q.p99WaitSeconds <= p.targetP99WaitShare * latency) break;
  }
  return c;
}

const SERVER_NOTES: Record<ServerKind, string> = {
  postgres: 'PostgreSQL keeps superuser_reserved_connections (default 3) of max_connections for superusers; every connection is a backend process, so a pooler (PgBouncer in transaction mode) is the way to serve more clients than the server should hold.',
  mysql: 'MySQL allows max_connections (default 151) plus one for an administrator (CONNECTION_ADMIN / SUPER); a proxy (ProxySQL) multiplexes more clients onto fewer server connections.',
  tidb: 'TiDB limits connections per tidb-server (max-server-connections, 0 = no limit) and runs several tidb-servers behind a load balancer: the budget is per tidb-server, times the servers.',
};

function checkLoad(load: LoadFigures): string[] {
  check('qps', load.qps, 0);
  check('latency', load.latencySeconds, 0);
  check('instances', load.instances, 1);
  check('pools per instance', load.poolsPerInstance, 1);
  if (load.serverMaxConnections !== undefined) check('server max_connections', load.serverMaxConnections, 1);
  if (load.reservedConnections !== undefined) check('reserved connections', load.reservedConnections, 0);
  const notes: string[] = [];
  if (load.latencyP99Seconds !== undefined) {
    check('latency p99', load.latencyP99Seconds, 0);
    if (load.latencyP99Seconds < load.latencySeconds) throw new UsageError('the p99 latency cannot be below the mean latency');
  }
  const busy = load.qps * load.latencySeconds;
  if (busy > MAX_CONNECTIONS) {
    throw new UsageError(`${load.qps} queries/s holding a connection ${fmtSeconds(load.latencySeconds)} each keep ${Math.round(busy)} connections busy, more than ${MAX_CONNECTIONS}: is the unit right (50ms, not 50)?`);
  }
  if (load.latencySeconds > 60) notes.push(`A query holds a connection for ${fmtSeconds(load.latencySeconds)} on average: is the unit right (50ms, not 50)?`);
  return notes;
}

/** The fleet's budget on the server, and the size that fits in it. */
function fleetBudget(load: LoadFigures, p: PoolPolicy, wanted: number, notes: string[]): { size: number; budget: number | null; capped: boolean } {
  if (load.serverMaxConnections === undefined) return { size: wanted, budget: null, capped: false };
  const kind = load.serverKind ?? 'postgres';
  const reserved = load.reservedConnections ?? (kind === 'postgres' ? 3 : 0);
  const budget = Math.max(0, Math.floor((load.serverMaxConnections - reserved) * p.serverShare));
  const pools = load.instances * load.poolsPerInstance;
  if (wanted * pools <= budget) return { size: wanted, budget, capped: false };
  const fit = Math.floor(budget / pools);
  notes.push(
    `The load needs ${wanted} connections per pool, but ${load.instances} instance(s) × ${load.poolsPerInstance} pool(s) may use only ${budget} of the server's ${load.serverMaxConnections} (less ${reserved} reserved, ${Math.round(p.serverShare * 100)}% of the rest): ${fit} each. Put a pooler in front of the server, make the queries faster, or raise max_connections. ${SERVER_NOTES[kind]}`,
  );
  if (fit < 1) notes.push('Not even one connection per pool fits in the budget: the fleet is larger than the server allows.');
  return { size: Math.max(1, fit), budget, capped: true };
}

export function advisePool(load: LoadFigures, policy: PoolPolicy = defaultPolicy): PoolAdvice {
  const notes = checkLoad(load);
  const a = load.qps * load.latencySeconds;
  const s = load.latencySeconds;
  const tail = load.latencyP99Seconds !== undefined ? tailFactor(s, load.latencyP99Seconds) : 1;
  const erlang = a > 0 ? erlangSize(a, s, tail, policy) : 1;
  const thumb = Math.max(1, Math.ceil(a * policy.headroom - 1e-9));
  const wanted = Math.max(erlang, policy.minOpenConns);
  const { size, budget, capped } = fleetBudget(load, policy, wanted, notes);
  const queue = queueAt(size, a, s, tail);
  if (a >= size) notes.push(`${a.toFixed(1)} connections are busy on average at peak but only ${size} fit: the queue grows without bound. The database cannot keep up at this size; no pool setting fixes that, only faster queries or more capacity.`);
  else if (capped) notes.push(`At ${size} connections, ${Math.round(queue.waitProbability * 100)}% of queries wait for one (p99 wait ${fmtSeconds(queue.p99WaitSeconds)}).`);
  const target = `at most ${Math.round(policy.targetWaitProbability * 100)}% of queries waiting for a connection and a p99 wait of at most ${Math.round(policy.targetP99WaitShare * 100)}% of a query's time`;
  const thumbQ = queueAt(thumb, a, s, tail);
  const why =
    `${load.qps} queries/s holding a connection ${fmtSeconds(s)} each keep ${a.toFixed(2)} busy on average; by Erlang C ${erlang} meet the target (${target})` +
    (tail > 1 ? `, the waits scaled ×${tail.toFixed(2)} for the spread the p99 of ${fmtSeconds(load.latencyP99Seconds!)} shows` : '') +
    (wanted > erlang ? `; raised to the floor of ${policy.minOpenConns}, so one slow query cannot stall every caller` : '') +
    `. The rule of thumb (busy × ${policy.headroom}) says ${thumb}` +
    (thumb < erlang
      ? `, with which ${thumbQ.utilisation >= 1 ? 'the queue would grow without bound' : `${Math.round(thumbQ.waitProbability * 100)}% of queries would wait`}: it ignores that arrivals come in bursts.`
      : thumb > erlang
        ? ': more than the queue needs, a margin for load above the peak given.'
        : ': the same.');
  const maxIdle = Math.min(size, Math.max(1, Math.round(size * policy.maxIdleRatio)));
  const life = policy.connMaxLifetimeSeconds;
  const idle = policy.connMaxIdleTimeSeconds;
  const minConns = Math.min(maxIdle, policy.minOpenConns);
  const pgxpool = { pool_max_conns: size, pool_min_conns: minConns, pool_max_conn_lifetime: duration(life), pool_max_conn_idle_time: duration(idle), pool_health_check_period: '1m' };
  const databaseSql = [`db.SetMaxOpenConns(${size})`, `db.SetMaxIdleConns(${maxIdle})`, `db.SetConnMaxLifetime(${goDuration(life)})`, `db.SetConnMaxIdleTime(${goDuration(idle)})`];
  const goRedis = [`PoolSize: ${size}`, `MinIdleConns: ${minConns}`, `PoolTimeout: ${goDuration(Math.max(1, Math.ceil(s * 10)))}`, `ConnMaxIdleTime: ${goDuration(idle)}`];
  return {
    busyAtPeak: a,
    maxOpenConns: size,
    why,
    queue,
    ruleOfThumb: thumb,
    maxIdleConns: maxIdle,
    connMaxLifetimeSeconds: life,
    connMaxIdleTimeSeconds: idle,
    fleetConnections: size * load.instances * load.poolsPerInstance,
    serverBudget: budget,
    capped,
    databaseSql,
    pgxpool,
    goRedis,
    goSettings: [
      ...databaseSql,
      `pgxpool DSN: pool_max_conns=${size} pool_min_conns=${minConns} pool_max_conn_lifetime=${pgxpool.pool_max_conn_lifetime} pool_max_conn_idle_time=${pgxpool.pool_max_conn_idle_time} pool_health_check_period=${pgxpool.pool_health_check_period}`,
    ],
    notes,
  };
}
