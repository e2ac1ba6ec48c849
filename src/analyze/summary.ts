/**
 * What is in a profile, before any diagnosis: sample types with totals, top functions
 * (flat and cumulative) and, for goroutine profiles, the goroutines grouped into buckets
 * of identical stacks.
 */

import { UsageError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { lengthen } from '../model/builder.js';
import { classTotals, normalizedNameNumbers, sampleTypeTotals, singleLineNames, stackClasses } from '../model/stacks.js';
import { waitReasons } from './wait-reason.js';
import { groupNames } from './group-names.js';

export interface TopEntry {
  function: string;
  flat: number;
  cum: number;
}

export interface FrameSummary {
  function: string;
  file: string;
  line: number;
}

export interface GoroutineBucket {
  /** Identity used to match buckets across forms and snapshots: normalised leaf-side frames. */
  key: string;
  /** What tables call the group, unique within its profile (src/analyze/group-names.ts). */
  name: string;
  count: number;
  waitReason: string;
  /** Wait minutes over the bucket's goroutines (debug=2 only; null when none printed). */
  minMinutes: number | null;
  maxMinutes: number | null;
  /** Most common `created by` function (debug=2 only). */
  createdBy: string | null;
  /** Frames of a representative goroutine, leaf first, runtime frames at the leaf dropped. */
  frames: FrameSummary[];
  /** Sample rows in this bucket. */
  samples: number[];
  /** pprof labels on the group's goroutines: each key with its values, most goroutines first. */
  labels: LabelSummary[];
}

/** One label key of a group: its values with how many goroutines carry each. */
export interface LabelSummary {
  key: string;
  values: { value: string; count: number }[];
  /** Goroutines with this key whose values are not listed (past the first few). */
  others: number;
}

/** How many values of one key a group lists. */
const LABEL_VALUES = 8;

/** Adds sample i's labels (value-weighted) to a group's tally. */
function tallyLabels(p: Profile, i: number, value: number, into: Map<string, Map<string, number>>): void {
  const s = p.samples;
  for (let k = s.labelStart[i]!, end = s.labelStart[i + 1]!; k < end; k++) {
    const key = p.strings.get(s.labelKey[k]!);
    const str = s.labelStr[k]!;
    const unit = s.labelUnit[k]!;
    const v = str !== 0 ? p.strings.get(str) : `${s.labelNum[k]!}${unit !== 0 ? ' ' + p.strings.get(unit) : ''}`;
    let m = into.get(key);
    if (m === undefined) into.set(key, (m = new Map()));
    m.set(v, (m.get(v) ?? 0) + value);
  }
}

function labelSummaries(tally: Map<string, Map<string, number>>): LabelSummary[] {
  const out: LabelSummary[] = [];
  for (const [key, values] of tally) {
    const sorted = [...values].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const shown = sorted.slice(0, LABEL_VALUES);
    let others = 0;
    for (const [, n] of sorted.slice(LABEL_VALUES)) others += n;
    out.push({ key, values: shown.map(([value, count]) => ({ value, count })), others });
  }
  const total = (l: LabelSummary) => l.values.reduce((n, v) => n + v.count, l.others);
  return out.sort((a, b) => total(b) - total(a) || (a.key < b.key ? -1 : 1));
}

/** How many leaf-side frames identify a stack: root sides are truncated differently by each form. */
export const BUCKET_DEPTH = 32;

/**
 * Whether a frame is one every goroutine form shows. debug=2 hides unexported runtime
 * functions wherever they are; debug=1 hides runtime frames at the leaf (and the goexit at the
 * root); the profile writer's own frames differ between forms. Dropping those everywhere makes
 * the three forms of one moment group identically.
 */
export function hiddenFrame(name: string, atLeaf: boolean): boolean {
  if (name.startsWith('runtime.')) {
    const c = name.charCodeAt(8);
    return !(c >= 65 && c <= 90) || name === 'runtime.goexit'; // exported runtime functions stay
  }
  return atLeaf && (name.startsWith('runtime/pprof.') || name.startsWith('internal/runtime/'));
}

/**
 * Per function of a profile, worked out once: the number of its normalised name
 * (normalizedNameNumbers) and whether hiddenFrame hides it anywhere (1) or only at the leaf (2).
 */
interface FunctionKeys {
  name: Int32Array;
  hidden: Uint8Array;
}

const functionKeysOf = new WeakMap<Profile, FunctionKeys>();

function functionKeys(p: Profile): FunctionKeys {
  let k = functionKeysOf.get(p);
  if (k !== undefined) return k;
  const { id, names } = normalizedNameNumbers(p);
  const byName = names.map((name) => (hiddenFrame(name, false) ? 1 : hiddenFrame(name, true) ? 2 : 0));
  k = { name: id, hidden: Uint8Array.from(id, (n) => byName[n]!) };
  functionKeysOf.set(p, k);
  return k;
}

/**
 * Visible frames of sample i (line rows), leaf first, at most `depth`: what a goroutine group
 * is keyed on and what a signature is matched against.
 */
export function visibleLines(p: Profile, i: number, depth = Infinity): number[] {
  const out: number[] = [];
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const { hidden } = functionKeys(p);
  let leaf = true;
  for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end && out.length < depth; k++) {
    const loc = stack[k]!;
    for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le && out.length < depth; l++) {
      const h = hidden[p.lines.function[l]!]!;
      if (h === 1 || (h === 2 && leaf)) continue;
      leaf = false;
      out.push(l);
    }
  }
  return out;
}

