/**
 * Targets from a running Prometheus: its scrape targets (`/api/v1/targets`: scrape URL, labels,
 * health), those whose labels a selector such as `{job="checkout", zone=~"eu-.*"}` matches; and,
 * with a metric to rank by, only the K instances where an instant query (`/api/v1/query`) of it
 * is highest, so that deep profiles are pulled from the outliers alone.
 */

import { messageLine, UsageError } from '../model/errors.js';
import { errorLine } from '../model/errors.js';
import { readInput } from '../cli/inputs.js';
import type { FleetTarget } from './targets.js';

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  re?: RegExp;
}

export interface PrometheusOptions {
  timeoutMs: number;
  maxBytes: number;
  insecure?: boolean;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*(?:,|$)/;

/** The matchers of a selector `{name="value", …}` (PromQL's four operators; regexes are anchored). */
export function parseSelector(s: string): Matcher[] {
  const t = s.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) throw new UsageError(`--match ${s}: expected a selector such as {job="checkout"}`);
  let rest = t.slice(1, -1).trim();
  const out: Matcher[] = [];
  while (rest !== '') {
    const m = MATCHER.exec(rest);
    if (!m) throw new UsageError(`--match ${s}: cannot read ${JSON.stringify(rest.slice(0, 40))} (expected name="value", name!="value", name=~"regex" or name!~"regex")`);
    const quoted = m[3]!;
    const value = quoted.startsWith('"') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1).replace(/\\(.)/g, '$1');
    const op = m[2] as Matcher['op'];
    const matcher: Matcher = { name: m[1]!, op, value };
    if (op === '=~' || op === '!~') {
      try {
        matcher.re = new RegExp(`^(?:${value})$`);
      } catch (e) {
        throw new UsageError(`--match ${s}: ${m[1]} ${op} ${quoted} is not a regular expression (${messageLine(e)})`);
      }
    }
    out.push(matcher);
    rest = rest.slice(m[0].length).trim();
  }
  return out;
}

/** Whether labels satisfy every matcher (a missing label is the empty string, as in PromQL). */
export function matches(ms: Matcher[], labels: Record<string, string>): boolean {
  return ms.every((m) => {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return v === m.value;
      case '!=':
        return v !== m.value;
      case '=~':
        return m.re!.test(v);
      case '!~':
        return !m.re!.test(v);
    }
  });
}

/** A Prometheus API answer's data, or a one-line reason it has none. */
async function apiGet(base: string, path: string, o: PrometheusOptions): Promise<unknown> {
  const url = `${base.replace(/\/+$/, '')}${path}`;
  let doc: { status?: unknown; data?: unknown; error?: unknown };
  try {
    const raw = await readInput(url, { timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, insecure: o.insecure === true });
    doc = JSON.parse(new TextDecoder().decode(raw.bytes)) as typeof doc;
  } catch (e) {
    throw new UsageError(`--prometheus ${url}: ${e instanceof SyntaxError ? 'the answer is not JSON (is this a Prometheus server?)' : errorLine(e)}`);
  }
  if (doc?.status !== 'success') throw new UsageError(`--prometheus ${url}: Prometheus answered ${String(doc?.status)}${typeof doc?.error === 'string' ? `: ${doc.error}` : ''}`);
  return doc.data;
}

interface ActiveTarget {
  labels?: Record<string, string>;
  scrapeUrl?: string;
  health?: string;
  lastError?: string;
}

/** The active targets of a Prometheus server whose labels match, in its order. */
export async function prometheusTargets(base: string, match: Matcher[], o: PrometheusOptions): Promise<FleetTarget[]> {
  const data = (await apiGet(base, '/api/v1/targets?state=active', o)) as { activeTargets?: ActiveTarget[] } | null;
  if (!data || !Array.isArray(data.activeTargets)) throw new UsageError(`--prometheus ${base}: /api/v1/targets has no activeTargets list`);
  const out: FleetTarget[] = [];
  const seen = new Set<string>();
  for (const t of data.activeTargets) {
    const all = t.labels ?? {};
    if (!matches(match, all) || typeof t.scrapeUrl !== 'string') continue;
    let u: URL;
    try {
      u = new URL(t.scrapeUrl);
    } catch {
      continue;
    }
    const instance = all.instance ?? u.host;
    if (seen.has(instance)) continue;
    seen.add(instance);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) if (k !== 'instance') labels[k] = v;
    out.push({ instance, base: `${u.protocol}//${u.host}`, labels, ...(t.health === 'down' ? { down: t.lastError || 'down' } : {}) });
  }
  return out;
}

/** The PromQL of `--rank-by`: a bare metric name takes the selector; an expression is used as it is. */
export function rankQuery(rankBy: string, match: string | undefined): string {
  return /^[A-Za-z_:][A-Za-z0-9_:]*$/.test(rankBy) && match !== undefined ? `${rankBy}${match.trim()}` : rankBy;
}

/** The targets whose instance has the `top` highest values of the query, highest first. */
export async function rankTargets(base: string, query: string, top: number, targets: FleetTarget[], o: PrometheusOptions): Promise<FleetTarget[]> {
  const data = (await apiGet(base, `/api/v1/query?query=${encodeURIComponent(query)}`, o)) as { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] } | null;
  if (!data || data.resultType !== 'vector' || !Array.isArray(data.result)) throw new UsageError(`--rank-by ${query}: Prometheus did not answer an instant vector`);
  const value = new Map<string, number>();
  for (const r of data.result) {
    const inst = r.metric?.instance;
    const v = Number(r.value?.[1]);
    if (inst !== undefined && Number.isFinite(v)) value.set(inst, Math.max(v, value.get(inst) ?? -Infinity));
  }
  return targets
    .filter((t) => value.has(t.instance))
    .sort((a, b) => value.get(b.instance)! - value.get(a.instance)!)
    .slice(0, top);
}
