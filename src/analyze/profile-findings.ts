/**
 * What each kind of profile supports on its own, without a goroutine snapshot beside it:
 *   mutex   who holds the contended lock: the code that releases it, with its share of the delay;
 *   block   where goroutines wait: a lock, a database/sql or pgx pool, an HTTP connection;
 *   heap    who retains memory, and (two heap profiles in time order) what grew;
 *   cpu     connection churn (cpu.ts) and the hot spots.
 * A goroutine snapshot's finding of the same id stays the finding; these add to it (correlate.ts).
 */

import type { Profile } from '../model/profile.js';
import { normalizedNameNumbers } from '../model/stacks.js';
import { isStandardLibrary } from '../model/names.js';
import { contentionSites } from './correlate.js';
import type { Finding, Severity } from './finding-kit.js';
import type { ProfileAnalysis } from './index.js';
import { differentPrograms } from './snapshot-order.js';
import { formatDuration, formatSeconds, formatShare, formatSize } from '../model/units.js';

function finding(id: string, severity: Severity, title: string, summary: string, remediation: string[], share = 0): Finding {
  return { id, severity, title, summary, goroutines: 0, share, maxMinutes: null, evidence: [], holders: [], remediation, signatures: [] };
}

/** Total of one sample type. */
function total(p: Profile, type: string): number {
  const k = p.sampleTypes.findIndex((t) => t.type === type);
  if (k < 0) return 0;
  const n = p.sampleTypes.length;
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) t += p.samples.values[i * n + k]!;
  return t;
}

/**
 * How serious waiting is. A delta profile (`?seconds=N`) gives a rate: on average ten goroutines
 * waiting at every moment is an incident, one is worth a look. A profile without a duration
 * counts since the program started, so its total says little about now: a warning at most.
 */
function delaySeverity(ns: number, p: Profile): Severity {
  if (p.durationNanos > 0) {
    const waiting = ns / p.durationNanos;
    return waiting >= 10 ? 'critical' : waiting >= 1 ? 'warning' : 'info';
  }
  return ns >= 1e9 ? 'warning' : 'info';
}

/** What the delay covers: the profile's own window, or everything since the program started. */
function window(p: Profile): string {
  return p.durationNanos > 0 ? ` in ${formatDuration(p.durationNanos)}` : ' since the program started (a delta profile, ?seconds=30, tells the rate now)';
}

/** A mutex profile alone: the code that releases the contended lock held it while others waited. */
function mutexAlone(a: ProfileAnalysis): Finding[] {
  const sites = contentionSites(a.profile, 3);
  const delay = total(a.profile, 'delay');
  if (sites.length === 0 || delay <= 0) return [];
  const top = sites[0]!;
  const f = finding(
    'mutex-contention',
    delaySeverity(delay, a.profile),
    `goroutines queue on a ${top.lock}`,
    `The mutex profile ${a.path} records ${formatDuration(delay)} of waiting on locks${window(a.profile)}; ${formatShare(top.delayNanos, delay)} of it on the lock released in ${top.function} (${top.file.slice(top.file.lastIndexOf('/') + 1)}:${top.line}): that code holds the lock while the others wait.`,
    [
      `Shorten what ${top.function} does while holding the lock: no I/O, channel operations or slow calls inside it; copy what it needs and release.`,
      'A goroutine dump (debug=2) taken beside it shows how many wait now and for how long.',
    ],
    top.share,
  );
  for (const s of sites) {
    f.holders.push({ signature: 'mutex-profile', description: `releases the contended lock: ${s.function} (${s.file}:${s.line}), ${formatDuration(s.delayNanos)} of waiting (${formatShare(s.delayNanos, delay)})`, goroutines: 0, at: { input: a.path, function: s.function } });
  }
  return [f];
}

