// Writes samples/<scenario>/<goversion>/capture.json from the tab-separated notes capture.sh keeps
// while it runs (see samples/lib/README.md for the fields).
//   node capture-json.mjs NOTES_DIR OUT_FILE
// NOTES_DIR holds: meta.tsv (key, value), files.tsv (file, started, finished, request),
// goldens.tsv (golden, source, tool go version, command), libs.txt (import path, package,
// version), servers.tsv (name, version, settings), skipped.tsv (file, why).
import { readFileSync, existsSync, writeFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';

const [notes, outFile] = process.argv.slice(2);
const rows = (name) =>
  existsSync(join(notes, name))
    ? readFileSync(join(notes, name), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'))
    : [];

const meta = Object.fromEntries(rows('meta.tsv').map(([k, ...v]) => [k, v.join('\t')]));
const outDir = dirname(outFile);
const size = (f) => (existsSync(join(outDir, f)) ? statSync(join(outDir, f)).size : null);

const libraries = {};
for (const [imp, pkg, ver] of rows('libs.txt').map((r) => r[0].split(' '))) {
  if (!pkg) continue;
  const e = (libraries[pkg] ??= { version: ver, imports: [] });
  e.imports.push(imp);
}
for (const e of Object.values(libraries)) e.imports.sort();

const doc = {
  scenario: meta.scenario,
  goVersion: meta.goVersion,
  goVersionOutput: meta.goVersionOutput,
  toolchainPackage: meta.toolchainPackage || undefined,
  build: {
    mode: 'GOPATH (GO111MODULE=off)',
    env: meta.buildEnv,
    godebugDirective: meta.godebugDirective || null,
  },
  run: {
    godebug: meta.runGodebug || '',
    pprofAddr: meta.pprofAddr,
    started: meta.started,
    ready: meta.ready,
    readyLine: meta.readyLine,
    ready2: meta.ready2 || undefined,
    ready2Line: meta.ready2Line || undefined,
    agedSeconds: meta.agedSeconds ? Number(meta.agedSeconds) : undefined,
    agedWaitStarted: meta.agedWaitStarted || undefined,
    heap2: meta.heap2 ? true : undefined,
    expvar: meta.expvar ? true : undefined,
    finished: meta.finished,
  },
  servers: Object.fromEntries(rows('servers.tsv').map(([n, v, s]) => [n, { version: v, settings: s || undefined }])),
  libraries,
  files: Object.fromEntries(
    rows('files.tsv').map(([f, a, b, req]) => [f, { request: req, started: a, finished: b, bytes: size(f) }]),
  ),
  goldens: Object.fromEntries(
    rows('goldens.tsv').map(([g, src, tool, cmd]) => [g, { from: src, tool, command: cmd, bytes: size(g) }]),
  ),
  skipped: Object.fromEntries(rows('skipped.tsv').map(([f, why]) => [f, why])),
};
writeFileSync(outFile, JSON.stringify(doc, null, 2) + '\n');
