/**
 * A fleet: the same service's instances, each profiled once. From each instance's own diagnosis
 * (kept as a small summary, never its profile) to what holds across them: each finding's spread
 * ("db-pool-exhausted on 7 of 40 instances; waiters 12 / 150 / 180; worst checkout-5"), the
 * instances whose goroutine count stands out against the others (median and MAD), and the
 * healthy count. An instance that did not answer is listed with its reason and never counted
 * as healthy.
 */

import { SEVERITY_RANK, type Finding, type Severity } from './finding-kit.js';
import type { Diagnosis } from './diagnose.js';
import type { Profile } from '../model/profile.js';
import type { FrameSummary, GoroutineBucket } from './summary.js';

/** One goroutine group of an instance: a whole stack of it (leaf first, runtime frames too) and its count. */
export interface GroupStack {
  frames: FrameSummary[];
  count: number;
}

/** Each goroutine group's first goroutine's whole stack, with the group's count: the instance's goroutines in little room. */
export function groupStacks(p: Profile, buckets: GoroutineBucket[]): GroupStack[] {
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  return buckets.map((b) => {
    const i = b.samples[0]!;
    const frames: FrameSummary[] = [];
    for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end; k++) {
      const loc = stack[k]!;
      for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le; l++) {
        const fn = p.lines.function[l]!;
        frames.push({ function: p.strings.get(p.functions.name[fn]!), file: p.strings.get(p.functions.filename[fn]!), line: p.lines.line[l]! });
      }
    }
    return { frames, count: b.count };
  });
}

/** One instance's finding, as much of it as the fleet shows. */
export interface InstanceFinding {
  id: string;
  severity: Severity;
  title: string;
  /** Goroutines showing the problem (the waiters of a pool or lock). */
  goroutines: number;
}

interface InstanceBase {
  /** The instance's name: its target (host:port) or Prometheus's instance label. */
  instance: string;
  /** Its labels (job, pod, zone, …), as service discovery gave them. */
  labels: Record<string, string>;
  /** Where its profile came from. */
  url: string;
}

export interface AnsweredInstance extends InstanceBase {
  answered: true;
  goVersion: string | null;
  /** Goroutines in its snapshot. */
  goroutines: number;
  findings: InstanceFinding[];
}

export interface FailedInstance extends InstanceBase {
  answered: false;
  /** Why there is no profile of it, in one line. */
  reason: string;
}

export type InstanceResult = AnsweredInstance | FailedInstance;

/** A finding across the fleet. */
export interface FleetFinding {
  id: string;
  /** The worst severity any instance had it with. */
  severity: Severity;
  title: string;
  /** Instances that have it. */
  instances: number;
  answered: number;
  failed: number;
  /** Goroutines showing it, over the instances that have it. */
  waiters: { min: number; median: number; max: number };
  /** The instance with the most (the first such, in target order). */
  worst: string;
  /** Every instance that has it, worst first. */
  on: string[];
}

/** An instance whose goroutine count is far from the fleet's. */
export interface GoroutineOutlier {
  instance: string;
  goroutines: number;
  /** (count − median) / (1.4826 × MAD): how many robust standard deviations away; null when MAD is 0. */
  score: number | null;
}

export interface FleetSummary {
  instances: number;
  answered: number;
  failed: number;
  /** Answered instances with no warning or critical finding. */
  healthy: number;
  /** Answered instances with a warning or critical finding, in target order. */
  sick: string[];
  worst: Severity | null;
  verdict: string;
  findings: FleetFinding[];
  goroutines: { min: number; median: number; max: number; mad: number } | null;
  outliers: GoroutineOutlier[];
  results: InstanceResult[];
}

/** Robust scores above this mark an outlier (3.5: Iglewicz and Hoaglin's cut-off). */
export const OUTLIER_SCORE = 3.5;

/** What one instance's diagnosis keeps for the fleet: findings without their evidence. */
export function instanceFindings(d: Diagnosis): InstanceFinding[] {
  return d.findings.map((f: Finding) => ({ id: f.id, severity: f.severity, title: f.title, goroutines: f.goroutines }));
}

/** Whether a finding makes its instance sick (warning or worse). */
function sickening(f: InstanceFinding): boolean {
  return SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning;
}

