/**
 * The terminal report. Colour only through the `paint` functions handed in, so NO_COLOR,
 * --no-color and pipes get plain text.
 */

import type { Diagnosis } from '../analyze/diagnose.js';
import type { Finding } from '../analyze/findings.js';
import type { InputAnalysis, ProfileAnalysis, TraceAnalysis } from '../analyze/index.js';
import type { InputError } from './json.js';
import { formatCount, formatDuration, formatPercent, formatValue } from '../model/units.js';
import { formatLabels, versionLabel } from './labels.js';
import { foldedLine, framesThatMatter } from './frames.js';

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export const plain: Paint = { bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, cyan: (s) => s };

export interface TextOptions {
  paint: Paint;
  buckets: number;
  frames: number;
  diagnosis?: Diagnosis;
}

const KIND_TITLE: Record<string, string> = {
  goroutine: 'goroutine profile',
  goroutineleak: 'goroutine leak profile',
  heap: 'heap profile',
  allocs: 'allocs profile',
  cpu: 'CPU profile',
  block: 'block profile',
  mutex: 'mutex profile',
  threadcreate: 'threadcreate profile',
  contention: 'contention profile (block or mutex)',
  wall: 'wall-clock profile',
  trace: 'execution trace',
  other: 'profile',
};

const FORMAT_TITLE: Record<string, string> = {
  pprof: 'pprof protobuf',
  'goroutine-debug1': 'goroutine text, debug=1',
  'goroutine-debug2': 'goroutine text, debug=2',
  traceback: 'traceback text',
  'legacy-heap': 'legacy heap text',
  'legacy-contention': 'legacy contention text',
  'legacy-threadcreate': 'legacy threadcreate text',
  'legacy-cpu': 'legacy binary CPU profile',
  trace: 'Go execution trace',
};

