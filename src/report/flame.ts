/**
 * A profile as a flame graph tree: root → leaf, one node per distinct call path, the value of
 * the chosen sample type summed into every node on the path. Nodes on which a signature matched
 * carry that signature, so a viewer can colour the frames a finding rests on.
 *
 * Large profiles are pruned: the children of a node whose value is below a share of the total
 * are drawn as one frame of their own under it, "… N more" (`o` set), so their value never
 * shows as the parent's self time, and the tree says how many nodes and how much value went
 * that way, so the viewer can say what it left out.
 */

import type { LocationRows, Profile } from '../model/profile.js';
import { resized, withRoom } from '../model/builder.js';
import { classTotals, singleLineNames, stackClasses } from '../model/stacks.js';
import type { SampleMarks } from '../analyze/sample-marks.js';
import { frameClass, type FrameClass } from '../analyze/finding-kit.js';
import { formatCount } from '../model/units.js';

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
  /** Set on the frame that stands for a node's pruned children: how many there were. */
  o?: number;
  /** Whose code the frame is (src/analyze/finding-kit.ts frameClass): 0 runtime, 1 standard library, 2 a library, 3 the program's. */
  k?: FrameClass;
}

/** frameClass, once a name. */
function classes(): (name: string) => FrameClass {
  const seen = new Map<string, FrameClass>();
  return (name) => {
    let k = seen.get(name);
    if (k === undefined) seen.set(name, (k = frameClass(name)));
    return k;
  };
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
  /**
   * A "… N more" frame shows what it holds, by function, when the call tree has at most this
   * many nodes (default: always). The page's first graph of a profile, drawn while the diagnosis
   * runs, leaves them closed on a tree of millions of nodes, where opening them takes a while.
   */
  openFoldsUpTo?: number;
}

export function flameGraph(p: Profile, opts: FlameOptions = {}): FlameGraph {
  const nTypes = p.sampleTypes.length;
  const si = Math.min(Math.max(opts.sampleIndex ?? p.defaultSampleType, 0), Math.max(nTypes - 1, 0));
  const tree = callTree(p, si);
  const t = tree.trie;
  const total = t.value[0]!;
  const maxNodes = opts.maxNodes ?? 20000;
  let minShare = opts.minShare ?? 0.0005;
  let cut = t.pruned(total * minShare);
  while (cut.frames > maxNodes && minShare < 0.5) {
    minShare = minShare > 0 ? minShare * 2 : 1e-6;
    cut = t.pruned(total * minShare);
  }
  const kept = cut.kept;
  let frames = cut.frames;
  const pruned = { nodes: t.count - cut.nodes, value: 0, minShare };
  const open = t.count <= (opts.openFoldsUpTo ?? Infinity);
  const { root, folds } = freeze(t, p, kept, pruned, opts.marks ? markedNodes(tree, p, opts.marks) : new Map(), open);
  // what the folds hold, by function, while the budget allows it
  if (open) frames += expandFolds(t, p, folds, total * minShare, maxNodes - frames);
  return {
    sampleType: p.sampleTypes[si] ? { type: p.sampleTypes[si]!.type, unit: p.sampleTypes[si]!.unit } : { type: '', unit: '' },
    total,
    root,
    signatures: opts.marks?.signatures ?? [],
    nodes: frames,
    pruned,
  };
}

/**
 * The call tree while it is built: flat arrays, node 0 the root, a parent always created before
 * its children, and one hash table from (parent, function name) to child, so that profiles of a
 * million distinct stacks build in one pass over their frames without an object per node.
 */
class Trie {
  count = 1;
  name: Int32Array;
  parent: Int32Array;
  value: Float64Array;
  /** Open addressing, three slots an entry (parent, name, node index + 1; 0 for empty), so a probe reads one place. */
  private table: Int32Array;
  private slots: number;
  /** Whether some sample weighs less than nothing (a difference of two profiles). */
  negative = false;

  /** Sized for about `nodes` nodes (a profile has at least about one a sample), so that it seldom grows. */
  constructor(nodes: number) {
    let n = 1024;
    while (n < nodes && n < 1 << 22) n *= 2;
    this.name = new Int32Array(n);
    this.parent = new Int32Array(n);
    this.value = new Float64Array(n);
    this.slots = 4 * n;
    this.table = new Int32Array(3 * this.slots);
  }

