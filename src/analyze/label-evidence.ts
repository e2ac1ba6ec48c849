/**
 * pprof labels as evidence: when the goroutines of a finding carry one value of a label
 * (`endpoint=/v1/orders/summary`, `job=stock-refresh`), that names which of the service's
 * requests or jobs is stuck, often the only clue to it.
 */

import type { Finding } from './finding-kit.js';
import { formatCount } from '../model/units.js';

/** The share of a finding's goroutines one label value must cover to be named. */
const DOMINANT = 0.8;

/** A sentence naming the label values the finding's goroutines share, or '' when they share none. */
export function labelSentence(f: Finding): string {
  if (f.goroutines <= 1) return '';
  const byKey = new Map<string, Map<string, number>>();
  for (const e of f.evidence) {
    for (const l of e.labels ?? []) {
      let m = byKey.get(l.key);
      if (m === undefined) byKey.set(l.key, (m = new Map()));
      for (const v of l.values) m.set(v.value, (m.get(v.value) ?? 0) + v.count);
    }
  }
  const parts: string[] = [];
  let all = true;
  for (const [key, values] of byKey) {
    const [value, n] = [...values].sort((a, b) => b[1] - a[1])[0]!;
    if (n < f.goroutines * DOMINANT) continue;
    parts.push(`${key}=${value}`);
    if (n < f.goroutines) all = false;
  }
  if (parts.length === 0) return '';
  const n = formatCount(f.goroutines);
  return ` ${all ? `All ${n}` : `Most of the ${n}`} carry the label${parts.length === 1 ? '' : 's'} ${parts.join(', ')}.`;
}

/** Adds the label sentence to each finding whose goroutines share a label value. */
export function addLabelEvidence(findings: Iterable<Finding>): void {
  for (const f of findings) {
    if (f.runtimeVerdict !== undefined) continue;
    f.summary += labelSentence(f);
  }
}
