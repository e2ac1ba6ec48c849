/**
 * Signature hits in one goroutine snapshot: which goroutines match which signature, how
 * many, how long they have waited, and which instance (pool, lock) they belong to.
 */

import type { Profile } from '../model/profile.js';
import { stackClasses } from '../model/stacks.js';
import { matchFrames, matchGoroutine, type SignatureSet } from '../signatures/engine.js';
import type { FindingSpec, Role } from '../signatures/types.js';
import { bucketClassUnits, goroutineBuckets, visibleNames, type ClassUnits, type GoroutineBucket } from './summary.js';
import { waitReasons } from './wait-reason.js';

export interface SignatureHit {
  signature: string;
  pack: string;
  role: Role;
  description: string;
  /** Goroutines matched. */
  goroutines: number;
  /** Buckets with at least one matching goroutine, largest first. */
  buckets: { bucket: GoroutineBucket; goroutines: number; frames: number[] }[];
  /** Wait minutes of the matching goroutines (debug=2 only), sorted ascending. */
  minutes: number[];
  /** Goroutines per instance (e.g. per *sql.DB address), when the signature groups and the input has args. */
  instances: Map<string, number>;
  /** The finding the signature raises by itself (a user's pack), when it defines one. */
  finding?: FindingSpec;
}

export interface SnapshotMatch {
  profile: Profile;
  total: number;
  buckets: GoroutineBucket[];
  hits: Map<string, SignatureHit>;
  /** Goroutines matched by a background signature and by nothing else. */
  background: number;
  /** Goroutines that matched no signature. */
  unmatched: number;
}

/** First argument printed for the first frame matching `frame` in goroutine `sample` (debug=2). */
function argOf(p: Profile, sample: number, arg: number, frame: (s: string) => boolean): string | null {
  const g = p.goroutines;
  if (g === null || g.frameArgs.length === 0) return null;
  const { stackStart, stack } = p.samples;
  for (let k = stackStart[sample]!; k < stackStart[sample + 1]!; k++) {
    const loc = stack[k]!;
    const l = p.locations.lineStart[loc]!;
    const name = p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!);
    if (!frame(name)) continue;
    const args = p.strings.get(g.frameArgs[k]!);
    if (args === '' || args === '...') return null;
    const parts = args.split(',').map((s) => s.trim().replace(/\?$/, ''));
    return parts[arg] ?? null;
  }
  return null;
}

/**
 * A group's samples by class of stacks that read alike (stackClasses): the first sample of each
 * class, in order, and the class's count in the group.
 */
function classUnits(p: Profile): (samples: readonly number[]) => ClassUnits {
  const classes = stackClasses(p);
  const nTypes = p.sampleTypes.length;
  // each class's place in the group being read, valid where `group` holds that group's number
  // (no pass to clear them between groups)
  const at = new Int32Array(classes.first.length);
  const group = new Int32Array(classes.first.length);
  let groups = 0;
  return (samples) => {
    const out: ClassUnits = { samples: [], values: [] };
    const g = ++groups;
    for (const s of samples) {
      const c = classes.of[s]!;
      if (group[c] !== g) {
        group[c] = g;
        at[c] = out.samples.length;
        out.samples.push(s);
        out.values.push(0);
      }
      out.values[at[c]!]! += p.samples.values[s * nTypes]!;
    }
    return out;
  };
}

/** The signatures of a goroutine snapshot, group by group: its groups as the analysis made them, or made here. */
export function matchSnapshot(p: Profile, set: SignatureSet, buckets: GoroutineBucket[] = goroutineBuckets(p)): SnapshotMatch {
  const hits = new Map<string, SignatureHit>();
  const nTypes = p.sampleTypes.length;
  let total = 0;
  let background = 0;
  let unmatched = 0;
  const waitReason = waitReasons(p);
  // without a goroutine's own header (debug=2) or a signature that reads labels, the
  // goroutines of a class of stacks that read alike are judged alike: once, with their count
  const units = p.goroutines === null && !set.compiled.some((c) => c.labels.length > 0) ? classUnits(p) : null;
  for (const b of buckets) {
    total += b.count;
    const names = visibleNames(p, b.samples[0]!);
    const candidates: { c: (typeof set.compiled)[number]; frames: number[] }[] = [];
    for (const c of set.compiled) {
      const frames = matchFrames(c, names);
      if (frames !== null) candidates.push({ c, frames });
    }
    if (candidates.length === 0) {
      // no signature fits the group's frames: none of its goroutines needs judging
      for (const s of b.samples) unmatched += p.samples.values[s * nTypes]!;
      continue;
    }
    // (the group's classes as goroutineBuckets found them, else found here)
    const judged =
      units === null ? { samples: b.samples, values: b.samples.map((s) => p.samples.values[s * nTypes]!) } : (bucketClassUnits(b) ?? units(b.samples));
    for (let u = 0; u < judged.samples.length; u++) {
      const s = judged.samples[u]!;
      const value = judged.values[u]!;
      const reason = waitReason(s);
      const roles: Role[] = [];
      for (const { c, frames } of candidates) {
        if (!matchGoroutine(c, p, s, reason)) continue;
        roles.push(c.sig.role);
        let hit = hits.get(c.sig.id);
        if (hit === undefined) {
          hit = {
            signature: c.sig.id,
            pack: c.sig.pack,
            role: c.sig.role,
            description: c.sig.description,
            goroutines: 0,
            buckets: [],
            minutes: [],
            instances: new Map(),
            ...(c.sig.finding ? { finding: c.sig.finding } : {}),
          };
          hits.set(c.sig.id, hit);
        }
        hit.goroutines += value;
        const last = hit.buckets[hit.buckets.length - 1];
        if (last && last.bucket === b) last.goroutines += value;
        else hit.buckets.push({ bucket: b, goroutines: value, frames });
        if (p.goroutines !== null) {
          const m = p.goroutines.waitMinutes[s]!;
          hit.minutes.push(m < 0 ? 0 : m);
        }
        if (c.groupBy !== null) {
          const inst = argOf(p, s, c.groupBy.arg, c.groupBy.frame);
          if (inst !== null) hit.instances.set(inst, (hit.instances.get(inst) ?? 0) + value);
        }
      }
      if (roles.length === 0) unmatched += value;
      else if (roles.every((r) => r === 'background')) background += value;
    }
  }
  for (const h of hits.values()) {
    h.minutes.sort((a, b) => a - b);
    h.buckets.sort((a, b) => b.goroutines - a.goroutines);
  }
  return { profile: p, total, buckets, hits, background, unmatched };
}
