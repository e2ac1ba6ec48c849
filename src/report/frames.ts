/**
 * The frames of a stack that matter to a reader, leaf first: the leaf, the frames a signature
 * matched, the code that is not Go's own (the program's and its libraries', where the reader can
 * act) and the Go function that code called into. Runs of Go's own frames between them fold into
 * one line, so `main.(*orderStore).summary` is never hidden behind "… 25 more frames" of
 * database/sql and net/http.
 */
import { isStandardLibrary } from '../model/names.js';

export type ShownFrame<F> = { frame: F } | { folded: number };

export function framesThatMatter<F extends { function: string; matched?: boolean }>(frames: readonly F[], max = 14): { shown: ShownFrame<F>[]; more: number } {
  const keep = frames.map((f, i) => i === 0 || f.matched === true || !isStandardLibrary(f.function));
  const own = keep.some((k, i) => k && i > 0 && frames[i]!.matched !== true);
  for (let i = 1; i < frames.length; i++) {
    // the frame after the matched ones (what called into the wait), and the API the program called
    if (frames[i - 1]!.matched === true && frames[i]!.matched !== true) keep[i] = true;
    if (i + 1 < frames.length && !isStandardLibrary(frames[i + 1]!.function) && isStandardLibrary(frames[i]!.function)) keep[i] = true;
  }
  if (!own) return { shown: frames.slice(0, max).map((frame) => ({ frame })), more: Math.max(0, frames.length - max) };
  const shown: ShownFrame<F>[] = [];
  let drawn = 0;
  let i = 0;
  for (; i < frames.length && drawn < max; i++) {
    if (keep[i]) {
      shown.push({ frame: frames[i]! });
      drawn++;
      continue;
    }
    let j = i;
    while (j < frames.length && !keep[j]) j++;
    if (j === frames.length) break; // Go's own frames down to the root: counted below
    if (j - i === 1) {
      shown.push({ frame: frames[i]! });
      drawn++;
    } else {
      shown.push({ folded: j - i });
      i = j - 1;
    }
  }
  return { shown, more: frames.length - i };
}

/** A fold's line, the same in every report. */
export function foldedLine(n: number): string {
  return `… ${n} frames of Go's own code`;
}
