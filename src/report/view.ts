/**
 * What the HTML report shows, as plain data: the verdict and findings, a flame graph of each
 * profile with the frames of the matched signatures marked, the goroutine groups, the diffs of
 * snapshots and the blocking breakdown of traces. The report page renders it; nothing in it is
 * markup, so a function name is only ever text.
 */

import type { Diagnosis } from '../analyze/diagnose.js';
import type { Finding } from '../analyze/findings.js';
import { chosenSampleIndex, type InputAnalysis } from '../analyze/index.js';
import type { Profile } from '../model/profile.js';
import { hiddenFrame, topFunctions, type GoroutineBucket, type LabelSummary, type TopEntry } from '../analyze/summary.js';
import { VIEW_BUCKETS, type SampleMarks, type ViewMarks } from '../analyze/sample-marks.js';
import { flameGraph, growthFlameGraph, type FlameGraph } from './flame.js';
import type { InputError } from './json.js';
import { formatCount, formatDuration } from '../model/units.js';
import { versionLabel } from './labels.js';

export const VIEW_VERSION = 1;

export interface ViewInput {
  path: string;
  kind: string;
  format: string;
  compressed: boolean;
  goVersion: string | null;
  /** Capture time (Unix ns) when the input carries one, else 0. */
  timeNanos: number;
  /** One line: samples, goroutines, events. */
  description: string;
  warnings: string[];
}

export interface ViewFlame extends FlameGraph {
  input: string;
  title: string;
  /** A differential flame graph: nodes carry their change (`d`), coloured by it. */
  differential?: boolean;
  /** The heaviest functions by their own value, with their cumulative one, as `go tool pprof -top` lists them. */
  top?: TopEntry[];
}

export interface ViewBucket {
  name: string;
  count: number;
  waitReason: string;
  minMinutes: number | null;
  maxMinutes: number | null;
  createdBy: string | null;
  labels: LabelSummary[];
  frames: { function: string; file: string; line: number }[];
  /** Non-background signatures that matched the group. */
  signatures: string[];
  /** Recognised as normal background work only. */
  background: boolean;
}

export interface ViewTrace {
  path: string;
  goVersion: string | null;
  durationNs: number;
  events: number;
  goroutines: number;
  blocking: { type: string; count: number; delayNs: number; top: { function: string; flat: number; cum: number }[] }[];
  groups: {
    name: string;
    count: number;
    created: number;
    ended: number;
    blockedAtEnd: number;
    execNs: number;
    schedWaitNs: number;
    syscallNs: number;
    gcAssistNs: number;
    blockNs: Record<string, number>;
  }[];
  latency: Finding['latency'];
}

export interface ReportView {
  version: number;
  toolVersion: string;
  redacted: boolean;
  verdict: string;
  /** How the inputs were taken together: snapshot order, different programs. */
  notes: string[];
  worst: string | null;
  findings: Finding[];
  /** Signatures the findings rest on, each with a colour index for the legend. */
  signatures: { id: string; description: string; findings: string[] }[];
  inputs: ViewInput[];
  errors: InputError[];
  flames: ViewFlame[];
  buckets: { input: string; total: number; rows: ViewBucket[]; more: number }[];
  diffs: Diagnosis['diffs'];
  traces: ViewTrace[];
}

export interface ViewOptions {
  toolVersion: string;
  /** What the analysis matched in each profile and group (src/analyze/sample-marks.ts viewMarks). */
  marks: ViewMarks;
  redacted?: boolean;
}

/** Profiles up to this many samples get a flame graph of every sample type, not only the chosen one. */
const OTHER_TYPES_UP_TO = 100_000;

const FLAME_TITLE: Record<string, string> = {
  goroutine: 'goroutines',
  goroutineleak: 'leaked goroutines',
  heap: 'heap',
  allocs: 'allocations',
  cpu: 'CPU',
  block: 'blocking',
  mutex: 'mutex contention',
  threadcreate: 'thread creation',
};

function flameTitle(kind: string, t: { type: string } | undefined): string {
  return `${FLAME_TITLE[kind] ?? kind}${t ? ` (${t.type})` : ''}`;
}

/** The early graph opens its "… N more" frames on call trees up to this many nodes. */
export const EARLY_OPEN_FOLDS_UP_TO = 200_000;

/**
 * A profile's flame graph as soon as it is decoded, before its analysis and the diagnosis: the
 * sample type the report will draw first, without the signatures' marks or a top list, and on a
 * call tree of millions of nodes without what its "… N more" frames hold. The page shows it
 * while the diagnosis runs; the report's own graph of the profile reuses its call tree.
 */
export function earlyFlame(input: string, p: Profile, sampleIndex?: string): ViewFlame {
  const k = chosenSampleIndex(p, sampleIndex).index;
  return { ...flameGraph(p, { sampleIndex: k, openFoldsUpTo: EARLY_OPEN_FOLDS_UP_TO }), input, title: flameTitle(p.kind, p.sampleTypes[k]) };
}

function describe(a: InputAnalysis): string {
  if (a.type === 'trace') {
    return `${formatCount(a.events)} events, ${formatCount(a.goroutines)} goroutines, ${formatDuration(a.durationNs)}`;
  }
  const parts = [`${formatCount(a.samples)} samples`];
  if (a.goroutines !== null) parts.push(`${formatCount(a.goroutines)} goroutines`);
  return parts.join(', ');
}

