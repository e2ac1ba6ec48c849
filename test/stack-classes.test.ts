/**
 * Stack classes (model/stacks.ts): the goroutine analysis works once per class of samples whose
 * stacks read alike, so a class must hold exactly the samples whose frames name the same
 * functions in the same order, lineless frames in the same places; and what is counted by class
 * must come out as counting (or drawing) every sample does. Checked on every goroutine profile, dump and
 * trace's snapshot of the samples and the corpus.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../src/decode/index.js';
import { classTotals, stackClasses } from '../src/model/stacks.js';
import type { Profile } from '../src/model/profile.js';
import { goroutineBuckets, hiddenFrame, topFunctions } from '../src/analyze/summary.js';
import { signatureSet } from '../src/analyze/diagnose.js';
import { markSamples } from '../src/analyze/sample-marks.js';
import { flameGraph } from '../src/report/flame.js';
import { corpusRoot, manifest, repoRoot } from './helpers/corpus.js';

/** The goroutine profiles and dumps among the samples' captures and the corpus. */
function goroutineInputs(): string[] {
  const out: string[] = [];
  const samples = path.join(repoRoot, 'samples');
  for (const dir of readdirSync(samples)) {
    const d = path.join(samples, dir);
    if (!statSync(d).isDirectory()) continue;
    for (const v of readdirSync(d)) {
      const vd = path.join(d, v);
      if (!/^go1\.\d+$/.test(v) || !statSync(vd).isDirectory()) continue;
      for (const f of readdirSync(vd)) if (/^goroutine\.(pb\.gz|debug1\.txt|debug2\.txt)$/.test(f)) out.push(path.join(vd, f));
    }
  }
  for (const row of manifest()) if (/goroutine/.test(row.kind)) out.push(path.join(corpusRoot, row.path));
  return out;
}

function profileOf(file: string): Profile | null {
  try {
    const d = decode(new Uint8Array(readFileSync(file)));
    return d.type === 'profile' ? d.profile : null;
  } catch {
    return null;
  }
}

/** Sample i's frames as text: each line's function name, `?` for a location without lines. */
function framesText(p: Profile, i: number): string {
  const parts: string[] = [];
  for (let k = p.samples.stackStart[i]!; k < p.samples.stackStart[i + 1]!; k++) {
    const loc = p.samples.stack[k]!;
    const n = p.locations.lineCount[loc]!;
    if (n === 0) parts.push('?');
    for (let l = p.locations.lineStart[loc]!; l < p.locations.lineStart[loc]! + n; l++) parts.push(p.strings.get(p.functions.name[p.lines.function[l]!]!));
  }
  return parts.join('\n');
}

const inputs = goroutineInputs();

