/**
 * What a table calls a group of goroutines. Leaf frames repeat across groups (a server has dozens
 * of groups parked in `internal/poll.runtime_pollWait`), so a group is named by the first frame
 * of the program's own code, or, in a stack all of Go's own, the first frame outside runtime,
 * internal/, net/ and syscall (else the function the goroutine runs), followed by where it waits
 * when that is another function: `main.(*orderStore).summary → database/sql.(*DB).conn`.
 */
import { isStandardLibrary } from '../model/names.js';

interface Named {
  frames: readonly { function: string; line: number }[];
}

/** Go's plumbing: what a goroutine waits in rather than what it is doing. */
const PLUMBING = /^(runtime|internal|net|syscall|vendor)[./]/;

/**
 * The frame that says what a group is doing, leaf first: the program's own, else Go's past its
 * plumbing, else the function the goroutine runs (its root frame).
 */
function subject(frames: Named['frames']): Named['frames'][number] | undefined {
  return frames.find((f) => !isStandardLibrary(f.function)) ?? frames.find((f) => !PLUMBING.test(f.function)) ?? frames[frames.length - 1];
}

/** One group's name; a group without frames to show runs only the runtime's own code. */
export function groupName(g: Named): string {
  const leaf = g.frames[0];
  if (leaf === undefined) return '(runtime only: a system goroutine)';
  const own = /^(runtime\/pprof|net\/http\/pprof)\./.test(leaf.function) ? ' (writing this profile)' : '';
  const s = subject(g.frames);
  if (s === undefined || s === leaf) return leaf.function + own;
  return `${s.function} → ${leaf.function}${own}`;
}

/**
 * The names of the groups of one table, each unique: a name that would repeat gets the line of
 * the frame it is named after, and then a number.
 */
export function groupNames(groups: readonly Named[]): string[] {
  const names = groups.map(groupName);
  const count = new Map<string, number>();
  for (const n of names) count.set(n, (count.get(n) ?? 0) + 1);
  const withLine = names.map((n, i) => {
    if (count.get(n)! < 2) return n;
    const s = subject(groups[i]!.frames) ?? groups[i]!.frames[0];
    return s ? `${n} (line ${s.line})` : n;
  });
  const seen = new Map<string, number>();
  return withLine.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} #${k}`;
  });
}
