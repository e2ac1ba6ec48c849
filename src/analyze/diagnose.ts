/**
 * The diagnosis of one incident: every goroutine snapshot matched against the signatures,
 * findings merged across inputs, and a verdict.
 */

import type { SignaturePack } from '../signatures/types.js';
import { SignatureSet } from '../signatures/engine.js';
import { builtinPacks } from '../signatures/builtin.js';
import { analyzeProfile, isGoroutineKind, type InputAnalysis, type TraceAnalysis } from './index.js';
import { matchSnapshot, type SnapshotMatch } from './match.js';
import { waitLatency, type WaitLatency } from './trace/latency.js';
import { GoState, stackFunctions } from '../model/trace.js';
import { blockingAsProfile } from './trace/blocking.js';
import { defaultThresholds, snapshotFindings, type Finding, type Severity, type Thresholds } from './findings.js';
import { diffSnapshots, GROWTH_TITLE, type SnapshotDiff } from './diff.js';
import { correlate, MUTEX_PROFILE_ADVICE } from './correlate.js';
import { cpuFindings } from './cpu.js';
import { profileFindings } from './profile-findings.js';
import { verdictFindings } from './verdicts.js';
import { addLabelEvidence } from './label-evidence.js';
import { advisePool, type LoadFigures } from './pool-advisor.js';
import { statsSentence, type DbStats } from './db-stats.js';
import { differentPrograms, inTimeOrder } from './snapshot-order.js';
import type { Profile } from '../model/profile.js';
import type { GoroutineBucket } from './summary.js';
import { isProgramCode } from './finding-kit.js';
import { formatCount, formatDuration, formatSeconds } from '../model/units.js';
import { PROVEN_LEAK_TITLE } from './rules/leaks.js';

export interface DiagnoseOptions {
  /** Load figures (`--qps`, `--latency`, …): pool findings then carry computed settings. */
  load?: LoadFigures;
  /** The pool's own figures (db.Stats() JSON, expvar): compared with the advice. */
  dbStats?: DbStats[];
  /** Extra packs (`--rules FILE`). */
  packs?: SignaturePack[];
  /** Signature ids to silence (`--ignore ID`); finding ids are accepted too. */
  ignore?: string[];
  thresholds?: Partial<Thresholds>;
}

export interface Diagnosis {
  verdict: string;
  worst: Severity | null;
  findings: Finding[];
  /** Per goroutine input: how many goroutines were recognised as normal background work. */
  snapshots: { path: string; total: number; background: number; unmatched: number }[];
  /** Growth between consecutive goroutine snapshots, when several were given. */
  diffs: { before: string; after: string; diff: SnapshotDiff }[];
  /** What the reader should know about how the inputs were taken together (order, programs). */
  notes: string[];
}

export function signatureSet(opts: DiagnoseOptions = {}): SignatureSet {
  return new SignatureSet([...builtinPacks, ...(opts.packs ?? [])], opts.ignore ?? []);
}

