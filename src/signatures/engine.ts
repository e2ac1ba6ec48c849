/**
 * Matching goroutine stacks against signatures. Stacks are matched once per group of
 * identical stacks; the per-goroutine conditions (wait reason, created by, labels) are then
 * checked on each goroutine of a matching group.
 */

import { UsageError } from '../model/errors.js';
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
      throw new UsageError(`invalid regular expression in pattern "${p}": ${(e as Error).message}`);
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
    throw new UsageError(`signature ${sig.id}: match needs a sequence, anywhere patterns or wait reasons`);
  }
  let groupBy: CompiledSignature['groupBy'] = null;
  if (sig.groupBy) {
    const g = /^arg(\d+):(.+)$/.exec(sig.groupBy);
    if (!g) throw new UsageError(`signature ${sig.id}: groupBy must read argN:PATTERN`);
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
 * the sequence, or without one the `anywhere` patterns (for highlighting), or null.
 */
export function matchFrames(c: CompiledSignature, frames: readonly string[]): number[] | null {
  for (const n of c.not) if (frames.some(n)) return null;
  for (const a of c.anywhere) if (!frames.some(a)) return null;
  // without a sequence, the frames the `anywhere` patterns found are the ones to highlight
  if (c.sequence.length === 0) return [...new Set(c.anywhere.map((a) => frames.findIndex(a)))].sort((x, y) => x - y);
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
  /**
   * The packs in order; a signature of a later pack replaces one of an earlier pack with its id
   * (a user's pack may redefine a built-in signature; `rules --format json` loads back as is).
   */
  constructor(packs: SignaturePack[], ignore: Iterable<string> = []) {
    const skip = new Set(ignore);
    const byId = new Map<string, CompiledSignature | null>();
    for (const pack of packs) {
      const inPack = new Set<string>();
      for (const sig of pack.signatures) {
        checkSignature(sig);
        if (inPack.has(sig.id)) throw new UsageError(`signature id ${sig.id} is defined twice`);
        inPack.add(sig.id);
        byId.set(sig.id, skip.has(sig.id) ? null : compileSignature(sig));
      }
    }
    this.compiled = [...byId.values()].filter((c): c is CompiledSignature => c !== null);
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

const SIGNATURE_KEYS = new Set(['id', 'pack', 'role', 'description', 'match', 'waitReasons', 'createdBy', 'labels', 'groupBy', 'finding']);
const MATCH_KEYS = new Set(['sequence', 'within', 'gap', 'anywhere', 'not']);
const FINDING_KEYS = new Set(['id', 'title', 'severity', 'summary', 'remediation', 'min', 'critical', 'minutes']);
const ROLES = new Set(['waiter', 'holder', 'background', 'marker']);

function unknownKeys(o: object, known: Set<string>): string[] {
  return Object.keys(o).filter((k) => !known.has(k));
}

/** Checks a signature's shape, so that a typo in a user's pack is one clear line, not a silent no-match. */
export function checkSignature(sig: Signature): void {
  const id = typeof sig?.id === 'string' && sig.id !== '' ? sig.id : null;
  const where = id ? `signature ${id}` : 'a signature';
  if (typeof sig !== 'object' || sig === null || id === null) throw new UsageError(`${where}: needs an "id"`);
  const extra = unknownKeys(sig, SIGNATURE_KEYS);
  if (extra.length) throw new UsageError(`${where}: unknown field${extra.length === 1 ? '' : 's'} ${extra.map((k) => `"${k}"`).join(', ')}`);
  if (!ROLES.has(sig.role)) throw new UsageError(`${where}: role must be one of waiter, holder, background, marker`);
  if (typeof sig.match !== 'object' || sig.match === null) throw new UsageError(`${where}: needs a "match" object`);
  const mx = unknownKeys(sig.match, MATCH_KEYS);
  if (mx.length) throw new UsageError(`${where}: unknown match field${mx.length === 1 ? '' : 's'} ${mx.map((k) => `"${k}"`).join(', ')}`);
  const f = sig.finding;
  if (f === undefined) return;
  if (typeof f !== 'object' || f === null) throw new UsageError(`${where}: "finding" must be an object`);
  const fx = unknownKeys(f, FINDING_KEYS);
  if (fx.length) throw new UsageError(`${where}: unknown finding field${fx.length === 1 ? '' : 's'} ${fx.map((k) => `"${k}"`).join(', ')}`);
  if (typeof f.id !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(f.id)) throw new UsageError(`${where}: finding id must read like "orders-cache-stampede"`);
  if (typeof f.title !== 'string' || f.title === '') throw new UsageError(`${where}: the finding needs a "title"`);
  if (f.severity !== undefined && !['info', 'warning', 'critical'].includes(f.severity)) throw new UsageError(`${where}: finding severity must be info, warning or critical`);
  for (const k of ['min', 'critical', 'minutes'] as const) {
    const v = f[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new UsageError(`${where}: finding ${k} must be a number ≥ 0`);
  }
  if (f.remediation !== undefined && !(Array.isArray(f.remediation) && f.remediation.every((r) => typeof r === 'string'))) {
    throw new UsageError(`${where}: finding remediation must be a list of sentences`);
  }
}