  child(parent: number, name: number): number {
    const mask = this.slots - 1;
    const table = this.table;
    let h = home(parent, name) & mask;
    const step = hash(parent, name) | 1;
    for (let at = table[3 * h + 2]!; at !== 0; at = table[3 * h + 2]!) {
      if (table[3 * h] === parent && table[3 * h + 1] === name) return at - 1;
      h = (h + step) & mask;
    }
    const id = this.count++;
    if (id === this.name.length) this.grow();
    this.name[id] = name;
    this.parent[id] = parent;
    table[3 * h] = parent;
    table[3 * h + 1] = name;
    table[3 * h + 2] = id + 1;
    if (this.count * 2 > this.slots) this.rehash();
    return id;
  }

  private grow(): void {
    const n = this.name.length * 2;
    this.name = resized(this.name, n);
    this.parent = resized(this.parent, n);
    this.value = resized(this.value, n);
  }

  private rehash(): void {
    this.slots *= 2;
    const table = new Int32Array(3 * this.slots);
    const mask = this.slots - 1;
    for (let id = 1; id < this.count; id++) {
      let h = home(this.parent[id]!, this.name[id]!) & mask;
      const step = hash(this.parent[id]!, this.name[id]!) | 1;
      while (table[3 * h + 2] !== 0) h = (h + step) & mask;
      table[3 * h] = this.parent[id]!;
      table[3 * h + 1] = this.name[id]!;
      table[3 * h + 2] = id + 1;
    }
    this.table = table;
  }

  /** Each node's value into its caller's, callees first (a child's index is always above its parent's). */
  sumUp(): void {
    for (let id = this.count - 1; id > 0; id--) this.value[this.parent[id]!] += this.value[id]!;
  }

  /**
   * Pruning at `min`: which nodes survive (`kept`: a node whose parent survived and whose value
   * reaches it; 0 for the others), how many (`nodes`), and the frames drawn (`frames`): the nodes
   * kept, and one "… N more" frame for each of them that lost children. One pass, parents first.
   */
  pruned(min: number): { kept: Uint8Array; nodes: number; frames: number } {
    const k = new Uint8Array(this.count);
    const parent = this.parent;
    const value = this.value;
    k[0] = KEPT;
    let nodes = 1;
    let folds = 0;
    for (let id = 1; id < this.count; id++) {
      const up = k[parent[id]!]!;
      if (up === 0) continue;
      if (value[id]! >= min) {
        k[id] = KEPT;
        nodes++;
      } else if (up === KEPT) {
        k[parent[id]!] = KEPT | LOST;
        folds++;
      }
    }
    return { kept: k, nodes, frames: nodes + folds };
  }
}

/** Pruned's marks: the node is kept; a kept node lost some children (it draws a fold). */
const KEPT = 1;
const LOST = 2;

/**
 * Where a child is looked for first: beside its parent's own place (two slots a node, the table
 * holding at least twice as many slots as nodes), so the nodes of one path, made one after the
 * other, are looked up in a few cache lines rather than all over a table of millions; a place
 * taken sends the probe on by a step of its own (double hashing), so a node with thousands of
 * children does not pile them up beside it.
 */
function home(parent: number, name: number): number {
  return parent * 2 + (Math.imul(name + 1, 0x85ebca77) >>> 31);
}

function hash(parent: number, name: number): number {
  return (Math.imul(parent, 0x9e3779b1) ^ Math.imul(name + 1, 0x85ebca77)) >>> 0;
}

/**
 * A profile's call tree for one sample type, with each sample's last node (its leaf; -1 for a
 * sample that weighs nothing), so that the signatures' marks are found on it afterwards. Built
 * once a profile and sample type: the page draws a profile's flame graph as soon as it is read,
 * and again with the marks once the diagnosis is done.
 */
interface CallTree {
  trie: Trie;
  /** Sample i's last node (its leaf), -1 for a sample that weighs nothing. */
  leafOf: (i: number) => number;
  /** Set when the samples were walked a class at a time (stackClasses): each class's leaf, where all its samples end (-1: none weighs). */
  classLeaf: Int32Array | null;
  /** Each node's depth (the root 0), once marks ask for it. */
  depth?: Int32Array;
}

const trees = new WeakMap<Profile, Map<number, CallTree>>();

