/**
 * Goroutine groups are named by what they are doing, not by the leaf they all share: the first
 * frame of the program's own code (or Go's, past its plumbing) and where it waits. Every table
 * of every sample capture holds each name once, and the three forms of one moment name alike.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decode } from '../src/decode/index.js';
import { analyzeDecoded, type ProfileAnalysis } from '../src/analyze/index.js';
import { diagnose } from '../src/analyze/diagnose.js';
import { repoRoot } from './helpers/corpus.js';

const samples = path.join(repoRoot, 'samples');
const FORM = /^goroutine(\.\d+|\.aged)?\.(pb\.gz|debug1\.txt|debug2\.txt)$/;

function captures(): string[] {
  const out: string[] = [];
  for (const s of readdirSync(samples)) {
    const dir = path.join(samples, s);
    if (s.startsWith('.') || !statSync(dir).isDirectory()) continue;
    for (const v of readdirSync(dir).filter((v) => v.startsWith('go1.'))) {
      for (const f of readdirSync(path.join(dir, v))) if (FORM.test(f)) out.push(path.join(dir, v, f));
    }
  }
  return out.sort();
}

function analysis(file: string): ProfileAnalysis {
  const a = analyzeDecoded(file, decode(new Uint8Array(readFileSync(file))));
  if (a.type !== 'profile') throw new Error(`${file}: not a profile`);
  return a;
}

describe('goroutine groups', () => {
  const files = captures();
  it('have sample captures to name', () => expect(files.length).toBeGreaterThan(100));

  it.each(files.map((f) => [path.relative(samples, f), f]))('are named once each, never "(no stack)": %s', (_, file) => {
    const names = (analysis(file).buckets ?? []).map((b) => b.name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).not.toMatch(/^\(no stack\)$|^$/);
  });

  it('are named after the program code that waits, and where it waits', () => {
    const a = analysis(path.join(samples, 'db-pool-pq', 'go1.27', 'goroutine.pb.gz'));
    const names = (a.buckets ?? []).map((b) => `${b.count} ${b.name}`);
    expect(names).toContain('195 main.(*orderStore).summary → database/sql.(*DB).conn');
    // a server's readers: all Go's own code, named after the function the goroutine runs
    expect(names).toContain('200 net/http.(*connReader).backgroundRead → internal/poll.runtime_pollWait');
    expect(names.filter((n) => /^\d+ internal\/poll\.runtime_pollWait/.test(n))).toEqual([]);
  });

  it('are named alike in the three forms of one moment', () => {
    const dir = path.join(samples, 'mutex-hot', 'go1.27');
    const byForm = ['goroutine.pb.gz', 'goroutine.debug1.txt', 'goroutine.debug2.txt'].map((f) => new Set((analysis(path.join(dir, f)).buckets ?? []).map((b) => b.name)));
    expect(byForm[0]!.has('main.(*priceCache).price → internal/sync.runtime_SemacquireMutex')).toBe(true);
    for (const s of byForm.slice(1)) expect([...byForm[0]!].filter((n) => s.has(n)).length).toBeGreaterThanOrEqual(byForm[0]!.size - 2);
  });

  it('are named once each in every diff of two snapshots', () => {
    let diffs = 0;
    for (const s of readdirSync(samples)) {
      const dir = path.join(samples, s, 'go1.27');
      if (!existsSync(path.join(dir, 'goroutine.2.pb.gz'))) continue;
      const d = diagnose(['goroutine.pb.gz', 'goroutine.2.pb.gz'].map((f) => analysis(path.join(dir, f))));
      for (const x of d.diffs) {
        const names = x.diff.buckets.map((b) => b.name);
        expect(new Set(names).size, s).toBe(names.length);
        diffs++;
      }
    }
    expect(diffs).toBeGreaterThan(3);
  });
});