export function reportView(analyses: InputAnalysis[], errors: InputError[], diagnosis: Diagnosis, o: ViewOptions): ReportView {
  const findingSigs = new Map<string, string[]>();
  for (const f of diagnosis.findings) {
    for (const s of [...f.signatures, ...f.holders.map((h) => h.signature).filter((id) => o.marks.descriptions.has(id))]) {
      const l = findingSigs.get(s) ?? [];
      if (!l.includes(f.id)) l.push(f.id);
      findingSigs.set(s, l);
    }
  }
  const flames: ViewFlame[] = [];
  const buckets: ReportView['buckets'] = [];
  const traces: ViewTrace[] = [];
  const limit = VIEW_BUCKETS;
  for (const a of analyses) {
    if (a.type === 'profile') {
      if (a.samples > 0) {
        // the chosen sample type first, then the others (heap: inuse and alloc, space and objects),
        // one flame graph each to switch between, while the profile is small enough to afford it
        const types = [a.sampleIndex, ...a.sampleTypes.map((_, k) => k).filter((k) => k !== a.sampleIndex && a.samples <= OTHER_TYPES_UP_TO)];
        for (const k of types) {
          const g = flameGraph(a.profile, { sampleIndex: k, ...marksOf(o, a.profile) });
          const t = a.sampleTypes[k];
          const top = k === a.sampleIndex ? a.top : topFunctions(a.profile, k, a.top.length || 10);
          flames.push({ ...g, input: a.path, title: flameTitle(a.kind, t), top });
        }
      }
      if (a.buckets) buckets.push({ input: a.path, total: a.goroutines ?? 0, rows: a.buckets.slice(0, limit).map(viewBucket(o.marks)), more: Math.max(0, a.buckets.length - limit) });
    } else {
      if (a.snapshot.samples.length > 0) {
        const g = flameGraph(a.snapshot, marksOf(o, a.snapshot));
        flames.push({ ...g, input: a.path, title: 'goroutines at the end of the trace', top: topFunctions(a.snapshot, 0, 10, (n) => hiddenFrame(n, true)) });
      }
      for (const b of a.blocking) {
        if (b.records.length === 0) continue;
        const g = flameGraph(b.profile, { sampleIndex: 1, ...marksOf(o, b.profile) });
        flames.push({ ...g, input: a.path, title: `${b.type} blocking (delay)`, top: b.top });
      }
      buckets.push({
        input: `${a.path} (end)`,
        total: a.snapshot.samples.length,
        rows: a.buckets.slice(0, limit).map(viewBucket(o.marks)),
        more: Math.max(0, a.buckets.length - limit),
      });
      traces.push({
        path: a.path,
        goVersion: versionLabel(a),
        durationNs: a.durationNs,
        events: a.events,
        goroutines: a.goroutines,
        blocking: a.blocking.map((b) => ({ type: b.type, count: b.count, delayNs: b.delayNs, top: b.top })),
        groups: a.goroutineGroups.slice(0, limit).map((g) => ({
          name: g.name,
          count: g.count,
          created: g.created,
          ended: g.ended,
          blockedAtEnd: g.blockedAtEnd,
          execNs: g.execNs,
          schedWaitNs: g.schedWaitNs,
          syscallNs: g.syscallNs,
          gcAssistNs: g.gcAssistNs,
          blockNs: Object.fromEntries(g.blockNs),
        })),
        latency: a.waitLatency ?? [],
      });
    }
  }
  // each diff as a differential flame graph: where the goroutines that appeared are
  for (const x of diagnosis.diffs) {
    if (x.diff.delta === 0 && x.diff.buckets.every((b) => b.delta === 0)) continue;
    flames.push({ ...growthFlameGraph(x.diff.buckets), input: x.after, title: `growth since ${x.before} (red: more goroutines, blue: fewer)`, differential: true });
  }
  return {
    version: VIEW_VERSION,
    toolVersion: o.toolVersion,
    redacted: o.redacted ?? false,
    verdict: diagnosis.verdict,
    notes: diagnosis.notes ?? [],
    worst: diagnosis.worst,
    findings: diagnosis.findings,
    signatures: [...findingSigs].map(([id, findings]) => ({ id, description: o.marks.descriptions.get(id) ?? id, findings })),
    inputs: analyses.map((a) => ({
      path: a.path,
      kind: a.kind,
      format: a.format,
      compressed: a.compressed,
      goVersion: versionLabel(a),
      timeNanos: a.type === 'profile' ? a.timeNanos : 0,
      description: describe(a),
      warnings: a.type === 'profile' ? [...a.warnings, ...a.repairs.map((w) => `read leniently: ${w}`)] : a.warnings,
    })),
    errors,
    flames,
    buckets,
    diffs: diagnosis.diffs,
    traces,
  };
}

function marksOf(o: ViewOptions, p: Profile): { marks?: SampleMarks } {
  const m = o.marks.samples.get(p);
  return m ? { marks: m } : {};
}

/** Goroutine groups with the signatures that matched each (for the table's badges), looked up. */
function viewBucket(marks: ViewMarks) {
  return (b: GoroutineBucket): ViewBucket => {
    const m = marks.buckets.get(b);
    return {
      name: b.name,
      count: b.count,
      waitReason: b.waitReason,
      minMinutes: b.minMinutes,
      maxMinutes: b.maxMinutes,
      createdBy: b.createdBy,
      labels: b.labels,
      frames: b.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })),
      signatures: m?.signatures ?? [],
      background: m?.background ?? false,
    };
  };
}
