/**
 * The diagnosis of one incident: every goroutine snapshot matched against the signatures,
 * findings merged across inputs, and a verdict.
 */

import type { SignaturePack } from '../signatures/types.js';
import { SignatureSet } from '../signatures/engine.js';
import { builtinPacks } from '../signatures/builtin.js';
import { isGoroutineKind, type InputAnalysis } from './index.js';
import { matchSnapshot, type SnapshotMatch } from './match.js';
import { defaultThresholds, snapshotFindings, type Finding, type Severity, type Thresholds } from './findings.js';
import { diffSnapshots, type SnapshotDiff } from './diff.js';
import { correlate } from './correlate.js';
import { cpuFindings } from './cpu.js';
import { advisePool, type LoadFigures } from './pool-advisor.js';

export interface DiagnoseOptions {
  /** Load figures (`--qps`, `--latency`, …): pool findings then carry computed settings. */
  load?: LoadFigures;
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
}

export function signatureSet(opts: DiagnoseOptions = {}): SignatureSet {
  return new SignatureSet([...builtinPacks, ...(opts.packs ?? [])], opts.ignore ?? []);
}

export function diagnose(analyses: InputAnalysis[], opts: DiagnoseOptions = {}): Diagnosis {
  const set = signatureSet(opts);
  const thresholds = { ...defaultThresholds, ...opts.thresholds };
  const ignore = new Set(opts.ignore ?? []);
  const matches: { path: string; m: SnapshotMatch }[] = [];
  for (const a of analyses) {
    if (a.type !== 'profile' || !isGoroutineKind(a.kind)) continue;
    matches.push({ path: a.path, m: matchSnapshot(a.profile, set) });
  }
  // One incident: when several snapshots are given, judge the latest (the diff adds growth).
  const byId = new Map<string, Finding>();
  for (const { m } of matches) {
    for (const f of snapshotFindings(m, thresholds)) {
      if (ignore.has(f.id)) continue;
      byId.set(f.id, f);
    }
  }
  const diffs: Diagnosis['diffs'] = [];
  for (let i = 1; i < matches.length; i++) {
    const diff = diffSnapshots(matches[i - 1]!.m, matches[i]!.m);
    diffs.push({ before: matches[i - 1]!.path, after: matches[i]!.path, diff });
    for (const f of diff.findings) {
      if (ignore.has(f.id)) continue;
      const have = byId.get(f.id);
      if (!have) byId.set(f.id, f);
      else have.summary += ` Between snapshots: ${f.summary}`;
    }
  }
  for (const a of analyses) {
    if (a.type !== 'profile' || a.kind !== 'cpu') continue;
    for (const f of cpuFindings(a.profile, a.path)) if (!ignore.has(f.id) && !byId.has(f.id)) byId.set(f.id, f);
  }
  correlate([...byId.values()], analyses.filter((a) => a.type === 'profile'));
  for (const f of byId.values()) advise(f, opts.load);
  const findings = [...byId.values()].sort(
    (a, b) => rank(b.severity) - rank(a.severity) || b.goroutines - a.goroutines,
  );
  const worst = findings.length ? findings[0]!.severity : null;
  return {
    verdict: verdictOf(findings, matches.length),
    worst,
    findings,
    snapshots: matches.map(({ path, m }) => ({ path, total: m.total, background: m.background, unmatched: m.unmatched })),
    diffs,
  };
}

/** Pool findings get settings: computed from load figures when given, else how to get them. */
function advise(f: Finding, load: LoadFigures | undefined): void {
  if (f.id !== 'db-pool-exhausted' && f.id !== 'pgxpool-acquire-wait') return;
  const busy = f.holders.reduce((n, h) => n + h.goroutines, 0);
  if (load === undefined) {
    f.remediation.push(
      `For pool settings, give the load: pprof-diag analyze --qps PEAK_PER_INSTANCE --latency MEAN_QUERY_TIME [--instances N --server-max-connections M] (or pprof-diag advise)${busy > 0 ? `; ${busy} connections are in use now` : ''}.`,
    );
    return;
  }
  const a = advisePool(load);
  const pgx = f.id === 'pgxpool-acquire-wait';
  f.remediation.push(
    pgx
      ? `Pool settings for ${load.qps} queries/s at ${load.latencySeconds * 1000} ms: ${a.goSettings[a.goSettings.length - 1]!.replace('pgxpool DSN: ', '')}.`
      : `Pool settings for ${load.qps} queries/s at ${load.latencySeconds * 1000} ms: ${a.goSettings.slice(0, 4).join('; ')}.`,
  );
  for (const n of a.notes) f.remediation.push(n);
}

function rank(s: Severity): number {
  return s === 'critical' ? 3 : s === 'warning' ? 2 : 1;
}

function verdictOf(findings: Finding[], snapshots: number): string {
  const serious = findings.filter((f) => f.severity !== 'info');
  if (serious.length === 0) {
    return snapshots === 0
      ? 'No goroutine snapshot among the inputs: nothing to diagnose from stacks.'
      : 'No known failure signature: the goroutines look like normal work.';
  }
  const f = serious[0]!;
  return `${f.severity.toUpperCase()}: ${f.title}. ${f.summary}`;
}
