/** Findings about leaked goroutines seen in one snapshot: long channel waits, the goroutineleak profile. */

import { SIG } from '../signature-ids.js';
import { GoroutineFlag } from '../../model/profile.js';
import { isProgramCode, median, plural, stackEvidence, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';
import { stackIndex } from '../stack-index.js';
import type { GoroutineBucket } from '../summary.js';

/** The function that started a goroutine: `created by` (debug=2), else the parent of the closure it runs. */
function creatorOf(b: GoroutineBucket): string | null {
  if (b.createdBy) return b.createdBy;
  const root = [...b.frames].reverse().find((f) => isProgramCode(f.function))?.function;
  if (root === undefined) return null;
  const closure = /^(.*\.func\d+)\.\d+$/.exec(root) ?? /^(.*)\.func\d+$/.exec(root);
  return closure ? closure[1]! : null;
}

/**
 * How many of a group's goroutines outlived the call that started them. Where the dump names
 * each creator (debug=2, Go 1.21+: `created by F in goroutine N`): those whose goroutine N is
 * gone or no longer in F; else an estimate: those beyond what the goroutines running F now
 * could still be waiting for (ten each, a generous fan-out).
 */
function orphaned(m: SnapshotMatch, b: GoroutineBucket, creator: string): number {
  const g = m.profile.goroutines;
  if (g !== null && b.samples.some((s) => g.createdByGoroutine[s]! >= 0)) {
    // a creator goroutine lives on (an HTTP connection serves the next request): its senders
    // are orphans unless it is running the creator now, and then beyond ten
    const running = new Set<number>();
    for (const x of stackIndex(m).running.get(creator) ?? []) for (const s of x.samples) running.add(g.id[s]!);
    const byCreator = new Map<number, number>();
    for (const s of b.samples) byCreator.set(g.createdByGoroutine[s]!, (byCreator.get(g.createdByGoroutine[s]!) ?? 0) + 1);
    let n = 0;
    for (const [id, k] of byCreator) n += id >= 0 && running.has(id) ? Math.max(0, k - 10) : k;
    return n;
  }
  let live = 0;
  for (const x of stackIndex(m).running.get(creator) ?? []) live += x.count;
  return Math.max(0, b.count - live * 10);
}

/**
 * Senders blocked on a channel whose receiver is gone: their creator (a request handler that
 * started them to send it a result) is on no stack any more, so nobody will ever receive. Many
 * of one shape, or waiting for minutes, is a leak in one snapshot; goroutines waiting to
 * receive from the same creator's channels beside them are part of it.
 */
function orphanedSenders(m: SnapshotMatch, t: Thresholds): Finding[] {
  const send = m.hits.get(SIG.chanSend);
  if (!send) return [];
  const out: Finding[] = [];
  for (const { bucket, goroutines, frames } of send.buckets) {
    const creator = creatorOf(bucket);
    if (creator === null) continue;
    const orphans = Math.min(goroutines, orphaned(m, bucket, creator));
    const aged = bucket.maxMinutes !== null && bucket.maxMinutes >= t.minutesCritical;
    if (orphans < t.waitersCritical && !(aged && orphans >= t.waitersWarning)) continue;
    const receivers = (m.hits.get(SIG.chanReceive)?.buckets ?? []).filter((x) => x.bucket.createdBy === creator);
    const nRecv = receivers.reduce((n, x) => n + x.goroutines, 0);
    const n = goroutines + nRecv;
    const exact = orphans === goroutines ? '' : ` (${orphans} of them started by requests that have ended)`;
    const sender = bucket.frames.find((f) => isProgramCode(f.function))?.function ?? bucket.frames[0]?.function ?? '?';
    out.push({
      id: 'chan-leak',
      // without ages one snapshot cannot say since when, unless the pile is past counting
      severity: aged || orphans >= t.leakCritical ? 'critical' : 'warning',
      title: 'goroutines blocked forever on a channel',
      summary:
        `${plural(goroutines, 'goroutine')} wait to send in ${sender} [${bucket.waitReason || 'chan send'}${bucket.maxMinutes ? `, up to ${plural(bucket.maxMinutes, 'minute')}` : ''}], started by ${creator}${exact}; the goroutines that started them are gone, so nobody is left to receive` +
        (nRecv > 0 ? `; beside them ${plural(nRecv, 'goroutine')} started by it wait to receive` : '') +
        '.',
      goroutines: n,
      share: m.total ? n / m.total : 0,
      maxMinutes: bucket.maxMinutes,
      evidence: [stackEvidence(SIG.chanSend, bucket, goroutines, frames), ...receivers.slice(0, 2).map((x) => stackEvidence(SIG.chanReceive, x.bucket, x.goroutines, x.frames))],
      holders: [],
      remediation: [
        'A goroutine that sends a result must not outlive the one that reads it: make the channel buffered for every sender (make(chan T, n)), or select on ctx.Done() beside the send.',
        'Close the channels receivers range over on every return path (defer close(ch)), so they end too.',
      ],
      signatures: [SIG.chanSend],
    });
  }
  return out;
}

/** The median wait, in minutes, of one group's own goroutines (debug=2 only), else null. */
function groupMedianMinutes(m: SnapshotMatch, b: GoroutineBucket): number | null {
  const g = m.profile.goroutines;
  if (g === null || b.maxMinutes === null) return null;
  return median(b.samples.map((s) => Math.max(0, g.waitMinutes[s]!)).sort((x, y) => x - y));
}

/** Goroutines blocked on a channel for long, many of one shape (one snapshot, with ages), or whose other side is gone. */
export function chanLeak(m: SnapshotMatch, t: Thresholds): Finding[] {
  const orphans = orphanedSenders(m, t);
  if (orphans.length > 0) return [orphans.sort((a, b) => b.goroutines - a.goroutines)[0]!];
  // every group of one shape whose own goroutines waited for long, in one finding, largest first
  const groups: { id: string; bucket: GoroutineBucket; goroutines: number; frames: number[] }[] = [];
  for (const id of [SIG.chanSend, SIG.chanReceive, SIG.chanNilOrEmptySelect]) {
    for (const x of m.hits.get(id)?.buckets ?? []) {
      const med = groupMedianMinutes(m, x.bucket);
      if (x.goroutines >= t.leakCount && med !== null && med >= t.leakMinutes) groups.push({ id, ...x });
    }
  }
  if (groups.length === 0) return [];
  groups.sort((a, b) => b.goroutines - a.goroutines);
  const top = groups[0]!;
  const n = groups.reduce((k, x) => k + x.goroutines, 0);
  const others = groups.length > 1 ? `; ${plural(n - top.goroutines, 'more goroutine')} in ${plural(groups.length - 1, 'other group')} wait the same way` : '';
  return [
    {
      id: 'chan-leak',
      severity: 'critical',
      title: 'goroutines blocked forever on a channel',
      summary: `${plural(top.goroutines, 'goroutine')} of one shape are blocked on a channel (${top.bucket.waitReason}) for ${top.bucket.minMinutes}–${top.bucket.maxMinutes} minutes${others}.`,
      goroutines: n,
      share: m.total ? n / m.total : 0,
      maxMinutes: Math.max(...groups.map((x) => x.bucket.maxMinutes ?? 0)),
      evidence: groups.slice(0, 3).map((x) => stackEvidence(x.id, x.bucket, x.goroutines, x.frames)),
      holders: [],
      remediation: ['Give the other side a way out: buffered channels for results nobody may read, select with ctx.Done() on every send and receive, close channels the receivers range over.'],
      signatures: [...new Set(groups.map((x) => x.id))],
    },
  ];
}

/** Goroutines the garbage collector proved leaked (the goroutineleak profile, `(leaked)` in debug=2). */
/** The title of the leak the garbage collector proves (the goroutineleak profile, or `(leaked)` in a dump). */
export const PROVEN_LEAK_TITLE = 'leaked goroutines (proven by the garbage collector)';

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
      title: PROVEN_LEAK_TITLE,
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
