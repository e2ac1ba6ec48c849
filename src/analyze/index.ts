/**
 * Per-input analysis: what the input is and what is in it. The diagnosis (signatures,
 * findings) builds on these results.
 */

import type { Decoded } from '../decode/index.js';
import { UsageError } from '../model/errors.js';
import type { Profile, ProfileKind, InputFormat } from '../model/profile.js';
import type { Trace } from '../model/trace.js';
import { BLOCKING_TYPES, BlockingProfiler, blockingAsProfile, type BlockingRecord, type BlockingType } from './trace/blocking.js';
import { GoroutineAnalyzer, goroutineGroups, type GoroutineGroup, type TraceGoroutines } from './trace/goroutines.js';
import type { WaitLatency } from './trace/latency.js';
import { traceSnapshot } from './trace/snapshot.js';
import { LockHolders, type LockRelease } from './trace/lock-holders.js';
import {
  goroutineBuckets,
  hiddenFrame,
  goroutineCount,
  findSampleIndex,
  resolveSampleIndex,
  sampleTypeSummaries,
  topFunctions,
  type GoroutineBucket,
  type SampleTypeSummary,
  type TopEntry,
} from './summary.js';

export interface AnalyzeOptions {
  sampleIndex?: string;
  top?: number;
}

export interface ProfileAnalysis {
  type: 'profile';
  path: string;
  kind: ProfileKind;
  format: InputFormat;
  compressed: boolean;
  goVersion: string | null;
  timeNanos: number;
  durationNanos: number;
  period: number;
  periodType: { type: string; unit: string } | null;
  comments: string[];
  sampleTypes: SampleTypeSummary[];
  samples: number;
  sampleIndex: number;
  /** Goroutines described, for goroutine kinds; null otherwise. */
  goroutines: number | null;
  /** The total the input itself states (debug=1 header), when it states one. */
  statedTotal: number | null;
  top: TopEntry[];
  buckets: GoroutineBucket[] | null;
  warnings: string[];
  /** What was repaired or skipped to read a pasted dump (see Profile.repairs). */
  repairs: string[];
  profile: Profile;
}

/** One blocking profile of a trace, with its totals and top functions. */
export interface TraceBlocking {
  type: BlockingType;
  /** Blocking intervals and their total delay. */
  count: number;
  delayNs: number;
  records: BlockingRecord[];
  profile: Profile;
  top: TopEntry[];
}

export interface TraceAnalysis {
  type: 'trace';
  path: string;
  kind: 'trace';
  format: 'trace';
  compressed: boolean;
  /** A trace does not say which Go wrote it: null. */
  goVersion: string | null;
  /** The trace format version its header gives ("1.26"): written by that Go or a later one that kept the format. */
  traceFormat: string;
  events: number;
  goroutines: number;
  durationNs: number;
  generations: number;
  warnings: string[];
  trace: Trace;
  /** Go's goroutine summary of every goroutine, and the wait intervals by site. */
  goroutineSummary: TraceGoroutines;
  /** Goroutines grouped by start function, as `go tool trace` lists them. */
  goroutineGroups: GoroutineGroup[];
  /** The goroutines alive at the end, as a goroutine profile, and its buckets (where they stand). */
  snapshot: Profile;
  buckets: GoroutineBucket[];
  /** The goroutines present when the trace began whose place is known (created by it, or a status row's stack). */
  startSnapshot: Profile;
  /** The goroutines at the end whose place at the start is known: what growth is counted among. */
  endKnownSnapshot: Profile;
  /** net / sync / syscall / sched blocking profiles. */
  blocking: TraceBlocking[];
  /** Who released contended locks (woke their waiters), and what they waited on while holding them. */
  lockReleases: LockRelease[];
  /** Wait latency by signature; filled in by the diagnosis, which knows the signatures. */
  waitLatency: WaitLatency[] | null;
}

export type InputAnalysis = ProfileAnalysis | TraceAnalysis;

/**
 * Analysis of a trace given whole or one generation at a time (`add` in order, then `finish`):
 * every part keeps its state across generations. Parts come from TraceStreamDecoder (or
 * decodeTraceParts); `finish` then takes the decoder's result(), the trace without rows, whose
 * tables every part shared. What is kept between parts refers to stack rows and strings of
 * those shared tables, never to a generation's own ids, so nothing points into a dropped
 * generation. Results are the same as for the whole trace given at once.
 */
export class TraceAnalyzer {
  private readonly goroutines = new GoroutineAnalyzer();
  private readonly blocking = new BlockingProfiler(BLOCKING_TYPES);
  private readonly locks = new LockHolders();

  add(t: Trace): void {
    this.goroutines.add(t);
    this.blocking.add(t);
    this.locks.add(t);
  }

