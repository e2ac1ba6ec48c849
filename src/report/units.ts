/** Human-readable values for the units Go profiles use. */

export function formatValue(v: number, unit: string): string {
  switch (unit) {
    case 'nanoseconds':
      return formatDuration(v);
    case 'microseconds':
      return formatDuration(v * 1e3);
    case 'milliseconds':
      return formatDuration(v * 1e6);
    case 'seconds':
      return formatDuration(v * 1e9);
    case 'bytes':
      return formatSize(v);
    default:
      return formatCount(v);
  }
}

export function formatCount(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2);
}

export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 3600e9) return `${(ns / 3600e9).toFixed(2)}h`;
  if (a >= 60e9) return `${(ns / 60e9).toFixed(2)}m`;
  if (a >= 1e9) return `${(ns / 1e9).toFixed(2)}s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(2)}ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(2)}µs`;
  return `${ns}ns`;
}

export function formatSize(b: number): string {
  const a = Math.abs(b);
  if (a >= 1 << 30) return `${(b / (1 << 30)).toFixed(2)}GB`;
  if (a >= 1 << 20) return `${(b / (1 << 20)).toFixed(2)}MB`;
  if (a >= 1 << 10) return `${(b / (1 << 10)).toFixed(2)}kB`;
  return `${b}B`;
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