/** What a blocking stack waits for, by the frames it waits in. */
const BLOCKED_ON: { re: RegExp; id: string; title: string; what: string; fix: string }[] = [
  {
    re: /^(sync|internal\/sync)\.\(\*(RW)?Mutex\)\.(R)?Lock/,
    id: 'mutex-contention',
    title: 'goroutines queue on a sync.Mutex',
    what: 'locking a sync.Mutex or RWMutex',
    fix: 'Shorten the critical section the waiters queue for; a mutex profile names the code that holds it.',
  },
  {
    re: /^database\/sql\.\(\*DB\)\.conn$/,
    id: 'db-pool-exhausted',
    title: 'database/sql connection pool exhausted',
    what: 'waiting for a database/sql connection',
    fix: 'The pool is too small for the load, or its connections are held too long (slow queries, open Tx or Rows): a goroutine dump shows the holders.',
  },
  {
    re: /^github\.com\/jackc\/(puddle(\/v2)?\.\(\*Pool(\[\.\.\.\])?\)\.Acquire|pgx\/v[45]\/pgxpool\.\(\*Pool\)\.Acquire)/,
    id: 'pgxpool-acquire-wait',
    title: 'pgxpool exhausted: callers wait in Acquire',
    what: 'waiting in pgxpool Acquire',
    fix: 'The pool is too small for the load, or its connections are held too long: a goroutine dump shows the holders.',
  },
  {
    re: /^net\/http\.\(\*Transport\)\.getConn$/,
    id: 'http-conn-wait',
    title: 'HTTP client requests wait for a connection',
    what: 'waiting for an HTTP client connection',
    fix: 'Raise Transport.MaxConnsPerHost / MaxIdleConnsPerHost, or find why the upstream answers slowly.',
  },
];

/** A block profile alone: where goroutines spent their waiting, by what they waited for. */
function blockAlone(a: ProfileAnalysis): Finding[] {
  const p = a.profile;
  const k = p.sampleTypes.findIndex((t) => t.type === 'delay');
  if (k < 0) return [];
  const n = p.sampleTypes.length;
  const delay = total(p, 'delay');
  const byId = new Map<string, { delay: number; site: string }>();
  for (let i = 0; i < p.samples.length; i++) {
    const v = p.samples.values[i * n + k]!;
    const names = stackNames(p, i);
    for (const b of BLOCKED_ON) {
      const at = names.findIndex((x) => b.re.test(x));
      if (at < 0) continue;
      const site = names.slice(at + 1).find((x) => !/^(sync|internal\/sync|runtime|database\/sql|net\/http)\./.test(x)) ?? names[at]!;
      const have = byId.get(b.id) ?? { delay: 0, site };
      have.delay += v;
      byId.set(b.id, have);
      break;
    }
  }
  const out: Finding[] = [];
  for (const b of BLOCKED_ON) {
    const x = byId.get(b.id);
    if (!x || x.delay < delay * 0.2) continue;
    out.push(
      finding(
        b.id,
        delaySeverity(x.delay, p),
        b.title,
        `The block profile ${a.path} records ${formatDuration(x.delay)} of goroutines ${b.what}${window(p)} (${formatShare(x.delay, delay)} of all blocking), most under ${x.site}.`,
        [b.fix],
        delay > 0 ? x.delay / delay : 0,
      ),
    );
    out[out.length - 1]!.at = [{ input: a.path, function: x.site }];
  }
  return out;
}

function stackNames(p: Profile, i: number): string[] {
  const out: string[] = [];
  for (let s = p.samples.stackStart[i]!; s < p.samples.stackStart[i + 1]!; s++) {
    const loc = p.samples.stack[s]!;
    for (let l = p.locations.lineStart[loc]!, le = l + p.locations.lineCount[loc]!; l < le; l++) {
      out.push(p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!));
    }
  }
  return out;
}

/**
 * Per function of a profile: the number of its normalised name (normalizedNameNumbers; `names`
 * holds them), whether it is Go's own library (role bit 1), and whether it merely allocates for
 * its caller (bit 2: UTILITY, CONSTRUCTOR).
 */
interface FrameRoles {
  names: string[];
  id: Int32Array;
  role: Uint8Array;
}