function callTree(p: Profile, si: number): CallTree {
  let bySi = trees.get(p);
  if (bySi === undefined) trees.set(p, (bySi = new Map()));
  let tree = bySi.get(si);
  if (tree === undefined) bySi.set(si, (tree = buildTree(p, si)));
  return tree;
}

/**
 * The call tree of the samples, weighed by one sample type. A sample's value goes to its leaf
 * only, and the tree sums it into the callers once at the end, so a frame costs its lookup and no
 * write to a node it merely passes through. A goroutine profile's samples of one class (stacks
 * whose function names read alike) end at one leaf: each class is walked once, with its
 * samples' values summed (classTotals), and no sample is looked at one by one.
 */
function buildTree(p: Profile, si: number): CallTree {
  const nTypes = p.sampleTypes.length;
  const values = p.samples.values;
  if (p.kind === 'goroutine' || p.kind === 'goroutineleak') {
    const classes = stackClasses(p);
    const sums = nTypes ? classTotals(p, si) : new Float64Array(classes.first.length);
    const t = new Trie(framesOf(classes.first, p.samples.stackStart));
    const walk = stackWalker(p, t);
    const classLeaf = new Int32Array(classes.first.length).fill(-1);
    for (let c = 0; c < classLeaf.length; c++) {
      const v = sums[c]!;
      if (v === 0) continue;
      if (v < 0) t.negative = true;
      const node = walk(classes.first[c]!);
      t.value[node] += v;
      classLeaf[c] = node;
    }
    t.sumUp();
    const n = p.samples.length;
    const leafOf = (i: number): number => (i < n && values[i * nTypes + si] !== 0 ? classLeaf[classes.of[i]!]! : -1);
    return { trie: t, leafOf, classLeaf };
  }
  const t = new Trie(p.samples.length);
  const walk = stackWalker(p, t);
  const leaf = new Int32Array(p.samples.length).fill(-1);
  for (let i = 0; i < p.samples.length; i++) {
    const v = nTypes ? values[i * nTypes + si]! : 0;
    if (v === 0) continue;
    if (v < 0) t.negative = true;
    const node = walk(i);
    t.value[node] += v;
    leaf[i] = node;
  }
  t.sumUp();
  return { trie: t, leafOf: (i) => leaf[i] ?? -1, classLeaf: null };
}

/**
 * Walks sample i's frames into the trie, root first, and returns its last node. The node after
 * each location of the stack walked last is kept, root side first: a stack that starts with the
 * same locations (as neighbours in a profile often do) starts below them.
 */
function stackWalker(p: Profile, t: Trie): (i: number) => number {
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const fnOfLine = p.lines.function;
  const names = p.functions.name;
  const single = singleLineNames(p);
  let after: Int32Array = new Int32Array(256);
  const words = new DataView(stack.buffer, stack.byteOffset, stack.byteLength);
  let prevStart = 0;
  let prevEnd = 0;
  return (i) => {
    const start = stackStart[i]!;
    const end = stackStart[i + 1]!;
    after = withRoom(after, end - start);
    const shared = sharedRootFrames(stack, words, end, prevEnd, Math.min(end - start, prevEnd - prevStart));
    prevStart = start;
    prevEnd = end;
    // frames root first: locations from the last, and within one its lines from the last
    // (a location's first line is the innermost inlined function)
    let node = shared > 0 ? after[shared - 1]! : 0;
    for (let j = shared, k = end - 1 - shared; k >= start; j++, k--) {
      const loc = stack[k]!;
      const name = single[loc]!;
      if (name >= 0) node = t.child(node, name);
      else for (let l = lineStart[loc]! + lineCount[loc]! - 1, first = lineStart[loc]!; l >= first; l--) node = t.child(node, names[fnOfLine[l]!]!);
      after[j] = node;
    }
    return node;
  };
}

/**
 * How many locations, root side, the stacks ending before `end` and `prevEnd` share, at most
 * `max`: compared four bytes at a time (four locations of a profile with fewer than 256, two of
 * one with fewer than 65,536), then one at a time.
 */