/** The middle value of numbers (the mean of the two middle ones for an even count). */
export function middle(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Instances whose goroutine count is an outlier: a robust score (count − median) / (1.4826 ×
 * MAD) beyond OUTLIER_SCORE either way. When more than half the instances have the same count
 * (MAD 0), any count that differs from it by more than a quarter of it (and by more than 10
 * goroutines) is one. Fewer than 3 instances have no outliers.
 */
export function goroutineOutliers(counts: { instance: string; goroutines: number }[]): { median: number; mad: number; outliers: GoroutineOutlier[] } {
  const values = counts.map((c) => c.goroutines);
  const med = middle(values);
  const mad = middle(values.map((v) => Math.abs(v - med)));
  if (counts.length < 3) return { median: med, mad, outliers: [] };
  const outliers: GoroutineOutlier[] = [];
  for (const c of counts) {
    const off = c.goroutines - med;
    if (mad > 0) {
      const score = off / (1.4826 * mad);
      if (Math.abs(score) > OUTLIER_SCORE) outliers.push({ instance: c.instance, goroutines: c.goroutines, score: round2(score) });
    } else if (Math.abs(off) > Math.max(10, med / 4)) {
      outliers.push({ instance: c.instance, goroutines: c.goroutines, score: null });
    }
  }
  outliers.sort((a, b) => Math.abs(b.goroutines - med) - Math.abs(a.goroutines - med));
  return { median: med, mad, outliers };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Each finding across the answered instances, worst severity first, then the most instances. */
function fleetFindings(answered: AnsweredInstance[], failed: number): FleetFinding[] {
  const byId = new Map<string, { f: InstanceFinding; on: { instance: string; goroutines: number }[] }>();
  for (const r of answered) {
    for (const f of r.findings) {
      let e = byId.get(f.id);
      if (!e) byId.set(f.id, (e = { f, on: [] }));
      if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[e.f.severity]) e.f = f;
      e.on.push({ instance: r.instance, goroutines: f.goroutines });
    }
  }
  const out: FleetFinding[] = [];
  for (const [id, { f, on }] of byId) {
    const ws = on.map((o) => o.goroutines);
    const worst = on.reduce((a, b) => (b.goroutines > a.goroutines ? b : a));
    out.push({
      id,
      severity: f.severity,
      title: f.title,
      instances: on.length,
      answered: answered.length,
      failed,
      waiters: { min: Math.min(...ws), median: middle(ws), max: Math.max(...ws) },
      worst: worst.instance,
      on: [...on].sort((a, b) => b.goroutines - a.goroutines).map((o) => o.instance),
    });
  }
  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.instances - a.instances || a.id.localeCompare(b.id));
}

/** The fleet's one-line verdict. */
function fleetVerdict(s: Omit<FleetSummary, 'verdict'>): string {
  const failed = s.failed > 0 ? `; ${s.failed} of ${s.instances} did not answer` : '';
  if (s.answered === 0) return `no instance answered (${s.instances} asked)`;
  if (s.findings.length === 0 || s.sick.length === 0) {
    const out = s.outliers.length > 0 ? `; goroutine count out of line on ${s.outliers.map((o) => o.instance).join(', ')}` : '';
    return `${s.healthy} of ${s.answered} answering instances healthy${out}${failed}`;
  }
  const each = s.findings
    .filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning)
    .map((f) => `${f.id} on ${f.instances}`)
    .join(', ');
  return `${s.sick.length} of ${s.answered} answering instances sick (${each}); ${s.healthy} healthy${failed}`;
}

/** The fleet's summary from every instance's result, in target order. */
export function summarizeFleet(results: InstanceResult[]): FleetSummary {
  const answered = results.filter((r): r is AnsweredInstance => r.answered);
  const failed = results.length - answered.length;
  const sick = answered.filter((r) => r.findings.some(sickening)).map((r) => r.instance);
  const findings = fleetFindings(answered, failed);
  const counts = answered.map((r) => ({ instance: r.instance, goroutines: r.goroutines }));
  const o = goroutineOutliers(counts);
  let worst: Severity | null = null;
  for (const f of findings) if (worst === null || SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]) worst = f.severity;
  const base = {
    instances: results.length,
    answered: answered.length,
    failed,
    healthy: answered.length - sick.length,
    sick,
    worst,
    findings,
    goroutines: counts.length > 0 ? { min: Math.min(...counts.map((c) => c.goroutines)), median: o.median, max: Math.max(...counts.map((c) => c.goroutines)), mad: o.mad } : null,
    outliers: o.outliers,
    results,
  };
  return { ...base, verdict: fleetVerdict(base) };
}