function frameRoles(p: Profile): FrameRoles {
  const { id, names } = normalizedNameNumbers(p);
  const byName = names.map((name) => (isStandardLibrary(name) ? 1 : 0) | (UTILITY.test(name) || CONSTRUCTOR.test(name) ? 2 : 0));
  return { names, id, role: Uint8Array.from(id, (n) => byName[n]!) };
}

/** Sums by name number, kept in the order the names were first given a value (as a Map's insertion order). */
class NameSums {
  private readonly sum: Float64Array;
  private readonly order: number[] = [];
  constructor(private readonly names: string[]) {
    this.sum = new Float64Array(names.length).fill(NaN);
  }
  add(id: number, v: number): void {
    if (Number.isNaN(this.sum[id]!)) {
      this.sum[id] = 0;
      this.order.push(id);
    }
    this.sum[id]! += v;
  }
  /** Names with their sums, largest first (ties in the order first given a value). */
  sorted(): [string, number][] {
    return this.order.map((id) => [this.names[id]!, this.sum[id]!] as [string, number]).sort((a, b) => b[1] - a[1]);
  }
}

/** The frames of sample i, leaf first, as lines rows, one at a time; stops when `f` says so. */
function eachLine(p: Profile, i: number, f: (l: number) => boolean | void): void {
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end; k++) {
    const loc = stack[k]!;
    for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le; l++) if (f(l) === false) return;
  }
}

/** Packages that allocate on others' behalf (buffers, strings, encoders): the site is whoever called them. */
const UTILITY = /^(runtime|bufio|bytes|strings|strconv|sync|internal\/[\w/]+|io|fmt|errors|sort|reflect|unicode(\/\w+)?|encoding\/\w+|compress\/\w+|math(\/\w+)?|container\/\w+|slices|maps)\./;
/** Unexported constructors (net/http.newBufioReader): the site is their caller. */
const CONSTRUCTOR = /\.new[A-Z]\w*$/;

/**
 * In-use bytes by allocation site: the first frame of the program's own code on each stack,
 * else the first that does not merely allocate for its caller.
 */
export function retainedBySite(p: Profile): { total: number; sites: [string, number][] } {
  const k = p.sampleTypes.findIndex((t) => t.type === 'inuse_space');
  if (k < 0) return { total: 0, sites: [] };
  const fr = frameRoles(p);
  const noStack = fr.names.length;
  const by = new NameSums([...fr.names, '(no stack)']);
  const n = p.sampleTypes.length;
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const v = p.samples.values[i * n + k]!;
    t += v;
    // the first frame of code not Go's own, else the first that does not merely allocate, else the leaf
    let own = -1;
    let allocates = -1;
    let leaf = -1;
    eachLine(p, i, (l) => {
      const fn = p.lines.function[l]!;
      if (leaf < 0) leaf = fr.id[fn]!;
      if (!(fr.role[fn]! & 1)) {
        own = fr.id[fn]!;
        return false;
      }
      if (allocates < 0 && !(fr.role[fn]! & 2)) allocates = fr.id[fn]!;
    });
    by.add(own >= 0 ? own : allocates >= 0 ? allocates : leaf >= 0 ? leaf : noStack, v);
  }
  return { total: t, sites: by.sorted() };
}

/** A heap profile alone says who holds the memory (a note, not a failure). */
function heapAlone(a: ProfileAnalysis): Finding[] {
  const r = retainedBySite(a.profile);
  if (r.total <= 0 || r.sites.length === 0) return [];
  const top = r.sites.slice(0, 3).map(([s, b]) => `${s} ${formatSize(b)} (${formatShare(b, r.total)})`);
  return [finding('heap-retained', 'info', 'where the memory in use was allocated', `${a.path} holds ${formatSize(r.total)} in use; most under ${top.join(', ')}.`, ['Two heap profiles taken minutes apart show what grows.'])];
}

