/**
 * The Markdown for a ticket: the verdict said once, within a tracker's comment limit without
 * losing the verdict or any finding, and stacks folded into <details> only when asked for.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { analyze, render } from '../src/pipeline.js';
import { mdText } from '../src/report/markdown.js';
import { repoRoot } from './helpers/corpus.js';

const samples = path.join(repoRoot, 'samples');
const INPUT = /^(goroutine(\.2)?\.pb\.gz|mutex\.pb\.gz|block\.pb\.gz|heap(\.2)?\.pb\.gz|cpu\.pb\.gz|trace\.out|goroutine\.debug2\.txt)$/;
const mdit = new MarkdownIt({ html: true, linkify: false });

function incident(dir: string) {
  const files = readdirSync(dir).filter((f) => INPUT.test(f)).sort();
  return analyze(files.map((f) => ({ name: path.join(path.relative(repoRoot, dir), f), bytes: new Uint8Array(readFileSync(path.join(dir, f))) })));
}

const dirs = readdirSync(samples)
  .map((s) => path.join(samples, s, 'go1.27'))
  .filter((d) => existsSync(d) && statSync(d).isDirectory() && readdirSync(d).some((f) => INPUT.test(f)));

function count(s: string, part: string): number {
  return s.split(part).length - 1;
}

describe('the Markdown report', () => {
  it('has sample incidents to write', () => expect(dirs.length).toBeGreaterThan(15));

  it.each(dirs.map((d) => [path.relative(samples, d), d]))('says the verdict once: %s', (_, dir) => {
    const r = incident(dir);
    const md = render(r, 'md', { toolVersion: 't' });
    const verdict = mdText(r.diagnosis.verdict);
    expect(count(md, verdict)).toBe(1);
    // its sentences at most twice: in the verdict, and in the finding that details it
    for (const s of r.diagnosis.verdict.split(/(?<=[.!?])\s+(?=[A-Z])/).filter((x) => x.length > 30)) expect(count(md, mdText(s)), s).toBeLessThanOrEqual(2);
    // the rendering is plain Markdown: no HTML unless asked for
    expect(mdit.parse(md, {}).filter((t) => t.type === 'html_block' || t.type === 'html_inline')).toEqual([]);
  });

  it('shortens itself to a limit, keeping the verdict and every finding', () => {
    const r = incident(path.join(samples, 'grpc-clientconn-leak', 'go1.27'));
    const full = render(r, 'md', { toolVersion: 't' });
    expect(r.diagnosis.findings.length).toBeGreaterThan(1);
    for (const limit of [Math.floor(full.length * 0.8), Math.floor(full.length * 0.4), 1500]) {
      const md = render(r, 'md', { toolVersion: 't', markdown: { limit } });
      const rows = mdit.parse(md, {}).filter((t) => t.type === 'tr_open').length;
      expect(md).toContain(mdText(r.diagnosis.verdict));
      // the findings table: a header row and one row a finding
      expect(rows, `limit ${limit}`).toBeGreaterThanOrEqual(r.diagnosis.findings.length + 1);
      for (const f of r.diagnosis.findings) expect(md).toContain(f.id.replace(/_/g, '\\_'));
      if (md.length > limit) {
        // only past what the verdict and the table take alone
        expect(md).toMatch(/are in the JSON report: their sections would not fit/);
      } else expect(md).toMatch(/Shortened to fit [\d,]+ characters/);
    }
    expect(full).not.toMatch(/Shortened to fit/);
  });

  it('folds evidence stacks into <details> when asked, and writes no other HTML', () => {
    const r = incident(path.join(samples, 'db-pool-pq', 'go1.27'));
    const md = render(r, 'md', { toolVersion: 't', markdown: { details: true } });
    const html = mdit
      .parse(md, {})
      .filter((t) => t.type === 'html_block' || t.type === 'html_inline')
      .map((t) => t.content.trim());
    expect(html.length).toBeGreaterThan(0);
    for (const h of html) expect(h).toMatch(/^(<details>\n<summary>[^<>]*<\/summary>|<\/details>)$/);
    const out = mdit.render(md);
    expect(out).toMatch(/<details>\s*<summary>195 goroutines/);
    expect(out).toMatch(/<pre><code>▶ database\/sql\.\(\*DB\)\.conn/);
  });
});
