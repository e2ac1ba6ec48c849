/**
 * The one vocabulary of units that every report, sentence and view uses:
 * - durations as `go tool pprof` prints them: ns, us, ms, s and hrs, two decimals with a
 *   trailing ".00" dropped (`632.90s`, `20ms`, `1.50hrs`);
 * - sizes in binary units, the same way (`512B`, `10KiB`, `8.50MiB`, `2GiB`);
 * - counts grouped by thousands (`106,012`); shares in a sentence as whole percents (`37%`), in
 *   a table or a tooltip with two decimals as pprof's -top prints them (`37.12%`).
 * JSON keeps the raw numbers with their unit; these strings are for people.
 */

const DURATIONS: readonly [string, number][] = [
  ['hrs', 3600e9],
  ['s', 1e9],
  ['ms', 1e6],
  ['us', 1e3],
];

const SIZES: readonly [string, number][] = [
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
];

/** Two decimals, ".00" dropped, as pprof's ScaledLabel prints a value. */
function scaled(v: number, unit: string): string {
  const s = v.toFixed(2).replace(/\.00$/, '');
  return s === '0' || s === '-0' ? '0' : s + unit;
}

function pick(v: number, units: readonly [string, number][], base: string): string {
  const a = Math.abs(v);
  for (const [unit, size] of units) if (a >= size) return scaled(v / size, unit);
  return scaled(v, base);
}

export function formatDuration(ns: number): string {
  return pick(ns, DURATIONS, 'ns');
}

export function formatSeconds(s: number): string {
  return formatDuration(s * 1e9);
}

export function formatSize(bytes: number): string {
  return pick(bytes, SIZES, 'B');
}

export function formatCount(v: number): string {
  return Number.isInteger(v) ? grouped(v) : v.toFixed(2);
}

/**
 * `n` with its thousands grouped as `toLocaleString('en-US')` writes it (`1,234,567`): counts go
 * through formatCount, and a figure that may be a fraction (a limit, a ratio) comes here. An
 * integer is grouped here: the locale's first use costs 10–25 ms, as it loads, more than a small
 * profile takes to read. Anything else (a fraction, -0, beyond 2^53) the locale writes.
 */
export function grouped(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(n < 0 ? -n : n);
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/** `n` of `total` as a whole percent; 0% when there is no total. */
export function formatShare(n: number, total: number): string {
  return total > 0 ? `${Math.round((n / total) * 100)}%` : '0%';
}

/** `n` of `total` with two decimals, as the flat and cum columns of `go tool pprof -top`. */
export function formatPercent(n: number, total: number): string {
  return `${(total !== 0 ? (n / total) * 100 : 0).toFixed(2)}%`;
}

/** A value in one of the units Go profiles use (a sample type's unit). */
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
