/**
 * A profile as a flame graph tree: root → leaf, one node per distinct call path, the value of
 * the chosen sample type summed into every node on the path. Nodes on which a signature matched
 * carry that signature, so a viewer can colour the frames a finding rests on.
 *
 * Large profiles are pruned: nodes whose value is below a share of the total are folded into
 * their parent (the parent keeps the value; the flame graph shows it as self time) and the tree
 * says how many nodes and how much value went that way, so the viewer can say what it left out.
 */

import type { Profile } from '../model/profile.js';
import type { SampleMarks } from '../analyze/sample-marks.js';

export interface FlameNode {
  /** Function name. */
  n: string;
  /** Value of the chosen sample type in this node and below. */
  v: number;
  c?: FlameNode[];
  /** Indices into FlameGraph.signatures of the signatures that matched this frame. */
  s?: number[];
  /** In a differential flame graph: the change since the earlier snapshot. */
  d?: number;
}

export interface FlameGraph {
  sampleType: { type: string; unit: string };
  total: number;
  root: FlameNode;
  /** Signature ids that matched some frame, in the order `FlameNode.s` refers to. */
  signatures: string[];
  nodes: number;
  pruned: { nodes: number; value: number; minShare: number };
}

export interface FlameOptions {
  /** Sample type to weigh by (index into sampleTypes); default the profile's default. */
  sampleIndex?: number;
  /** Which frames of which samples signatures matched (src/analyze/sample-marks.ts). */
  marks?: SampleMarks;
  /** Drop nodes below this share of the total (default 0.0005) … */
  minShare?: number;
  /** … and raise it until at most this many nodes remain (default 20000). */
  maxNodes?: number;
}

interface BuildNode {
  n: string;
  v: number;
  /** Children by their function name's string index (one string, one index). */
  c: Map<number, BuildNode> | null;
  s: Set<number> | null;
}

export function flameGraph(p: Profile, opts: FlameOptions = {}): FlameGraph {
  const nTypes = p.sampleTypes.length;
  const si = Math.min(Math.max(opts.sampleIndex ?? p.defaultSampleType, 0), Math.max(nTypes - 1, 0));
  const root: BuildNode = { n: 'all', v: 0, c: null, s: null };
  const marks = opts.marks;
  const { stackStart, stack, values } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const fnOfLine = p.lines.function;
  const names = p.functions.name;
  let nodes = 1;
  const path: BuildNode[] = [];
  for (let i = 0; i < p.samples.length; i++) {
    const v = nTypes ? values[i * nTypes + si]! : 0;
    if (v === 0) continue;
    root.v += v;
    // frames leaf first, as lines (inlined functions are frames of their own)
    path.length = 0;
    const leafFirst: number[] = [];
    for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end; k++) {
      const loc = stack[k]!;
      for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le; l++) leafFirst.push(fnOfLine[l]!);
    }
    let node = root;
    for (let j = leafFirst.length - 1; j >= 0; j--) {
      const key = names[leafFirst[j]!]!;
      if (node.c === null) node.c = new Map();
      let child = node.c.get(key);
      if (child === undefined) {
        child = { n: p.strings.get(key), v: 0, c: null, s: null };
        node.c.set(key, child);
        nodes++;
      }
      child.v += v;
      node = child;
      path.push(child); // root side first
    }
    // the frames the signatures matched, looked up: depth from the root, -1 the leaf
    const m = marks?.bySample.get(i);
    if (m === undefined || path.length === 0) continue;
    for (let k = 0; k < m.length; k += 2) {
      const d = m[k + 1]! < 0 ? path.length - 1 : m[k + 1]!;
      (path[Math.min(d, path.length - 1)]!.s ??= new Set()).add(m[k]!);
    }
  }
  const maxNodes = opts.maxNodes ?? 20000;
  let minShare = opts.minShare ?? 0.0005;
  let kept = countKept(root, root.v * minShare);
  while (kept > maxNodes && minShare < 0.5) {
    minShare = minShare > 0 ? minShare * 2 : 1e-6;
    kept = countKept(root, root.v * minShare);
  }
  const pruned = { nodes: 0, value: 0, minShare };
  const out = freeze(root, root.v * minShare, pruned);
  return {
    sampleType: p.sampleTypes[si] ? { type: p.sampleTypes[si]!.type, unit: p.sampleTypes[si]!.unit } : { type: '', unit: '' },
    total: root.v,
    root: out,
    signatures: marks?.signatures ?? [],
    nodes: nodes - pruned.nodes,
    pruned,
  };
}

function countKept(n: BuildNode, min: number): number {
  let k = 1;
  if (n.c) for (const c of n.c.values()) if (c.v >= min) k += countKept(c, min);
  return k;
}

function freeze(n: BuildNode, min: number, pruned: { nodes: number; value: number }): FlameNode {
  const out: FlameNode = { n: n.n, v: n.v };
  if (n.s) out.s = [...n.s].sort((a, b) => a - b);
  if (n.c) {
    const kids: FlameNode[] = [];
    for (const c of n.c.values()) {
      if (c.v >= min) kids.push(freeze(c, min, pruned));
      else {
        pruned.nodes += size(c);
        pruned.value += c.v;
      }
    }
    if (kids.length) out.c = kids.sort((a, b) => b.v - a.v);
  }
  return out;
}

function size(n: BuildNode): number {
  let k = 1;
  if (n.c) for (const c of n.c.values()) k += size(c);
  return k;
}

/**
 * A differential flame graph of two goroutine snapshots: the later snapshot's groups as a tree,
 * weighed by their goroutines now, each frame carrying its change since the earlier one (`d`).
 * Groups that are gone do not show (their change is in the growth table).
 */
export function growthFlameGraph(groups: readonly { after: number; delta: number; frames: readonly { function: string }[] }[]): FlameGraph {
  const root: FlameNode = { n: 'all', v: 0, d: 0 };
  let nodes = 1;
  for (const g of groups) {
    if (g.after <= 0) continue;
    root.v += g.after;
    root.d! += g.delta;
    let node = root;
    for (let i = g.frames.length - 1; i >= 0; i--) {
      const name = g.frames[i]!.function;
      node.c ??= [];
      let child = node.c.find((c) => c.n === name);
      if (child === undefined) {
        child = { n: name, v: 0, d: 0 };
        node.c.push(child);
        nodes++;
      }
      child.v += g.after;
      child.d! += g.delta;
      node = child;
    }
  }
  const sort = (n: FlameNode): void => {
    if (!n.c) return;
    n.c.sort((a, b) => b.v - a.v);
    for (const c of n.c) sort(c);
  };
  sort(root);
  return { sampleType: { type: 'goroutine', unit: 'count' }, total: root.v, root, signatures: [], nodes, pruned: { nodes: 0, value: 0, minShare: 0 } };
}
