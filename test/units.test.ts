/**
 * One vocabulary of units (src/model/units.ts): durations as `go tool pprof` prints them, sizes in
 * binary units. Checked against the -top outputs of go tool pprof kept beside every sample
 * profile, and against the sources: no other module formats a duration or a size.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { decode } from '../src/decode/index.js';
import { topFunctions } from '../src/analyze/summary.js';
import { formatDuration, formatSize, formatValue, grouped } from '../src/model/units.js';
import { repoRoot } from './helpers/corpus.js';

const TIME: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, hrs: 3600e9 };
const SIZE: Record<string, number> = { B: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/** A figure as printed ("449.31s", "1026.03kB") back to its number in the base unit, and the unit. */
function parse(s: string): { base: number; unit: string } | null {
  const m = /^(-?[\d.]+)([a-zA-Z]+)$/.exec(s);
  if (!m) return null;
  const scale = TIME[m[2]!] ?? SIZE[m[2]!];
  return scale === undefined ? null : { base: Number(m[1]) * scale, unit: m[2]! };
}

describe('the units', () => {
  it('print durations as go tool pprof does', () => {
    expect(formatDuration(449.31e9)).toBe('449.31s');
    expect(formatDuration(20e6)).toBe('20ms');
    expect(formatDuration(632.9e9)).toBe('632.90s');
    expect(formatDuration(5400e9)).toBe('1.50hrs');
    expect(formatDuration(1500)).toBe('1.50us');
    expect(formatDuration(0)).toBe('0');
    expect(formatSize(8 * 2 ** 20)).toBe('8MiB');
    expect(formatSize(1026.03 * 1024)).toBe('1MiB');
    expect(formatSize(512)).toBe('512B');
  });

  const tops = readdirSync(path.join(repoRoot, 'samples'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.top.txt') && !f.includes('.work'))
    .map((f) => ({ top: path.join(repoRoot, 'samples', f), profile: path.join(repoRoot, 'samples', f.replace(/\.top\.txt$/, '')) }))
    .filter((x) => existsSync(x.profile));
  it('have go tool pprof -top outputs to compare with', () => expect(tops.length).toBeGreaterThan(60));

  // each row's flat figure, ours beside pprof's: the same quantity to the precision pprof prints,
  // and the same string wherever pprof chose the unit we choose
  it('name the figures go tool pprof -top prints, in every sample profile', () => {
    let same = 0;
    let compared = 0;
    for (const x of tops) {
      const text = readFileSync(x.top, 'utf8');
      const rows = text
        .split('\n')
        .map((l) => /^\s*(\S+)\s+[\d.]+%\s+[\d.]+%\s+\S+\s+[\d.]+%\s+(.+?)(?: \(inline\))?\s*$/.exec(l))
        .filter((m) => m !== null);
      const type = /^Type: (\S+)/m.exec(text)?.[1];
      const d = decode(new Uint8Array(readFileSync(x.profile)));
      if (d.type !== 'profile') continue;
      const p = d.profile;
      const si = p.sampleTypes.findIndex((t) => t.type === type);
      if (si < 0) continue;
      const unit = p.sampleTypes[si]!.unit;
      const ours = new Map(topFunctions(p, si, 1000).map((e) => [e.function, formatValue(e.flat, unit)]));
      for (const m of rows) {
        const theirs = parse(m[1]!);
        const mine = ours.get(m[2]!);
        if (theirs === null || mine === undefined) continue;
        const mineParsed = parse(mine);
        expect(mineParsed, `${x.top}: ${m[2]} ${mine}`).not.toBeNull();
        compared++;
        // pprof rounds to two decimals of its unit; ours to two of ours
        const slack = (TIME[theirs.unit] ?? SIZE[theirs.unit]!) * 0.005 + (TIME[mineParsed!.unit] ?? SIZE[mineParsed!.unit]!) * 0.005;
        expect(Math.abs(mineParsed!.base - theirs.base), `${x.top}: ${m[2]} pprof ${m[1]}, ours ${mine}`).toBeLessThanOrEqual(slack + 1e-9 * theirs.base);
        if (theirs.unit === mineParsed!.unit) {
          expect(mine, x.top).toBe(m[1]);
          same++;
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
    expect(same).toBeGreaterThan(50);
  });

  // the sources: a duration or a size is written only by src/model/units.ts
  it('are formatted in one module, which the page imports too', () => {
    const files = [
      ...readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => path.join('src', f)),
      ...readdirSync(path.join(repoRoot, 'web', 'src'), { recursive: true, encoding: 'utf8' }).map((f) => path.join('web', 'src', f)),
    ].filter((f) => f.endsWith('.ts') && f !== path.join('src', 'model', 'units.ts'));
    const unitOut = /toFixed\([^)]*\)\}?\s?(ns|us|µs|ms|s|min|hrs|B|KiB|MiB|GiB|kB|MB|GB)\b/;
    const offenders = files.filter((f) => unitOut.test(readFileSync(path.join(repoRoot, f), 'utf8')));
    expect(offenders).toEqual([]);
    expect(readFileSync(path.join(repoRoot, 'web', 'src', 'report.ts'), 'utf8')).toContain("from '../../src/model/units.js'");
  });

  it("group a count's thousands as toLocaleString('en-US') does, which only the units module calls", () => {
    const xs = [0, -0, 1, -1, 7, 12, 123, 999, 1000, -1000, 1234, 99_999, 100_000, 1_000_000, -1_234_567, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1.5, -2.25, 1234.5678, 0.1, NaN, Infinity, -Infinity];
    // integers of every length, both signs
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 48271) % 2147483647;
      xs.push(Math.floor((seed / 2147483647 - 0.3) * 10 ** (i % 17)));
    }
    for (const x of xs) expect(grouped(x), String(x)).toBe(x.toLocaleString('en-US'));
    const files = [
      ...readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => path.join('src', f)),
      ...readdirSync(path.join(repoRoot, 'web', 'src'), { recursive: true, encoding: 'utf8' }).map((f) => path.join('web', 'src', f)),
    ].filter((f) => f.endsWith('.ts') && f !== path.join('src', 'model', 'units.ts'));
    expect(files.filter((f) => readFileSync(path.join(repoRoot, f), 'utf8').includes('toLocaleString'))).toEqual([]);
  });
});
