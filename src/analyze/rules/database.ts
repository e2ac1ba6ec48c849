/** Findings about database pools and handles: database/sql, pgxpool, the drivers. */

import { SIG } from '../signature-ids.js';
import { count, maxMinutes, pct, plural, holdersOf, waiterSeverity, QUERY_HOLDERS, evidenceOf, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';

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
      holders: holdersOf(m, [SIG.sqlTxOpen, SIG.sqlRowsOpen, ...QUERY_HOLDERS]),
      remediation,
      signatures: [SIG.sqlConnWait],
    });
  }
  return out;
}

/** Transactions left open, each pinning a connection. */
export function sqlTxLeak(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const sqlWait = m.hits.get(SIG.sqlConnWait);
  const queries = count(m, ...QUERY_HOLDERS);
  const txHit = m.hits.get(SIG.sqlTxOpen);
  if (txHit && (txHit.goroutines >= t.waitersCritical || (sqlWait && txHit.goroutines > 0 && txHit.goroutines >= queries))) {
    const minutes = maxMinutes(m, SIG.sqlTxOpen);
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
      signatures: [SIG.sqlTxOpen],
    });
  }
  return out;
}

/** Rows left open, each pinning a connection. */
export function sqlRowsLeak(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const sqlWait = m.hits.get(SIG.sqlConnWait);
  const queries = count(m, ...QUERY_HOLDERS);
  const rowsHit = m.hits.get(SIG.sqlRowsOpen);
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
      maxMinutes: maxMinutes(m, SIG.sqlRowsOpen),
      evidence: evidenceOf(rowsHit),
      holders: [],
      remediation: ['`defer rows.Close()` immediately after a successful Query; an early return before it leaks the connection.'],
      signatures: [SIG.sqlRowsOpen],
    });
  }
  return out;
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
        `${plural(pgx.goroutines, 'goroutine')} of ${total.toLocaleString('en-US')} (${pct(pgx.goroutines, total)}) wait in pgxpool Acquire for a connection` +
        (q > 0 ? `; ${plural(q, 'connection')} ${q === 1 ? 'is' : 'are'} busy in queries waiting on the server.` : '.'),
      goroutines: pgx.goroutines,
      share: total ? pgx.goroutines / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(pgx),
      holders: holdersOf(m, [SIG.pgconnRead, SIG.pgconnContextWatcher]),
      remediation: [
        'Release what you acquire: `defer rows.Close()`, `defer conn.Release()`, finish every transaction.',
        q > 0
          ? 'The acquired connections are in queries the server has not answered: find the slow query before raising pool_max_conns.'
          : 'If the holders are legitimately busy, raise pool_max_conns (default max(4, NumCPU)).',
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