function sharedRootFrames(stack: LocationRows, words: DataView, end: number, prevEnd: number, max: number): number {
  const size = stack.BYTES_PER_ELEMENT;
  const per = 4 / size;
  let shared = 0;
  if (per > 1) while (shared + per <= max && words.getUint32((end - per - shared) * size, true) === words.getUint32((prevEnd - per - shared) * size, true)) shared += per;
  while (shared < max && stack[end - 1 - shared] === stack[prevEnd - 1 - shared]) shared++;
  return shared;
}

/** How many frames the samples `of` hold: about as many nodes as their walks can make. */
function framesOf(of: readonly number[], stackStart: ArrayLike<number>): number {
  let n = 1;
  for (const i of of) n += stackStart[i + 1]! - stackStart[i]!;
  return n;
}

/**
 * The nodes the signatures matched, with their signatures. A mark names its frame by depth from
 * the root (0 the outermost frame; past the leaf, or -1, the leaf), found by climbing from the
 * sample's leaf.
 */
function markedNodes(tree: CallTree, p: Profile, marks: SampleMarks): Map<number, Set<number>> {
  const t = tree.trie;
  if (tree.depth === undefined) {
    const depth = new Int32Array(t.count);
    for (let id = 1; id < t.count; id++) depth[id] = depth[t.parent[id]!]! + 1;
    tree.depth = depth;
  }
  const out = new Map<number, Set<number>>();
  const mark = (leaf: number, m: number[]): void => markPath(t, tree.depth!, leaf, m, out);
  if (!marks.byClass) {
    // samples of a class share their leaf and, most often, their marks (one array): once a leaf
    // and marks (by the place + 1 of the marks last drawn at each leaf)
    const lastAt = tree.classLeaf !== null ? new Int32Array(t.count) : null;
    for (let x = 0; x < marks.rows.length; x++) {
      const m = marks.marks[x]!;
      const leaf = tree.leafOf(marks.rows[x]!);
      if (leaf <= 0) continue;
      if (lastAt !== null) {
        if (lastAt[leaf]! > 0 && marks.marks[lastAt[leaf]! - 1] === m) continue;
        lastAt[leaf] = x + 1;
      }
      mark(leaf, m);
    }
  } else if (tree.classLeaf !== null) {
    // marks of classes on a tree walked by class: at each class's leaf
    for (let x = 0; x < marks.rows.length; x++) if (tree.classLeaf[marks.rows[x]!]! > 0) mark(tree.classLeaf[marks.rows[x]!]!, marks.marks[x]!);
  } else {
    // marks of classes on a tree walked sample by sample: at each sample's leaf, once a leaf
    const of = stackClasses(p).of;
    const byClass: (number[] | undefined)[] = [];
    marks.rows.forEach((c, x) => (byClass[c] = marks.marks[x]));
    const done = new Uint8Array(t.count);
    for (let i = 0; i < of.length; i++) {
      const m = byClass[of[i]!];
      const leaf = tree.leafOf(i);
      if (m === undefined || leaf <= 0 || done[leaf]) continue;
      done[leaf] = 1;
      mark(leaf, m);
    }
  }
  return out;
}

/** The marks `m` of a sample ending at `leaf`, each on the node at its depth, into `out`. */
function markPath(t: Trie, depth: Int32Array, leaf: number, m: number[], out: Map<number, Set<number>>): void {
  const frames = depth[leaf]!;
  for (let k = 0; k < m.length; k += 2) {
    const d = m[k + 1]! < 0 ? frames - 1 : Math.min(m[k + 1]!, frames - 1);
    let at = leaf;
    for (let up = frames - 1 - d; up > 0; up--) at = t.parent[at]!;
    let set = out.get(at);
    if (set === undefined) out.set(at, (set = new Set()));
    set.add(m[k]!);
  }
}

/**
 * The surviving nodes as FlameNodes, children heaviest first (ties in the order first seen), and
 * under each node that lost children, one frame for them all (a fold), with the nodes it stands for.
 */
