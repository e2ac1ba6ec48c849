/** Findings about go-redis pools. */

import { SIG } from '../signature-ids.js';
import { maxMinutes, plural, holdersOf, waiterSeverity, redisCommands, REDIS_BLOCKING, evidenceOf, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';
import { formatCount, formatShare } from '../../model/units.js';

/** Callers queued for a go-redis pool connection, with the commands holding them. */
export function redisPoolWait(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const redis = m.hits.get(SIG.redisPoolWait);
  if (redis && redis.goroutines >= t.waitersWarning) {
    const minutes = maxMinutes(m, SIG.redisPoolWait);
    const reading = m.hits.get(SIG.redisCommandRead);
    const commands = redisCommands(reading);
    const busy = reading?.goroutines ?? 0;
    const blocking = commands.filter(([c]) => REDIS_BLOCKING.test(c));
    out.push({
      id: 'redis-pool-wait',
      severity: waiterSeverity(redis.goroutines, minutes, t),
      title: 'go-redis pool exhausted: callers wait for a connection',
      summary:
        `${plural(redis.goroutines, 'goroutine')} of ${formatCount(total)} (${formatShare(redis.goroutines, total)}) wait for a connection from a go-redis pool` +
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
      holders: holdersOf(m, [SIG.redisCommandRead]),
      remediation: [
        blocking.length
          ? `Blocking commands (${blocking.map(([c]) => c).join(', ')}) keep their connection for the whole wait: give them a client of their own, or size PoolSize for them plus the other traffic.`
          : 'Find connections held for long: PubSub and blocking commands (BLPOP, XREAD) each keep one; give them a dedicated client.',
        'Raise PoolSize (default 10 per CPU) only once holders are short-lived; keep PoolTimeout short so callers fail fast.',
      ],
      signatures: [SIG.redisPoolWait],
    });
  }
  return out;
}
