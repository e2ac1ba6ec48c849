/**
 * The command line's bundle and its V8 code cache (bin/load-bundle.js, written by build.mjs):
 * the cache the build wrote is the one V8 takes, and a cache made for another bundle is never
 * given to V8, whose own check looks only at the source's length.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/corpus.js';

const work = path.join(repoRoot, 'test-output', `bundle-cache-${process.pid}`);

afterAll(() => {
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
});

/** What loading the bundle under `root` says of its cache: V8's cachedDataRejected, as text. */
function cacheOutcome(root: string): string {
  const loader = path.join(root, 'bin', 'load-bundle.js');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { loadBundle } from ${JSON.stringify(loader)}; const l = loadBundle(); console.log(String(l.script.cachedDataRejected), typeof l.exports.main);`], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** A copy of the loader, the bundle and its cache under a folder of its own. */
function copyOfBundle(name: string): string {
  const root = path.join(work, name);
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
  for (const f of ['bin/package.json', 'bin/load-bundle.js', 'dist/cli/bundle.cjs', 'dist/cli/bundle.cache']) copyFileSync(path.join(repoRoot, f), path.join(root, f));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module', version: '0.0.0' }));
  return root;
}

describe('the bundle’s code cache', () => {
  it('is taken by V8 for the bundle it was made from', () => {
    expect(cacheOutcome(repoRoot)).toBe('false function');
  });

  it('is not given to V8 for another bundle of the same length', () => {
    const root = copyOfBundle('other');
    const file = path.join(root, 'dist', 'cli', 'bundle.cjs');
    const source = readFileSync(file, 'utf8');
    // another build: its digest differs, its length does not
    const at = source.lastIndexOf('//# bundle-digest ') + '//# bundle-digest '.length;
    const other = source.slice(0, at) + (source[at] === '0' ? '1' : '0') + source.slice(at + 1);
    expect(other.length).toBe(source.length);
    writeFileSync(file, other);
    // no cache given: V8 says nothing of one
    expect(cacheOutcome(root)).toBe('undefined function');
  });

  it('is taken again once the copy is the bundle it was made from', () => {
    expect(cacheOutcome(copyOfBundle('same'))).toBe('false function');
  });
});
