/**
 * The report of a fleet (`pprof-diag fleet`): the verdict, each finding across the instances,
 * the goroutine-count outliers, the instances that did not answer and why, and one row per
 * instance with its labels. Text, JSON (schema/fleet.schema.json), Markdown and one offline
 * HTML file. Redaction replaces instance names, label values and the hosts in URLs and reasons.
 */

import { summarizeFleet, type FleetSummary, type InstanceResult } from '../analyze/fleet.js';
import { escapeHtml } from './html.js';
import { mdCode, mdText } from './markdown.js';
import { REDACTION_NOTE, Redactor } from './redact.js';
import { plain, type Paint } from './text.js';

export const FLEET_SCHEMA_VERSION = 1;

/** Copies of the results with instance names, label values, URLs' authorities and hosts in reasons replaced. */
export function redactFleet(results: InstanceResult[]): InstanceResult[] {
  const r = new Redactor();
  const named = results.map((x) => ({ x, instance: r.placeholder('host', x.instance) }));
  return named.map(({ x, instance }) => {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(x.labels)) labels[k] = r.placeholder('label', v);
    // an instance's own URL: its authority is the instance, port and all; another (a query
    // of a profiling server) keeps the server's port and loses the selector's values
    const url = x.url.includes(`//${x.instance}/`)
      ? x.url.replace(/^([a-z]+:\/\/)[^/]*/i, `$1${instance}`)
      : r.text(x.url).replace(/"((?:[^"\\]|\\.)*)"/g, (_, v: string) => `"${r.placeholder('label', v)}"`);
    const out = { ...x, instance, labels, url };
    return x.answered ? out : { ...out, reason: r.text(x.reason) };
  });
}

/** The summary a report shows: of the redacted results when asked. */
export function fleetSummary(results: InstanceResult[], redact: boolean): FleetSummary & { redacted: boolean } {
  return { ...summarizeFleet(redact ? redactFleet(results) : results), redacted: redact };
}

type Shown = FleetSummary & { redacted: boolean };

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function spread(w: { min: number; median: number; max: number }): string {
  return `${w.min} / ${w.median} / ${w.max}`;
}

/** The sentence of one finding across the fleet. */
export function fleetFindingLine(f: FleetSummary['findings'][number]): string {
  return `${f.id} on ${f.instances} of ${f.answered + f.failed} instances (${f.answered} answered, ${f.failed} failed); goroutines ${spread(f.waiters)} min / median / max; worst: ${f.worst}`;
}

export function fleetText(s: Shown, paint: Paint = plain): string {
  const out: string[] = [];
  if (s.redacted) out.push(REDACTION_NOTE, '');
  const sev = s.worst === 'critical' ? paint.red : s.worst === 'warning' ? paint.yellow : (x: string) => x;
  out.push(paint.bold(sev(s.verdict)), '');
  out.push(`${s.instances} instances: ${s.answered} answered, ${s.failed} failed; ${s.healthy} healthy`);
  if (s.goroutines) out.push(`goroutines per instance: ${spread(s.goroutines)} min / median / max (MAD ${s.goroutines.mad})`);
  if (s.findings.length > 0) {
    out.push('', paint.bold('Findings across the fleet'));
    for (const f of s.findings) {
      out.push(`  ${f.severity.toUpperCase().padEnd(8)} ${fleetFindingLine(f)}`);
      out.push(paint.dim(`           ${f.title}; on ${f.on.join(', ')}`));
    }
  }
  if (s.outliers.length > 0) {
    out.push('', paint.bold('Goroutine count out of line'));
    for (const o of s.outliers) out.push(`  ${o.instance}: ${o.goroutines} goroutines (fleet median ${s.goroutines!.median}${o.score !== null ? `, score ${o.score}` : ''})`);
  }
  const failed = s.results.filter((r) => !r.answered);
  if (failed.length > 0) {
    out.push('', paint.bold('Did not answer'));
    for (const r of failed) out.push(`  ${r.instance}: ${r.reason}`);
  }
  out.push('', paint.bold('Instances'));
  const width = Math.max(8, ...s.results.map((r) => r.instance.length));
  for (const r of s.results) {
    const state = !r.answered ? 'FAILED' : r.findings.length === 0 ? 'ok' : r.findings.map((f) => `${f.id}(${f.goroutines})`).join(' ');
    const g = r.answered ? String(r.goroutines).padStart(6) : '     -';
    out.push(`  ${r.instance.padEnd(width)} ${g}  ${state}${Object.keys(r.labels).length ? paint.dim(`  ${labelText(r.labels)}`) : ''}`);
  }
  return out.join('\n') + '\n';
}

