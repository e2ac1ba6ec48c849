/**
 * The Markdown report, for incident tickets (GitHub, GitLab, Jira's Markdown paste): the verdict
 * first, a findings table, then per finding the evidence stacks (trimmed to the frames that
 * matter), holders, wait latency from traces and what to do; then the inputs and the tool.
 *
 * Everything that comes from a profile is untrusted text: function names, file paths and labels
 * may hold `|`, backticks, `<`, Markdown link syntax or control characters. Inline text is
 * escaped character by character, code spans and fences are made longer than any backtick run
 * inside them, table cells never hold a raw `|` or a line break, and control characters are shown
 * as `\xNN`.
 */

import type { Diagnosis } from '../analyze/diagnose.js';
import type { EvidenceStack, Finding } from '../analyze/findings.js';
import type { InputAnalysis, TraceAnalysis } from '../analyze/index.js';
import type { WaitLatency } from '../analyze/trace/latency.js';
import type { InputError } from './json.js';
import { formatCount, formatDuration, formatSeconds } from '../model/units.js';
import { formatLabels, versionLabel } from './labels.js';
import { foldedLine, framesThatMatter } from './frames.js';

export interface MarkdownOptions {
  toolVersion: string;
  diagnosis: Diagnosis;
  redacted?: boolean;
  /** Evidence stacks per finding (default 2). */
  stacks?: number;
  /**
   * Fold each evidence stack into `<details>` (GitHub and GitLab show it folded; Jira and plain
   * CommonMark renderers do not support it, so it is off unless asked for).
   */
  details?: boolean;
  /** Most characters the report may take (default 65,536, a GitHub comment); see markdownReport. */
  limit?: number;
}

