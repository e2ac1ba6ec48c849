/**
 * The instances to profile, as Prometheus's service discovery lists them: a `file_sd` file or an
 * `http_sd` endpoint, both `[{"targets": ["host:port", …], "labels": {"job": "…", …}}, …]`.
 * Labels starting with `__` steer the scrape (`__scheme__`, `__metrics_path__`, …) and are not
 * shown; `__scheme__` (http or https) is honoured.
 */

import { UsageError } from '../model/errors.js';
import { messageLine } from '../model/errors.js';

export interface FleetTarget {
  /** host:port, or Prometheus's `instance` label when it has one. */
  instance: string;
  /** scheme://host:port, the base the /debug/pprof/ paths go under. */
  base: string;
  labels: Record<string, string>;
  /** Prometheus's last scrape of it failed: its error. */
  down?: string;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/;

/** The targets of a service-discovery document; `from` names it in errors. */
export function parseServiceDiscovery(text: string, from: string): FleetTarget[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${from}: not JSON (${messageLine(e)}); expected Prometheus file_sd / http_sd: [{"targets": ["host:port"], "labels": {…}}]`);
  }
  if (!Array.isArray(doc)) throw new UsageError(`${from}: expected a list of target groups, [{"targets": ["host:port"], "labels": {…}}]`);
  const out: FleetTarget[] = [];
  const seen = new Set<string>();
  doc.forEach((group: unknown, i) => {
    if (typeof group !== 'object' || group === null || !Array.isArray((group as { targets?: unknown }).targets)) {
      throw new UsageError(`${from}: target group ${i + 1} has no "targets" list`);
    }
    const g = group as { targets: unknown[]; labels?: unknown };
    const labels = stringLabels(g.labels, `${from}: target group ${i + 1}`);
    for (const t of g.targets) {
      if (typeof t !== 'string' || !HOST_PORT.test(t)) throw new UsageError(`${from}: target group ${i + 1}: ${JSON.stringify(t)} is not host:port`);
      out.push(targetOf(t, labels));
    }
  });
  for (const t of out) {
    if (seen.has(t.instance)) throw new UsageError(`${from}: instance ${t.instance} is listed twice`);
    seen.add(t.instance);
  }
  return out;
}

function stringLabels(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${where}: "labels" is not an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new UsageError(`${where}: label ${k} is not a string`);
    out[k] = val;
  }
  return out;
}

/** A target from host:port and every label (steering ones included), as Prometheus gives it. */
export function targetOf(address: string, all: Record<string, string>): FleetTarget {
  const scheme = all.__scheme__ === 'https' ? 'https' : 'http';
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (!k.startsWith('__') && k !== 'instance') labels[k] = v;
  return { instance: all.instance ?? address, base: `${scheme}://${address}`, labels };
}

/** The URL of one profile of a target: `/debug/pprof/goroutine?debug=0`. */
export function profileUrl(t: FleetTarget, profile: string, debug: number): string {
  return `${t.base}/debug/pprof/${profile}?debug=${debug}`;
}
