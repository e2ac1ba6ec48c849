/**
 * The fleet's goroutines as one flame graph with the instance as a dimension: under the root, one
 * frame per instance (as `go tool pprof -tagroot instance` draws it), under each the instance's
 * goroutine groups, root first. Drawn as a static SVG (root at the top), so the fleet's HTML
 * report stays one file with no script: each frame's name and count show on hover (`<title>`).
 */

import type { GroupStack } from '../analyze/fleet.js';
import { frameClass } from '../analyze/finding-kit.js';
import { formatCount } from '../model/units.js';
import { escapeHtml } from './html.js';

export interface InstanceGroups {
  instance: string;
  stacks: GroupStack[];
}

interface Node {
  name: string;
  value: number;
  /** 4 for an instance; else frameClass: 0 runtime, 1 standard library, 2 a library, 3 the program. */
  kind: number;
  children: Map<string, Node>;
}

/** Frame colours by whose code it is, as the report's viewer uses them; instances in their own. */
const COLOURS = ['#cdd5e0', '#e6dcc6', '#cfe3c8', '#f5c9a0', '#c9d7f0'];
const WIDTH = 1200;
const ROW = 17;
/** Frames narrower than this many pixels are not drawn (their value stays in their caller's). */
const MIN_WIDTH = 1;

function tree(instances: InstanceGroups[]): Node {
  const root: Node = { name: 'all', value: 0, kind: 4, children: new Map() };
  for (const inst of instances) {
    const top: Node = { name: inst.instance, value: 0, kind: 4, children: new Map() };
    root.children.set(`\u0000${inst.instance}`, top);
    for (const g of inst.stacks) {
      root.value += g.count;
      top.value += g.count;
      let node = top;
      for (let i = g.frames.length - 1; i >= 0; i--) {
        const name = g.frames[i]!.function;
        let child = node.children.get(name);
        if (child === undefined) node.children.set(name, (child = { name, value: 0, kind: frameClass(name), children: new Map() }));
        child.value += g.count;
        node = child;
      }
    }
  }
  return root;
}

/** The SVG, or '' when no instance has goroutines to draw. */
export function fleetFlameSvg(instances: InstanceGroups[]): string {
  const root = tree(instances);
  if (root.value <= 0) return '';
  const rects: string[] = [];
  let depth = 0;
  const draw = (n: Node, x: number, level: number, within: string): void => {
    const w = (n.value / root.value) * WIDTH;
    if (w < MIN_WIDTH) return;
    depth = Math.max(depth, level);
    const instance = n.kind === 4 && level === 1 ? n.name : within;
    const share = Math.round((n.value / root.value) * 1000) / 10;
    const tip = `${n.name}: ${formatCount(n.value)} goroutine${n.value === 1 ? '' : 's'} (${share}% of the fleet)${level > 1 ? ` on ${instance}` : ''}`;
    const label = w > 30 ? escapeHtml(n.name.length * 7 > w - 6 ? `${n.name.slice(0, Math.max(0, Math.floor((w - 6) / 7) - 1))}…` : n.name) : '';
    rects.push(
      `<g${level === 1 ? ` data-instance="${escapeHtml(n.name)}"` : ''}><title>${escapeHtml(tip)}</title><rect x="${x.toFixed(1)}" y="${level * ROW}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${COLOURS[n.kind]}"/>${label ? `<text x="${(x + 3).toFixed(1)}" y="${level * ROW + 12}">${label}</text>` : ''}</g>`,
    );
    let at = x;
    for (const c of [...n.children.values()].sort((a, b) => b.value - a.value)) {
      draw(c, at, level + 1, instance);
      at += (c.value / root.value) * WIDTH;
    }
  };
  draw(root, 0, 0, '');
  return `<svg class="fleet-flame" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${(depth + 1) * ROW}" viewBox="0 0 ${WIDTH} ${(depth + 1) * ROW}" font-family="monospace" font-size="11">\n${rects.join('\n')}\n</svg>`;
}