export function diagnose(analyses: InputAnalysis[], opts: DiagnoseOptions = {}): Diagnosis {
  const set = signatureSet(opts);
  const thresholds = { ...defaultThresholds, ...opts.thresholds };
  const ignore = new Set(opts.ignore ?? []);
  const notes: string[] = [];
  const given: { path: string; profile: Profile; m: SnapshotMatch }[] = [];
  for (const a of analyses) {
    if (a.type !== 'profile' || !isGoroutineKind(a.kind)) continue;
    given.push({ path: a.path, profile: a.profile, m: matchSnapshot(a.profile, set, a.buckets ?? undefined) });
  }
  const ordered = inTimeOrder(given);
  if (ordered.note !== null) notes.push(ordered.note);
  const matches = ordered.items;
  // One incident: when several snapshots are given, judge the latest (the diff adds growth).
  const byId = new Map<string, Finding>();
  for (const { m } of matches) {
    for (const f of [...snapshotFindings(m, thresholds), ...verdictFindings(m)]) {
      if (ignore.has(f.id)) continue;
      byId.set(f.id, f);
    }
  }
  const diffs: Diagnosis['diffs'] = [];
  for (let i = 1; i < matches.length; i++) {
    const other = differentPrograms(matches[i - 1]!.profile, matches[i]!.profile);
    if (other !== null) {
      notes.push(`${matches[i - 1]!.path} and ${matches[i]!.path} are not compared: ${other}, so their goroutines are not one process's.`);
      continue;
    }
    const diff = diffSnapshots(matches[i - 1]!.m, matches[i]!.m);
    diffs.push({ before: matches[i - 1]!.path, after: matches[i]!.path, diff });
    for (const f of diff.findings) {
      if (ignore.has(f.id)) continue;
      const have = byId.get(f.id);
      if (!have) byId.set(f.id, f);
      else confirm(have, f, 'Between snapshots');
    }
  }
  // Traces: the goroutines at the end judged like a goroutine dump, growth from the goroutines
  // present at the start to those at the end, and the latency of the waits in between.
  const snapshots: Diagnosis['snapshots'] = matches.map(({ path, m }) => ({ path, total: m.total, background: m.background, unmatched: m.unmatched }));
  let traceSnapshots = 0;
  const seconds = (ns: number): string => formatDuration(ns);
  for (const a of analyses) {
    if (a.type !== 'trace') continue;
    traceSnapshots++;
    const latency = waitLatency(a.goroutineSummary, set);
    a.waitLatency = latency;
    const end = matchSnapshot(a.snapshot, set, a.buckets);
    snapshots.push({ path: a.path, total: end.total, background: end.background, unmatched: end.unmatched });
    const found = snapshotFindings(end, thresholds);
    const start = startMatch(a, set);
    if (start !== null) {
      // growth only among goroutines whose place at the start is known: one first touched
      // during the trace is not new, only newly seen
      const diff = diffSnapshots(start, matchSnapshot(a.endKnownSnapshot, set));
      diff.seconds = a.durationNs / 1e9;
      diffs.push({ before: `${a.path} (start)`, after: `${a.path} (end)`, diff });
      for (const f of diff.findings) {
        const have = found.find((x) => x.id === f.id);
        if (have) confirm(have, f, 'During the trace');
        else found.push(f);
      }
    }
    for (const f of found) {
      if (ignore.has(f.id)) continue;
      const lat = latency.filter((l) => f.signatures.includes(l.signature) && l.count + l.begunBefore + l.stillWaiting > 0);
      const note = lat.length ? latencySentence(lat[0]!, a.durationNs, seconds) : '';
      const have = byId.get(f.id);
      if (have) {
        have.summary += note ? ` The trace ${a.path} shows these waits too: ${note}` : ` The trace ${a.path} shows these waits too.`;
        have.latency = [...(have.latency ?? []), ...lat];
      } else {
        f.summary = `At the end of the trace ${a.path}: ${f.summary}${note ? ` During it, ${note}` : ''}`;
        f.latency = lat;
        byId.set(f.id, f);
      }
    }
  }
  for (const a of analyses) {
    if (a.type !== 'profile' || a.kind !== 'cpu') continue;
    for (const f of cpuFindings(a.profile, a.path)) if (!ignore.has(f.id) && !byId.has(f.id)) byId.set(f.id, f);
  }
  const profiles = analyses.filter((a) => a.type === 'profile');
  // each mutex, block, heap and CPU profile on its own; a goroutine snapshot's finding of the same
  // cause stays, and the profile's sites join it (correlate)
  const covered = new Set([...byId.keys()].flatMap((id) => [id, ...(SAME_CAUSE[id] ?? [])]));
  for (const f of profileFindings(profiles)) if (!ignore.has(f.id) && !covered.has(f.id)) byId.set(f.id, f);
  // a trace's sync blocking profile tells where goroutines blocked longest, like a block profile
  for (const a of analyses) {
    if (a.type !== 'trace') continue;
    const sync = a.blocking.find((b) => b.type === 'sync');
    if (!sync) continue;
    // the profiler's own goroutines (the handler serving the trace, the trace writer) wait the
    // whole trace long: not the application's blocking
    const own = /^(net\/http\/pprof\.|runtime\/trace\.|runtime\.trace)/;
    const records = sync.records.filter((r) => !stackFunctions(a.trace, r.stack).some((f) => own.test(f)));
    if (records.length > 0) profiles.push(analyzeProfile(`${a.path} (sync blocking)`, blockingAsProfile(a.trace, 'sync', records), false));
  }
  for (const a of analyses) if (a.type === 'trace') addLockHolders(byId, a);
  addLabelEvidence(byId.values());
  foldGenericGrowth(byId);
  foldIntoProvenLeak(byId);
  correlate([...byId.values()], profiles);
  for (const f of byId.values()) advise(f, opts.load, opts.dbStats ?? []);
  // the runtime's own verdict leads: Go has proven it
  const findings = [...byId.values()].sort(
    (a, b) => Number(b.runtimeVerdict !== undefined) - Number(a.runtimeVerdict !== undefined) || rank(b.severity) - rank(a.severity) || b.goroutines - a.goroutines,
  );
  const worst = findings.length ? findings[0]!.severity : null;
  return {
    verdict: verdictOf(findings, matches.length + traceSnapshots, matches.length === 1 && traceSnapshots === 0 ? matches[0]!.m : null),
    worst,
    findings,
    snapshots,
    diffs,
    notes,
  };
}

