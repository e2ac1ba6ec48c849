/**
 * Markdown and HTML reports of every samples/ scenario, and of a hostile profile: the Markdown
 * parses (CommonMark + GFM tables) to one findings table with one row per finding and no
 * markup; the HTML carries the report's data intact and nothing executable but the viewer.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { mdCode, mdText } from '../src/report/markdown.js';
import { repoRoot } from './helpers/corpus.js';
import { PAYLOADS, craftedGoroutineProfile } from './helpers/crafted.js';
import { reportsOf, reportsOfFiles } from './helpers/reports.js';

const md = new MarkdownIt({ html: true, linkify: false });

type Token = ReturnType<MarkdownIt['parse']>[number];

/** Tables of a Markdown text: per table, the cell count of each body row. */
function tables(tokens: Token[]): number[][] {
  const out: number[][] = [];
  let rows: number[] | null = null;
  let inBody = false;
  for (const t of tokens) {
    if (t.type === 'table_open') rows = [];
    else if (t.type === 'tbody_open') inBody = true;
    else if (t.type === 'tbody_close') inBody = false;
    else if (t.type === 'tr_open' && inBody) rows!.push(0);
    else if (t.type === 'td_open' && inBody) rows![rows!.length - 1]!++;
    else if (t.type === 'table_close') {
      out.push(rows!);
      rows = null;
    }
  }
  return out;
}

function markup(tokens: Token[]): string[] {
  const found: string[] = [];
  const walk = (ts: Token[]) => {
    for (const t of ts) {
      if (t.type === 'html_inline' || t.type === 'html_block' || t.type === 'link_open' || t.type === 'image') found.push(`${t.type}: ${t.content}`);
      if (t.children) walk(t.children);
    }
  };
  walk(tokens);
  return found;
}

function embeddedView(html: string): { findings: { id: string }[]; flames: unknown[] } {
  const m = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html);
  expect(m, 'the report data element').not.toBeNull();
  return JSON.parse(m![1]!);
}

function scriptsOf(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
}

const samplesDir = path.join(repoRoot, 'samples');
const scenarios = readdirSync(samplesDir).filter((d) => existsSync(path.join(samplesDir, d, 'scenario.json')));

describe('reports of every scenario', () => {
  it('exist', () => expect(scenarios.length).toBeGreaterThanOrEqual(10));
  for (const s of scenarios) {
    for (const v of readdirSync(path.join(samplesDir, s)).filter((d) => /^go1\.\d+$/.test(d))) {
      it(`${s} ${v}`, () => {
        const dir = path.join(samplesDir, s, v);
        const files = ['goroutine.pb.gz', 'goroutine.2.pb.gz', 'goroutineleak.pb.gz', 'cpu.pb.gz', 'trace.out'].map((f) => path.join(dir, f)).filter((f) => existsSync(f));
        const r = reportsOfFiles(files);
        const tokens = md.parse(r.md, {});
        // the verdict leads
        expect(r.md.split('\n')[2]).toContain(mdText(r.diagnosis.verdict).slice(0, 40));
        const t = tables(tokens);
        if (r.diagnosis.findings.length) {
          expect(t[0]!.length).toBe(r.diagnosis.findings.length);
          for (const row of t[0]!) expect(row).toBe(4);
          for (const f of r.diagnosis.findings) expect(r.md).toContain(`### ${r.diagnosis.findings.indexOf(f) + 1}. ${f.severity.toUpperCase()} ${mdCode(f.id)}`);
        }
        // the inputs table: one row per input, six cells
        expect(t[t.length - 1]).toEqual(files.map(() => 6));
        expect(markup(tokens)).toEqual([]);
        const view = embeddedView(r.html);
        expect(view.findings.map((f) => f.id)).toEqual(r.diagnosis.findings.map((f) => f.id));
        expect(view.flames.length).toBeGreaterThan(0);
        expect(scriptsOf(r.html)).toEqual(['<script type="application/json" id="report-data">', '<script>']);
        expect(r.html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-[A-Za-z0-9+/=]+&#39;/);
      });
    }
  }
});

describe('a hostile profile', () => {
  const r = reportsOf([{ name: 'crafted/"><svg onload=x>.pb.gz', bytes: craftedGoroutineProfile() }]);

  it('still gives its finding, with the payload in the evidence', () => {
    const f = r.diagnosis.findings.find((x) => x.id === 'mutex-contention');
    expect(f).toBeDefined();
    expect(f!.evidence.some((e) => e.frames.some((fr) => fr.function === PAYLOADS.function))).toBe(true);
  });

  it('keeps the Markdown one well-formed findings table, with no markup or links', () => {
    const tokens = md.parse(r.md, {});
    const t = tables(tokens);
    expect(t[0]!.length).toBe(r.diagnosis.findings.length);
    for (const row of t[0]!) expect(row).toBe(4);
    expect(markup(tokens)).toEqual([]);
    const rendered = md.render(r.md);
    expect(rendered).not.toMatch(/<script|<img|<b>|href=/i);
    // the function name reads literally once rendered
    const text = rendered.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    expect(text).toContain(PAYLOADS.function);
    expect(r.md).not.toContain('\u001b');
  });

  it('writes no HTML in the Markdown with <details> but its own tag pairs, the payload inside as text', () => {
    const tokens = md.parse(r.mdDetails, {});
    const html = markup(tokens);
    expect(html.length).toBeGreaterThan(0);
    for (const h of html) expect(h).toMatch(/^html_block: (<details>\n<summary>[^<>]*<\/summary>|<\/details>)\n?$/);
    const rendered = md.render(r.mdDetails);
    expect(rendered).not.toMatch(/<script|<img|<b>|href=/i);
    expect(r.mdDetails).not.toContain('\u001b');
  });

  it('puts the payload in the HTML only as JSON data', () => {
    expect(scriptsOf(r.html)).toEqual(['<script type="application/json" id="report-data">', '<script>']);
    expect(r.html).not.toMatch(/<img|<svg onload/i);
    const view = embeddedView(r.html) as unknown as { findings: { evidence: { frames: { function: string }[] }[] }[] };
    expect(view.findings.some((f) => f.evidence.some((e) => e.frames.some((fr) => fr.function === PAYLOADS.function)))).toBe(true);
  });
});
