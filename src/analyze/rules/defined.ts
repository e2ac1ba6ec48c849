/**
 * Findings defined as data: a signature of a user's pack that carries a `finding` raises it by
 * itself, judged like the built-in ones (counts, ages, the evidence stacks, holders-first order).
 */

import { evidenceOf, maxMinutes, type Finding, type Thresholds } from '../finding-kit.js';
import type { SignatureHit, SnapshotMatch } from '../match.js';
import { formatCount, formatShare } from '../../model/units.js';

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (all, k: string) => values[k] ?? all);
}

function definedFinding(m: SnapshotMatch, hit: SignatureHit): Finding | null {
  const spec = hit.finding!;
  const n = hit.goroutines;
  if (n < Math.max(1, spec.min ?? 1)) return null;
  const minutes = maxMinutes(m, hit.signature);
  const critical = (spec.critical !== undefined && n >= spec.critical) || (spec.minutes !== undefined && minutes !== null && minutes >= spec.minutes);
  const values = {
    goroutines: formatCount(n),
    total: formatCount(m.total),
    share: formatShare(n, m.total),
    maxMinutes: minutes === null ? '?' : String(minutes),
  };
  return {
    id: spec.id,
    severity: critical ? 'critical' : (spec.severity ?? 'warning'),
    title: spec.title,
    summary: spec.summary !== undefined ? fill(spec.summary, values) : `${values.goroutines} goroutines of ${values.total} (${values.share}): ${hit.description}.`,
    goroutines: n,
    share: m.total ? n / m.total : 0,
    maxMinutes: minutes,
    evidence: evidenceOf(hit),
    holders: [],
    remediation: spec.remediation ?? [],
    signatures: [hit.signature],
  };
}

/** The findings the snapshot's data-defined signatures raise, one per finding id (their goroutines added). */
export function definedFindings(m: SnapshotMatch, _t: Thresholds): Finding[] {
  const byId = new Map<string, Finding>();
  for (const hit of m.hits.values()) {
    if (hit.finding === undefined) continue;
    const f = definedFinding(m, hit);
    if (f === null) continue;
    const have = byId.get(f.id);
    if (have === undefined) {
      byId.set(f.id, f);
      continue;
    }
    have.goroutines += f.goroutines;
    have.share = m.total ? have.goroutines / m.total : 0;
    have.evidence.push(...f.evidence);
    have.signatures.push(...f.signatures);
    if (f.severity === 'critical') have.severity = 'critical';
  }
  return [...byId.values()];
}