function freeze(t: Trie, p: Profile, kept: Uint8Array, pruned: { value: number }, marks: Map<number, Set<number>>, withIds: boolean): { root: FlameNode; folds: Map<FlameNode, number[]> } {
  // the FlameNodes made, and each tree node's place among them + 1 (its fold's, for a kept node that lost children)
  const made: FlameNode[] = [{ n: 'all', v: t.value[0]! }];
  const at = new Int32Array(t.count);
  const foldAt = new Int32Array(t.count);
  at[0] = 1;
  const classOf = classes();
  const folds = new Map<FlameNode, number[]>();
  for (let id = 1; id < t.count; id++) {
    const pid = t.parent[id]!;
    if (!kept[id]) {
      if (!kept[pid]) continue;
      // the top of a pruned subtree: into its caller's fold
      pruned.value += t.value[id]!;
      if (foldAt[pid] === 0) {
        const fold: FlameNode = { n: '', v: 0, o: 0 };
        made.push(fold);
        foldAt[pid] = made.length;
        folds.set(fold, []);
        (made[at[pid]! - 1]!.c ??= []).push(fold);
      }
      const o = made[foldAt[pid]! - 1]!;
      o.v += t.value[id]!;
      o.o! += 1;
      if (withIds) folds.get(o)!.push(id);
      continue;
    }
    const name = p.strings.get(t.name[id]!);
    const n: FlameNode = { n: name, v: t.value[id]!, k: classOf(name) };
    const s = marks.get(id);
    if (s) n.s = [...s].sort((a, b) => a - b);
    (made[at[pid]! - 1]!.c ??= []).push(n);
    made.push(n);
    at[id] = made.length;
  }
  for (const o of folds.keys()) o.n = `… ${formatCount(o.o!)} more`;
  for (const n of made) if (n.c) n.c.sort((a, b) => b.v - a.v);
  return { root: made[0]!, folds };
}

/**
 * What the folds hold, merged by function as `go tool pprof` merges a function's calls: under a
 * fold, what its nodes called, grouped by name; groups of at least `min` drawn (and opened the
 * same way), the rest in one "… N more" frame that is a fold again. A fold whose callees are all
 * small takes in the level below, so a caller with thousands of small callees that all call
 * time.Now shows time.Now under its fold. When that would draw more than `budget` frames the folds
 * stay leaves. Returns how many frames it added.
 */
function expandFolds(t: Trie, p: Profile, folds: Map<FlameNode, number[]>, min: number, budget: number): number {
  const opens = foldsThatOpen(t, [...folds.values()], min);
  if (!opens.includes(1)) return 0;
  // children lists of the tree, as first child and next sibling
  const first = new Int32Array(t.count).fill(-1);
  const next = new Int32Array(t.count).fill(-1);
  for (let id = t.count - 1; id > 0; id--) {
    next[id] = first[t.parent[id]!]!;
    first[t.parent[id]!] = id;
  }
  let added = 0;
  const classOf = classes();
  const open = (node: FlameNode, ids: number[], fold: boolean): void => {
    // a fold below `min` holds no callee that reaches it, however deep it looked (values all positive)
    if (fold && node.v < min && !t.negative) return;
    for (;;) {
      const groups = new Map<number, { v: number; ids: number[] }>();
      for (const id of ids) {
        for (let c = first[id]!; c !== -1; c = next[c]!) {
          let g = groups.get(t.name[c]!);
          if (g === undefined) groups.set(t.name[c]!, (g = { v: 0, ids: [] }));
          g.v += t.value[c]!;
          g.ids.push(c);
        }
      }
      const small: number[] = [];
      let smallV = 0;
      let smallN = 0;
      let big = 0;
      for (const [name, g] of groups) {
        if (g.v < min) {
          for (const c of g.ids) small.push(c);
          smallV += g.v;
          smallN++;
          continue;
        }
        if (++added > budget) return;
        big++;
        const fn = p.strings.get(name);
        const n: FlameNode = { n: fn, v: g.v, k: classOf(fn) };
        (node.c ??= []).push(n);
        open(n, g.ids, false);
      }
      if (small.length === 0) break;
      if (fold && big === 0) {
        ids = small; // nothing worth a frame at this level: the fold takes in the next one
        continue;
      }
      if (++added > budget) return;
      const r: FlameNode = { n: `… ${formatCount(smallN)} more`, v: smallV, o: smallN };
      (node.c ??= []).push(r);
      open(r, small, true);
      break;
    }
    node.c?.sort((a, b) => b.v - a.v);
  };
  let f = 0;
  for (const [o, ids] of folds) {
    if (opens[f++] === 1) open(o, ids, true);
    if (added > budget) break;
  }
  if (added <= budget) return added;
  for (const o of folds.keys()) delete o.c;
  return 0;
}

