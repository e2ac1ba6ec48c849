/** Findings about leaked goroutines seen in one snapshot: long channel waits, the goroutineleak profile. */

import { SIG } from '../signature-ids.js';
import { GoroutineFlag } from '../../model/profile.js';
import { median, plural, stackEvidence, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';
import type { GoroutineBucket } from '../summary.js';

/** Goroutines blocked on a channel for long, many of one shape (one snapshot, with ages). */
export function chanLeak(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  for (const id of [SIG.chanSend, SIG.chanReceive, SIG.chanNilOrEmptySelect]) {
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
  return out;
}

/** Goroutines the garbage collector proved leaked (the goroutineleak profile, `(leaked)` in debug=2). */
export function provenLeak(m: SnapshotMatch, _t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const p = m.profile;
  let leaked = 0;
  const leakedBuckets: { bucket: GoroutineBucket; goroutines: number }[] = [];
  if (p.kind === 'goroutineleak' && p.goroutines === null) {
    // the goroutine writing the profile is listed with an empty stack; it is not leaked
    for (const b of m.buckets) if (b.frames.length > 0) leakedBuckets.push({ bucket: b, goroutines: b.count });
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
  return out;
}
