/**
 * Evidence other profiles of the same incident add to goroutine findings: the mutex profile
 * names the code that releases (and so held) the contended lock; the block profile where
 * goroutines waited longest.
 */

import type { Profile } from '../model/profile.js';
import type { Finding } from './findings.js';
import type { ProfileAnalysis } from './index.js';
import { formatDuration, formatSize } from '../model/units.js';

export interface Site {
  function: string;
  file: string;
  line: number;
  delayNanos: number;
  share: number;
  /** The lock released there, by the sync frames below the site: a sync.RWMutex or a sync.Mutex. */
  lock: 'sync.Mutex' | 'sync.RWMutex';
}

/**
 * Delay per releasing site: the first frame of each stack that is not the lock implementation
 * itself (sync.(*Mutex).Unlock and runtime frames), weighted by the delay/nanoseconds value.
 */
export function contentionSites(p: Profile, limit = 3, only?: RegExp): Site[] {
  const k = p.sampleTypes.findIndex((t) => t.type === 'delay');
  if (k < 0) return [];
  const n = p.sampleTypes.length;
  const by = new Map<string, Site>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const delay = p.samples.values[i * n + k]!;
    if (only !== undefined && !stackHas(p, i, only)) continue;
    total += delay;
    let site: Site | null = null;
    let lock: Site['lock'] = 'sync.Mutex';
    for (let s = p.samples.stackStart[i]!; s < p.samples.stackStart[i + 1]! && site === null; s++) {
      const loc = p.samples.stack[s]!;
      for (let l = p.locations.lineStart[loc]!, le = l + p.locations.lineCount[loc]!; l < le; l++) {
        const fn = p.lines.function[l]!;
        const name = p.strings.get(p.functions.name[fn]!);
        if (name.startsWith('sync.(*RWMutex).')) lock = 'sync.RWMutex';
        if (/^(runtime|sync|internal\/sync)\./.test(name)) continue;
        site = { function: name, file: p.strings.get(p.functions.filename[fn]!), line: p.lines.line[l]!, delayNanos: 0, share: 0, lock };
        break;
      }
    }
    if (site === null) continue;
    const key = `${site.function}\n${site.file}:${site.line}`;
    const have = by.get(key) ?? site;
    have.delayNanos += delay;
    by.set(key, have);
  }
  const out = [...by.values()].sort((a, b) => b.delayNanos - a.delayNanos).slice(0, limit);
  for (const s of out) s.share = total > 0 ? s.delayNanos / total : 0;
  // the heaviest site, and the others that hold at least 1% of the delay: not every lock a server takes
  return out.filter((s, i) => i === 0 || s.share >= 0.01);
}

function stackHas(p: Profile, i: number, re: RegExp): boolean {
  for (let s = p.samples.stackStart[i]!; s < p.samples.stackStart[i + 1]!; s++) {
    const loc = p.samples.stack[s]!;
    for (let l = p.locations.lineStart[loc]!, le = l + p.locations.lineCount[loc]!; l < le; l++) {
      if (re.test(p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!))) return true;
    }
  }
  return false;
}

/** Stacks waiting to take a sync.Mutex or RWMutex. */
export const LOCK_WAIT = /^(sync|internal\/sync)\.\(\*(RW)?Mutex\)\.(R?Lock|lockSlow)$/;

/** The advice to take a mutex profile, dropped once a mutex profile or a trace names the holder. */
export const MUTEX_PROFILE_ADVICE = 'With a mutex profile (runtime.SetMutexProfileFraction), the Unlock sites show who holds it longest.';


