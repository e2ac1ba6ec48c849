/**
 * Findings a CPU profile supports: time spent opening and closing database connections
 * (a pool that keeps nothing idle dials for every query).
 */

import type { Profile } from '../model/profile.js';
import type { Finding } from './findings.js';

/** Functions that only run while a database connection is being opened or torn down. */
const CONNECT =
  /^(github\.com\/lib\/pq\.(DialOpen|Open|\(\*Connector\)\.(open|Connect)|\(\*conn\)\.(startup|auth|ssl))|github\.com\/jackc\/(pgx\/v[45]\/)?pgconn\.(connect(One)?|ConnectConfig)|github\.com\/go-sql-driver\/mysql\.\(\*connector\)\.Connect|database\/sql\.\(\*DB\)\.openNewConnection|database\/sql\.\(\*driverConn\)\.finalClose|database\/sql\.dsnConnector\.Connect)$/;

export interface ConnectCost {
  /** Share of the profile's CPU time with a connect or close function on the stack. */
  share: number;
  nanos: number;
  totalNanos: number;
  top: string | null;
}

export function connectCost(p: Profile): ConnectCost | null {
  const k = p.sampleTypes.findIndex((t) => t.type === 'cpu' && t.unit === 'nanoseconds');
  if (k < 0) return null;
  const n = p.sampleTypes.length;
  let total = 0;
  let inConnect = 0;
  const byFn = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const v = p.samples.values[i * n + k]!;
    total += v;
    let hit: string | null = null;
    for (let s = p.samples.stackStart[i]!; s < p.samples.stackStart[i + 1]! && hit === null; s++) {
      const loc = p.samples.stack[s]!;
      for (let l = p.locations.lineStart[loc]!, le = l + p.locations.lineCount[loc]!; l < le; l++) {
        const name = p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!);
        if (CONNECT.test(name)) {
          hit = name;
          break;
        }
      }
    }
    if (hit !== null) {
      inConnect += v;
      byFn.set(hit, (byFn.get(hit) ?? 0) + v);
    }
  }
  if (total === 0) return null;
  const top = [...byFn.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return { share: inConnect / total, nanos: inConnect, totalNanos: total, top };
}

export function cpuFindings(p: Profile, path: string): Finding[] {
  const c = connectCost(p);
  if (c === null || c.share < 0.1) return [];
  const pct = Math.round(c.share * 100);
  return [
    {
      id: 'db-conn-churn',
      severity: c.share >= 0.25 ? 'critical' : 'warning',
      title: 'database connections opened and closed over and over',
      summary: `${pct}% of the CPU time in ${path} goes to opening and closing database connections (most in ${c.top}): the pool keeps too few idle connections, so queries dial anew.`,
      goroutines: 0,
      share: c.share,
      maxMinutes: null,
      evidence: [],
      holders: [],
      remediation: [
        'Keep connections: SetMaxIdleConns near the steady concurrency (the default of 2 is too low for most services), SetConnMaxIdleTime about a minute.',
        'Do not set MaxOpenConns or MaxIdleConns to 0 in production; with pgxpool, set pool_min_conns.',
      ],
      signatures: [],
    },
  ];
}