/**
 * Which folds draw a frame when opened (1) and which would be walked to their ends for nothing
 * (0). A fold opens level by level, grouping the nodes at one depth below it by name, and draws
 * nothing until a group reaches `min`: so it draws something exactly when some (depth, name)
 * below it weighs `min`. Those sums come from one pass over the nodes in the order they were made
 * (a node after its caller), so that the folds that draw nothing, often the most of a large
 * profile, cost no walk of their subtrees. Sums within a hair of `min` count as reaching it: the
 * walk, which sums in another order, decides them.
 */
function foldsThatOpen(t: Trie, tops: readonly number[][], min: number): Uint8Array {
  // each node's fold (-1: none) and depth below the fold's top
  const fold = new Int32Array(t.count).fill(-1);
  const below = new Int32Array(t.count);
  tops.forEach((ids, f) => {
    for (const id of ids) fold[id] = f;
  });
  const sums = new FoldSums();
  for (let id = 1; id < t.count; id++) {
    const up = t.parent[id]!;
    const f = fold[up]!;
    if (f < 0 || fold[id]! >= 0) continue;
    fold[id] = f;
    below[id] = below[up]! + 1;
    sums.add(f, below[id]!, t.name[id]!, t.value[id]!);
  }
  return sums.reaching(tops.length, min - Math.abs(min) * 1e-9);
}

/**
 * Sums by (fold, depth, name) in an open-addressed table: few keys however many nodes (a
 * profile's names recur at the same depths), so that the table stays in the cache.
 */
class FoldSums {
  /** Three numbers a slot: fold + 1 (0: empty), depth, name. */
  private keys = new Int32Array(3 * 1024);
  private sums = new Float64Array(1024);
  private used = 0;

  add(fold: number, depth: number, name: number, v: number): void {
    const keys = this.keys;
    const mask = this.sums.length - 1;
    let h = (Math.imul(fold + 1, 0x9e3779b1) ^ Math.imul(depth, 0x85ebca77) ^ Math.imul(name + 1, 0xc2b2ae3d)) & mask;
    for (; keys[3 * h] !== 0; h = (h + 1) & mask) {
      if (keys[3 * h] === fold + 1 && keys[3 * h + 1] === depth && keys[3 * h + 2] === name) {
        this.sums[h] += v;
        return;
      }
    }
    keys[3 * h] = fold + 1;
    keys[3 * h + 1] = depth;
    keys[3 * h + 2] = name;
    this.sums[h] = v;
    if (++this.used * 2 > this.sums.length) this.rehash();
  }

  private rehash(): void {
    const { keys, sums } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.sums = new Float64Array(sums.length * 2);
    this.used = 0;
    for (let h = 0; h < sums.length; h++) if (keys[3 * h] !== 0) this.add(keys[3 * h]! - 1, keys[3 * h + 1]!, keys[3 * h + 2]!, sums[h]!);
  }

  /** For each of `folds` folds, 1 when one of its sums reaches `reach`. */
  reaching(folds: number, reach: number): Uint8Array {
    const out = new Uint8Array(folds);
    for (let h = 0; h < this.sums.length; h++) if (this.keys[3 * h] !== 0 && this.sums[h]! >= reach) out[this.keys[3 * h]! - 1] = 1;
    return out;
  }
}

/**
 * A differential flame graph of two goroutine snapshots: the later snapshot's groups as a tree,
 * weighed by their goroutines now, each frame carrying its change since the earlier one (`d`).
 * Groups that are gone do not show (their change is in the growth table).
 */
export function growthFlameGraph(groups: readonly { after: number; delta: number; frames: readonly { function: string }[] }[]): FlameGraph {
  const root: FlameNode = { n: 'all', v: 0, d: 0 };
  let nodes = 1;
  const byName = new Map<FlameNode, Map<string, FlameNode>>();
  for (const g of groups) {
    if (g.after <= 0) continue;
    root.v += g.after;
    root.d! += g.delta;
    let node = root;
    for (let i = g.frames.length - 1; i >= 0; i--) {
      const name = g.frames[i]!.function;
      let kids = byName.get(node);
      if (kids === undefined) byName.set(node, (kids = new Map()));
      let child = kids.get(name);
      if (child === undefined) {
        child = { n: name, v: 0, d: 0 };
        kids.set(name, child);
        (node.c ??= []).push(child);
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
