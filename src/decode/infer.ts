/**
 * What a decoded profile is, told from its content: the kind from sample types (and, where
 * block and mutex profiles share them, from leaf frames), the Go version from file paths.
 */

import type { Profile, ProfileKind } from '../model/profile.js';

const UNLOCK_LEAF = /^(sync|internal\/sync)\.\(\*(RW)?Mutex\)\.R?Unlock$|^runtime\.unlock$|^runtime\._LostContendedRuntimeLock$|^runtime\.unlockWithRank$/;

export function inferPprofKind(p: Profile, defaultType: string): ProfileKind {
  const types = p.sampleTypes.map((t) => t.type);
  const has = (t: string) => types.includes(t);
  const period = p.periodType?.type ?? '';
  if (types.length === 1 && types[0] === 'goroutine') return 'goroutine';
  if (types.length === 1 && types[0] === 'goroutineleak') return 'goroutineleak';
  if (has('threadcreate')) return 'threadcreate';
  if (has('alloc_space') || has('inuse_space') || has('alloc_objects') || has('inuse_objects')) {
    return defaultType === 'alloc_space' || defaultType === 'alloc_objects' ? 'allocs' : 'heap';
  }
  if (has('contentions') && has('delay')) return blockOrMutex(p);
  if (period === 'wallclock' || has('wall-time') || has('wall')) return 'wall';
  if (has('cpu') || (has('samples') && period === 'cpu')) return 'cpu';
  return 'other';
}

/**
 * Block and mutex profiles carry the same sample types. A mutex profile's stacks end at the
 * Unlock that released a contended lock; a block profile's at the blocking call.
 */
function blockOrMutex(p: Profile): ProfileKind {
  const n = p.samples.length;
  if (n === 0) return 'contention';
  let unlock = 0;
  const { stackStart, stack } = p.samples;
  for (let i = 0; i < n; i++) {
    const s = stackStart[i]!;
    if (s === stackStart[i + 1]) continue;
    const loc = stack[s]!;
    const lc = p.locations.lineCount[loc]!;
    if (lc === 0) continue;
    // the outermost line of the leaf location is the function that was executing
    const ls = p.locations.lineStart[loc]!;
    for (let l = ls; l < ls + lc; l++) {
      const name = p.strings.get(p.functions.name[p.lines.function[l]!]!);
      if (UNLOCK_LEAF.test(name)) {
        unlock++;
        break;
      }
    }
  }
  return unlock * 2 >= n ? 'mutex' : 'block';
}

const VERSION_IN_PATH = [
  /\/go-(1\.\d+)(?:\/|$)/, // Debian: /usr/lib/go-1.24/src/...
  /toolchain@v0\.0\.1-go(1\.\d+(?:\.\d+)?)\./, // module toolchains
  /\/go(1\.\d+(?:\.\d+)?)\/src\//, // sdk/go1.21.1/src/...
  /golang-(1\.\d+)\//,
  /\/Cellar\/go\/(1\.\d+(?:\.\d+)?)\//, // Homebrew
  /\/go\/(1\.\d+(?:\.\d+)?)\/(?:libexec\/)?src\//,
];

/** The Go version the profile's own file paths reveal, or null. */
export function goVersionFromPaths(paths: Iterable<string>): string | null {
  for (const f of paths) {
    if (f.indexOf('go') < 0) continue;
    for (const re of VERSION_IN_PATH) {
      const m = re.exec(f);
      if (m) return 'go' + m[1];
    }
  }
  return null;
}

export function goVersionFromProfile(p: Profile): string | null {
  const seen = new Set<number>();
  const files: string[] = [];
  for (let i = 0; i < p.functions.length; i++) {
    const f = p.functions.filename[i]!;
    if (seen.has(f)) continue;
    seen.add(f);
    const s = p.strings.get(f);
    if (s.includes('/src/runtime/') || s.includes('/src/sync/') || s.includes('/src/net/')) files.push(s);
  }
  for (const m of p.mappings) files.push(m.filename);
  return goVersionFromPaths(files);
}
