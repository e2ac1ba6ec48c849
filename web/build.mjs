#!/usr/bin/env node
// Builds the report viewer (vite) and writes dist/web/viewer-assets.json: the script, its
// styles and the script's SHA-256 for the report's Content-Security-Policy.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'dist', 'web');
await build({ configFile: path.join(here, 'vite.config.mjs') });
// the page `serve` answers at / and its worker: same options, one classic script each
for (const [entry, name] of [
  ['app.ts', 'app'],
  ['worker.ts', 'worker'],
]) {
  await build({
    configFile: false,
    root: here,
    logLevel: 'warn',
    publicDir: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir: out,
      emptyOutDir: false,
      target: 'es2020',
      minify: true,
      sourcemap: false,
      cssCodeSplit: false,
      lib: { entry: path.join(here, 'src', entry), formats: ['iife'], name: `pprofDiag_${name}`, fileName: () => `${name}.js`, cssFileName: name },
    },
  });
}
const script = readFileSync(path.join(out, 'viewer.js'), 'utf8').trim();
const cssFiles = readdirSync(out).filter((f) => f === 'viewer.css');
const style = cssFiles.map((f) => readFileSync(path.join(out, f), 'utf8')).join('\n');
if (/<\/script|<!--/i.test(script)) throw new Error('the viewer script holds </script or <!--, which would end it early in a report');
if (/<\/style/i.test(style)) throw new Error('the viewer styles hold </style');
const scriptHash = `sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}`;
writeFileSync(path.join(out, 'viewer-assets.json'), JSON.stringify({ script, style, scriptHash }));
console.log(`web: viewer ${(script.length / 1024).toFixed(0)} KiB, styles ${(style.length / 1024).toFixed(1)} KiB`);
