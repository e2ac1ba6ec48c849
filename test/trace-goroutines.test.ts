/**
 * Goroutine analysis of the samples' traces against Go's own (trace.goroutines.json beside
 * each trace: the /goroutines and /goroutine?name=… pages of `go tool trace`, read by
 * samples/golden-trace-goroutines.sh): the same goroutines, names, groups, and for every
 * goroutine the same total, execution, sched wait, syscall, block time by reason, unknown time
 * and range times, to the nanosecond.
 *
 * Go 1.26 and 1.27 traces are held to their own tool's figures; Go 1.19 traces to Go 1.26's
 * tool (which converts the old format); Go 1.24 traces to Go 1.24's tool, whose summary follows
 * other rules (SummaryRules 'go1.24': no sync before the first generation, no time counted
 * before a goroutine's first status row, names from other transitions).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGoroutines, goroutineGroups, nonOverlappingNs, type SummaryRules } from '../src/analyze/trace/goroutines.js';
import { decode } from '../src/decode/index.js';
import { repoRoot } from './helpers/corpus.js';

interface Golden {
  tool: string;
  groups: { name: string; count: number; execNs: number }[];
  goroutines: { id: number; name: string; totalNs: number; breakdown: Record<string, number>; ranges: Record<string, number> }[];
}

const samplesDir = path.join(repoRoot, 'samples');
const dirs: string[] = [];
for (const s of readdirSync(samplesDir, { withFileTypes: true })) {
  if (!s.isDirectory() || s.name.startsWith('.')) continue;
  for (const v of readdirSync(path.join(samplesDir, s.name))) {
    if (existsSync(path.join(samplesDir, s.name, v, 'trace.goroutines.json'))) dirs.push(path.join(s.name, v));
  }
}

describe('trace goroutine analysis agrees with go tool trace', () => {
  it('covers every sample trace', () => {
    const traces = dirs.length;
    let all = 0;
    for (const s of readdirSync(samplesDir, { withFileTypes: true })) {
      if (!s.isDirectory() || s.name.startsWith('.')) continue;
      for (const v of readdirSync(path.join(samplesDir, s.name))) if (existsSync(path.join(samplesDir, s.name, v, 'trace.out'))) all++;
    }
    expect(all).toBeGreaterThanOrEqual(28);
    expect(traces).toBe(all);
  });

  for (const dir of dirs) {
    it(dir, () => {
      const d = decode(new Uint8Array(readFileSync(path.join(samplesDir, dir, 'trace.out'))));
      if (d.type !== 'trace') throw new Error('not read as a trace');
      const t = d.trace;
      const gold = JSON.parse(readFileSync(path.join(samplesDir, dir, 'trace.goroutines.json'), 'utf8')) as Golden;
      const rules: SummaryRules = gold.tool.startsWith('go1.24') ? 'go1.24' : 'go1.26';
      const r = analyzeGoroutines(t, rules);
      const ours = new Map(r.goroutines.map((g) => [g.id, g]));
      expect([...ours.keys()].sort((a, b) => a - b)).toEqual(gold.goroutines.map((g) => g.id));
      // Go 1.24's reader rounds some tick-to-time conversions the other way: 1 ns apart at most
      const close = (a: number, b: number): boolean => (rules === 'go1.26' ? a === b : Math.abs(a - b) <= 2);
      let compared = 0;
      for (const g of gold.goroutines) {
        const o = ours.get(g.id)!;
        expect(o.name, `goroutine ${g.id}`).toBe(g.name);
        const nb = nonOverlappingNs(o);
        const pairs: [string, number, number][] = [['total', o.totalNs, g.totalNs]];
        for (const [k, v] of Object.entries(g.breakdown)) pairs.push([k, nb.get(k) ?? 0, v]);
        for (const [k, v] of Object.entries(g.ranges)) pairs.push([`range ${k}`, o.rangeNs.get(k) ?? 0, v]);
        // nothing we count is missing from Go's columns
        for (const [k, v] of nb) if (v !== 0) expect(k in g.breakdown, `${g.id} ${k}`).toBe(true);
        for (const [k, ours, theirs] of pairs) {
          if (!close(ours, theirs)) expect(ours, `goroutine ${g.id} ${g.name}: ${k}`).toBe(theirs);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(gold.goroutines.length);
      const groups = goroutineGroups(r);
      expect(groups.map((x) => `${x.name} ${x.count}`).sort()).toEqual(gold.groups.map((x) => `${x.name} ${x.count}`).sort());
      for (const g of gold.groups) {
        const o = groups.find((x) => x.name === g.name)!;
        if (!close(o.execNs, g.execNs)) expect(o.execNs, `group ${g.name}`).toBe(g.execNs);
      }
    });
  }
});
