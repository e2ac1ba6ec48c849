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
import { matchFrames, matchGoroutine, type CompiledSignature, type SignatureSet } from '../signatures/engine.js';
import { hiddenFrame } from '../analyze/summary.js';
import { waitReason } from '../analyze/wait-reason.js';

export interface FlameNode {
  /** Function name. */
  n: string;
  /** Value of the chosen sample type in this node and below. */
  v: number;
  c?: FlameNode[];
  /** Indices into FlameGraph.signatures of the signatures that matched this frame. */
  s?: number[];
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
  /** Signatures to mark; only those listed in `mark` (all when absent). */
  set?: SignatureSet;
  mark?: ReadonlySet<string>;
  /** Drop nodes below this share of the total (default 0.0005) … */
  minShare?: number;
  /** … and raise it until at most this many nodes remain (default 20000). */
  maxNodes?: number;
}

interface BuildNode {
  n: string;
  v: number;
  c: Map<string, BuildNode> | null;
  s: Set<number> | null;
}

/**
 * Signatures that can match in this profile at all: every `anywhere` and `sequence` pattern
 * matches some function of it. Saves matching each sample against signatures that cannot hold.
 */
function candidates(p: Profile, set: SignatureSet, mark: ReadonlySet<string> | undefined): CompiledSignature[] {
  const names: string[] = [];
  for (let i = 0; i < p.functions.length; i++) names.push(p.strings.get(p.functions.normalizedName[i]!));
  return set.compiled.filter((c) => {
    if (mark && !mark.has(c.sig.id)) return false;
    if (c.reasonOnly) return p.goroutines !== null || p.kind === 'goroutine';
    for (const m of [...c.anywhere, ...c.sequence]) if (!names.some(m)) return false;
    return true;
  });
}

export function flameGraph(p: Profile, opts: FlameOptions = {}): FlameGraph {
  const nTypes = p.sampleTypes.length;
  const si = Math.min(Math.max(opts.sampleIndex ?? p.defaultSampleType, 0), Math.max(nTypes - 1, 0));
  const root: BuildNode = { n: 'all', v: 0, c: null, s: null };
  const sigs = opts.set ? candidates(p, opts.set, opts.mark) : [];
  const sigIndex = new Map<string, number>();
  const { stackStart, stack, values } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const fnOfLine = p.lines.function;
  const names = p.functions.name;
  const normalized = p.functions.normalizedName;
  const isGoroutines = p.kind === 'goroutine' || p.kind === 'goroutineleak';
  let nodes = 1;
  const path: BuildNode[] = [];
  const pathNames: string[] = [];
  for (let i = 0; i < p.samples.length; i++) {
    const v = nTypes ? values[i * nTypes + si]! : 0;
    if (v === 0) continue;
    root.v += v;
    // frames leaf first, as lines (inlined functions are frames of their own)
    path.length = 0;
    pathNames.length = 0;
    const leafFirst: number[] = [];
    for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end; k++) {
      const loc = stack[k]!;
      for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le; l++) leafFirst.push(fnOfLine[l]!);
    }
    let node = root;
    for (let j = leafFirst.length - 1; j >= 0; j--) {
      const name = p.strings.get(names[leafFirst[j]!]!);
      if (node.c === null) node.c = new Map();
      let child = node.c.get(name);
      if (child === undefined) {
        child = { n: name, v: 0, c: null, s: null };
        node.c.set(name, child);
        nodes++;
      }
      child.v += v;
      node = child;
      path.push(child); // root side first
    }
    if (sigs.length === 0) continue;
    // signatures match leaf first on normalised names with the hidden runtime frames dropped;
    // mark, on this path, every frame a matching signature's patterns name
    for (let j = leafFirst.length - 1; j >= 0; j--) pathNames.push(p.strings.get(normalized[leafFirst[j]!]!));
    const visible: string[] = [];
    let atLeaf = true;
    for (let d = pathNames.length - 1; d >= 0; d--) {
      const name = pathNames[d]!;
      if (hiddenFrame(name, atLeaf)) continue;
      atLeaf = false;
      visible.push(name);
    }
    const reason = isGoroutines ? waitReason(p, i) : '';
    for (const c of sigs) {
      if (matchFrames(c, visible) === null || !matchGoroutine(c, p, i, reason)) continue;
      let idx = sigIndex.get(c.sig.id);
      if (idx === undefined) sigIndex.set(c.sig.id, (idx = sigIndex.size));
      const patterns = [...c.sequence, ...c.anywhere];
      let marked = false;
      for (let d = path.length - 1; d >= 0; d--) {
        if (patterns.some((m) => m(pathNames[d]!))) {
          (path[d]!.s ??= new Set()).add(idx);
          marked = true;
        }
      }
      // a signature matched by wait reason or labels alone: mark the leaf
      if (!marked && path.length) (path[path.length - 1]!.s ??= new Set()).add(idx);
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
    signatures: [...sigIndex.keys()],
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
