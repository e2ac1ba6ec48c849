/**
 * Reading stacks out of the columnar model without materialising objects.
 */
import { resized, withRoom } from './builder.js';
import type { Profile } from './profile.js';

/**
 * Calls `visit(functionRow, lineNumber, locationRow)` for each frame of sample `i`, leaf first,
 * inlined lines expanded (innermost first within a location). Stops early when visit returns false.
 */
export function forEachFrame(
  p: Profile,
  i: number,
  visit: (fn: number, line: number, loc: number) => boolean | void,
): void {
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const lines = p.lines;
  for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end; k++) {
    const loc = stack[k]!;
    const ls = lineStart[loc]!;
    const le = ls + lineCount[loc]!;
    for (let l = ls; l < le; l++) {
      if (visit(lines.function[l]!, lines.line[l]!, loc) === false) return;
    }
  }
}

/** Function rows of sample `i`, leaf first, inlined lines expanded. */
export function sampleFunctions(p: Profile, i: number): number[] {
  const out: number[] = [];
  forEachFrame(p, i, (fn) => {
    out.push(fn);
  });
  return out;
}

const totalsOf = new WeakMap<Profile, readonly number[]>();

/** Total of each sample type over all samples (worked out once a profile). */
export function sampleTypeTotals(p: Profile): readonly number[] {
  let totals = totalsOf.get(p);
  if (totals !== undefined) return totals;
  const k = p.sampleTypes.length;
  const sums = new Array<number>(k).fill(0);
  const v = p.samples.values;
  for (let i = 0, n = p.samples.length; i < n; i++) {
    for (let j = 0; j < k; j++) sums[j]! += v[i * k + j]!;
  }
  totalsOf.set(p, (totals = sums));
  return totals;
}

/**
 * Gives sampleTypeTotals the totals a decoder summed as it read the samples, in sample order as
 * sampleTypeTotals sums them: one pass fewer over a large profile's values.
 */
export function knownSampleTypeTotals(p: Profile, totals: readonly number[]): void {
  totalsOf.set(p, totals);
}

/** Name of function row `fn` as written by the producer. */
export function functionName(p: Profile, fn: number): string {
  return p.strings.get(p.functions.name[fn]!);
}

/**
 * Per location, the name (string index) of its function when it has one line (no inlined
 * calls), else -1: a frame of such a location costs one lookup in the loops over every frame.
 */
export function singleLineNames(p: Profile): Int32Array {
  const { lineStart, lineCount } = p.locations;
  const out = new Int32Array(lineStart.length);
  for (let loc = 0; loc < out.length; loc++) out[loc] = lineCount[loc] === 1 ? p.functions.name[p.lines.function[lineStart[loc]!]!]! : -1;
  return out;
}

/**
 * Per function, a number for its normalised name: equal names, equal numbers, however the
 * string table spells them (it may hold a string twice). `names[n]` is name number n. Worked
 * out once a profile.
 */
export interface NameNumbers {
  id: Int32Array;
  names: string[];
}

const nameNumbers = new WeakMap<Profile, NameNumbers>();

export function normalizedNameNumbers(p: Profile): NameNumbers {
  let k = nameNumbers.get(p);
  if (k !== undefined) return k;
  const n = p.functions.normalizedName.length;
  k = { id: new Int32Array(n), names: [] };
  const seen = new Map<string, number>();
  for (let fn = 0; fn < n; fn++) {
    const name = p.strings.get(p.functions.normalizedName[fn]!);
    let id = seen.get(name);
    if (id === undefined) {
      seen.set(name, (id = k.names.length));
      k.names.push(name);
    }
    k.id[fn] = id;
  }
  nameNumbers.set(p, k);
  return k;
}

/**
 * Samples whose stacks read alike: the same functions (by the string of their name as written,
 * so by normalised name too) in the same order, with frames of no line (addresses a dump did
 * not symbolise) in the same places. What the analysis tells from the frames alone (a
 * goroutine's group, the wait reason no header printed, the signatures its frames fit and
 * where, the functions' flat and cumulative counts) is the same for every sample of a class, so
 * it is worked out once a class: 65,540 stacks of 106,000 goroutines, all different by PC, are
 * six classes. `of[i]` is sample i's class, `first[c]` the first sample of class c.
 */
export interface StackClasses {
  of: Int32Array;
  first: number[];
}

const stackClassesOf = new WeakMap<Profile, StackClasses>();
const classTotalsOf = new WeakMap<Profile, Map<number, Float64Array>>();

/** A frame of no line in a stack's tokens (a name's string index is never negative). */
const NO_LINE = -1;