export function fleetJson(s: Shown, toolVersion: string): string {
  const doc: Record<string, unknown> = {
    schemaVersion: FLEET_SCHEMA_VERSION,
    tool: { name: 'pprof-diag', version: toolVersion },
    ...(s.redacted ? { redacted: true, redactionNote: REDACTION_NOTE } : {}),
    verdict: s.verdict,
    worst: s.worst,
    instances: s.instances,
    answered: s.answered,
    failed: s.failed,
    healthy: s.healthy,
    sick: s.sick,
    goroutines: s.goroutines,
    findings: s.findings,
    outliers: s.outliers,
    results: s.results,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export function fleetMarkdown(s: Shown, toolVersion: string): string {
  const out: string[] = [`## pprof-diag fleet: ${mdText(s.verdict)}`, ''];
  if (s.redacted) out.push(`_${mdText(REDACTION_NOTE)}_`, '');
  out.push(`${s.instances} instances: ${s.answered} answered, ${s.failed} failed; **${s.healthy} healthy**.`, '');
  if (s.findings.length > 0) {
    out.push('| severity | finding | instances | goroutines min / median / max | worst |', '| --- | --- | --- | --- | --- |');
    for (const f of s.findings) {
      out.push(`| ${f.severity} | ${mdCode(f.id, true)} ${mdText(f.title)} | ${f.instances} of ${f.answered + f.failed} | ${spread(f.waiters)} | ${mdCode(f.worst, true)} |`);
    }
    out.push('');
  }
  if (s.outliers.length > 0) {
    out.push(`**Goroutine count out of line** (fleet median ${s.goroutines!.median}, MAD ${s.goroutines!.mad}):`, '');
    for (const o of s.outliers) out.push(`- ${mdCode(o.instance)}: ${o.goroutines} goroutines`);
    out.push('');
  }
  out.push('| instance | goroutines | findings | labels |', '| --- | --- | --- | --- |');
  for (const r of s.results) {
    const state = !r.answered ? `did not answer: ${mdText(r.reason)}` : r.findings.length === 0 ? 'healthy' : r.findings.map((f) => `${mdCode(f.id, true)} (${f.goroutines})`).join(', ');
    out.push(`| ${mdCode(r.instance, true)} | ${r.answered ? r.goroutines : '–'} | ${state} | ${mdText(labelText(r.labels))} |`);
  }
  out.push('', `<sub>pprof-diag ${mdText(toolVersion)}</sub>`, '');
  return out.join('\n');
}

/**
 * One offline HTML file: no script, nothing fetched (its policy allows inline styles only).
 * `flame`: the fleet's flame graph (fleetFlameSvg), drawn under the tables when given.
 */
export function fleetHtml(s: Shown, toolVersion: string, flame = ''): string {
  const e = escapeHtml;
  const rows = s.results.map((r) => {
    const state = !r.answered ? `<td class="bad">did not answer: ${e(r.reason)}</td>` : r.findings.length === 0 ? '<td class="ok">healthy</td>' : `<td class="sick">${r.findings.map((f) => `<code>${e(f.id)}</code> (${f.goroutines})`).join(', ')}</td>`;
    return `<tr><td><code>${e(r.instance)}</code></td><td class="n">${r.answered ? r.goroutines : '–'}</td>${state}<td>${e(labelText(r.labels))}</td></tr>`;
  });
  const findings = s.findings.map((f) => `<tr><td>${e(f.severity)}</td><td><code>${e(f.id)}</code> ${e(f.title)}</td><td class="n">${f.instances} of ${f.answered + f.failed}</td><td class="n">${spread(f.waiters)}</td><td><code>${e(f.worst)}</code></td></tr>`);
  const outliers = s.outliers.map((o) => `<li><code>${e(o.instance)}</code>: ${o.goroutines} goroutines</li>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="generator" content="pprof-diag ${e(toolVersion)}">
<title>pprof-diag fleet: ${e(s.verdict)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}.n{text-align:right}.bad{color:#a00}.sick{color:#b60}.ok{color:#070}</style>
</head>
<body>
<h1>${e(s.verdict)}</h1>
${s.redacted ? `<p><em>${e(REDACTION_NOTE)}</em></p>` : ''}
<p>${s.instances} instances: ${s.answered} answered, ${s.failed} failed; <strong>${s.healthy} healthy</strong>.</p>
${findings.length ? `<h2>Findings across the fleet</h2>\n<table><tr><th>severity</th><th>finding</th><th>instances</th><th>goroutines min / median / max</th><th>worst</th></tr>\n${findings.join('\n')}\n</table>` : ''}
${outliers.length ? `<h2>Goroutine count out of line</h2>\n<ul>${outliers.join('')}</ul>` : ''}
<h2>Instances</h2>
<table><tr><th>instance</th><th>goroutines</th><th>findings</th><th>labels</th></tr>
${rows.join('\n')}
</table>
${flame ? `<h2>Goroutines across the fleet</h2>\n<p>One flame graph of every instance's goroutines, root at the top, one frame per instance under it; a frame's name and goroutines show on hover.</p>\n${flame}` : ''}
</body>
</html>
`;
}
