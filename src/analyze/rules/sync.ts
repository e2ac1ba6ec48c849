/** Findings about sync: Mutex and RWMutex queues, long lock waits, WaitGroups. */

import { SIG } from '../signature-ids.js';
import { leakedIn, maxMinutes, plural, waiterSeverity, evidenceOf, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';
import { MUTEX_PROFILE_ADVICE } from '../correlate.js';
import { startedBy } from '../stack-index.js';
import { formatShare } from '../../model/units.js';

/** Queues on a sync.Mutex or RWMutex, long lock waits, WaitGroups that never finish. */
export function syncWaits(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const mu = m.hits.get(SIG.syncMutexWait);
  // proven leaks are not a queue: each waits on a lock nobody will ever release
  if (mu && mu.goroutines - leakedIn(m, mu) > 0) {
    const minutes = maxMinutes(m, SIG.syncMutexWait);
    // a queue is on one mutex: where the dump tells them apart (debug=2 shows each one's address),
    // the longest queue weighs, not all waiters on all mutexes together
    let queue = mu.instances.size > 1 ? 0 : mu.goroutines;
    if (mu.instances.size > 1) for (const n of mu.instances.values()) queue = Math.max(queue, n);
    const sev = waiterSeverity(queue, null, t);
    if (sev !== 'info' || (minutes !== null && minutes >= t.minutesCritical)) {
      const top = mu.buckets[0]!;
      const site = top.bucket.frames.find((f) => !/^(internal\/)?sync\./.test(f.function));
      out.push({
        id: 'mutex-contention',
        severity: sev,
        title: 'goroutines queue on a sync.Mutex',
        summary:
          `${plural(mu.goroutines, 'goroutine')} (${formatShare(mu.goroutines, total)}) wait to lock a sync.Mutex` +
          (mu.instances.size === 1 ? ` at ${[...mu.instances.keys()][0]}` : mu.instances.size > 1 ? ` (${mu.instances.size} mutexes, at most ${queue} on one)` : '') +
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
          MUTEX_PROFILE_ADVICE,
        ],
        signatures: [SIG.syncMutexWait],
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
        signatures: [SIG.syncMutexWait],
      });
    }
  }
  const rlock = m.hits.get(SIG.syncRwmutexRlockWait);
  const live = (id: string) => {
    const h = m.hits.get(id);
    return h ? h.goroutines - leakedIn(m, h) : 0;
  };
  const wlock = live(SIG.syncRwmutexLockWait) + live(SIG.syncRwmutexWriterBehindReaders);
  if (rlock && live(SIG.syncRwmutexRlockWait) > 0 && wlock > 0) {
    out.push({
      id: 'rwmutex-starvation',
      severity: rlock.goroutines >= t.waitersCritical ? 'critical' : 'warning',
      title: 'RWMutex: readers queue behind a waiting writer',
      summary: `${plural(rlock.goroutines, 'reader')} wait for a read lock behind ${plural(wlock, 'writer')} that waits for long-held read locks to be released.`,
      goroutines: rlock.goroutines + wlock,
      share: total ? (rlock.goroutines + wlock) / total : 0,
      maxMinutes: maxMinutes(m, SIG.syncRwmutexRlockWait, SIG.syncRwmutexLockWait),
      evidence: [...evidenceOf(m.hits.get(SIG.syncRwmutexLockWait) ?? m.hits.get(SIG.syncRwmutexWriterBehindReaders)!, 1), ...evidenceOf(rlock, 2)],
      holders: [],
      remediation: [
        'A reader holds the read lock too long (slow work under RLock): shorten it, or copy the data out and release.',
        'Go’s RWMutex blocks new readers once a writer waits, so one slow reader stalls everyone.',
      ],
      signatures: [SIG.syncRwmutexRlockWait, SIG.syncRwmutexLockWait],
    });
  }
  return out;
}

/**
 * WaitGroups that never finish. Waiting for minutes says so; so does one snapshot where more
 * goroutines wait at one Wait than there are workers left that could call Done: a waiter's
 * workers are the goroutines its function started (`created by` it, or running its closures).
 */
export function waitgroupStuck(m: SnapshotMatch, t: Thresholds): Finding[] {
  const wg = m.hits.get(SIG.syncWaitgroupWait);
  if (!wg || wg.goroutines === 0) return [];
  const minutes = maxMinutes(m, SIG.syncWaitgroupWait);
  let stuck = 0;
  let site = '';
  let workersLeft = 0;
  for (const { bucket, goroutines } of wg.buckets) {
    const at = bucket.frames.findIndex((f) => /^sync\.\(\*WaitGroup\)\.Wait$/.test(f.function));
    const waiter = bucket.frames[at + 1]?.function;
    if (at < 0 || waiter === undefined) continue;
    // the workers: started by the waiting function, or, when it is a closure, by the function
    // around it (its sibling closures: errgroup-style fan-outs wait in func2 for func1s)
    const around = /^(.*)\.func\d+$/.exec(waiter);
    const workers = startedBy(m, around ? [waiter, around[1]!] : [waiter], bucket);
    if (goroutines - workers > stuck) {
      stuck = goroutines - workers;
      site = waiter;
      workersLeft = workers;
    }
  }
  // waiting for minutes matters only where no worker is left to end it
  const aged = minutes !== null && minutes >= t.minutesCritical && stuck > 0;
  if (!aged && stuck < t.waitersWarning) return [];
  const total = m.total;
  const n = wg.goroutines;
  const why =
    `wait in WaitGroup.Wait in ${site}${aged ? `, the longest for ${plural(minutes!, 'minute')}` : ''}, but only ${plural(workersLeft, 'goroutine')} that function started ${workersLeft === 1 ? 'is' : 'are'} left to call Done: at least ${stuck} will wait forever` +
    (aged ? '' : ' (one snapshot without ages cannot say since when)');
  return [
    {
      id: 'waitgroup-stuck',
      severity: aged || stuck >= t.leakCritical ? 'critical' : 'warning',
      title: 'a WaitGroup never finishes',
      summary: `${plural(n, 'goroutine')} ${why}.`,
      goroutines: n,
      share: total ? n / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(wg),
      holders: [],
      remediation: [
        'Call `defer wg.Done()` at the top of every goroutine started after wg.Add, so error paths cannot skip it; Add before starting the goroutine, by the number started.',
      ],
      signatures: [SIG.syncWaitgroupWait],
    },
  ];
}
