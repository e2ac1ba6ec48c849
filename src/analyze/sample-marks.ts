/**
 * Which signature matched which goroutine group and which frames of each sample: the results
 * the reports draw (flame graph colours, group badges) so that report/ only looks them up and
 * never matches again. Computed for the profiles a report shows, with the signatures that
 * fed its findings.
 */

import { hiddenFrame } from './summary.js';
import type { GoroutineBucket } from './summary.js';
import { waitReason, waitReasons } from './wait-reason.js';
import { lengthen } from '../model/builder.js';
import { stackClasses } from '../model/stacks.js';
import { visibleNames } from './summary.js';
import type { Diagnosis } from './diagnose.js';
import type { InputAnalysis } from './index.js';
import type { Profile } from '../model/profile.js';
import { matchFrames, matchGoroutine, type CompiledSignature, type SignatureSet } from '../signatures/engine.js';

/**
 * The rows with a match, in order, and for each its (signature index, frame depth counted from
 * the root) pairs: `marks[k]` of row `rows[k]`. A row is a sample, or, when `byClass` is set, a
 * stack class (stackClasses) whose samples are all marked alike: a goroutine profile without
 * goroutines of its own (protobuf, debug=1), whose samples' wait reasons are their classes'.
 * Otherwise samples of one class that wait for the same reason share their array (unless a
 * signature reads labels or the creator).
 */
export interface SampleMarks {
  signatures: string[];
  byClass: boolean;
  rows: number[];
  marks: number[][];
}

export interface BucketSignatures {
  signatures: string[];
  /** Matched only by background signatures. */
  background: boolean;
}

/** What a report shows beside its data: marks per profile, signatures per group, descriptions. */
export interface ViewMarks {
  samples: Map<Profile, SampleMarks>;
  buckets: Map<GoroutineBucket, BucketSignatures>;
  descriptions: Map<string, string>;
}

/** Signatures that can match in this profile at all (every pattern names some function of it). */
function candidates(p: Profile, set: SignatureSet, mark: ReadonlySet<string>): CompiledSignature[] {
  const names: string[] = [];
  for (let i = 0; i < p.functions.length; i++) names.push(p.strings.get(p.functions.normalizedName[i]!));
  return set.compiled.filter((c) => {
    if (!mark.has(c.sig.id)) return false;
    if (c.reasonOnly) return p.goroutines !== null || p.kind === 'goroutine';
    for (const m of [...c.anywhere, ...c.sequence]) if (!names.some(m)) return false;
    return true;
  });
}

/**
 * For every sample, the frames each matching signature's patterns name (depth from the root of
 * the sample's frames, inlined calls counted as frames); the leaf (-1) for a signature matched
 * by its wait reason or labels alone. Samples whose stacks read alike (stackClasses) and that
 * wait for the same reason are marked alike: worked out once, unless a signature asks of each
 * goroutine who created it or what labels it carries.
 */
export function markSamples(p: Profile, set: SignatureSet, mark: ReadonlySet<string>): SampleMarks {
  const sigs = candidates(p, set, mark);
  const index = new Map<string, number>();
  const marked: number[] = [];
  const marks: number[][] = [];
  if (sigs.length === 0) return { signatures: [], byClass: false, rows: marked, marks };
  const reasonOf = p.kind === 'goroutine' || p.kind === 'goroutineleak' ? waitReasons(p) : null;
  // (the samples of other profiles are call paths, rarely alike, and of a heap profile millions)
  const classes = reasonOf !== null ? stackClasses(p) : null;
  const eachAlone = classes === null || sigs.some((c) => c.createdBy !== null || c.labels.length > 0);
  if (!eachAlone && p.goroutines === null) {
    // no goroutine of its own to tell a reason from: the reason, and so the marks, are the class's
    classes!.first.forEach((i, cls) => {
      const out = sampleMarks(p, i, sigs, reasonOf!(i), index);
      if (out.length === 0) return;
      marked.push(cls);
      marks.push(out);
    });
    return { signatures: [...index.keys()], byClass: true, rows: marked, marks };
  }
  // per class, the marks by wait reason
  const told: Map<string, number[]>[] = [];
  for (let i = 0; i < p.samples.length; i++) {
    const reason = reasonOf !== null ? reasonOf(i) : '';
    let out: number[] | undefined;
    if (eachAlone) out = sampleMarks(p, i, sigs, reason, index);
    else {
      const cls = classes!.of[i]!;
      lengthen(told, cls + 1);
      const byReason = (told[cls] ??= new Map());
      out = byReason.get(reason);
      if (out === undefined) byReason.set(reason, (out = sampleMarks(p, i, sigs, reason, index)));
    }
    if (out.length) {
      marked.push(i);
      marks.push(out);
    }
  }
  return { signatures: [...index.keys()], byClass: false, rows: marked, marks };
}