/** Normalised function names of sample i's visible frames, leaf first. */
export function visibleNames(p: Profile, i: number, depth = Infinity): string[] {
  return visibleLines(p, i, depth).map((l) => p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!));
}

/**
 * What groups sample i: the numbers of its visible frames' names (as visibleNames gives them, at
 * most BUCKET_DEPTH), written as a short string, so that a group is found without writing out
 * its names for every goroutine.
 */
function groupingKey(p: Profile, keys: FunctionKeys, i: number): string {
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const fnOfLine = p.lines.function;
  let key = '';
  let n = 0;
  let leaf = true;
  for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end && n < BUCKET_DEPTH; k++) {
    const loc = stack[k]!;
    for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le && n < BUCKET_DEPTH; l++) {
      const fn = fnOfLine[l]!;
      const h = keys.hidden[fn]!;
      if (h === 1 || (h === 2 && leaf)) continue;
      leaf = false;
      const id = keys.name[fn]!;
      key += String.fromCharCode(id & 0xffff, id >>> 16);
      n++;
    }
  }
  return key;
}

export function goroutineBuckets(p: Profile): GoroutineBucket[] {
  const byKey = new Map<string, GoroutineBucket>();
  const keys = functionKeys(p);
  const reasons = new Map<GoroutineBucket, Map<string, number>>();
  const creators = new Map<GoroutineBucket, Map<string, number>>();
  const labels = new Map<GoroutineBucket, Map<string, Map<string, number>>>();
  const nTypes = p.sampleTypes.length;
  const g = p.goroutines;
  const waitReason = waitReasons(p);
  // a class of stacks that read alike falls in one group: found once a class
  const classes = stackClasses(p);
  // (one slot a class from the start: no read past the end, which optimised code does not take back)
  const bucketOf: (GoroutineBucket | undefined)[] = [];
  lengthen(bucketOf, classes.first.length);
  for (let i = 0; i < p.samples.length; i++) {
    const cls = classes.of[i]!;
    let b = bucketOf[cls];
    if (b === undefined) bucketOf[cls] = b = bucketFor(p, keys, i, byKey, reasons, creators);
    const value = p.samples.values[i * nTypes]!;
    b.count += value;
    b.samples.push(i);
    if (p.samples.labelStart[i + 1]! > p.samples.labelStart[i]!) {
      let t = labels.get(b);
      if (t === undefined) labels.set(b, (t = new Map()));
      tallyLabels(p, i, value, t);
    }
    // without goroutine headers a sample's wait reason is its class's (inferred): told below
    if (g === null) continue;
    const r = waitReason(i);
    const rm = reasons.get(b)!;
    rm.set(r, (rm.get(r) ?? 0) + value);
    const m = g.waitMinutes[i]!;
    const minutes = m < 0 ? 0 : m;
    b.minMinutes = b.minMinutes === null ? minutes : Math.min(b.minMinutes, minutes);
    b.maxMinutes = b.maxMinutes === null ? minutes : Math.max(b.maxMinutes, minutes);
    const cb = p.strings.get(g.createdByFunction[i]!);
    if (cb !== '') {
      const cm = creators.get(b)!;
      cm.set(cb, (cm.get(cb) ?? 0) + 1);
    }
  }
  // each class's goroutines under its reason, classes in order of their first sample (as the
  // samples would have put the reasons in their group's tally)
  if (g === null) {
    const totals = classTotals(p, 0);
    for (let c = 0; c < totals.length; c++) {
      const b = bucketOf[c]!;
      const r = waitReason(classes.first[c]!);
      const rm = reasons.get(b)!;
      rm.set(r, (rm.get(r) ?? 0) + totals[c]!);
      let u = unitsOf.get(b);
      if (u === undefined) unitsOf.set(b, (u = { samples: [], values: [] }));
      u.samples.push(classes.first[c]!);
      u.values.push(totals[c]!);
    }
  }
  const out = [...byKey.values()];
  for (const b of out) {
    b.waitReason = mostCommon(reasons.get(b)!) ?? '';
    b.createdBy = mostCommon(creators.get(b)!);
    const t = labels.get(b);
    if (t !== undefined) b.labels = labelSummaries(t);
  }
  out.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  groupNames(out).forEach((n, i) => (out[i]!.name = n));
  return out;
}

