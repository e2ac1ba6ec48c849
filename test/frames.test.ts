/**
 * Stacks shown to a reader keep the frames that matter (the leaf, what a signature matched, the
 * program's and its libraries' code) and fold Go's own frames between them: checked on every
 * evidence stack of every finding of every sample incident.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { analyze, render } from '../src/pipeline.js';
import { framesThatMatter } from '../src/report/frames.js';
import { isStandardLibrary } from '../src/model/names.js';
import { repoRoot } from './helpers/corpus.js';

const samples = path.join(repoRoot, 'samples');
const INPUT = /^(goroutine(\.2)?\.pb\.gz|mutex\.pb\.gz|block\.pb\.gz|heap\.pb\.gz|trace\.out|goroutine\.debug2\.txt)$/;
const dirs = readdirSync(samples)
  .map((s) => path.join(samples, s, 'go1.27'))
  .filter((d) => existsSync(d) && statSync(d).isDirectory() && readdirSync(d).some((f) => INPUT.test(f)));

describe('the frames of a stack shown', () => {
  it('has sample incidents', () => expect(dirs.length).toBeGreaterThan(15));

  it.each(dirs.map((d) => [path.relative(samples, d), d]))('keep the program’s first frame in sight: %s', (_, dir) => {
    const files = readdirSync(dir).filter((f) => INPUT.test(f));
    const r = analyze(files.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(path.join(dir, f))) })));
    const text = render(r, 'text', { toolVersion: 't', frames: 8 });
    const md = render(r, 'md', { toolVersion: 't' });
    let stacks = 0;
    for (const f of r.diagnosis.findings) {
      for (const e of f.evidence.slice(0, 2)) {
        stacks++;
        const { shown, more } = framesThatMatter(e.frames, 8);
        // every frame accounted for: shown, folded or counted
        const count = shown.reduce((s, x) => s + ('frame' in x ? 1 : x.folded), 0);
        expect(count + more).toBe(e.frames.length);
        for (const x of shown) if (!('frame' in x)) expect(x.folded).toBeGreaterThan(1);
        expect(shown.length).toBeLessThanOrEqual(8 + 8);
        // the leaf, the matched frames up to the first of the program's own, and that one
        const first = e.frames.findIndex((x) => !isStandardLibrary(x.function));
        const names = shown.flatMap((x) => ('frame' in x ? [x.frame.function] : []));
        expect(names[0]).toBe(e.frames[0]!.function);
        if (first >= 0 && e.frames.slice(0, first).filter((x) => x.matched).length < 6) {
          expect(names, `${f.id}: ${e.frames[first]!.function}`).toContain(e.frames[first]!.function);
          expect(text).toContain(e.frames[first]!.function);
          // inside the Markdown's code block, as written
          expect(md.includes(`  ${e.frames[first]!.function}`) || md.includes(`▶ ${e.frames[first]!.function}`)).toBe(true);
        }
      }
    }
    if (r.diagnosis.findings.some((f) => f.evidence.length > 0)) expect(stacks).toBeGreaterThan(0);
  });
});