/** Pool findings get settings: computed from load figures when given, else how to get them. */
function advise(f: Finding, load: LoadFigures | undefined, stats: DbStats[]): void {
  if (f.id !== 'db-pool-exhausted' && f.id !== 'pgxpool-acquire-wait') return;
  const inUse = f.holders.reduce((n, h) => n + h.goroutines, 0);
  const slowQueries = f.remediation.some((r) => /the pool is not the bottleneck/.test(r));
  const advised = load !== undefined ? advisePool(load).maxOpenConns : null;
  if (f.id === 'db-pool-exhausted') for (const s of stats) f.remediation.push(statsSentence(s, advised, slowQueries));
  if (load === undefined) {
    f.remediation.push(
      `For pool settings, give the load: pprof-diag analyze --qps PEAK_PER_INSTANCE --latency MEAN_QUERY_TIME [--instances N --server-max-connections M] (or pprof-diag advise)${inUse > 0 ? `; ${inUse} connections are in use now` : ''}.`,
    );
    return;
  }
  const a = advisePool(load);
  const pgx = f.id === 'pgxpool-acquire-wait';
  // when the holders are slow queries, the pool is not the fix: a size is for once they are fast again
  const slow = slowQueries;
  const settings = pgx ? Object.entries(a.pgxpool).map(([k, v]) => `${k}=${v}`).join(' ') : a.databaseSql.join('; ');
  // every connection in use with callers queued: the pool's present size is what is in use
  const now = inUse > 0 ? ` (it holds ${inUse} now${inUse < a.maxOpenConns ? `: ${a.maxOpenConns - inUse} more` : inUse > a.maxOpenConns ? `: ${inUse - a.maxOpenConns} fewer` : ': as many'})` : '';
  f.remediation.push(
    `${slow ? 'Once the queries are fast again, size' : 'Size'} the pool for ${load.qps} queries/s at ${formatSeconds(load.latencySeconds)}: ${a.maxOpenConns} connections${now}. ${a.why} Settings: ${settings}.`,
  );
  for (const n of a.notes) f.remediation.push(n);
}

/**
 * What one snapshot cannot tell: many goroutines waiting at one place may be slow work or
 * stuck for good, and without ages (debug=2's minutes) or a second snapshot nothing says
 * which. The verdict then says so, and what to capture next.
 */
function cannotTell(m: SnapshotMatch): string | null {
  const background = new Set<GoroutineBucket>();
  for (const h of m.hits.values()) if (h.role === 'background') for (const { bucket } of h.buckets) background.add(bucket);
  const waiting = m.buckets.filter((b) => !background.has(b) && !/^(running|runnable|syscall|)$/.test(b.waitReason) && b.frames.length > 0);
  const top = waiting[0];
  if (top === undefined || top.count < defaultThresholds.waitersCritical || top.count < m.total * 0.1) return null;
  const aged = top.maxMinutes !== null && top.maxMinutes > 0;
  const where = top.frames.find((f) => isProgramCode(f.function))?.function ?? top.frames[0]!.function;
  return (
    `No known failure signature, but one snapshot cannot tell slow from stuck: ${formatCount(top.count)} of ${formatCount(m.total)} goroutines wait in ${where} [${top.waitReason}${aged ? `, up to ${top.maxMinutes} minutes` : ''}]. ` +
    `Take a second snapshot in a minute and give both (pprof-diag analyze first second): what grows is stuck${aged ? '' : '; ?debug=2 also shows how long each has waited'}.`
  );
}