export function stackClasses(p: Profile): StackClasses {
  let c = stackClassesOf.get(p);
  if (c !== undefined) return c;
  c = { of: new Int32Array(p.samples.length), first: [] };
  const tokens = new StackTokens(p);
  // the classes by a hash of their tokens; classes whose hashes are equal, chained
  const byHash = new Map<number, number>();
  const sameHash: number[] = [];
  // on the way, classTotals of the first sample type (a goroutine profile's counts): no pass of its own
  const nTypes = p.sampleTypes.length;
  const values = p.samples.values;
  let sums = new Float64Array(64);
  for (let i = 0; i < p.samples.length; i++) {
    const h = tokens.read(i);
    const head = byHash.get(h) ?? -1;
    let cls = head;
    while (cls >= 0 && !tokens.equalsKept(cls)) cls = sameHash[cls]!;
    if (cls < 0) {
      cls = c.first.length;
      sameHash.push(head);
      byHash.set(h, cls);
      tokens.keep();
      c.first.push(i);
      if (cls === sums.length) sums = resized(sums, 2 * cls);
    }
    c.of[i] = cls;
    if (nTypes > 0) sums[cls] += values[i * nTypes]!;
  }
  stackClassesOf.set(p, c);
  if (nTypes > 0) {
    let bySi = classTotalsOf.get(p);
    if (bySi === undefined) classTotalsOf.set(p, (bySi = new Map()));
    bySi.set(0, sums.slice(0, c.first.length));
  }
  return c;
}

/** Per class of stackClasses, its samples' values of sample type `si`, summed (in sample order). */
export function classTotals(p: Profile, si: number): Float64Array {
  // (the classes first: they bring the first sample type's sums)
  const classes = stackClasses(p);
  let bySi = classTotalsOf.get(p);
  if (bySi === undefined) classTotalsOf.set(p, (bySi = new Map()));
  let sums = bySi.get(si);
  if (sums !== undefined) return sums;
  const nTypes = p.sampleTypes.length;
  sums = new Float64Array(classes.first.length);
  for (let i = 0; i < p.samples.length; i++) sums[classes.of[i]!] += p.samples.values[i * nTypes + si]!;
  bySi.set(si, sums);
  return sums;
}

/**
 * A stack as the numbers stackClasses compares: each line's function name (its string index),
 * leaf first, and NO_LINE for a location without lines. `read` puts a sample's in a scratch
 * array and hashes them; `keep` stores them as the next class's; `equalsKept` compares.
 */
class StackTokens {
  private scratch = new Int32Array(256);
  private n = 0;
  private kept = new Int32Array(1024);
  private keptEnd = 0;
  private readonly keptStart: number[] = [0];

  /** The most tokens a location makes: its lines, or one for a location without lines. */
  private readonly lines: number;

  constructor(private readonly p: Profile) {
    let lines = 1;
    for (let loc = 0; loc < p.locations.lineCount.length; loc++) lines = Math.max(lines, p.locations.lineCount[loc]!);
    this.lines = lines;
  }

  read(i: number): number {
    const p = this.p;
    const { stackStart, stack } = p.samples;
    const { lineStart, lineCount } = p.locations;
    const name = p.functions.name;
    const fnOfLine = p.lines.function;
    let n = 0;
    let h = 0x811c9dc5;
    const start = stackStart[i]!;
    const end = stackStart[i + 1]!;
    // room for the most tokens the stack can make
    const scratch = (this.scratch = withRoom(this.scratch, (end - start) * this.lines));
    for (let k = start; k < end; k++) {
      const loc = stack[k]!;
      const cnt = lineCount[loc]!;
      if (cnt === 0) {
        scratch[n++] = NO_LINE;
        h = Math.imul(h ^ NO_LINE, 0x01000193);
      }
      for (let l = lineStart[loc]!, le = l + cnt; l < le; l++) {
        const t = name[fnOfLine[l]!]!;
        scratch[n++] = t;
        h = Math.imul(h ^ t, 0x01000193);
      }
    }
    this.n = n;
    // 30 bits: a small integer for the map of classes, not a number boxed on the heap
    return (h ^ n) & 0x3fffffff;
  }

  keep(): void {
    this.kept = withRoom(this.kept, this.keptEnd + this.n);
    this.kept.set(this.scratch.subarray(0, this.n), this.keptEnd);
    this.keptEnd += this.n;
    this.keptStart.push(this.keptEnd);
  }

  equalsKept(cls: number): boolean {
    const from = this.keptStart[cls]!;
    if (this.keptStart[cls + 1]! - from !== this.n) return false;
    for (let j = 0; j < this.n; j++) if (this.kept[from + j] !== this.scratch[j]) return false;
    return true;
  }
}