  finish(path: string, t: Trace, compressed: boolean, opts: AnalyzeOptions = {}): TraceAnalysis {
    const summary = this.goroutines.result(undefined, t);
    const snapshot = traceSnapshot(t, summary, 'end');
    const all = this.blocking.records();
    const blocking: TraceBlocking[] = BLOCKING_TYPES.map((type, k) => {
      const records = all[k]!;
      const profile = blockingAsProfile(t, type, records);
      let count = 0;
      let delayNs = 0;
      for (const r of records) {
        count += r.count;
        delayNs += r.ns;
      }
      return { type, count, delayNs, records, profile, top: records.length ? topFunctions(profile, 1, opts.top ?? 10) : [] };
    });
    return {
      type: 'trace',
      path,
      kind: 'trace',
      format: 'trace',
      compressed,
      goVersion: null,
      traceFormat: t.goVersion.replace(/^go/, ''),
      events: t.eventCount,
      goroutines: t.goroutines,
      durationNs: t.durationNs,
      generations: t.generations,
      warnings: t.warnings,
      trace: t,
      goroutineSummary: summary,
      goroutineGroups: goroutineGroups(summary),
      snapshot,
      buckets: goroutineBuckets(snapshot),
      startSnapshot: traceSnapshot(t, summary, 'start'),
      endKnownSnapshot: traceSnapshot(t, summary, 'end-known'),
      blocking,
      lockReleases: this.locks.result(),
      waitLatency: null,
    };
  }
}

export function analyzeTrace(path: string, t: Trace, compressed: boolean, opts: AnalyzeOptions = {}): TraceAnalysis {
  const a = new TraceAnalyzer();
  a.add(t);
  return a.finish(path, t, compressed, opts);
}

export function isGoroutineKind(kind: ProfileKind): boolean {
  return kind === 'goroutine' || kind === 'goroutineleak';
}

/** The sample types of a profile, for a sentence. */
function typeNames(p: Profile): string {
  return p.sampleTypes.map((t) => t.type).join(', ') || 'none';
}

/**
 * The sample type a profile's top list uses: the one asked for where the profile has it, else its
 * default, with a warning saying so (an option given for a heap profile does not fail the
 * goroutine profile beside it; checkSampleIndexFits fails when it fits no input at all).
 */
export function chosenSampleIndex(p: Profile, want: string | undefined): { index: number; warning: string | null } {
  if (want === undefined || want === '') return { index: resolveSampleIndex(p, want), warning: null };
  const k = findSampleIndex(p, want);
  if (k !== null) return { index: k, warning: null };
  const fallback = p.sampleTypes[p.defaultSampleType]?.type ?? 'none';
  return { index: p.defaultSampleType, warning: `sample index "${want}" is not one of this profile's sample types (${typeNames(p)}): its default, ${fallback}, is used` };
}

/** Fails, as the user's mistake, when `--sample-index` fits none of the profiles analysed. */
export function checkSampleIndexFits(analyses: InputAnalysis[], want: string | undefined): void {
  if (want === undefined || want === '' || analyses.length === 0) return;
  const profiles = analyses.filter((a): a is ProfileAnalysis => a.type === 'profile');
  if (profiles.some((a) => findSampleIndex(a.profile, want) !== null)) return;
  if (profiles.length === 0) throw new UsageError(`sample index "${want}" is for profiles, and every input is an execution trace`);
  if (analyses.length === 1) throw new UsageError(`sample index "${want}" is not one of this profile's sample types (${typeNames(profiles[0]!.profile)})`);
  const each = profiles.map((a) => `${a.path}: ${typeNames(a.profile)}`).join('; ');
  throw new UsageError(`sample index "${want}" is not a sample type of any input (${each})`);
}

export function analyzeProfile(path: string, p: Profile, compressed: boolean, opts: AnalyzeOptions = {}): ProfileAnalysis {
  const { index: sampleIndex, warning } = chosenSampleIndex(p, opts.sampleIndex);
  const goroutineKind = isGoroutineKind(p.kind);
  return {
    type: 'profile',
    path,
    kind: p.kind,
    format: p.format,
    compressed,
    goVersion: p.goVersion,
    timeNanos: p.timeNanos,
    durationNanos: p.durationNanos,
    period: p.period,
    periodType: p.periodType,
    comments: p.comments,
    sampleTypes: sampleTypeSummaries(p),
    samples: p.samples.length,
    sampleIndex,
    goroutines: goroutineKind ? goroutineCount(p) : null,
    statedTotal: p.statedTotal,
    top: p.sampleTypes.length > 0 ? topFunctions(p, sampleIndex, opts.top ?? 10, goroutineKind ? (n) => hiddenFrame(n, true) : undefined) : [],
    buckets: goroutineKind ? goroutineBuckets(p) : null,
    warnings: warning === null ? p.warnings : [...p.warnings, warning],
    repairs: p.repairs ?? [],
    profile: p,
  };
}

export function analyzeDecoded(path: string, d: Decoded, opts: AnalyzeOptions = {}): InputAnalysis {
  return d.type === 'trace' ? analyzeTrace(path, d.trace, d.compressed, opts) : analyzeProfile(path, d.profile, d.compressed, opts);
}
