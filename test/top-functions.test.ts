/**
 * topFunctions (src/analyze/summary.ts), the flat and cumulative figures `go tool pprof -top`
 * prints: for every profile of the samples and the corpus, every sample type, the figures a plain
 * count gives (each sample's leaf function flat, each function on its stack once cumulative),
 * however the samples are ordered and whatever their values: fractions, negative values, sums past
 * 2^53.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../src/decode/index.js';
import type { Profile, SampleTable } from '../src/model/profile.js';
import { forEachFrame } from '../src/model/stacks.js';
import { topFunctions, type TopEntry } from '../src/analyze/summary.js';
import { corpusFile, filesUnder, manifest, repoRoot } from './helpers/corpus.js';

/** Every profile (not a trace) the samples and the corpus decode to, goroutine profiles as other profiles. */
function profiles(): { name: string; p: Profile }[] {
  const inputs = [
    // (not the programs, scripts and reference outputs beside the captures)
    ...filesUnder(path.join(repoRoot, 'samples'))
      .filter((f) => !/\.(json|go|mjs|sh|mod|sum)$|\.(top|raw)\.txt$/.test(f))
      .map((f) => ({ name: path.relative(repoRoot, f), bytes: () => new Uint8Array(readFileSync(f)) })),
    ...manifest().map((row) => ({ name: row.path, bytes: () => corpusFile(row.path) })),
  ];
  const out: { name: string; p: Profile }[] = [];
  for (const { name, bytes } of inputs) {
    let d;
    try {
      d = decode(bytes());
    } catch {
      continue;
    }
    if (d.type !== 'profile' || d.profile.sampleTypes.length === 0 || d.profile.samples.length === 0) continue;
    out.push({ name, p: { ...d.profile, kind: 'other' } });
  }
  return out;
}

/** The figures counted plainly: per sample, its first frame's function flat, each function of its frames once cumulative. */
function counted(p: Profile, si: number): TopEntry[] {
  const flat = new Map<number, number>();
  const cum = new Map<number, number>();
  const n = p.sampleTypes.length;
  for (let i = 0; i < p.samples.length; i++) {
    const v = p.samples.values[i * n + si]!;
    if (v === 0) continue;
    const names = new Set<number>();
    forEachFrame(p, i, (fn) => {
      const name = p.functions.name[fn]!;
      if (names.size === 0) flat.set(name, (flat.get(name) ?? 0) + v);
      names.add(name);
    });
    for (const name of names) cum.set(name, (cum.get(name) ?? 0) + v);
  }
  const entries = [...cum.keys()].sort((a, b) => a - b).map((s) => ({ function: p.strings.get(s), flat: flat.get(s) ?? 0, cum: cum.get(s)! }));
  entries.sort((a, b) => Math.abs(b.flat) - Math.abs(a.flat) || Math.abs(b.cum) - Math.abs(a.cum) || (a.function < b.function ? -1 : 1));
  return entries;
}

/** The profile with its samples in the order `order` gives (labels dropped: the figures do not read them). */
function reordered(p: Profile, order: number[]): Profile {
  const s = p.samples;
  const n = p.sampleTypes.length;
  const values = new Float64Array(s.values.length);
  const stackStart = new Uint32Array(s.length + 1);
  const stack = new (s.stack.constructor as new (n: number) => typeof s.stack)(s.stack.length);
  let at = 0;
  order.forEach((i, k) => {
    values.set(s.values.subarray(i * n, i * n + n), k * n);
    stack.set(s.stack.subarray(s.stackStart[i]!, s.stackStart[i + 1]!), at);
    at += s.stackStart[i + 1]! - s.stackStart[i]!;
    stackStart[k + 1] = at;
  });
  const samples: SampleTable = { ...s, values, stackStart, stack, labelStart: new Uint32Array(s.length + 1) };
  return { ...p, samples };
}

/** The profile with every value v written f(v, sample). */
function revalued(p: Profile, f: (v: number, i: number) => number): Profile {
  const n = p.sampleTypes.length;
  return { ...p, samples: { ...p.samples, values: p.samples.values.map((v, x) => f(v, Math.floor(x / n))) } };
}

describe('the top functions', () => {
  const all = profiles();

  it('are read from the profiles of the samples and the corpus', () => {
    expect(all.length).toBeGreaterThan(400);
    // profiles with inlined frames (a location of several lines) among them
    expect(all.filter(({ p }) => p.locations.lineCount.some((c) => c > 1)).length).toBeGreaterThan(100);
  });

  it('are the figures a plain count gives, for every sample type', () => {
    let types = 0;
    for (const { name, p } of all) {
      for (let si = 0; si < p.sampleTypes.length; si++) {
        expect(topFunctions(p, si, 1e9), `${name} ${si}`).toEqual(counted(p, si));
        types++;
      }
    }
    expect(types).toBeGreaterThan(700);
  });

  it('do not depend on the order of the samples', () => {
    for (const { name, p } of all) {
      const n = p.samples.length;
      const reversed = reordered(p, [...Array(n).keys()].reverse());
      // every other sample, then the rest: neighbours that share less
      const split = reordered(p, [...Array(n).keys()].sort((a, b) => (a % 2) - (b % 2) || a - b));
      const si = p.defaultSampleType;
      const want = topFunctions(p, si, 1e9);
      expect(topFunctions(reversed, si, 1e9), name).toEqual(want);
      expect(topFunctions(split, si, 1e9), name).toEqual(want);
    }
  });

  it('count values that are not whole, negative, or whose sum loses precision as a plain count does', () => {
    for (const { name, p } of all) {
      const si = p.defaultSampleType;
      // a fraction, and negative values (a difference of two profiles)
      const fractions = revalued(p, (v, i) => (v === 0 ? 0 : v / 4 + 0.1) * (i % 3 === 0 ? -1 : 1));
      expect(topFunctions(fractions, si, 1e9), name).toEqual(counted(fractions, si));
      // whole, but summing past 2^53
      const huge = revalued(p, (v, i) => (v === 0 ? 0 : v * 2 ** 45 + i));
      expect(topFunctions(huge, si, 1e9), name).toEqual(counted(huge, si));
      // whole and negative
      const signed = revalued(p, (v, i) => (i % 2 ? -v : v));
      expect(topFunctions(signed, si, 1e9), name).toEqual(counted(signed, si));
    }
  });
});
