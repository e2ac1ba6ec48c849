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
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusRoot, goldenRoot, manifest, repoRoot } from './helpers/corpus.js';
import { analyze, analyzeDecodedInput, decodeInput, diagnoseAnalyses, resultView } from '../src/pipeline.js';
import { earlyFlame, type ViewFlame } from '../src/report/view.js';
import { formatCount } from '../src/model/units.js';

function profileOf(bytes: Uint8Array) {
  const d = decode(bytes);
  if (d.type !== 'profile') throw new Error('not a profile');
  return d.profile;
}

function walk(n: FlameNode, f: (n: FlameNode) => void): void {
  f(n);
  for (const c of n.c ?? []) walk(c, f);
}

/** Every profile of the corpus, decoded; those that are not profiles left out. */
function corpusProfiles(): { file: string; p: ReturnType<typeof profileOf> }[] {
  const out: { file: string; p: ReturnType<typeof profileOf> }[] = [];
  for (const row of manifest()) {
    if (!row.kind.startsWith('pprof-') || row.size > 20e6) continue;
    try {
      out.push({ file: row.path, p: profileOf(new Uint8Array(readFileSync(path.join(corpusRoot, row.path)))) });
    } catch {
      // not a profile this test reads (a trace, a refused file)
    }
  }
  return out;
}

/** The call tree by function name as a sample at a time makes it, root first, as `name value [children]` text. */
function treeOneSampleAtATime(p: ReturnType<typeof profileOf>, si: number): string {
  interface Node { v: number; c: Map<string, Node> }
  const root: Node = { v: 0, c: new Map() };
  const nTypes = p.sampleTypes.length;
  for (let i = 0; i < p.samples.length; i++) {
    const v = p.samples.values[i * nTypes + si]!;
    if (v === 0) continue;
    root.v += v;
    let node = root;
    for (let k = p.samples.stackStart[i + 1]! - 1; k >= p.samples.stackStart[i]!; k--) {
      const loc = p.samples.stack[k]!;
      const first = p.locations.lineStart[loc]!;
      for (let l = first + p.locations.lineCount[loc]! - 1; l >= first; l--) {
        const name = p.strings.get(p.functions.name[p.lines.function[l]!]!);
        let next = node.c.get(name);
        if (next === undefined) node.c.set(name, (next = { v: 0, c: new Map() }));
        next.v += v;
        node = next;
      }
    }
  }
  const text = (n: Node, name: string): string => `${name} ${n.v} [${[...n.c].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, c]) => text(c, k)).join(', ')}]`;
  return text(root, 'all');
}

function flameText(n: FlameNode): string {
  return `${n.n} ${n.v} [${[...(n.c ?? [])].sort((a, b) => (a.n < b.n ? -1 : 1)).map(flameText).join(', ')}]`;
}