/** The most characters a GitHub issue or pull-request comment holds. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Text for inside an HTML element: on one line, controls visible, markup characters as entities. */
function htmlText(s: string): string {
  return visibleControls(s)
    .replace(/[\r\n]/g, ' ')
    .replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Control characters as visible text (`\x1b`), so they cannot act on a terminal or a renderer. */
export function visibleControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Text that Markdown shows literally: every character with a Markdown or HTML meaning escaped. */
export function mdText(s: string): string {
  const t = visibleControls(s)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\`*_[\]<>|~&!]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
  // what only means something at the start of a line: headings, lists, quotes
  return t.replace(/^(\s*)([#+=-]|\d+(?=[.)](\s|$)))/, (_, sp: string, c: string) => `${sp}${/\d/.test(c) ? c + '\\' : '\\' + c}`);
}

/** A code span holding `s` literally, whatever backticks it contains. */
export function mdCode(s: string, inTable = false): string {
  const t = visibleControls(s).replace(/[\r\n\t]+/g, ' ');
  let longest = 0;
  for (const m of t.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || t.startsWith(' ') ? ' ' : '';
  const body = inTable ? t.replace(/\|/g, '\\|') : t;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A table cell: plain escaped text, never a raw pipe or line break. */
function cell(s: string): string {
  return mdText(s);
}

/** A fenced code block holding the lines literally. */
export function mdBlock(lines: string[]): string {
  const body = lines.map((l) => visibleControls(l).replace(/[\r\n]/g, ' '));
  let longest = 0;
  for (const l of body) for (const m of l.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, ...body, fence].join('\n');
}

const SEVERITY_MARK: Record<string, string> = { critical: '🔴 critical', warning: '🟠 warning', info: '🔵 info' };

function minutesText(e: EvidenceStack): string {
  if (e.maxMinutes === null || e.maxMinutes <= 0) return '';
  return e.minMinutes === e.maxMinutes ? `, waiting ${e.maxMinutes} min` : `, waiting ${e.minMinutes ?? 0}–${e.maxMinutes} min`;
}

function evidenceMd(e: EvidenceStack, maxFrames: number, details: boolean): string[] {
  const { shown, more } = framesThatMatter(e.frames, maxFrames);
  const frames = shown.flatMap((x) => ('frame' in x ? [x.frame] : []));
  const head = `${formatCount(e.goroutines)} goroutine${e.goroutines === 1 ? '' : 's'} ${mdCode(`[${e.waitReason || 'wait reason not in this form'}]`)}${minutesText(e)} — ${mdCode(e.signature)}`;
  const width = Math.min(72, Math.max(...frames.map((f) => f.function.length), 10));
  const lines = shown.map((x) => {
    if (!('frame' in x)) return `  ${foldedLine(x.folded)}`;
    const f = x.frame;
    const loc = f.file ? `${f.file}:${f.line}` : '';
    return `${f.matched ? '▶ ' : '  '}${f.function.padEnd(width)}  ${loc}`.trimEnd();
  });
  if (more > 0) lines.push(`  … ${more} more frame${more === 1 ? '' : 's'}`);
  if (e.createdBy) lines.push(`  created by ${e.createdBy}`);
  if (e.labels && e.labels.length > 0) lines.push(`  labels: ${formatLabels(e.labels)}`);
  // the summary line is Markdown escaped as everywhere else, inside the one tag pair we write
  if (details) {
    // inside the tag pair Markdown is not read: the line is plain text, HTML-escaped, controls shown
    const plainHead = `${formatCount(e.goroutines)} goroutine${e.goroutines === 1 ? '' : 's'} [${e.waitReason || 'wait reason not in this form'}]${minutesText(e)} — ${e.signature}`;
    return ['<details>', `<summary>${htmlText(plainHead)}</summary>`, '', mdBlock(lines), '', '</details>'];
  }
  return [head, '', mdBlock(lines)];
}

function latencyMd(f: Finding): string[] {
  const lat = (f.latency ?? []).filter((l) => l.count + l.begunBefore + l.stillWaiting > 0);
  if (lat.length === 0) return [];
  return ['**Wait latency in the trace** (all waits seen; ≥ marks a lower bound, where waits cut by the trace’s start or end weigh in)', '', ...latencyTable(lat), ''];
}

function latencyTable(lat: readonly WaitLatency[]): string[] {
  const ns = (v: number | null) => (v === null ? '–' : formatDuration(v));
  const bound = (v: number | null, lower: boolean) => (v === null ? '–' : `${lower ? '≥ ' : ''}${formatDuration(v)}`);
  const out = ['| signature | waits | p50 | p99 | max | ended inside (p50) | begun before the trace | still waiting at its end |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const l of lat) {
    const a = l.all;
    out.push(
      `| ${mdCode(l.signature, true)} | ${formatCount(a.count)} | ${bound(a.p50Ns, a.p50IsLowerBound)} | ${bound(a.p99Ns, a.p99IsLowerBound)} | ${bound(a.maxNs, a.maxIsLowerBound)} | ${formatCount(l.count)}${l.p50Ns !== null ? ` (${ns(l.p50Ns)})` : ''} | ${formatCount(l.begunBefore)}${l.begunBeforeMaxNs !== null ? ` (≥ ${ns(l.begunBeforeMaxNs)})` : ''} | ${formatCount(l.stillWaiting)}${l.stillWaitingMaxNs !== null ? ` (≥ ${ns(l.stillWaitingMaxNs)})` : ''} |`,
    );
  }
  return out;
}

/**
 * What a trace shows besides the findings: where its goroutines blocked (as `go tool trace
 * -pprof` splits it), its goroutine groups by start function (as `go tool trace` lists them) and
 * the wait latency of every signature seen.
 */
function traceMd(a: TraceAnalysis, extras: boolean): string[] {
  const out = [`## Trace ${mdCode(a.path)}`, ''];
  out.push(`${formatCount(a.events)} events, ${formatCount(a.goroutines)} goroutines, ${formatDuration(a.durationNs)} (${mdText(versionLabel(a)!)}).`, '');
  const blocking = a.blocking.filter((b) => b.count > 0);
  if (blocking.length) {
    out.push('| blocked in | intervals | total | most under |', '| --- | ---: | ---: | --- |');
    for (const b of blocking) out.push(`| ${cell(b.type)} | ${formatCount(b.count)} | ${formatDuration(b.delayNs)} | ${cell(b.top.slice(0, 3).map((e) => `${e.function} (${formatDuration(e.flat)})`).join('; ') || '–')} |`);
    out.push('');
  }
  if (!extras) return out;
  const groups = a.goroutineGroups.slice(0, 10);
  if (groups.length) {
    out.push('| goroutines started in | goroutines | ended | blocked at the end | running | waiting to run | in syscalls | blocked |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const g of groups) {
      const blocked = [...g.blockNs.values()].reduce((s, v) => s + v, 0);
      out.push(`| ${mdCode(g.name || '(unknown)', true)} | ${formatCount(g.count)} | ${formatCount(g.ended)} | ${formatCount(g.blockedAtEnd)} | ${formatDuration(g.execNs)} | ${formatDuration(g.schedWaitNs)} | ${formatDuration(g.syscallNs)} | ${formatDuration(blocked)} |`);
    }
    if (a.goroutineGroups.length > groups.length) out.push('', `${formatCount(a.goroutineGroups.length - groups.length)} more groups in the JSON report.`);
    out.push('');
  }
  const lat = (a.waitLatency ?? []).filter((l) => l.all.count > 0);
  if (lat.length) out.push('Wait latency by signature (≥ marks a lower bound: waits cut by the trace’s start or end):', '', ...latencyTable(lat), '');
  return out;
}

function findingMd(f: Finding, n: number, l: Level): string[] {
  const out = [`### ${n}. ${f.severity.toUpperCase()} ${mdCode(f.id)} — ${mdText(f.title)}`, '', mdText(f.summary), ''];
  const ev = f.evidence.slice(0, l.stacks);
  if (ev.length) {
    out.push('**Evidence** (▶ marks the frames the signature matched)', '');
    for (const e of ev) out.push(...evidenceMd(e, l.frames, l.details), '');
    if (f.evidence.length > ev.length) out.push(`${f.evidence.length - ev.length} more stack${f.evidence.length - ev.length === 1 ? '' : 's'} in the JSON report.`, '');
  }
  if (f.holders.length) {
    out.push('**Held by**', '');
    for (const h of f.holders) out.push(`- ${h.goroutines > 0 ? `${formatCount(h.goroutines)} × ` : ''}${mdText(h.description)}`);
    out.push('');
  }
  out.push(...latencyMd(f));
  if (f.remediation.length) {
    out.push('**What to do**', '');
    for (const r of f.remediation) out.push(`- ${mdText(r)}`);
    out.push('');
  }
  return out;
}

function inputRow(a: InputAnalysis): string {
  const captured = a.type === 'profile' && a.timeNanos > 0 ? new Date(a.timeNanos / 1e6).toISOString() : '–';
  const contents =
    a.type === 'trace'
      ? `${formatCount(a.events)} events, ${formatCount(a.goroutines)} goroutines, ${formatDuration(a.durationNs)}`
      : `${formatCount(a.samples)} samples${a.goroutines !== null ? `, ${formatCount(a.goroutines)} goroutines` : ''}`;
  return `| ${mdCode(a.path, true)} | ${cell(a.kind)} | ${cell(a.format)}${a.compressed ? ' (gzip)' : ''} | ${cell(versionLabel(a) ?? '–')} | ${captured} | ${contents} |`;
}

/** How much a rendering holds: the first that fits the limit is written. */
interface Level {
  stacks: number;
  frames: number;
  details: boolean;
  /** Notes on the inputs, and the diffs' tables. */
  extras: boolean;
  /** Said at the top when something was left out to fit. */
  note: string | null;
  /** How many findings get their section (default all). */
  sections?: number;
}

function levels(o: MarkdownOptions): Level[] {
  const details = o.details ?? false;
  const stacks = o.stacks ?? 2;
  const limit = formatCount(o.limit ?? GITHUB_COMMENT_LIMIT);
  const cut = (what: string) => `Shortened to fit ${limit} characters: ${what}; the JSON report has everything.`;
  return [
    { stacks, frames: 14, details, extras: true, note: null },
    { stacks: Math.min(stacks, 1), frames: 8, details, extras: true, note: cut('one evidence stack per finding, 8 frames each') },
    { stacks: Math.min(stacks, 1), frames: 8, details, extras: false, note: cut('one evidence stack per finding, no notes on the inputs') },
    { stacks: 0, frames: 0, details, extras: false, note: cut('no evidence stacks, no notes on the inputs') },
  ];
}

/**
 * The report, whole when it fits `limit` (a GitHub comment by default); otherwise with fewer
 * evidence stacks, then without the inputs' notes, then without stacks, saying so at the top.
 * The verdict and every finding's heading, summary and advice are never cut: past the last
 * level, the findings after the limit keep their table row and are named in a closing line.
 */
export function markdownReport(analyses: InputAnalysis[], errors: InputError[], o: MarkdownOptions): string {
  const limit = o.limit ?? GITHUB_COMMENT_LIMIT;
  const all = levels(o);
  for (const l of all) {
    const text = renderMd(analyses, errors, o, l);
    if (text.length <= limit) return text;
  }
  // the sections of as many findings as fit; the others keep their row in the table
  const last = all[all.length - 1]!;
  let n = o.diagnosis.findings.length;
  let text = renderMd(analyses, errors, o, { ...last, sections: n });
  while (text.length > limit && n > 0) text = renderMd(analyses, errors, o, { ...last, sections: --n });
  return text;
}

function renderMd(analyses: InputAnalysis[], errors: InputError[], o: MarkdownOptions, l: Level): string {
  const d = o.diagnosis;
  const out: string[] = ['# pprof-diag report', ''];
  out.push(`**${mdText(d.verdict)}**`, '');
  for (const n of d.notes ?? []) out.push(`> ${mdText(n)}`, '');
  if (l.note) out.push(`> ${mdText(l.note)}`, '');
  if (o.redacted) {
    out.push('> **Redacted:** file paths, argument values, label values and host names are replaced by placeholders; function names are kept.', '');
  }
  if (d.findings.length) {
    // the table names each finding; what it found is said once, in its section below
    out.push('## Findings', '', '| # | severity | finding | what |', '| ---: | --- | --- | --- |');
    d.findings.forEach((f, i) => out.push(`| ${i + 1} | ${SEVERITY_MARK[f.severity] ?? f.severity} | ${mdCode(f.id, true)} | ${cell(f.title)} |`));
    out.push('');
    const shown = Math.min(d.findings.length, l.sections ?? Infinity);
    d.findings.slice(0, shown).forEach((f, i) => out.push(...findingMd(f, i + 1, l)));
    if (shown < d.findings.length) out.push(`Findings ${shown + 1}–${d.findings.length} are in the JSON report: their sections would not fit.`, '');
  }
  for (const x of d.diffs) out.push(...diffMd(x, l.extras));
  for (const a of analyses) if (a.type === 'trace') out.push(...traceMd(a, l.extras));
  out.push('## Inputs', '', '| file | kind | format | Go | captured | contents |', '| --- | --- | --- | --- | --- | --- |');
  for (const a of analyses) out.push(inputRow(a));
  out.push('');
  if (l.extras) out.push(...notesMd(analyses));
  if (errors.length) {
    out.push('**Not read:**', '');
    for (const e of errors) out.push(`- ${mdCode(e.path)}: ${mdText(e.message)}`);
    out.push('');
  }
  out.push('---', '', `pprof-diag ${mdText(o.toolVersion)}${o.redacted ? ', redacted' : ''}`, '');
  return out.join('\n');
}

function diffMd(x: Diagnosis['diffs'][number], tables: boolean): string[] {
  const out = [`## Between ${mdCode(x.before)} and ${mdCode(x.after)}`, ''];
  out.push(`${formatCount(x.diff.before)} → ${formatCount(x.diff.after)} goroutines (${x.diff.delta >= 0 ? '+' : ''}${formatCount(x.diff.delta)})${x.diff.seconds !== null ? ` in ${formatSeconds(x.diff.seconds)}` : ''}.`, '');
  const grew = x.diff.signatures.filter((s) => s.delta !== 0 && s.role !== 'background').slice(0, 10);
  if (tables && grew.length) {
    out.push('| signature | before | after | change |', '| --- | ---: | ---: | ---: |');
    for (const s of grew) out.push(`| ${mdCode(s.signature, true)} | ${formatCount(s.before)} | ${formatCount(s.after)} | ${s.delta >= 0 ? '+' : ''}${formatCount(s.delta)} |`);
    out.push('');
  }
  return out;
}

function notesMd(analyses: InputAnalysis[]): string[] {
  const out: string[] = [];
  for (const a of analyses) {
    const notes = a.type === 'profile' ? [...a.warnings, ...a.repairs.map((w) => `read leniently: ${w}`)] : a.warnings;
    if (notes.length === 0) continue;
    out.push(`Notes on ${mdCode(a.path)}:`, '');
    for (const n of notes) out.push(`- ${mdText(n)}`);
    out.push('');
  }
  return out;
}