/** In-use bytes and objects of a heap profile allocated with a function matching `under` on the stack. */
export function heapUnder(p: Profile, under: RegExp): { bytes: number; objects: number; totalBytes: number } {
  const space = p.sampleTypes.findIndex((t) => t.type === 'inuse_space');
  const objs = p.sampleTypes.findIndex((t) => t.type === 'inuse_objects');
  const n = p.sampleTypes.length;
  let bytes = 0;
  let objects = 0;
  let totalBytes = 0;
  if (space < 0) return { bytes, objects, totalBytes };
  for (let i = 0; i < p.samples.length; i++) {
    const b = p.samples.values[i * n + space]!;
    totalBytes += b;
    let hit = false;
    for (let s = p.samples.stackStart[i]!; s < p.samples.stackStart[i + 1]! && !hit; s++) {
      const loc = p.samples.stack[s]!;
      for (let l = p.locations.lineStart[loc]!, le = l + p.locations.lineCount[loc]!; l < le; l++) {
        if (under.test(p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!))) {
          hit = true;
          break;
        }
      }
    }
    if (hit) {
      bytes += b;
      if (objs >= 0) objects += p.samples.values[i * n + objs]!;
    }
  }
  return { bytes, objects, totalBytes };
}

/** Where each kind of pinned connection allocates its buffers. */
const PINNED: Record<string, { under: RegExp; what: string }> = {
  'http-client-conn-leak': { under: /^net\/http\.\(\*Transport\)\.dialConn$/, what: 'HTTP client connections (bufio buffers under Transport.dialConn)' },
  'db-pool-exhausted': { under: /^(github\.com\/lib\/pq\.|github\.com\/jackc\/(pgx\/v[45]\/)?pgconn\.|github\.com\/go-sql-driver\/mysql\.)/, what: 'database driver connections and buffers' },
  'sql-tx-leak': { under: /^database\/sql\.\(\*DB\)\.(beginDC|begin)$/, what: 'open transactions' },
};


/** Adds what mutex, block and heap profiles among the inputs say to the findings they concern. */
export function correlate(findings: Finding[], analyses: ProfileAnalysis[]): void {
  const mutex = analyses.filter((a) => a.kind === 'mutex');
  const block = analyses.filter((a) => a.kind === 'block');
  const heap = analyses.filter((a) => a.kind === 'heap' || a.kind === 'allocs');
  for (const f of findings) {
    const pin = PINNED[f.id];
    if (!pin) continue;
    for (const a of heap) {
      const h = heapUnder(a.profile, pin.under);
      if (h.bytes <= 0) continue;
      f.holders.push({
        signature: 'heap-profile',
        description: `${formatSize(h.bytes)} in use (${Math.round((h.bytes / Math.max(h.totalBytes, 1)) * 100)}% of the heap, ${h.objects} objects) held by ${pin.what}, in ${a.path}`,
        goroutines: 0,
      });
    }
  }
  for (const f of findings) {
    if (f.id !== 'mutex-contention' && f.id !== 'deadlock-suspect' && f.id !== 'rwmutex-starvation') continue;
    // a finding the mutex profile made on its own already names its sites
    const own = f.holders.some((h) => h.signature === 'mutex-profile');
    for (const a of own ? [] : mutex) {
      const sites = contentionSites(a.profile);
      if (sites.length === 0) continue;
      for (const s of sites) {
        f.holders.push({
          signature: 'mutex-profile',
          description: `releases the contended lock: ${s.function} (${s.file}:${s.line}), ${formatDuration(s.delayNanos)} of waiting (${Math.round(s.share * 100)}%) in ${a.path}`,
          goroutines: 0,
          at: { input: a.path, function: s.function },
        });
      }
      f.summary += ` The mutex profile puts ${Math.round(sites[0]!.share * 100)}% of the waiting on the lock released in ${sites[0]!.function}.`;
      f.remediation = f.remediation.filter((r) => r !== MUTEX_PROFILE_ADVICE);
    }
    // a block profile's sites are where the waiters wait, not who holds the lock
    for (const a of block) {
      const sites = contentionSites(a.profile, 1, LOCK_WAIT);
      if (sites.length === 0 || sites[0]!.delayNanos < 1e6) continue;
      f.summary += ` In ${a.path} the waiters block most in ${sites[0]!.function} (${sites[0]!.file.slice(sites[0]!.file.lastIndexOf('/') + 1)}:${sites[0]!.line}), ${formatDuration(sites[0]!.delayNanos)} in all.`;
    }
  }
}