function header(a: InputAnalysis, paint: Paint): string {
  const parts = [FORMAT_TITLE[a.format] ?? a.format];
  if (a.compressed) parts.push('gzip');
  const version = versionLabel(a);
  if (version) parts.push(version);
  return `${paint.bold(a.path)} — ${paint.cyan(KIND_TITLE[a.kind] ?? a.kind)} (${parts.join(', ')})`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function padLeft(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function profileText(a: ProfileAnalysis, o: TextOptions): string[] {
  const { paint } = o;
  const out: string[] = [header(a, paint)];
  if (a.durationNanos > 0) out.push(`  duration ${formatDuration(a.durationNanos)}`);
  if (a.periodType && a.period) out.push(`  period ${formatValue(a.period, a.periodType.unit)} of ${a.periodType.type}`);
  out.push(`  ${formatCount(a.samples)} samples`);
  for (const t of a.sampleTypes) {
    out.push(`  ${pad(`${t.type}/${t.unit}`, 28)} total ${formatValue(t.total, t.unit)}`);
  }
  for (const w of a.warnings) out.push(paint.yellow(`  note: ${w}`));
  for (const w of a.repairs) out.push(paint.yellow(`  read leniently: ${w}`));
  if (a.goroutines !== null && a.buckets) {
    const stated = a.statedTotal !== null && a.statedTotal !== a.goroutines ? ` (the dump states ${a.statedTotal})` : '';
    out.push('');
    out.push(paint.bold(`  ${formatCount(a.goroutines)} goroutines in ${a.buckets.length} groups of identical stacks${stated}`));
    for (const b of a.buckets.slice(0, o.buckets)) {
      const minutes =
        b.maxMinutes !== null && b.maxMinutes > 0
          ? b.minMinutes === b.maxMinutes
            ? `, ${b.maxMinutes} min`
            : `, ${b.minMinutes}–${b.maxMinutes} min`
          : '';
      out.push(`  ${padLeft(formatCount(b.count), 7)}  ${paint.bold(b.name)}  ${paint.yellow(`[${b.waitReason || 'wait reason not in this form'}${minutes}]`)}`);
      const frames = b.frames.slice(0, o.frames);
      for (const f of frames) out.push(`           ${f.function} ${paint.dim(`${f.file}:${f.line}`)}`);
      if (b.frames.length > frames.length) out.push(paint.dim(`           … ${b.frames.length - frames.length} more frames`));
      if (b.createdBy) out.push(paint.dim(`           created by ${b.createdBy}`));
      if (b.labels.length > 0) out.push(`           labels: ${formatLabels(b.labels)}`);
    }
    if (a.buckets.length > o.buckets) out.push(paint.dim(`  … ${a.buckets.length - o.buckets} more groups (--buckets N shows more)`));
  }
  const t = a.sampleTypes[a.sampleIndex];
  if (t && a.top.length > 0) {
    out.push('');
    out.push(paint.bold(`  top functions by ${t.type} (flat, cumulative)`));
    for (const e of a.top) {
      const flat = formatValue(e.flat, t.unit);
      const cum = formatValue(e.cum, t.unit);
      const pct = t.total !== 0 ? ` ${padLeft(formatPercent(e.flat, t.total), 7)}` : '';
      out.push(`  ${padLeft(flat, 10)}${pct} ${padLeft(cum, 10)}  ${e.function}`);
    }
  }
  return out;
}

function traceText(a: TraceAnalysis, o: TextOptions): string[] {
  const { paint } = o;
  const out = [header(a, paint)];
  out.push(`  ${formatCount(a.events)} events, ${formatCount(a.goroutines)} goroutines, ${formatDuration(a.durationNs)} in ${a.generations} generation${a.generations === 1 ? '' : 's'}`);
  for (const w of a.warnings) out.push(paint.yellow(`  note: ${w}`));
  const blocking = a.blocking.filter((b) => b.count > 0);
  if (blocking.length) {
    out.push('', paint.bold('  blocked in (as go tool trace -pprof splits it)'));
    for (const b of blocking) {
      const top = b.top.slice(0, 3).map((e) => `${e.function} ${formatDuration(e.flat)}`).join(', ');
      out.push(`  ${pad(b.type, 8)} ${padLeft(formatDuration(b.delayNs), 10)} in ${padLeft(formatCount(b.count), 7)} intervals${top ? paint.dim(`  most under ${top}`) : ''}`);
    }
  }
  const groups = a.goroutineGroups.slice(0, o.buckets);
  if (groups.length) {
    out.push('', paint.bold(`  goroutines by start function (${formatCount(a.goroutineGroups.length)} groups): count, ended, blocked at the end, running, waiting to run, blocked`));
    for (const g of groups) {
      const blocked = [...g.blockNs.values()].reduce((s, v) => s + v, 0);
      const figures = [formatCount(g.count), formatCount(g.ended), formatCount(g.blockedAtEnd)].map((x) => padLeft(x, 6)).join(' ');
      const times = [g.execNs, g.schedWaitNs, blocked].map((x) => padLeft(formatDuration(x), 10)).join(' ');
      out.push(`  ${figures} ${times}  ${g.name || '(unknown)'}`);
    }
    if (a.goroutineGroups.length > groups.length) out.push(paint.dim(`  … ${a.goroutineGroups.length - groups.length} more groups (--buckets N shows more)`));
  }
  const lat = (a.waitLatency ?? []).filter((l) => l.all.count > 0);
  if (lat.length) {
    out.push('', paint.bold('  wait latency by signature (≥: a lower bound, the wait was cut by the trace’s start or end)'));
    const bound = (v: number | null, lower: boolean) => (v === null ? '–' : `${lower ? '≥ ' : ''}${formatDuration(v)}`);
    for (const l of lat) {
      const x = l.all;
      out.push(`  ${pad(l.signature, 38)} ${padLeft(formatCount(x.count), 7)} waits  p50 ${bound(x.p50Ns, x.p50IsLowerBound)}  p99 ${bound(x.p99Ns, x.p99IsLowerBound)}  max ${bound(x.maxNs, x.maxIsLowerBound)}`);
    }
  }
  return out;
}

function findingText(f: Finding, o: TextOptions): string[] {
  const { paint } = o;
  const sev = f.severity === 'critical' ? paint.red(f.severity.toUpperCase()) : f.severity === 'warning' ? paint.yellow(f.severity.toUpperCase()) : paint.dim(f.severity.toUpperCase());
  const out = [`${sev} ${paint.bold(f.id)}: ${f.title}`, `  ${f.summary}`];
  for (const e of f.evidence.slice(0, 2)) {
    out.push(paint.dim(`  ${e.goroutines} × [${e.waitReason || '?'}]`));
    const { shown, more } = framesThatMatter(e.frames, o.frames);
    for (const x of shown) {
      if (!('frame' in x)) {
        out.push(paint.dim(`    ${foldedLine(x.folded)}`));
        continue;
      }
      const fr = x.frame;
      out.push(`    ${fr.matched ? paint.bold(fr.function) : fr.function} ${paint.dim(`${fr.file}:${fr.line}`)}`);
    }
    if (more > 0) out.push(paint.dim(`    … ${more} more frames`));
  }
  if (f.holders.length) {
    out.push('  held by:');
    for (const h of f.holders) out.push(`    ${h.goroutines > 0 ? `${h.goroutines} × ` : ''}${h.description}`);
  }
  if (f.remediation.length) {
    out.push('  what to do:');
    for (const r of f.remediation) out.push(`    - ${r}`);
  }
  return out;
}

export function textReport(analyses: InputAnalysis[], errors: InputError[], o: TextOptions): string {
  const blocks: string[] = [];
  if (o.diagnosis) {
    const d = o.diagnosis;
    const head = d.worst === 'critical' ? o.paint.red(d.verdict) : d.worst === 'warning' ? o.paint.yellow(d.verdict) : d.verdict;
    const lines = [o.paint.bold(head)];
    for (const n of d.notes ?? []) lines.push(o.paint.yellow(`note: ${n}`));
    for (const f of d.findings) lines.push('', ...findingText(f, o));
    blocks.push(lines.join('\n'));
  }
  for (const a of analyses) blocks.push((a.type === 'trace' ? traceText(a, o) : profileText(a, o)).join('\n'));
  if (errors.length > 0 && analyses.length > 0) {
    blocks.push(errors.map((e) => o.paint.red(`${e.path}: not read: ${e.message}`)).join('\n'));
  }
  return blocks.join('\n\n') + (blocks.length ? '\n' : '');
}