describe('flame graph trees', () => {
  it('hold every sample as one path from the root, as adding the samples one at a time does', () => {
    // profiles of fewer than 256 locations and of more (their stacks are compared several locations at a time)
    const widths = new Set<number>();
    let profiles = 0;
    for (const { file, p } of corpusProfiles()) {
      if (p.samples.length === 0 || p.sampleTypes.length === 0 || p.kind === 'goroutine' || p.kind === 'goroutineleak') continue;
      const si = p.sampleTypes.length - 1;
      // (a difference of two profiles: nodes below zero are folded even without a share to reach)
      if (p.samples.values.some((v, k) => k % p.sampleTypes.length === si && v < 0)) continue;
      expect(flameText(flameGraph(p, { sampleIndex: si, minShare: 0, maxNodes: Infinity }).root), file).toBe(treeOneSampleAtATime(p, si));
      widths.add(p.samples.stack.BYTES_PER_ELEMENT);
      profiles++;
    }
    expect(profiles).toBeGreaterThan(50);
    expect([...widths].sort()).toEqual([1, 2]);
  });

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
    // the nodes drawn on their own path; the folds, and what they hold merged by function
    let own = 0;
    let folds = 0;
    const count = (n: FlameNode): void => {
      if (n.o !== undefined) {
        folds++;
        return;
      }
      own++;
      for (const c of n.c ?? []) count(c);
    };
    count(g.root);
    expect(folds).toBeGreaterThan(0);
    expect(g.pruned.nodes).toBe(full.nodes - own);
    expect(g.pruned.value).toBeGreaterThan(0);
    expect(g.root.v).toBe(total);
    let small = 0;
    walk(g.root, (n) => {
      if (n !== g.root && n.o === undefined && n.v < g.total * g.pruned.minShare) small++;
    });
    expect(small).toBe(0);
  });

  it("never show pruned callees as their caller's own time", () => {
    // self value (a node less its children) of every path drawn on its own, in the whole tree
    // and in a pruned one; and the folds at their top, which hold exactly what was left out
    const selfByPath = (root: FlameNode): { self: Map<string, number>; folded: number } => {
      const self = new Map<string, number>();
      let folded = 0;
      const go = (n: FlameNode, at: string): void => {
        if (n.o !== undefined) {
          folded += n.v;
          return;
        }
        const here = `${at};${n.n}`;
        self.set(here, n.v - (n.c ?? []).reduce((s, c) => s + c.v, 0));
        for (const c of n.c ?? []) go(c, here);
      };
      go(root, '');
      return { self, folded };
    };
    const full = selfByPath(flameGraph(p, { sampleIndex: si, minShare: 0, maxNodes: Infinity }).root);
    const g = flameGraph(p, { sampleIndex: si, maxNodes: 500 });
    const pruned = selfByPath(g.root);
    expect(g.pruned.nodes).toBeGreaterThan(0);
    let differ = 0;
    for (const [at, self] of pruned.self) if (full.self.get(at) !== self) differ++;
    expect(differ).toBe(0);
    expect(pruned.folded).toBe(g.pruned.value);
  });

  // go tool pprof -top of every sample profile and of large.cpu (where thousands of small
  // callees all call time.Now): the ten heaviest functions by flat value keep their flat share
  // in the flame graph (within 1.5 points), however it was pruned. Frames go tool pprof cannot
  // name (<unknown>, [binary]) are left out: the flame graph names them otherwise.
  const large = 'google-pprof/internal/proftest/testdata/large.cpu';
  const tops = [
    ...readdirSync(path.join(repoRoot, 'samples'), { recursive: true, encoding: 'utf8' }).map((f) => ({ top: path.join(repoRoot, 'samples', f), profile: path.join(repoRoot, 'samples', f.replace(/\.top\.txt$/, '')) })),
    { top: path.join(goldenRoot, `${large}.top.txt`), profile: path.join(corpusRoot, large) },
  ].filter((x) => x.top.endsWith('.top.txt') && existsSync(x.profile));
  it('have go tool pprof -top outputs to compare with', () => expect(tops.length).toBeGreaterThan(60));
  it.each(tops.map((x) => [path.relative(repoRoot, x.profile), x] as const))("keep go tool pprof -top's flat shares: %s", (_, x) => {
    const rows = readFileSync(x.top, 'utf8')
      .split('\n')
      .map((l) => /^\s*\S+\s+([\d.]+)%\s+[\d.]+%\s+\S+\s+[\d.]+%\s+(.+?)(?: \(inline\))?\s*$/.exec(l))
      .filter((m) => m !== null)
      .slice(0, 10)
      .filter((m) => !/^(<unknown>|\[.*\])$/.test(m[2]!));
    const q = profileOf(new Uint8Array(readFileSync(x.profile)));
    const g = flameGraph(q);
    const flat = new Map<string, number>();
    walk(g.root, (n) => {
      if (n.o === undefined && n !== g.root) flat.set(n.n, (flat.get(n.n) ?? 0) + n.v - (n.c ?? []).reduce((s, c) => s + c.v, 0));
    });
    for (const m of rows) {
      const share = ((flat.get(m[2]!) ?? 0) / Math.max(g.total, 1)) * 100;
      expect(Math.abs(share - Number(m[1])), `${m[2]} ${m[1]}% flat in go tool pprof, ${share.toFixed(2)}% in the flame graph`).toBeLessThanOrEqual(1.5);
    }
  });

  it('say whose code each frame is: the runtime, the standard library, a library, the program', () => {
    const p = profileOf(new Uint8Array(readFileSync(path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'goroutine.pb.gz'))));
    const byName = new Map<string, number | undefined>();
    walk(flameGraph(p).root, (n) => byName.set(n.n, n.k));
    expect(byName.get('runtime.gopark')).toBe(0);
    expect(byName.get('database/sql.(*DB).conn')).toBe(1);
    expect(byName.get('runtime/pprof.Do')).toBe(1);
    expect([...byName].filter(([n]) => n.startsWith('github.com/lib/pq.')).map(([, k]) => k)).toContain(2);
    expect(byName.get('main.(*orderStore).summary')).toBe(3);
    expect(byName.get('all')).toBeUndefined();
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

describe("the page's early flame graph", () => {
  // what the page draws as soon as a profile is read is the report's own graph of it, less the
  // marks and the top list that the diagnosis adds; and drawing it first changes no report
  const captures = ['db-pool-pq/go1.27/goroutine.pb.gz', 'db-pool-pq/go1.27/heap.pb.gz', 'mutex-hot/go1.27/mutex.pb.gz', 'db-pool-pq/go1.27/goroutine.debug2.txt'].map((f) => path.join(repoRoot, 'samples', f));
  const unmarked = (n: FlameNode): FlameNode => {
    const { s: _s, c, ...rest } = n;
    return c ? { ...rest, c: c.map(unmarked) } : rest;
  };
  it.each(captures)('%s', (file) => {
    const input = { name: path.basename(file), bytes: new Uint8Array(readFileSync(file)) };
    const decoded = decodeInput(input);
    const early: ViewFlame | undefined = decoded.type === 'profile' ? earlyFlame(input.name, decoded.profile) : undefined;
    const r = diagnoseAnalyses([analyzeDecodedInput(input.name, decoded, {}, false)], []);
    const view = resultView(r, { toolVersion: 'test' });
    expect(view).toEqual(resultView(analyze([input]), { toolVersion: 'test' }));
    const g = view.flames[0]!;
    expect(early).toBeDefined();
    expect(early!.top).toBeUndefined();
    expect(early!.signatures).toEqual([]);
    expect({ ...early!, root: unmarked(early!.root) }).toEqual({ ...g, top: undefined, signatures: [], root: unmarked(g.root) });
    if (file.includes('db-pool') && file.includes('goroutine')) {
      let marked = 0;
      walk(g.root, (n) => void (n.s ? marked++ : 0));
      expect(marked).toBeGreaterThan(0);
    }
  });
});

describe('folds left closed on a large call tree', () => {
  // the page's first graph of a tree of millions of nodes leaves its "… N more" frames closed:
  // the same graph as the opened one, less what those frames hold
  const closedOf = (n: FlameNode): FlameNode => {
    const { c, ...rest } = n;
    if (n.o !== undefined || !c) return rest;
    return { ...rest, c: c.map(closedOf) };
  };
  const files = [corpusFile('google-pprof/internal/proftest/testdata/large.cpu'), readFileSync(path.join(repoRoot, 'samples/db-pool-pq/go1.27/heap.pb.gz')), readFileSync(path.join(repoRoot, 'samples/db-pool-pq/go1.27/goroutine.pb.gz'))];
  it('equals the opened graph less the folds’ contents, and opens them on a tree within the bound', () => {
    let opened = 0;
    for (const bytes of files) {
      const p = profileOf(new Uint8Array(bytes));
      for (let si = 0; si < p.sampleTypes.length; si++) {
        const open = flameGraph(p, { sampleIndex: si, maxNodes: 60 });
        const closed = flameGraph(p, { sampleIndex: si, maxNodes: 60, openFoldsUpTo: 0 });
        const within = flameGraph(p, { sampleIndex: si, maxNodes: 60, openFoldsUpTo: 1e9 });
        expect(within).toEqual(open);
        expect(closed.root).toEqual(closedOf(open.root));
        expect(closed.total).toBe(open.total);
        expect(closed.pruned).toEqual(open.pruned);
        if (open.nodes > closed.nodes) opened++;
      }
    }
    expect(opened).toBeGreaterThan(0);
  });
});

describe('what the folds hold', () => {
  // A fold's contents made again from the whole tree, as the rule says: under the fold, what
  // its nodes called, grouped by name; groups of at least `min` drawn (and opened the same
  // way), the rest in one "… N more" that is a fold again; a fold whose callees are all small
  // takes in the level below; a fold below `min` holds nothing. Every corpus profile, at the
  // share and budget of the page and at a budget of 500 frames.
  interface Opened { n: string; v: number; c: Opened[] }
  const openRef = (v: number, nodes: FlameNode[], fold: boolean, min: number, count: { added: number }): Opened[] => {
    if (fold && v < min) return [];
    let ids = nodes;
    for (;;) {
      const groups = new Map<string, FlameNode[]>();
      for (const id of ids) {
        for (const c of id.c ?? []) {
          const g = groups.get(c.n);
          if (g === undefined) groups.set(c.n, [c]);
          else g.push(c);
        }
      }
      const out: Opened[] = [];
      const small: FlameNode[] = [];
      let smallN = 0;
      for (const [name, g] of groups) {
        const gv = g.reduce((s, c) => s + c.v, 0);
        if (gv < min) {
          small.push(...g);
          smallN++;
          continue;
        }
        count.added++;
        out.push({ n: name, v: gv, c: openRef(gv, g, false, min, count) });
      }
      if (small.length === 0) return out;
      if (fold && out.length === 0) {
        ids = small;
        continue;
      }
      count.added++;
      const sv = small.reduce((s, c) => s + c.v, 0);
      out.push({ n: `… ${formatCount(smallN)} more`, v: sv, c: openRef(sv, small, true, min, count) });
      return out;
    }
  };
  const text = (n: Opened | FlameNode): string => `${n.n} ${n.v} [${[...(n.c ?? [])].sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : a.v - b.v)).map(text).join(', ')}]`;

  it('are what the rule makes of the whole tree', () => {
    let compared = 0;
    let openedSome = 0;
    for (const { file, p } of corpusProfiles()) {
      if (p.samples.length === 0 || p.sampleTypes.length === 0) continue;
      const si = p.sampleTypes.length - 1;
      if (p.samples.values.some((v, k) => k % p.sampleTypes.length === si && v < 0)) continue;
      const full = flameGraph(p, { sampleIndex: si, minShare: 0, maxNodes: Infinity }).root;
      for (const maxNodes of [20000, 500]) {
        const g = flameGraph(p, { sampleIndex: si, maxNodes });
        const min = g.total * g.pruned.minShare;
        // each fold beside the whole tree's node of the same path: the callees it stands for
        const folds: { fold: FlameNode; nodes: FlameNode[] }[] = [];
        const pair = (drawn: FlameNode, whole: FlameNode): void => {
          const kept = new Set((drawn.c ?? []).filter((c) => c.o === undefined).map((c) => c.n));
          for (const c of drawn.c ?? []) {
            if (c.o !== undefined) folds.push({ fold: c, nodes: (whole.c ?? []).filter((w) => !kept.has(w.n)) });
            else pair(c, whole.c!.find((w) => w.n === c.n)!);
          }
        };
        pair(g.root, full);
        const count = { added: 0 };
        const want = folds.map(({ fold, nodes }) => openRef(fold.v, nodes, true, min, count));
        const anyOpen = folds.some(({ fold }) => (fold.c ?? []).length > 0);
        if (anyOpen) {
          folds.forEach(({ fold }, x) => expect(text(fold), file).toBe(text({ n: fold.n, v: fold.v, c: want[x]! })));
          openedSome++;
        } else expect(count.added === 0 || count.added > maxNodes - g.nodes, file).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(openedSome).toBeGreaterThan(5);
  });
});