/** Two heap profiles in time order: what grew between them. */
function heapGrowth(x: ProfileAnalysis, y: ProfileAnalysis): Finding[] {
  // two programs' heaps say nothing about growth
  if (differentPrograms(x.profile, y.profile) !== null) return [];
  const a = retainedBySite(x.profile);
  const b = retainedBySite(y.profile);
  const grew = b.total - a.total;
  if (a.total <= 0 || grew < Math.max(a.total * 0.2, 4 << 20)) return [];
  const before = new Map(a.sites);
  const deltas = b.sites.map(([s, v]) => [s, v - (before.get(s) ?? 0)] as [string, number]).sort((p, q) => q[1] - p[1]);
  const [site, d] = deltas[0]!;
  // a second site that grew nearly as much is named too: one cause can hold memory at both ends
  const second = deltas[1] !== undefined && deltas[1][1] >= d * 0.5 ? deltas[1] : null;
  const secs = x.profile.timeNanos > 0 && y.profile.timeNanos > 0 ? (y.profile.timeNanos - x.profile.timeNanos) / 1e9 : null;
  return [
    finding(
      'memory-growth',
      grew >= a.total ? 'critical' : 'warning',
      'memory in use grows',
      `Memory in use grew from ${formatSize(a.total)} to ${formatSize(b.total)} (+${formatShare(grew, a.total)})${secs !== null && secs > 0 ? ` in ${formatSeconds(secs)}` : ''} between ${x.path} and ${y.path}; ${formatSize(d)} of it (${formatShare(d, grew)}) under ${site}${second ? `, ${formatSize(second[1])} (${formatShare(second[1], grew)}) under ${second[0]}` : ''}.`,
      [`Find what keeps the objects allocated under ${site} reachable: a cache without a bound, a map that only grows, goroutines that never end holding their buffers.`],
      b.total > 0 ? grew / b.total : 0,
    ),
  ];
}

/** A CPU profile's hot spot: where the time goes, in the program's own code (a note). */
function cpuHotSpot(a: ProfileAnalysis): Finding[] {
  const p = a.profile;
  const k = p.sampleTypes.findIndex((t) => t.type === 'cpu' && t.unit === 'nanoseconds');
  if (k < 0) return [];
  const fr = frameRoles(p);
  const by = new NameSums(fr.names);
  // each function of the program once a sample, however often it recurs
  const stamp = new Int32Array(fr.names.length).fill(-1);
  const n = p.sampleTypes.length;
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const v = p.samples.values[i * n + k]!;
    t += v;
    eachLine(p, i, (l) => {
      const fn = p.lines.function[l]!;
      const id = fr.id[fn]!;
      if (fr.role[fn]! & 1 || stamp[id] === i) return;
      stamp[id] = i;
      by.add(id, v);
    });
  }
  const top = by.sorted()[0];
  if (t <= 0) return [];
  const flat = a.top[0];
  const own = top !== undefined ? `${formatShare(top[1], t)} is spent in ${top[0]} and what it calls (the program's own code that takes most)` : 'none of it in the program\'s own code';
  return [
    finding(
      'cpu-hotspot',
      'info',
      'where the CPU time goes',
      `Of the ${formatDuration(t)} of CPU time in ${a.path}, ${own}${flat ? `; the busiest function itself is ${flat.function} (${formatShare(flat.flat, t)})` : ''}.`,
      ['`go tool pprof -list FUNCTION` shows where in it the time goes.'],
    ),
  ];
}

/** Findings each profile among the inputs supports on its own. */
export function profileFindings(analyses: ProfileAnalysis[]): Finding[] {
  const out: Finding[] = [];
  for (const a of analyses) {
    if (a.kind === 'mutex') out.push(...mutexAlone(a));
    else if (a.kind === 'block' || a.kind === 'contention') out.push(...blockAlone(a));
    else if (a.kind === 'cpu') out.push(...cpuHotSpot(a));
  }
  const heaps = analyses.filter((a) => a.kind === 'heap').sort((x, y) => x.profile.timeNanos - y.profile.timeNanos);
  if (heaps.length >= 2) out.push(...heapGrowth(heaps[0]!, heaps[heaps.length - 1]!));
  else if (heaps.length === 1) out.push(...heapAlone(heaps[0]!));
  return out;
}
