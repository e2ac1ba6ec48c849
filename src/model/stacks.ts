/**
 * Reading stacks out of the columnar model without materialising objects.
 */
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

/** Total of each sample type over all samples. */
export function sampleTypeTotals(p: Profile): number[] {
  const k = p.sampleTypes.length;
  const totals = new Array<number>(k).fill(0);
  const v = p.samples.values;
  for (let i = 0, n = p.samples.length; i < n; i++) {
    for (let j = 0; j < k; j++) totals[j]! += v[i * k + j]!;
  }
  return totals;
}

/** Name of function row `fn` as written by the producer. */
export function functionName(p: Profile, fn: number): string {
  return p.strings.get(p.functions.name[fn]!);
}
