import { formatCount } from '../model/units.js';
import type { InputAnalysis } from '../analyze/index.js';

/** Which Go an input is from, as far as it says: a profile's version, a trace's format version (a trace does not name its Go). */
export function versionLabel(a: InputAnalysis): string | null {
  return a.type === 'trace' ? `trace format ${a.traceFormat}` : a.goVersion;
}

/** A group's pprof labels in one line: `endpoint=/v1/orders (195); tenant=t-03 (100), t-04 (95), 2 more`. */
export function formatLabels(labels: readonly { key: string; values: readonly { value: string; count: number }[]; others: number }[], maxValues = 3): string {
  return labels
    .map((l) => {
      const shown = l.values.slice(0, maxValues).map((v) => `${v.value} (${formatCount(v.count)})`);
      const rest = l.values.length - shown.length;
      const tail = rest > 0 ? `, ${rest}${l.others > 0 ? '+' : ''} more` : l.others > 0 ? ', more' : '';
      return `${l.key}=${shown.join(', ')}${tail}`;
    })
    .join('; ');
}
