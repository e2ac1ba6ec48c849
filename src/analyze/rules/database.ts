/** Findings about database pools and handles: database/sql, pgxpool, the drivers. */

import { SIG } from '../signature-ids.js';
import { count, maxMinutes, plural, holdersOf, possibleOwners, waiterSeverity, QUERY_HOLDERS, evidenceOf, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';
import { formatCount, formatShare } from '../../model/units.js';

/** Goroutines queued for a database/sql connection, with what holds the connections. */
export function dbPoolExhausted(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const sqlWait = m.hits.get(SIG.sqlConnWait);
  const tx = count(m, SIG.sqlTxOpen);
  const rows = count(m, SIG.sqlRowsOpen);
  const queries = count(m, ...QUERY_HOLDERS);
  if (sqlWait && sqlWait.goroutines > 0) {
    const w = sqlWait.goroutines;
    const minutes = maxMinutes(m, SIG.sqlConnWait);
    const pools = sqlWait.instances.size;
    const poolText = pools === 1 ? ` ${[...sqlWait.instances.keys()][0]}` : pools > 1 ? ` (${pools} pools)` : '';
    const held: string[] = [];
    if (queries > 0) held.push(`${plural(queries, 'query', 'queries')} waiting on the database server`);
    if (tx > 0) held.push(`${plural(tx, 'open transaction')}`);
    if (rows > 0) held.push(`${plural(rows, 'open Rows', 'open Rows')}`);
    const remediation: string[] = [];
    const txHit = m.hits.get(SIG.sqlTxOpen);
    const rowsHit = m.hits.get(SIG.sqlRowsOpen);
    const txOwned = txHit ? possibleOwners(m, txHit, [SIG.sqlConnWait]) >= tx : false;
    const rowsOwned = rowsHit ? possibleOwners(m, rowsHit, [SIG.sqlConnWait]) >= rows : false;
    if (tx > 0 && tx >= queries) {
      remediation.push(
        txOwned
          ? 'The connections are held by transactions whose goroutines are busy with other work inside them (a call to another service, a slow computation): do that work before Begin or after Commit, so a transaction holds its connection only for its queries.'
          : 'Transactions are left open: make every Begin end in Commit or Rollback (`defer tx.Rollback()` right after Begin).',
      );
    }
    if (rows > 0 && rows >= queries) {
      remediation.push(
        rowsOwned
          ? 'The connections are held by Rows still being read: read them to the end quickly, or page the query, before other slow work.'
          : 'Rows are left open: `defer rows.Close()` right after Query, and check rows.Err().',
      );
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
        `${plural(w, 'goroutine')} of ${formatCount(total)} (${formatShare(w, total)}) wait for a connection from the database/sql pool${poolText}` +
        (minutes !== null && minutes > 0 ? `, the longest for ${plural(minutes, 'minute')}` : '') +
        (held.length ? `; the connections are held by ${held.join(', ')}.` : '.'),
      goroutines: w,
      share: total ? w / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(sqlWait),
      holders: holdersOf(m, [SIG.sqlTxOpen, SIG.sqlRowsOpen, ...QUERY_HOLDERS]),
      remediation,
      signatures: [SIG.sqlConnWait],
    });
  }
  return out;
}

/**
 * Transactions or Rows left open: more open than goroutines that could still be working with
 * them (their owners moved on), or open for many minutes. Open ones whose owners are all busy
 * (a slow query, a slow call made inside the transaction) are the pool's holders, not a leak.
 */
function openLeak(m: SnapshotMatch, t: Thresholds, sig: string, what: { one: string; many: string; id: string; title: string; remediation: string[] }): Finding[] {
  const hit = m.hits.get(sig);
  if (!hit || hit.goroutines === 0) return [];
  const sqlWait = m.hits.get(SIG.sqlConnWait);
  const n = hit.goroutines;
  const owners = possibleOwners(m, hit, [SIG.sqlConnWait]);
  const leaked = Math.max(0, n - owners);
  const minutes = maxMinutes(m, sig);
  const old = minutes !== null && minutes >= t.leakMinutes;
  const aged = minutes !== null && minutes >= t.minutesCritical;
  if (!old && !(leaked > 0 && (sqlWait || aged)) && leaked < t.waitersWarning) return [];
  const total = m.total;
  const ownerText =
    leaked > 0
      ? owners === 0
        ? `; no goroutine of the program is working in ${n === 1 ? 'it' : 'them'} any more`
        : `; only ${plural(owners, 'goroutine')} of the program could still be working in them, so at least ${leaked} ${leaked === 1 ? 'was' : 'were'} left open`
      : '';
  return [
    {
      id: what.id,
      severity: sqlWait || old || aged ? 'critical' : 'warning',
      title: what.title,
      summary:
        `${plural(n, what.one, what.many)} ${n === 1 ? 'is' : 'are'} open, each pinning a pool connection` +
        (sqlWait ? ` while ${plural(sqlWait.goroutines, 'goroutine')} wait for one` : '') +
        (minutes ? `; the oldest for ${plural(minutes, 'minute')}` : '') +
        ownerText +
        '.',
      goroutines: n,
      share: total ? n / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(hit),
      holders: [],
      remediation: what.remediation,
      signatures: [sig],
    },
  ];
}

