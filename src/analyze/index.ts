/**
 * Per-input analysis: what the input is and what is in it. The diagnosis (signatures,
 * findings) builds on these results.
 */

import type { Decoded } from '../decode/index.js';
import type { Profile, ProfileKind, InputFormat } from '../model/profile.js';
import type { Trace } from '../model/trace.js';
import {
  goroutineBuckets,
  goroutineCount,
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
  profile: Profile;
}

export interface TraceAnalysis {
  type: 'trace';
  path: string;
  kind: 'trace';
  format: 'trace';
  compressed: boolean;
  goVersion: string;
  events: number;
  goroutines: number;
  durationNs: number;
  generations: number;
  warnings: string[];
  trace: Trace;
}

export type InputAnalysis = ProfileAnalysis | TraceAnalysis;

export function analyzeTrace(path: string, t: Trace, compressed: boolean): TraceAnalysis {
  return {
    type: 'trace',
    path,
    kind: 'trace',
    format: 'trace',
    compressed,
    goVersion: t.goVersion,
    events: t.eventCount,
    goroutines: t.goroutines,
    durationNs: t.durationNs,
    generations: t.generations,
    warnings: t.warnings,
    trace: t,
  };
}

export function isGoroutineKind(kind: ProfileKind): boolean {
  return kind === 'goroutine' || kind === 'goroutineleak';
}

export function analyzeProfile(path: string, p: Profile, compressed: boolean, opts: AnalyzeOptions = {}): ProfileAnalysis {
  const sampleIndex = resolveSampleIndex(p, opts.sampleIndex);
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
    top: p.sampleTypes.length > 0 ? topFunctions(p, sampleIndex, opts.top ?? 10) : [],
    buckets: goroutineKind ? goroutineBuckets(p) : null,
    warnings: p.warnings,
    profile: p,
  };
}

export function analyzeDecoded(path: string, d: Decoded, opts: AnalyzeOptions = {}): InputAnalysis {
  return d.type === 'trace' ? analyzeTrace(path, d.trace, d.compressed) : analyzeProfile(path, d.profile, d.compressed, opts);
}
