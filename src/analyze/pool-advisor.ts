/**
 * Pool settings from load figures: how many connections peak load needs (Little's law with
 * headroom), how many to keep idle, how long to keep them, and whether the whole fleet fits
 * in what the database server allows.
 */

import defaultPolicyJson from './pool-policy.json' with { type: 'json' };

export interface PoolPolicy {
  /** Multiplier on the connections Little's law says peak load keeps busy. */
  headroom: number;
  /** Idle connections kept, as a share of the maximum. */
  maxIdleRatio: number;
  connMaxLifetimeSeconds: number;
  connMaxIdleTimeSeconds: number;
  /** Share of the server's max_connections the fleet may use (the rest: admin, migrations, replicas). */
  serverShare: number;
}

export const defaultPolicy: PoolPolicy = defaultPolicyJson as PoolPolicy;

export interface LoadFigures {
  /** Peak queries per second of one instance. */
  qps: number;
  /** Mean time a query holds a connection, in seconds. */
  latencySeconds: number;
  /** Instances of the service sharing the database server. */
  instances: number;
  /** Pools per instance (a read and a write pool count as two). */
  poolsPerInstance: number;
  /** The server's max_connections, when known. */
  serverMaxConnections?: number;
}

export interface PoolAdvice {
  /** Connections busy at peak by Little's law (qps × latency), before headroom. */
  busyAtPeak: number;
  maxOpenConns: number;
  maxIdleConns: number;
  connMaxLifetimeSeconds: number;
  connMaxIdleTimeSeconds: number;
  /** instances × pools × maxOpenConns. */
  fleetConnections: number;
  /** serverShare × max_connections, when known. */
  serverBudget: number | null;
  /** True when peak load needs more connections than the server budget allows. */
  capped: boolean;
  pgxpool: { pool_max_conns: number; pool_min_conns: number; pool_max_conn_lifetime: string; pool_max_conn_idle_time: string };
  /** Go code and DSN settings to paste. */
  goSettings: string[];
  notes: string[];
}

function check(name: string, v: number, min: number): void {
  if (!Number.isFinite(v) || v < min) throw new Error(`${name} must be a number ≥ ${min} (got ${v})`);
}

export function validatePolicy(p: Partial<PoolPolicy>): PoolPolicy {
  const merged = { ...defaultPolicy, ...p };
  check('headroom', merged.headroom, 1);
  check('maxIdleRatio', merged.maxIdleRatio, 0);
  if (merged.maxIdleRatio > 1) throw new Error('maxIdleRatio must be at most 1');
  check('connMaxLifetimeSeconds', merged.connMaxLifetimeSeconds, 1);
  check('connMaxIdleTimeSeconds', merged.connMaxIdleTimeSeconds, 1);
  check('serverShare', merged.serverShare, 0.01);
  if (merged.serverShare > 1) throw new Error('serverShare must be at most 1');
  return merged;
}

function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

export function advisePool(load: LoadFigures, policy: PoolPolicy = defaultPolicy): PoolAdvice {
  check('qps', load.qps, 0);
  check('latency', load.latencySeconds, 0);
  check('instances', load.instances, 1);
  check('pools per instance', load.poolsPerInstance, 1);
  if (load.serverMaxConnections !== undefined) check('server max_connections', load.serverMaxConnections, 1);
  const notes: string[] = [];
  const busy = load.qps * load.latencySeconds;
  let maxOpen = Math.max(1, Math.ceil(busy * policy.headroom - 1e-9));
  const perInstancePools = load.instances * load.poolsPerInstance;
  let budget: number | null = null;
  let capped = false;
  if (load.serverMaxConnections !== undefined) {
    budget = Math.floor(load.serverMaxConnections * policy.serverShare);
    if (maxOpen * perInstancePools > budget) {
      const fit = Math.floor(budget / perInstancePools);
      capped = true;
      notes.push(
        `Peak load needs ${maxOpen} connections per pool, but ${load.instances} instance(s) × ${load.poolsPerInstance} pool(s) may use only ${budget} of the server's ${load.serverMaxConnections} (${Math.round(policy.serverShare * 100)}%): ${fit} each. ` +
          'Put a connection pooler (PgBouncer, ProxySQL) in front of the server, make the queries faster, or raise max_connections.',
      );
      maxOpen = Math.max(1, fit);
      if (fit < 1) notes.push('Not even one connection per pool fits in the budget: the fleet is larger than the server allows.');
    }
  }
  if (busy > 0 && maxOpen < busy) {
    notes.push(`With ${maxOpen} connections and ${busy.toFixed(1)} busy at peak, callers will queue: expect waits in (*DB).conn / pgxpool Acquire.`);
  }
  const maxIdle = Math.min(maxOpen, Math.max(1, Math.floor(maxOpen * policy.maxIdleRatio)));
  const fleet = maxOpen * perInstancePools;
  const life = policy.connMaxLifetimeSeconds;
  const idle = policy.connMaxIdleTimeSeconds;
  return {
    busyAtPeak: busy,
    maxOpenConns: maxOpen,
    maxIdleConns: maxIdle,
    connMaxLifetimeSeconds: life,
    connMaxIdleTimeSeconds: idle,
    fleetConnections: fleet,
    serverBudget: budget,
    capped,
    pgxpool: {
      pool_max_conns: maxOpen,
      pool_min_conns: maxIdle,
      pool_max_conn_lifetime: duration(life),
      pool_max_conn_idle_time: duration(idle),
    },
    goSettings: [
      `db.SetMaxOpenConns(${maxOpen})`,
      `db.SetMaxIdleConns(${maxIdle})`,
      `db.SetConnMaxLifetime(${life % 60 === 0 ? `${life / 60} * time.Minute` : `${life} * time.Second`})`,
      `db.SetConnMaxIdleTime(${idle % 60 === 0 ? `${idle / 60} * time.Minute` : `${idle} * time.Second`})`,
      `pgxpool DSN: pool_max_conns=${maxOpen} pool_min_conns=${maxIdle} pool_max_conn_lifetime=${duration(life)} pool_max_conn_idle_time=${duration(idle)}`,
    ],
    notes,
  };
}
