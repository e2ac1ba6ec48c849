#!/usr/bin/env node
// The command line as one file, dist/cli/bundle.cjs, which bin/pprof-diag.js runs: tsc's output
// for src/cli/main.ts with everything it imports, the dependencies too, so that a run starts
// without resolving and reading a hundred modules (about 80 ms of each run's start). It sits
// beside main.js, so the paths it reads relative to itself (../web/, ../../package.json) hold.
// It is CommonJS so that it can be compiled with V8's code cache (bin/load-bundle.js), which
// this script writes after running the bundle on a few of the samples.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { DIGEST_MARK, bundleFile, cacheFile, loadBundle, writeCache } from './bin/load-bundle.js';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * commander requires node:child_process as it loads (about 2.5 ms of every run's start), for
 * subcommands run as programs of their own, which pprof-diag has none of: the bundle gets a
 * stand-in that loads the module when commander would spawn one.
 */
const lateChildProcess = {
  name: 'late-child-process',
  enforce: 'pre',
  resolveId: (id) => (id === 'node:child_process' || id === 'child_process' ? '\0late-child-process' : null),
  load: (id) =>
    id === '\0late-child-process'
      ? "const name = 'node:child_' + 'process';\nmodule.exports = { get spawn() { return require(name).spawn; } };\n"
      : null,
};

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  publicDir: false,
  plugins: [lateChildProcess],
  ssr: { noExternal: true },
  build: {
    ssr: path.join(root, 'dist', 'cli', 'main.js'),
    outDir: path.join(root, 'dist', 'cli'),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: { output: { format: 'cjs', entryFileNames: 'bundle.cjs' } },
  },
});

// Characters past ASCII written as \u escapes (they sit in strings, templates, regular
// expressions and comments, where an escape means the same): a bundle of ASCII loads as a
// one-byte string, read without UTF-8 decoding and scanned faster when a function is compiled
// late (bin/load-bundle.js).
const bundleSource = readFileSync(bundleFile, 'utf8');
if (/\\[^\x00-\x7f]/.test(bundleSource)) throw new Error(`${bundleFile}: a backslash before a character past ASCII, which an escape would change`);
writeFileSync(bundleFile, bundleSource.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

// the bundle's digest at its end, which its code cache starts with
appendFileSync(bundleFile, `\n${DIGEST_MARK}${createHash('sha256').update(readFileSync(bundleFile)).digest('hex')}\n`);
rmSync(path.join(root, 'dist', 'cli', 'bundle.js'), { force: true });
rmSync(cacheFile, { force: true });

// Runs a first-aid analysis of each kind of input, in each format, so that what those runs
// compile is in the cache. The samples are not in the published package: without them, the
// cache holds what loading the bundle compiles.
const loaded = loadBundle();
const sample = path.join(root, 'samples', 'db-pool-pq', 'go1.27');
const inputs = ['goroutine.pb.gz', 'goroutine.debug1.txt', 'goroutine.debug2.txt', 'heap.pb.gz', 'trace.out'].map((f) => path.join(sample, f));
const out = mkdtempSync(path.join(tmpdir(), 'pprof-diag-build-'));
const quiet = { out: () => {}, err: () => {} };
try {
  for (const input of inputs) {
    for (const format of ['text', 'json', 'md', 'html']) {
      await loaded.exports.main(['node', 'pprof-diag', 'analyze', '-q', '-f', format, '-o', path.join(out, 'report'), input], quiet);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
writeCache(loaded);