/** Transactions left open, each pinning a connection. */
export function sqlTxLeak(m: SnapshotMatch, t: Thresholds): Finding[] {
  return openLeak(m, t, SIG.sqlTxOpen, {
    one: 'transaction',
    many: 'transactions',
    id: 'sql-tx-leak',
    title: 'database/sql transactions left open',
    remediation: [
      'Make every Begin end in Commit or Rollback: `tx, err := db.BeginTx(ctx, nil); if err != nil {…}; defer tx.Rollback()`.',
      'Look for early returns between Begin and Commit (error paths) in the code that created these transactions.',
    ],
  });
}

/** Rows left open, each pinning a connection. */
export function sqlRowsLeak(m: SnapshotMatch, t: Thresholds): Finding[] {
  return openLeak(m, t, SIG.sqlRowsOpen, {
    one: 'Rows',
    many: 'Rows',
    id: 'sql-rows-leak',
    title: 'database/sql Rows left open',
    remediation: ['`defer rows.Close()` immediately after a successful Query; an early return before it leaks the connection.'],
  });
}

/** Callers queued in pgxpool Acquire. */
export function pgxpoolAcquireWait(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const pgx = m.hits.get(SIG.pgxpoolAcquireWait);
  if (pgx && pgx.goroutines > 0) {
    const minutes = maxMinutes(m, SIG.pgxpoolAcquireWait);
    const q = count(m, SIG.pgconnRead);
    out.push({
      id: 'pgxpool-acquire-wait',
      severity: waiterSeverity(pgx.goroutines, minutes, t),
      title: 'pgxpool exhausted: callers wait in Acquire',
      summary:
        `${plural(pgx.goroutines, 'goroutine')} of ${formatCount(total)} (${formatShare(pgx.goroutines, total)}) wait in pgxpool Acquire for a connection` +
        (q > 0 ? `; ${plural(q, 'connection')} ${q === 1 ? 'is' : 'are'} busy in queries waiting on the server.` : '.'),
      goroutines: pgx.goroutines,
      share: total ? pgx.goroutines / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(pgx),
      holders: holdersOf(m, [SIG.pgconnRead, SIG.pgconnContextWatcher]),
      remediation:
        q > 0
          ? [
              'The acquired connections are in queries the server has not answered: the pool is not the bottleneck. Find the slow query (pg_stat_activity); raising pool_max_conns would add load to a database that is already slow.',
              'Bound the wait: acquire with a context deadline so callers fail fast instead of queueing.',
            ]
          : [
              'No acquired connection is in a query: they are held while other work runs, or not given back. Release what you acquire (`defer conn.Release()`, `defer rows.Close()`, finish every transaction) and do slow work before acquiring.',
              'If the holders are legitimately busy, raise pool_max_conns (default max(4, NumCPU)).',
            ],
      signatures: [SIG.pgxpoolAcquireWait],
    });
  }
  return out;
}

/** Many database connections being opened at once. */
export function dbConnectStorm(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const connecting = count(m, SIG.pqConnect, SIG.pgconnConnect, SIG.mysqlConnect);
  if (connecting >= t.connectStorm) {
    const ids = [SIG.pqConnect, SIG.pgconnConnect, SIG.mysqlConnect].filter((id) => m.hits.has(id));
    out.push({
      id: 'db-connect-storm',
      severity: 'critical',
      title: 'connect storm: many database connections being opened at once',
      summary: `${plural(connecting, 'goroutine')} (${formatShare(connecting, total)}) are opening database connections at the same moment.`,
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
  return out;
}

/** Many sql.DB handles: one connectionOpener goroutine each. */
export function sqlDbHandleLeak(m: SnapshotMatch, _t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const openers = count(m, SIG.sqlConnectionOpener);
  if (openers >= 8) {
    out.push({
      id: 'sql-db-handle-leak',
      severity: openers >= 32 ? 'critical' : 'warning',
      title: 'many sql.DB handles (sql.Open without Close?)',
      summary: `${plural(openers, 'sql.DB')} ${openers === 1 ? 'is' : 'are'} open (one connectionOpener goroutine each): a service normally holds one per database.`,
      goroutines: openers,
      share: total ? openers / total : 0,
      maxMinutes: null,
      evidence: evidenceOf(m.hits.get(SIG.sqlConnectionOpener)!),
      holders: [],
      remediation: ['Open each database once at start-up and share the *sql.DB; never sql.Open per request, and Close the ones you are done with.'],
      signatures: [SIG.sqlConnectionOpener],
    });
  }
  return out;
}