/**
 * A group's samples by class of stacks that read alike (stackClasses): the first sample of each
 * class, in order, and the class's count in the group.
 */
export interface ClassUnits {
  samples: number[];
  values: number[];
}

const unitsOf = new WeakMap<GoroutineBucket, ClassUnits>();

/** The classes of a group goroutineBuckets made of a profile without goroutine headers (undefined for any other group). */
export function bucketClassUnits(b: GoroutineBucket): ClassUnits | undefined {
  return unitsOf.get(b);
}

/** The group of sample i's stack, made when it is the first of its group. */
function bucketFor(
  p: Profile,
  keys: FunctionKeys,
  i: number,
  byKey: Map<string, GoroutineBucket>,
  reasons: Map<GoroutineBucket, Map<string, number>>,
  creators: Map<GoroutineBucket, Map<string, number>>,
): GoroutineBucket {
  const at = groupingKey(p, keys, i);
  let b = byKey.get(at);
  if (b === undefined) {
    b = {
      key: visibleNames(p, i, BUCKET_DEPTH).join('\n'),
      name: '',
      count: 0,
      waitReason: '',
      minMinutes: null,
      maxMinutes: null,
      createdBy: null,
      frames: representativeFrames(p, i),
      samples: [],
      labels: [],
    };
    byKey.set(at, b);
    reasons.set(b, new Map());
    creators.set(b, new Map());
  }
  return b;
}

function mostCommon(m: Map<string, number>): string | null {
  let best: string | null = null;
  let n = -1;
  for (const [k, v] of m) {
    if (v > n) {
      best = k;
      n = v;
    }
  }
  return best;
}

function representativeFrames(p: Profile, i: number): FrameSummary[] {
  return visibleLines(p, i).map((l) => {
    const fn = p.lines.function[l]!;
    return { function: p.strings.get(p.functions.name[fn]!), file: p.strings.get(p.functions.filename[fn]!), line: p.lines.line[l]! };
  });
}

/**
 * Flat and cumulative value per function for one sample type, largest flat first (ties by
 * cumulative), as `go tool pprof -top` orders them. With `skipLeaf`, leaf frames it names are
 * passed over (a goroutine profile's runtime parking frames).
 */
