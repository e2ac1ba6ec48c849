/**
 * The JSON report: a contract other tools parse. Fields are added, never renamed or
 * removed, without raising SCHEMA_VERSION.
 */

import type { Diagnosis } from '../analyze/diagnose.js';
import type { InputAnalysis } from '../analyze/index.js';
import { REDACTION_NOTE } from './redact.js';

export const SCHEMA_VERSION = 1;

export interface InputError {
  path: string;
  message: string;
}

export interface ReportMeta {
  toolVersion: string;
  buckets?: number;
  diagnosis?: Diagnosis;
  /** The analyses and diagnosis went through redactReport. */
  redacted?: boolean;
}

export function jsonInput(a: InputAnalysis, maxBuckets = Infinity): Record<string, unknown> {
  if (a.type === 'trace') {
    return {
      path: a.path,
      kind: a.kind,
      format: a.format,
      compressed: a.compressed,
      goVersion: a.goVersion,
      traceFormat: a.traceFormat,
      sampleTypes: [],
      events: a.events,
      goroutines: a.goroutines,
      durationNs: a.durationNs,
      generations: a.generations,
      warnings: a.warnings,
      blocking: a.blocking.map((b) => ({ type: b.type, count: b.count, delayNs: b.delayNs, top: b.top })),
      goroutineGroups: a.goroutineGroups.slice(0, maxBuckets).map((g) => ({
        name: g.name,
        count: g.count,
        created: g.created,
        ended: g.ended,
        blockedAtEnd: g.blockedAtEnd,
        execNs: g.execNs,
        schedWaitNs: g.schedWaitNs,
        syscallNs: g.syscallNs,
        syscallBlockNs: g.syscallBlockNs,
        gcAssistNs: g.gcAssistNs,
        blockNs: Object.fromEntries(g.blockNs),
      })),
      waitLatency: a.waitLatency ?? [],
    };
  }
  const out: Record<string, unknown> = {
    path: a.path,
    kind: a.kind,
    format: a.format,
    compressed: a.compressed,
    goVersion: a.goVersion,
    sampleTypes: a.sampleTypes,
    samples: a.samples,
    sampleIndex: a.sampleTypes[a.sampleIndex]?.type ?? null,
    periodType: a.periodType,
    period: a.period,
    timeNanos: a.timeNanos,
    durationNanos: a.durationNanos,
    comments: a.comments,
    top: a.top,
    warnings: a.warnings,
    repairs: a.repairs,
  };
  const v = a.profile.verdict;
  if (v !== null && v !== undefined) {
    out.verdict = { kind: v.kind, message: v.message, line: v.line, goroutine: v.goroutine, tests: v.tests, races: v.races.map((r) => r.map((x) => ({ access: x.access, goroutine: x.goroutine }))) };
  }
  if (a.goroutines !== null) {
    out.goroutines = a.goroutines;
    out.statedTotal = a.statedTotal;
    out.buckets = (a.buckets ?? []).slice(0, maxBuckets).map((b) => ({
      name: b.name,
      count: b.count,
      waitReason: b.waitReason || null,
      minMinutes: b.minMinutes,
      maxMinutes: b.maxMinutes,
      createdBy: b.createdBy,
      frames: b.frames,
      labels: b.labels,
    }));
    out.bucketCount = (a.buckets ?? []).length;
  }
  return out;
}

export function jsonReport(analyses: InputAnalysis[], errors: InputError[], meta: ReportMeta): string {
  const doc = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'pprof-diag', version: meta.toolVersion },
    ...(meta.redacted ? { redacted: true, redactionNote: REDACTION_NOTE } : {}),
    verdict: meta.diagnosis?.verdict ?? null,
    notes: meta.diagnosis?.notes ?? [],
    findings: meta.diagnosis?.findings ?? [],
    inputs: analyses.map((a) => jsonInput(a, meta.buckets)),
    errors,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
