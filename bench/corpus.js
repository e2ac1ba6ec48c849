#!/usr/bin/env node
// Side-by-side decoding of the corpus's profiles (`npm run bench:corpus`), reported as ratios
// (never as pass/fail thresholds; the targets are bench/run.js's):
//   - in-process: pprof-diag's decoder vs the pprof-format package, on the same bytes;
//   - gzip: node's zlib vs pako, on the same compressed files;
//   - end to end: `pprof-diag analyze` vs `go tool pprof -top`, as whole processes.
// Inputs: the larger profiles of ../shared/corpus and everything under samples/ (and any paths
// given on the command line). `go` is taken from samples/.work (see samples/toolchain.sh) or PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile as PprofFormatProfile } from 'pprof-format';
import { decode } from '../dist/decode/index.js';
import { gunzipPako } from '../dist/decode/gzip.js';
import { decodePprof } from '../dist/decode/pprof.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.resolve(root, '..', 'shared', 'corpus');

function findGo() {
  const ready = path.join(root, 'samples', '.work', 'TOOLCHAINS_READY');
  if (existsSync(ready)) {
    const lines = readFileSync(ready, 'utf8').split('\n');
    for (const want of ['go1.24', 'go1.27', 'go1.26']) {
      const l = lines.find((x) => x.startsWith(want + '='));
      if (l) return l.slice(want.length + 1).trim();
    }
  }
  const r = spawnSync('go', ['version']);
  return r.status === 0 ? 'go' : null;
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && (!e.name.startsWith('.') || e.name === '.work')) walk(p, out);
    else if (e.isFile() && /\.pb\.gz$/.test(e.name)) out.push(p);
  }
  return out;
}

function inputs() {
  const given = process.argv.slice(2);
  if (given.length) return given;
  const big = [
    'google-pprof/internal/proftest/testdata/large.cpu',
    'grafana-pyroscope/pkg/pprof/testdata/heap',
    'datadog-pprof-format/testing/test.pprof',
    'datadog-dd-trace-go/profiler/internal/fastdelta/testdata/big-heap.pprof',
    'felixge-pprofutils/examples/anon.in.pprof',
    'laixintao-flameshow/goroutine.out',
  ].map((p) => path.join(corpus, p));
  const samples = walk(path.join(root, 'samples')).filter((f) => statSync(f).size > 20_000);
  // bench/gen-large.sh: 100k goroutines, a heap profile of a million stacks
  const large = walk(path.join(root, 'bench', '.work', 'inputs'));
  return [...big, ...samples, ...large].filter((f) => existsSync(f));
}

function timeIt(fn, minMs = 300) {
  for (let i = 0; i < 3; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || n < 5) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

function timeProcess(cmd, args, runs = 3) {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1', GOTOOLCHAIN: 'local', GOFLAGS: '' } });
    const dt = performance.now() - t0;
    if (r.status !== 0) return null;
    best = Math.min(best, dt);
  }
  return best;
}

const go = findGo();
const rows = [];
for (const file of inputs()) {
  const bytes = new Uint8Array(readFileSync(file));
  const raw = bytes[0] === 0x1f ? new Uint8Array(gunzipSync(bytes)) : bytes;
  let ours;
  try {
    ours = timeIt(() => decodePprof(raw));
  } catch {
    continue; // not a protobuf profile
  }
  let peer = null;
  try {
    peer = timeIt(() => PprofFormatProfile.decode(raw));
  } catch {
    peer = null;
  }
  const zlibMs = bytes[0] === 0x1f ? timeIt(() => gunzipSync(bytes)) : null;
  const pakoMs = bytes[0] === 0x1f ? timeIt(() => gunzipPako(bytes, 1 << 30)) : null;
  const cli = timeProcess(process.execPath, [path.join(root, 'bin', 'pprof-diag.js'), 'analyze', '--quiet', file]);
  const goTop = go ? timeProcess(go, ['tool', 'pprof', '-top', file]) : null;
  void decode;
  rows.push({
    file: path.relative(path.resolve(root, '..'), file),
    rawMB: (raw.length / 1e6).toFixed(2),
    oursMs: ours.toFixed(1),
    pprofFormatMs: peer === null ? '—' : peer.toFixed(1),
    'pprof-format/ours': peer === null ? '—' : (peer / ours).toFixed(2),
    'pako/zlib': zlibMs && pakoMs ? (pakoMs / zlibMs).toFixed(2) : '—',
    cliMs: cli === null ? 'failed' : cli.toFixed(0),
    goTopMs: goTop === null ? '—' : goTop.toFixed(0),
    'cli/go-top': cli !== null && goTop !== null ? (cli / goTop).toFixed(2) : '—',
  });
}
console.table(rows);
if (go) console.log(`go tool pprof: ${execFileSync(go, ['version']).toString().trim()}`);
else console.log('go tool pprof: not found (run samples/toolchain.sh); end-to-end ratios omitted');
