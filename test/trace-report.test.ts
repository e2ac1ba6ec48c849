/**
 * A trace in every form: the text and the Markdown show what the JSON and the page show (where
 * goroutines blocked, the goroutine groups by start function, the wait latency by signature),
 * and a trace is labelled by its format version, not as if it named the Go that wrote it.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { analyze, render } from '../src/pipeline.js';
import { formatCount, formatDuration } from '../src/model/units.js';
import { mdCode } from '../src/report/markdown.js';
import { repoRoot } from './helpers/corpus.js';

const traces = readdirSync(path.join(repoRoot, 'samples'))
  .flatMap((s) => ['go1.24', 'go1.26', 'go1.27'].map((v) => path.join(repoRoot, 'samples', s, v, 'trace.out')))
  .filter(existsSync);

describe('a trace in text and Markdown', () => {
  it('has sample traces', () => expect(traces.length).toBeGreaterThan(3));

  it.each(traces.map((t) => [path.relative(repoRoot, t), t]))('shows its blocking, groups and wait latency: %s', (name, file) => {
    const r = analyze([{ name, bytes: new Uint8Array(readFileSync(file)) }]);
    const a = r.analyses[0]!;
    if (a.type !== 'trace') throw new Error('not a trace');
    const json = JSON.parse(render(r, 'json', { toolVersion: 't' }));
    const text = render(r, 'text', { toolVersion: 't' });
    const md = render(r, 'md', { toolVersion: 't' });
    // labelled by its format; no Go version claimed
    expect(json.inputs[0].goVersion).toBeNull();
    expect(json.inputs[0].traceFormat).toMatch(/^1\.\d+$/);
    expect(text).toContain(`trace format ${json.inputs[0].traceFormat}`);
    expect(md).toContain(`trace format ${json.inputs[0].traceFormat}`);
    // each kind of blocking with its total, as the JSON has it
    const blocking = (json.inputs[0].blocking as { type: string; count: number; delayNs: number }[]).filter((b) => b.count > 0);
    expect(blocking.length).toBeGreaterThan(0);
    for (const b of blocking) {
      expect(text).toMatch(new RegExp(`^  ${b.type}\\s+${formatDuration(b.delayNs).replace('.', '\\.')} in\\s+${formatCount(b.count)} intervals`, 'm'));
      expect(md).toContain(`| ${b.type} | ${formatCount(b.count)} | ${formatDuration(b.delayNs)} |`);
    }
    // the largest goroutine groups, by start function
    const groups = json.inputs[0].goroutineGroups as { name: string; count: number }[];
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups.slice(0, 5)) {
      expect(text).toMatch(new RegExp(`^\\s+${g.count} .*  ${(g.name || '(unknown)').replace(/[.*()[\]+?^$|\\]/g, '\\$&')}$`, 'm'));
      expect(md).toContain(`| ${mdCode(g.name || '(unknown)', true)} | ${formatCount(g.count)} |`);
    }
    // every signature's waits
    for (const l of a.waitLatency ?? []) {
      if (l.all.count === 0) continue;
      expect(text).toMatch(new RegExp(`^  ${l.signature.replace(/\./g, '\\.')}\\s+${formatCount(l.all.count)} waits`, 'm'));
      expect(md).toContain(`| ${mdCode(l.signature, true)} | ${formatCount(l.all.count)} |`);
    }
    // tables well formed
    const tokens = new MarkdownIt().parse(md, {});
    expect(tokens.filter((t) => t.type === 'table_open').length).toBeGreaterThanOrEqual(2);
  });
});