/** The trace's unblock edges name who holds a contended lock and what it waits on holding it. */
function addLockHolders(byId: Map<string, Finding>, a: TraceAnalysis): void {
  const releases = a.lockReleases.filter((r, i) => i === 0 || r.wakeups >= 2).slice(0, 3);
  if (releases.length === 0) return;
  for (const id of ['mutex-contention', 'deadlock-suspect', 'rwmutex-starvation']) {
    const f = byId.get(id);
    if (!f) continue;
    for (const r of releases) {
      const held = r.heldWhile[0];
      f.holders.push({
        signature: 'trace-unblock',
        description:
          `releases the lock: ${r.releaser} woke ${formatCount(r.wakeups)} waiter${r.wakeups === 1 ? '' : 's'} in ${a.path}` +
          (held ? `; before letting go it waited in ${held.site} (${held.count} time${held.count === 1 ? '' : 's'}, ${formatDuration(held.totalNs / held.count)} each on average)` : ''),
        goroutines: r.goroutines,
      });
    }
    f.remediation = f.remediation.filter((r) => r !== MUTEX_PROFILE_ADVICE);
    const top = releases[0]!;
    const held = top.heldWhile[0];
    f.summary += ` The trace shows who holds it: ${top.releaser} releases it${held ? `, after waiting in ${held.site} while holding it` : ''}.`;
  }
}

/** Findings that name a cause: a generic growth of goroutines beside one of them is its consequence. */
const CAUSES = ['chan-leak', 'sql-rows-leak', 'sql-tx-leak', 'sql-db-handle-leak', 'http-client-conn-leak', 'grpc-clientconn-leak', 'waitgroup-stuck', 'db-pool-exhausted', 'pgxpool-acquire-wait', 'redis-pool-wait', 'http-conn-wait', 'mutex-contention'];

/**
 * One finding per cause: goroutines that merely accumulated between snapshots (no signature of
 * their own, e.g. the HTTP server's connections of requests queued on a pool) beside a finding
 * that names the cause are folded into it as a sentence, not raised as a second alarm. A leak
 * proven by the garbage collector or a leak checker is never folded.
 */
/** A snapshot's finding, and the profile findings it stands for: a lock's contention in a mutex or block profile is the RWMutex queue or the deadlock the goroutines show. */
const SAME_CAUSE: Record<string, string[]> = {
  'rwmutex-starvation': ['mutex-contention'],
  'deadlock-suspect': ['mutex-contention'],
};

/**
 * Goroutines the garbage collector proved leaked are said once: a channel leak among them (the
 * senders nobody will receive from) becomes a sentence of the proven leak, not a second finding
 * counting the same goroutines.
 */
function foldIntoProvenLeak(byId: Map<string, Finding>): void {
  const proven = byId.get('goroutine-leak');
  const chan = byId.get('chan-leak');
  if (!proven || proven.title !== PROVEN_LEAK_TITLE || !chan || chan.goroutines > proven.goroutines) return;
  byId.delete('chan-leak');
  proven.summary += ` Of them, ${chan.summary.charAt(0).toLowerCase()}${chan.summary.slice(1)}`;
  for (const r of chan.remediation) if (!proven.remediation.includes(r)) proven.remediation.push(r);
  for (const s of chan.signatures) if (!proven.signatures.includes(s)) proven.signatures.push(s);
}

function foldGenericGrowth(byId: Map<string, Finding>): void {
  const generic = byId.get('goroutine-leak');
  if (!generic || generic.runtimeVerdict !== undefined || generic.title !== GROWTH_TITLE) return;
  const cause = CAUSES.map((id) => byId.get(id)).find((f) => f !== undefined && f.severity !== 'info');
  if (!cause) return;
  byId.delete('goroutine-leak');
  cause.summary += ` With it, ${generic.summary.charAt(0).toLowerCase()}${generic.summary.slice(1)}`;
}