/** The marks of sample i: (signature index, depth from the root) pairs; `index` numbers the signatures as they first match. */
function sampleMarks(p: Profile, i: number, sigs: CompiledSignature[], reason: string, index: Map<string, number>): number[] {
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const rootFirst: string[] = [];
  for (let k = stackStart[i + 1]! - 1; k >= stackStart[i]!; k--) {
    const loc = stack[k]!;
    for (let l = lineStart[loc]! + lineCount[loc]! - 1; l >= lineStart[loc]!; l--) rootFirst.push(p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!));
  }
  const visible: string[] = [];
  let atLeaf = true;
  for (let d = rootFirst.length - 1; d >= 0; d--) {
    if (hiddenFrame(rootFirst[d]!, atLeaf)) continue;
    atLeaf = false;
    visible.push(rootFirst[d]!);
  }
  const out: number[] = [];
  for (const c of sigs) {
    if (matchFrames(c, visible) === null || !matchGoroutine(c, p, i, reason)) continue;
    let idx = index.get(c.sig.id);
    if (idx === undefined) index.set(c.sig.id, (idx = index.size));
    const patterns = [...c.sequence, ...c.anywhere];
    let marked = false;
    for (let d = 0; d < rootFirst.length; d++) {
      if (patterns.some((m) => m(rootFirst[d]!))) {
        out.push(idx, d);
        marked = true;
      }
    }
    if (!marked) out.push(idx, -1);
  }
  return out;
}

/** The signatures that match a goroutine group (its first goroutine). */
export function bucketSignatures(p: Profile, b: GoroutineBucket, set: SignatureSet): BucketSignatures {
  const s0 = b.samples[0]!;
  const names = visibleNames(p, s0);
  const reason = waitReason(p, s0);
  const matched = set.compiled.filter((c) => matchFrames(c, names) !== null && matchGoroutine(c, p, s0, reason));
  return {
    signatures: matched.filter((c) => c.sig.role !== 'background').map((c) => c.sig.id),
    background: matched.length > 0 && matched.every((c) => c.sig.role === 'background'),
  };
}

/** Goroutine groups a report view shows per input (and marks). */
export const VIEW_BUCKETS = 200;

/** Everything a report of these analyses shows beside their data, for the signatures its findings name. */
export function viewMarks(analyses: InputAnalysis[], diagnosis: Diagnosis, set: SignatureSet, buckets = VIEW_BUCKETS): ViewMarks {
  // the waiters' frames and the holders' (a lib/pq query in flight under a pool that ran dry)
  const mark = new Set(diagnosis.findings.flatMap((f) => [...f.signatures, ...f.holders.map((h) => h.signature).filter((id) => set.get(id) !== undefined)]));
  const samples = new Map<Profile, SampleMarks>();
  const groups = new Map<GoroutineBucket, BucketSignatures>();
  const profiles: Profile[] = [];
  for (const a of analyses) {
    if (a.type === 'profile') {
      profiles.push(a.profile);
      for (const b of (a.buckets ?? []).slice(0, buckets)) groups.set(b, bucketSignatures(a.profile, b, set));
    } else {
      profiles.push(a.snapshot, ...a.blocking.map((b) => b.profile));
      for (const b of a.buckets.slice(0, buckets)) groups.set(b, bucketSignatures(a.snapshot, b, set));
    }
  }
  for (const p of profiles) samples.set(p, markSamples(p, set, mark));
  const descriptions = new Map<string, string>();
  for (const id of mark) descriptions.set(id, set.get(id)?.sig.description ?? id);
  return { samples, buckets: groups, descriptions };
}