export function topFunctions(p: Profile, sampleIndex: number, limit: number, skipLeaf?: (name: string) => boolean): TopEntry[] {
  const nTypes = p.sampleTypes.length;
  const nStr = p.strings.length;
  const flat = new Float64Array(nStr);
  const cum = new Float64Array(nStr);
  // the last sample that counted a name in cum (-1: none yet); a name is listed once counted
  const stamp = new Int32Array(nStr).fill(-1);
  const touched: number[] = [];
  // skipLeaf's answer once a name: 1 skip, 2 keep
  const skip = new Uint8Array(skipLeaf ? nStr : 0);
  const single = singleLineNames(p);
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const fnName = p.functions.name;
  const fnOfLine = p.lines.function;
  const count = (name: number, r: number, v: number): void => {
    if (stamp[name] === r) return;
    if (stamp[name] === -1) touched.push(name);
    stamp[name] = r;
    cum[name]! += v;
  };
  // a goroutine profile's samples by class (stacks that read alike count alike), each class
  // once with its samples' values summed (counts: the sums are exact)
  const classes = p.kind === 'goroutine' || p.kind === 'goroutineleak' ? stackClasses(p) : null;
  const sums = classes === null ? null : classTotals(p, sampleIndex);
  // r: a class's number, or a sample's for another profile
  for (let r = 0, rows = classes === null ? p.samples.length : classes.first.length; r < rows; r++) {
    const i = classes === null ? r : classes.first[r]!;
    const v = sums === null ? p.samples.values[i * nTypes + sampleIndex]! : sums[r]!;
    if (v === 0) continue;
    let first = true;
    for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end; k++) {
      const loc = stack[k]!;
      const one = single[loc]!;
      if (one >= 0 && !first) {
        count(one, r, v);
        continue;
      }
      for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le; l++) {
        const name = fnName[fnOfLine[l]!]!;
        // a goroutine profile's flat value belongs to where the goroutine waits, not to gopark
        if (first && skipLeaf !== undefined && (skip[name] || (skip[name] = skipLeaf(p.strings.get(name)) ? 1 : 2)) === 1) continue;
        if (first) {
          flat[name]! += v;
          first = false;
        }
        count(name, r, v);
      }
    }
  }
  const entries: TopEntry[] = [];
  for (const s of touched) entries.push({ function: p.strings.get(s), flat: flat[s]!, cum: cum[s]! });
  entries.sort((a, b) => Math.abs(b.flat) - Math.abs(a.flat) || Math.abs(b.cum) - Math.abs(a.cum) || (a.function < b.function ? -1 : 1));
  return entries.slice(0, limit);
}

export interface SampleTypeSummary {
  type: string;
  unit: string;
  total: number;
}

export function sampleTypeSummaries(p: Profile): SampleTypeSummary[] {
  const totals = sampleTypeTotals(p);
  return p.sampleTypes.map((t, j) => ({ type: t.type, unit: t.unit, total: totals[j]! }));
}

/** Number of goroutines a goroutine-kind profile describes. */
export function goroutineCount(p: Profile): number {
  if (p.goroutines !== null) return p.goroutines.length;
  return p.sampleTypes.length > 0 ? sampleTypeTotals(p)[0]! : 0;
}

/** The index of a sample type named like `--sample-index` (inuse_space, or its number); null when the profile has none such. */
export function findSampleIndex(p: Profile, want: string): number | null {
  if (/^\d+$/.test(want)) {
    const n = Number(want);
    if (n < p.sampleTypes.length) return n;
  }
  const k = p.sampleTypes.findIndex((t) => t.type === want);
  return k >= 0 ? k : null;
}

/** Resolves `--sample-index` (a name like inuse_space or a number) against the profile. */
export function resolveSampleIndex(p: Profile, want: string | undefined): number {
  if (want === undefined || want === '') return p.defaultSampleType;
  const k = findSampleIndex(p, want);
  if (k !== null) return k;
  throw new UsageError(`sample index "${want}" is not one of this profile's sample types (${p.sampleTypes.map((t) => t.type).join(', ')})`);
}
