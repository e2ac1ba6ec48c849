/**
 * Matching goroutine stacks against signatures. Stacks are matched once per group of
 * identical stacks; the per-goroutine conditions (wait reason, created by, labels) are then
 * checked on each goroutine of a matching group.
 */

import type { Profile } from '../model/profile.js';
import type { FrameMatch, Signature, SignaturePack } from './types.js';

export type Matcher = (name: string) => boolean;

/**
 * The wait reason a debug=1 dump allows for a goroutine parked in a channel operation or a
 * select: the runtime frames that would tell which are not printed.
 */
export const PARKED_ON_CHANNEL = 'chan send, chan receive or select';
const CHANNEL_REASONS = /^(select|chan send|chan receive)/;

export function compilePattern(p: string): Matcher {
  if (p.startsWith('re:')) {
    let re: RegExp;
    try {
      re = new RegExp(p.slice(3));
    } catch (e) {
      throw new Error(`invalid regular expression in pattern "${p}": ${(e as Error).message}`);
    }
    return (s) => re.test(s);
  }
  if (p.endsWith('*') && !p.endsWith('(*')) {
    const prefix = p.slice(0, -1);
    return (s) => s.startsWith(prefix);
  }
  return (s) => s === p;
}

export interface CompiledSignature {
  sig: Signature;
  sequence: Matcher[];
  within: number;
  gap: number;
  anywhere: Matcher[];
  not: Matcher[];
  createdBy: Matcher | null;
  labels: [string, Matcher][];
  waitReasons: Set<string> | null;
  /** Matched by wait reason alone: needs an input that tells the reason. */
  reasonOnly: boolean;
  groupBy: { arg: number; frame: Matcher } | null;
}

export function compileSignature(sig: Signature): CompiledSignature {
  const m: FrameMatch = sig.match ?? {};
  const reasonOnly = !m.sequence?.length && !m.anywhere?.length;
  if (reasonOnly && !sig.waitReasons?.length) {
    throw new Error(`signature ${sig.id}: match needs a sequence, anywhere patterns or wait reasons`);
  }
  let groupBy: CompiledSignature['groupBy'] = null;
  if (sig.groupBy) {
    const g = /^arg(\d+):(.+)$/.exec(sig.groupBy);
    if (!g) throw new Error(`signature ${sig.id}: groupBy must read argN:PATTERN`);
    groupBy = { arg: Number(g[1]), frame: compilePattern(g[2]!) };
  }
  return {
    sig,
    sequence: (m.sequence ?? []).map(compilePattern),
    within: Math.max(1, m.within ?? 1),
    gap: Math.max(0, m.gap ?? 0),
    anywhere: (m.anywhere ?? []).map(compilePattern),
    not: (m.not ?? []).map(compilePattern),
    createdBy: sig.createdBy ? compilePattern(sig.createdBy) : null,
    labels: Object.entries(sig.labels ?? {}).map(([k, v]) => [k, compilePattern(v)] as [string, Matcher]),
    waitReasons: sig.waitReasons?.length ? new Set(sig.waitReasons) : null,
    reasonOnly,
    groupBy,
  };
}

/**
 * Whether the frames (normalised names, leaf first, runtime frames at the leaf dropped)
 * satisfy the signature's frame conditions. Returns the indices of the frames that matched
 * the sequence (for highlighting), or null.
 */
export function matchFrames(c: CompiledSignature, frames: readonly string[]): number[] | null {
  for (const n of c.not) if (frames.some(n)) return null;
  for (const a of c.anywhere) if (!frames.some(a)) return null;
  if (c.sequence.length === 0) return [];
  const hit: number[] = [];
  const first = c.sequence[0]!;
  outer: for (let start = 0; start < Math.min(c.within, frames.length); start++) {
    if (!first(frames[start]!)) continue;
    hit.length = 0;
    hit.push(start);
    let pos = start;
    for (let k = 1; k < c.sequence.length; k++) {
      const want = c.sequence[k]!;
      let found = -1;
      for (let j = pos + 1; j <= Math.min(pos + 1 + c.gap, frames.length - 1); j++) {
        if (want(frames[j]!)) {
          found = j;
          break;
        }
      }
      if (found < 0) continue outer;
      hit.push(found);
      pos = found;
    }
    return hit.slice();
  }
  return null;
}

export class SignatureSet {
  readonly compiled: CompiledSignature[];
  constructor(packs: SignaturePack[], ignore: Iterable<string> = []) {
    const skip = new Set(ignore);
    const seen = new Set<string>();
    this.compiled = [];
    for (const pack of packs) {
      for (const sig of pack.signatures) {
        if (seen.has(sig.id)) throw new Error(`signature id ${sig.id} is defined twice`);
        seen.add(sig.id);
        if (skip.has(sig.id)) continue;
        this.compiled.push(compileSignature(sig));
      }
    }
  }
  get(id: string): CompiledSignature | undefined {
    return this.compiled.find((c) => c.sig.id === id);
  }
}

/**
 * Per-goroutine conditions, for inputs that carry them; absent data never excludes, except
 * for signatures defined by the wait reason alone. `reason` is '' when the input cannot tell.
 */
export function matchGoroutine(c: CompiledSignature, p: Profile, sample: number, reason: string): boolean {
  if (c.reasonOnly && reason === '') return false;
  if (c.waitReasons !== null && reason !== '') {
    // "semacquire" (≤ 1.19) stands for the later sync reasons
    const compatible =
      c.waitReasons.has(reason) ||
      (reason === 'semacquire' && [...c.waitReasons].some((r) => r.startsWith('sync.'))) ||
      (reason === PARKED_ON_CHANNEL && [...c.waitReasons].some((r) => CHANNEL_REASONS.test(r)));
    if (!compatible) {
      return false;
    }
  }
  const g = p.goroutines;
  if (c.createdBy !== null && g !== null) {
    const cb = p.strings.get(g.createdByFunction[sample]!);
    if (cb !== '' && !c.createdBy(cb)) return false;
  }
  if (c.labels.length > 0) {
    const { labelStart, labelKey, labelStr } = p.samples;
    for (const [key, m] of c.labels) {
      let ok = false;
      for (let l = labelStart[sample]!; l < labelStart[sample + 1]!; l++) {
        if (p.strings.get(labelKey[l]!) === key && m(p.strings.get(labelStr[l]!))) ok = true;
      }
      if (!ok) return false;
    }
  }
  return true;
}
