#!/usr/bin/env node
// The command line as one file, dist/cli/bundle.js, which bin/pprof-diag.js runs: tsc's output
// for src/cli/main.ts with everything it imports, the dependencies too, so that a run starts
// without resolving and reading a hundred modules (about 80 ms of each run's start). It sits
// beside main.js, so the paths it reads relative to itself (../web/, ../../package.json) hold.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  publicDir: false,
  ssr: { noExternal: true },
  build: {
    ssr: path.join(root, 'dist', 'cli', 'main.js'),
    outDir: path.join(root, 'dist', 'cli'),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: { output: { format: 'es', entryFileNames: 'bundle.js' } },
  },
});
