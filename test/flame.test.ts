/**
 * Flame graph trees of real profiles: every sample's value reaches the root, a node holds at
 * least what its children hold, pruning keeps within the node budget and says what it left out,
 * pruning never turns a callee's value into its caller's own, and the frames a signature
 * matched are marked.
 */
import { markSamples } from '../src/analyze/sample-marks.js';
import { describe, expect, it } from 'vitest';
import { signatureSet } from '../src/analyze/diagnose.js';
import { decode } from '../src/decode/index.js';
import { flameGraph, type FlameNode } from '../src/report/flame.js';
import { corpusFile } from './helpers/corpus.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers/corpus.js';

function profileOf(bytes: Uint8Array) {
  const d = decode(bytes);
  if (d.type !== 'profile') throw new Error('not a profile');
  return d.profile;
}

function walk(n: FlameNode, f: (n: FlameNode) => void): void {
  f(n);
  for (const c of n.c ?? []) walk(c, f);
}

describe('flame graph trees', () => {
  const p = profileOf(corpusFile('google-pprof/internal/proftest/testdata/large.cpu'));
  const si = p.sampleTypes.length - 1;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) total += p.samples.values[i * p.sampleTypes.length + si]!;

  it('sum the samples into the root and never give a child more than its parent', () => {
    const g = flameGraph(p, { sampleIndex: si, minShare: 0, maxNodes: Infinity });
    expect(g.total).toBe(total);
    expect(g.root.v).toBe(total);
    expect(g.pruned.nodes).toBe(0);
    let over = 0;
    walk(g.root, (n) => {
      const kids = (n.c ?? []).reduce((s, c) => s + c.v, 0);
      if (kids > n.v) over++;
    });
    expect(over).toBe(0);
  });

  it('prune to the node budget and account for what they drop', () => {
    const full = flameGraph(p, { sampleIndex: si, minShare: 0, maxNodes: Infinity });
    const g = flameGraph(p, { sampleIndex: si, maxNodes: 500 });
    let nodes = 0;
    walk(g.root, () => nodes++);
    expect(nodes).toBe(g.nodes);
    expect(nodes).toBeLessThanOrEqual(500);
    let folded = 0;
    walk(g.root, (n) => {
      if (n.o !== undefined) folded++;
    });
    expect(folded).toBeGreaterThan(0);
    expect(g.pruned.nodes).toBe(full.nodes - (nodes - folded));
    expect(g.pruned.value).toBeGreaterThan(0);
    expect(g.root.v).toBe(total);
    let small = 0;
    walk(g.root, (n) => {
      if (n !== g.root && n.o === undefined && n.v < g.total * g.pruned.minShare) small++;
    });
    expect(small).toBe(0);
  });

  it("never show pruned callees as their caller's own time", () => {
    // self value (a node less its children) of every path, in the whole tree and in a pruned one
    const selfByPath = (root: FlameNode): Map<string, number> => {
      const m = new Map<string, number>();
      const go = (n: FlameNode, at: string): void => {
        const here = `${at};${n.n}`;
        if (n.o === undefined) m.set(here, n.v - (n.c ?? []).reduce((s, c) => s + c.v, 0));
        for (const c of n.c ?? []) go(c, here);
      };
      go(root, '');
      return m;
    };
    const full = selfByPath(flameGraph(p, { sampleIndex: si, minShare: 0, maxNodes: Infinity }).root);
    const g = flameGraph(p, { sampleIndex: si, maxNodes: 500 });
    const pruned = selfByPath(g.root);
    expect(g.pruned.nodes).toBeGreaterThan(0);
    let differ = 0;
    for (const [at, self] of pruned) if (full.get(at) !== self) differ++;
    expect(differ).toBe(0);
    // and the "… N more" frames hold exactly what was left out
    let folded = 0;
    walk(g.root, (n) => {
      if (n.o !== undefined) folded += n.v;
    });
    expect(folded).toBe(g.pruned.value);
  });

  it('mark the frames a signature matched', () => {
    const file = path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'goroutine.pb.gz');
    const p = profileOf(new Uint8Array(readFileSync(file)));
    const g = flameGraph(p, { marks: markSamples(p, signatureSet(), new Set(['sql.conn-wait'])) });
    expect(g.signatures).toEqual(['sql.conn-wait']);
    const marked: string[] = [];
    let waiting = 0;
    walk(g.root, (n) => {
      if (n.s?.length) {
        marked.push(n.n);
        waiting += n.v;
      }
    });
    expect([...new Set(marked)]).toEqual(['database/sql.(*DB).conn']);
    expect(waiting).toBe(195);
  });
});
