/** `pprof-diag advise`: pool settings from load figures (the model in src/analyze/pool-advisor.ts). */

import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { advisePool, validatePolicy, type LoadFigures, type PoolPolicy, type ServerKind } from '../analyze/pool-advisor.js';
import { messageLine } from '../model/errors.js';
import { fileProblem, InputError, readInput, type FetchOptions } from './inputs.js';
import { parseDbStats, statsSentence, type DbStats } from '../analyze/db-stats.js';
import { formatSeconds } from '../model/units.js';

export interface AdviseFlags {
  qps: number;
  latency: number;
  latencyP99?: number;
  instances: number;
  pools: number;
  serverMaxConnections?: number;
  reservedConnections?: number;
  serverKind: ServerKind;
  policy?: string;
  dbStats?: string;
  insecure?: boolean;
  format: 'text' | 'json';
}

/** The load figures the command line was given (both `analyze` and `advise` take them). */
export function loadFigures(flags: { qps: number; latency: number; latencyP99?: number; instances: number; pools: number; serverMaxConnections?: number }): LoadFigures {
  return {
    qps: flags.qps,
    latencySeconds: flags.latency,
    ...(flags.latencyP99 !== undefined ? { latencyP99Seconds: flags.latencyP99 } : {}),
    instances: flags.instances,
    poolsPerInstance: flags.pools,
    ...(flags.serverMaxConnections !== undefined ? { serverMaxConnections: flags.serverMaxConnections } : {}),
  };
}

/** The pool's own figures (db.Stats() JSON or an expvar document), from a file, - or a URL. */
export async function readDbStats(spec: string, limits: FetchOptions): Promise<DbStats[]> {
  let bytes: Uint8Array;
  try {
    bytes = (await readInput(spec, limits)).bytes;
  } catch (e) {
    throw new InputError(`${spec}: ${messageLine(e)}`);
  }
  return parseDbStats(new TextDecoder().decode(bytes), spec);
}

/**
 * Seconds from `50ms`, `0.05s`, `2s`, `250us`. A number without a unit is refused: `--latency
 * 50` meant as milliseconds would size the pool for fifty-second queries.
 */
export function parseSeconds(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|us|µs|m)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 50ms, 0.05s or 2s');
  if (m[2] === undefined) throw new InvalidArgumentError(`give a unit: ${m[1]}ms or ${m[1]}s`);
  const n = Number(m[1]);
  if (n === 0) throw new InvalidArgumentError('expected a duration above 0');
  const unit = m[2];
  return unit === 'ms' ? n / 1000 : unit === 'us' || unit === 'µs' ? n / 1e6 : unit === 'm' ? n * 60 : n;
}

function readPolicy(file: string | undefined): PoolPolicy | undefined {
  if (!file) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: cannot read policy: ${e instanceof SyntaxError ? `not JSON (${messageLine(e)})` : fileProblem(e)}`);
  }
  return validatePolicy(doc as Partial<PoolPolicy>);
}

export async function adviseCommand(flags: AdviseFlags, io: { out(s: string): void }): Promise<number> {
  const stats = flags.dbStats !== undefined ? await readDbStats(flags.dbStats, { timeoutMs: 30_000, maxBytes: 64 << 20, insecure: flags.insecure === true }) : [];
  const advice = advisePool(
    {
      ...loadFigures(flags),
      ...(flags.reservedConnections !== undefined ? { reservedConnections: flags.reservedConnections } : {}),
      serverKind: flags.serverKind,
    },
    readPolicy(flags.policy),
  );
  if (flags.format === 'json') {
    io.out(JSON.stringify(advice, null, 2) + '\n');
    return 0;
  }
  for (const s of stats) io.out(`${statsSentence(s, advice.maxOpenConns, false)}\n\n`);
  const q = advice.queue;
  io.out(`${advice.maxOpenConns} connections per pool. ${advice.why}\n`);
  io.out(`At ${advice.maxOpenConns}: utilisation ${Math.round(q.utilisation * 100)}%, ${(q.waitProbability * 100).toFixed(1)}% of queries wait for a connection, p99 wait ${formatSeconds(q.p99WaitSeconds)}.\n`);
  io.out(`Fleet: ${advice.fleetConnections} connections${advice.serverBudget !== null ? ` of a budget of ${advice.serverBudget}` : ''}.\n\n`);
  io.out('database/sql:\n');
  for (const line of advice.databaseSql) io.out(`  ${line}\n`);
  io.out('pgxpool (DSN or pgxpool.Config; pool_min_conns are kept open even when idle):\n');
  io.out(`  ${Object.entries(advice.pgxpool).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  io.out('go-redis (redis.Options):\n');
  io.out(`  ${advice.goRedis.join(', ')}\n`);
  for (const n of advice.notes) io.out(`\nnote: ${n}\n`);
  return 0;
}