describe('stack classes', () => {
  it('are found on enough inputs to mean something', () => {
    expect(inputs.length).toBeGreaterThan(40);
  });

  it('hold exactly the samples whose frames read alike, numbered in order of first sample', () => {
    let profiles = 0;
    let fewer = 0;
    for (const file of inputs) {
      const p = profileOf(file);
      if (p === null || (p.kind !== 'goroutine' && p.kind !== 'goroutineleak')) continue;
      profiles++;
      const c = stackClasses(p);
      const byText = new Map<string, number>();
      for (let i = 0; i < p.samples.length; i++) {
        const t = framesText(p, i);
        let want = byText.get(t);
        if (want === undefined) byText.set(t, (want = byText.size));
        expect(c.of[i], `${file} sample ${i}`).toBe(want);
      }
      expect(c.first.length).toBe(byText.size);
      for (let k = 0; k < c.first.length; k++) expect(c.of[c.first[k]!]).toBe(k);
      if (c.first.length < p.samples.length) fewer++;
    }
    expect(profiles).toBeGreaterThan(30);
    // dumps of many goroutines parked alike: fewer classes than samples
    expect(fewer).toBeGreaterThan(10);
  });

  it("sum each class's values as adding up its samples does, every sample type, asked first or after", () => {
    let checked = 0;
    for (const file of inputs) {
      for (const classesFirst of [true, false]) {
        const p = profileOf(file);
        if (p === null || p.sampleTypes.length === 0) continue;
        if (classesFirst) stackClasses(p);
        const sums = p.sampleTypes.map((_, si) => classTotals(p, si));
        const c = stackClasses(p);
        p.sampleTypes.forEach((_, si) => {
          const want = new Float64Array(c.first.length);
          for (let i = 0; i < p.samples.length; i++) want[c.of[i]!] += p.samples.values[i * p.sampleTypes.length + si]!;
          expect(sums[si], `${file} type ${si}`).toEqual(want);
          expect(classTotals(p, si)).toBe(sums[si]);
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('count functions as counting every sample does', () => {
    for (const file of inputs) {
      const p = profileOf(file);
      if (p === null || (p.kind !== 'goroutine' && p.kind !== 'goroutineleak') || p.sampleTypes.length === 0) continue;
      // the same profile as another kind is counted sample by sample
      const bySample = { ...p, kind: 'other' as const };
      const skip = (n: string) => hiddenFrame(n, true);
      expect(topFunctions(p, 0, 1000, skip), file).toEqual(topFunctions(bySample, 0, 1000, skip));
      expect(topFunctions(p, 0, 1000), file).toEqual(topFunctions(bySample, 0, 1000));
    }
  });

  it('draw a flame graph, marks included, walking a class once as walking every sample does', () => {
    const set = signatureSet();
    const all = new Set(set.compiled.map((c) => c.sig.id));
    let marked = 0;
    for (const file of inputs) {
      const p = profileOf(file);
      if (p === null || (p.kind !== 'goroutine' && p.kind !== 'goroutineleak') || p.sampleTypes.length === 0) continue;
      const marks = markSamples(p, set, all);
      if (marks.rows.length > 0) marked++;
      // the same profile as another kind is walked sample by sample
      const bySample = { ...p, kind: 'other' as const };
      expect(flameGraph(p, { marks }), file).toEqual(flameGraph(bySample, { marks }));
      expect(flameGraph(p, { marks, maxNodes: 40 }), file).toEqual(flameGraph(bySample, { marks, maxNodes: 40 }));
    }
    expect(marked).toBeGreaterThan(20);
  });

  it('mark a class once as marking each of its samples does', () => {
    // a signature that reads labels makes every sample be marked on its own; one whose label
    // never matches marks nothing, so the marks must come out the same
    const packs = [{ version: 1 as const, name: 'label-reader', signatures: [{ id: 'x.reads-labels', pack: 'x', role: 'marker' as const, description: 'reads labels', match: { anywhere: ['runtime.*'] }, labels: { 'no such key': '*' } }] }];
    const set = signatureSet({ packs });
    const all = new Set(set.compiled.map((c) => c.sig.id));
    let byClass = 0;
    for (const file of inputs) {
      const p = profileOf(file);
      if (p === null || (p.kind !== 'goroutine' && p.kind !== 'goroutineleak')) continue;
      const plain = markSamples(p, signatureSet(), all);
      const alone = markSamples(p, set, all);
      expect(alone.byClass).toBe(false);
      if (!plain.byClass) {
        expect(plain, file).toEqual(alone);
        continue;
      }
      byClass++;
      expect(p.goroutines).toBeNull();
      const of = stackClasses(p).of;
      const perSample: number[] = [];
      const marks: number[][] = [];
      for (let i = 0; i < of.length; i++) {
        const x = plain.rows.indexOf(of[i]!);
        if (x < 0) continue;
        perSample.push(i);
        marks.push(plain.marks[x]!);
      }
      expect({ ...plain, byClass: false, rows: perSample, marks }, file).toEqual(alone);
    }
    expect(byClass).toBeGreaterThan(20);
  });

  it('group goroutines once a class as they were grouped once a sample', () => {
    for (const file of inputs) {
      const p = profileOf(file);
      if (p === null || (p.kind !== 'goroutine' && p.kind !== 'goroutineleak')) continue;
      const buckets = goroutineBuckets(p);
      // every sample of a class in the class's group, and every sample in one group
      const c = stackClasses(p);
      const groupOf = new Int32Array(p.samples.length).fill(-1);
      buckets.forEach((b, k) => b.samples.forEach((s) => (groupOf[s] = k)));
      for (let i = 0; i < p.samples.length; i++) {
        expect(groupOf[i], `${file} sample ${i}`).toBeGreaterThanOrEqual(0);
        expect(groupOf[i]).toBe(groupOf[c.first[c.of[i]!]!]);
      }
    }
  });
});