/** A snapshot finding that growth confirms: it says so, and takes the growth's severity when worse. */
function confirm(have: Finding, growth: Finding, when: string): void {
  have.summary += ` ${when}: ${growth.summary}`;
  if (rank(growth.severity) > rank(have.severity)) have.severity = growth.severity;
}

function rank(s: Severity): number {
  return s === 'critical' ? 3 : s === 'warning' ? 2 : 1;
}

function verdictOf(findings: Finding[], snapshots: number, only: SnapshotMatch | null): string {
  const serious = findings.filter((f) => f.severity !== 'info');
  if (serious.length === 0) {
    if (snapshots === 0) {
      return findings.length > 0
        ? `Nothing failing shows in these profiles. ${findings[0]!.summary}`
        : 'No goroutine snapshot among the inputs: nothing to diagnose from stacks.';
    }
    const unsure = only !== null ? cannotTell(only) : null;
    return unsure ?? 'No known failure signature: the goroutines look like normal work.';
  }
  const f = serious[0]!;
  const more = serious.length > 1 ? ` (${serious.length - 1} more finding${serious.length > 2 ? 's' : ''} below.)` : '';
  return `${f.severity.toUpperCase()}: ${f.title}. ${firstSentence(f.summary)}${more}`;
}

/** A summary's first sentence: the verdict says what is wrong in one or two, the finding the rest. */
export function firstSentence(s: string): string {
  const m = /[.!?](?=\s+[A-Z])/.exec(s);
  return m ? s.slice(0, m.index + 1) : s;
}

/**
 * The goroutines present when the trace began, matched, when the trace shows where they stood
 * (status rows carry stacks from Go 1.23 on): the "before" of the growth during the trace.
 */
function startMatch(a: TraceAnalysis, set: SignatureSet): SnapshotMatch | null {
  const p = a.startSnapshot;
  const g = p.goroutines;
  if (g === null || p.samples.length === 0) return null;
  let withStack = 0;
  let waiting = 0;
  for (const s of a.goroutineSummary.goroutines) {
    if (!s.preexisting || s.startState !== GoState.Waiting) continue;
    waiting++;
    if (s.startStack !== 0) withStack++;
  }
  if (waiting === 0 || withStack < waiting * 0.9) return null;
  return matchSnapshot(p, set);
}

/** The waits of a signature during a trace, as the end of a sentence; waits the window cut are lower bounds, and said to be. */
export function latencySentence(l: WaitLatency, durationNs: number, seconds: (ns: number) => string = formatDuration): string {
  const parts: string[] = [];
  const cut = l.begunBefore + l.stillWaiting;
  if (cut > 0 && l.all.count > 0) {
    const fig = (ns: number | null, bound: boolean) => `${bound ? '≥ ' : ''}${seconds(ns!)}`;
    parts.push(
      `${formatCount(l.all.count)} wait${l.all.count === 1 ? '' : 's'} seen in the ${seconds(durationNs)} traced, ${formatCount(cut)} of them cut by its start or end and counted as long as they were seen (lower bounds): p50 ${fig(l.all.p50Ns, l.all.p50IsLowerBound)}, p99 ${fig(l.all.p99Ns, l.all.p99IsLowerBound)}, max ${fig(l.all.maxNs, l.all.maxIsLowerBound)}`,
    );
    if (l.count > 0) parts.push(`the ${formatCount(l.count)} that began and ended inside it took p50 ${seconds(l.p50Ns!)}, max ${seconds(l.maxNs!)}`);
  } else if (l.count > 0) {
    parts.push(
      `${formatCount(l.count)} wait${l.count === 1 ? '' : 's'} ended within the ${seconds(durationNs)} traced (p50 ${seconds(l.p50Ns!)}, p99 ${seconds(l.p99Ns!)}, max ${seconds(l.maxNs!)})`,
    );
  }
  return parts.length ? `${parts.join('; ')}.` : '';
}
