/**
 * Snapshots of one process, in the order they were taken: a shell sorts `goroutine.2.pb.gz`
 * before `goroutine.pb.gz`, so the command line's order proves nothing. Profiles that carry a
 * capture time (the protobuf form's time_nanos) are put in time order; two snapshots of
 * different programs (another build, another main module) are not compared as one process.
 */

import type { Profile } from '../model/profile.js';

/** Sorts items by their profile's capture time when every one has it; says when that changed the order. */
export function inTimeOrder<T extends { path: string; profile: Profile }>(items: T[]): { items: T[]; note: string | null } {
  if (items.length < 2 || items.some((x) => !(x.profile.timeNanos > 0))) return { items, note: null };
  const sorted = items.map((x, i) => ({ x, i })).sort((a, b) => a.x.profile.timeNanos - b.x.profile.timeNanos || a.i - b.i);
  if (sorted.every((s, k) => s.i === k)) return { items, note: null };
  const order = sorted.map((s) => s.x.path).join(', then ');
  return { items: sorted.map((s) => s.x), note: `The snapshots were given out of time order; by their capture times they were taken ${order}.` };
}

/** What identifies the program that wrote a profile: its main binary's build id or name, and its own functions. */
function programOf(p: Profile): { build: string | null; mainModule: string | null } {
  const m = p.mappings[0];
  const build = m && (m.buildId || m.filename) ? `${m.filename} ${m.buildId}`.trim() : null;
  // the package of the program's entry point: main.main's file directory
  let mainModule: string | null = null;
  const f = p.functions;
  for (let i = 0; i < f.length; i++) {
    if (p.strings.get(f.name[i]!) !== 'main.main') continue;
    const file = p.strings.get(f.filename[i]!);
    mainModule = file.slice(0, file.lastIndexOf('/') + 1) || null;
    break;
  }
  return { build, mainModule };
}

/** Why two snapshots cannot be of one process, or null when nothing says so. */
export function differentPrograms(a: Profile, b: Profile): string | null {
  const x = programOf(a);
  const y = programOf(b);
  if (x.build !== null && y.build !== null && x.build !== y.build) return `different binaries (${x.build} and ${y.build})`;
  if (x.mainModule !== null && y.mainModule !== null && x.mainModule !== y.mainModule) {
    return `different programs (main.main in ${x.mainModule} and in ${y.mainModule})`;
  }
  if (a.goVersion && b.goVersion && /^go1\.\d+(\.\d+)?$/.test(a.goVersion) && /^go1\.\d+(\.\d+)?$/.test(b.goVersion) && a.goVersion !== b.goVersion) {
    return `different Go versions (${a.goVersion} and ${b.goVersion})`;
  }
  return null;
}
