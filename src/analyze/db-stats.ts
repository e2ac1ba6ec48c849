/**
 * A pool's present settings and figures as database/sql reports them: `db.Stats()` marshalled
 * as JSON, alone or inside an expvar document (`/debug/vars`, where a service publishes it under
 * a name of its own). The advice is compared with them.
 *
 *   {"MaxOpenConnections":5,"OpenConnections":5,"InUse":5,"Idle":0,"WaitCount":1234,
 *    "WaitDuration":56300000000,"MaxIdleClosed":0,"MaxIdleTimeClosed":0,"MaxLifetimeClosed":0}
 */

import { UsageError } from '../model/errors.js';
import { formatCount, formatDuration } from '../model/units.js';

export interface DbStats {
  /** Where in the document it was: the expvar name, or `db.Stats()` for a bare one. */
  name: string;
  /** 0: no limit. */
  maxOpenConnections: number;
  openConnections: number;
  inUse: number;
  idle: number;
  waitCount: number;
  waitDurationNs: number;
}

function isStats(v: unknown): v is Record<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return ['MaxOpenConnections', 'OpenConnections', 'InUse', 'Idle', 'WaitCount', 'WaitDuration'].every((k) => typeof o[k] === 'number');
}

/** Every db.Stats() object in a JSON document, with the key path it stands at. */
export function parseDbStats(text: string, source = 'db.Stats()'): DbStats[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${source}: not JSON (${(e as Error).message})`);
  }
  const out: DbStats[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 6 || typeof v !== 'object' || v === null) return;
    if (isStats(v)) {
      out.push({
        name: path || 'db.Stats()',
        maxOpenConnections: v.MaxOpenConnections!,
        openConnections: v.OpenConnections!,
        inUse: v.InUse!,
        idle: v.Idle!,
        waitCount: v.WaitCount!,
        waitDurationNs: v.WaitDuration!,
      });
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (k !== 'memstats' && k !== 'cmdline') walk(x, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(doc, '', 0);
  if (out.length === 0) throw new UsageError(`${source}: no database/sql pool figures in it (db.Stats() as JSON: MaxOpenConnections, InUse, WaitCount …)`);
  return out;
}


/** One sentence on a pool's present figures, compared with the size advised for its load (when given). */
export function statsSentence(s: DbStats, advised: number | null, later: boolean): string {
  const limit = s.maxOpenConnections === 0 ? 'no MaxOpenConns limit' : `MaxOpenConns ${s.maxOpenConnections}`;
  const use = `${s.inUse} of ${s.openConnections} open in use, ${s.idle} idle`;
  // database/sql counts a wait in WaitCount when it begins, in WaitDuration only when it ends
  const waits =
    s.waitCount === 0
      ? '; no wait for a connection so far'
      : s.waitDurationNs === 0
        ? `; ${formatCount(s.waitCount)} waits for a connection begun so far and none ended (WaitDuration counts only ended waits): they are all still waiting`
        : `; ${formatCount(s.waitCount)} waits for a connection begun so far, ${formatDuration(s.waitDurationNs)} in all for those that ended (at least ${formatDuration(s.waitDurationNs / s.waitCount)} each on average)`;
  let cmp = '';
  if (advised !== null) {
    const now = s.maxOpenConnections;
    cmp =
      now === 0
        ? ` Set a limit: ${advised}${later ? ', once the queries are fast again' : ''}, so the pool cannot open more than the server should hold.`
        : now < advised
          ? ` The advised ${advised} is ${advised - now} more than it allows${later ? ', for once the queries are fast again' : ''}.`
          : now > advised
            ? ` It allows ${now - advised} more than the advised ${advised}.`
            : ' That is the advised size.';
  }
  return `The pool's own figures (${s.name}): ${limit}, ${use}${waits}.${cmp}`;
}
