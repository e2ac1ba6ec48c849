#!/usr/bin/env node
// Execution-trace decoding, side by side with Go's own reader, reported as ratios (never as
// pass/fail thresholds):
//   - in-process: pprof-diag's decoder (the whole trace in memory, and streamed a generation
//     at a time from the file) vs golang.org/x/exp/trace reading every event and every
//     goroutine transition's stack (bench/tracebench, built by bench/gen-large.sh), each timed
//     inside its own process, best of RUNS;
//   - end to end: `pprof-diag analyze -f json` vs `go tool trace -d=parsed` (which prints every
//     event), as whole processes;
//   - memory: the V8 heap's peak while streaming vs while decoding the whole trace.
// Inputs: samples/*/go1.*/trace.out, the binary traces of ../shared/corpus, and the large
// traces bench/gen-large.sh writes (bench/.work/traces), or the paths given on the command line.
// Run with `node --expose-gc bench/trace.js` for exact heap peaks (without it they are upper
// bounds that include garbage not yet collected).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceStreamDecoder, decodeTrace, isTrace } from '../dist/decode/trace/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.resolve(root, '..', 'shared', 'corpus');
const peer = path.join(root, 'bench', '.work', 'tracebench');
const RUNS = Number(process.env.RUNS ?? 5);
const gc = globalThis.gc ?? (() => {});

function toolchain(name) {
  const ready = path.join(root, 'samples', '.work', 'TOOLCHAINS_READY');
  if (!existsSync(ready)) return null;
  const l = readFileSync(ready, 'utf8').split('\n').find((x) => x.startsWith(name + '='));
  return l ? l.slice(name.length + 1).trim() : null;
}

function inputs() {
  const given = process.argv.slice(2);
  if (given.length) return given;
  const out = [];
  const samples = path.join(root, 'samples');
  for (const s of readdirSync(samples, { withFileTypes: true })) {
    if (!s.isDirectory() || s.name.startsWith('.')) continue;
    for (const v of readdirSync(path.join(samples, s.name)).filter((d) => /^go1\.\d+$/.test(d))) {
      const f = path.join(samples, s.name, v, 'trace.out');
      if (existsSync(f)) out.push(f);
    }
  }
  // the corpus's binary traces (the MANIFEST's trace-old-* / trace-new-* rows)
  const manifest = path.join(corpus, 'MANIFEST.tsv');
  if (existsSync(manifest)) {
    for (const line of readFileSync(manifest, 'utf8').split('\n')) {
      const c = line.split('\t');
      if (/^trace-(old|new)-/.test(c[5] ?? '')) out.push(path.join(corpus, c[0]));
    }
  }
  const large = path.join(root, 'bench', '.work', 'traces');
  if (existsSync(large)) for (const f of readdirSync(large).sort()) out.push(path.join(large, f));
  return out.filter((f) => existsSync(f) && statSync(f).isFile() && isTrace(head(f)));
}

function head(file) {
  const fd = openSync(file, 'r');
  try {
    const b = new Uint8Array(16);
    const n = readSync(fd, b, 0, 16, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Best wall time of `runs` calls of fn (after one warm-up), and the last result. */
function best(fn, runs) {
  let value = fn();
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    value = null; // one result alive at a time (a whole large trace is gigabytes)
    const t0 = performance.now();
    value = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, value };
}

/**
 * Decodes the file a generation at a time from 1 MiB reads, each part handed to onPart in the
 * columns the next reuses, as the command line reads a trace; the peak heap seen at each part.
 */
function streamFile(file) {
  const fd = openSync(file, 'r');
  const buf = new Uint8Array(1 << 20);
  let peak = 0;
  gc(); // what an earlier run left is not this one's
  const base = used();
  const d = new TraceStreamDecoder({
    onPart: () => {
      peak = Math.max(peak, used() - base); // the part is live here
    },
  });
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      d.push(buf.slice(0, n));
    }
  } finally {
    closeSync(fd);
  }
  d.end();
  const t = d.result();
  return { goroutines: t.goroutines, generations: t.generations, peak };
}

/** Bytes the JS heap and the typed arrays' buffers hold. */
function used() {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function timeProcess(cmd, args, runs) {
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, {
      stdio: 'ignore',
      maxBuffer: 0,
      env: { ...process.env, NO_COLOR: '1', GOTOOLCHAIN: 'local', GOFLAGS: '' },
    });
    if (r.status !== 0) return null;
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

const mb = (n) => (n / 1e6).toFixed(1);
const ratio = (a, b) => (a != null && b != null && b > 0 ? (a / b).toFixed(2) : '—');
const go = toolchain('go1.27');
const files = inputs();
const peerResults = new Map();
if (existsSync(peer)) {
  const r = spawnSync(peer, [String(RUNS), ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const j = JSON.parse(line);
    peerResults.set(j.file, j);
  }
} else {
  console.log('bench/.work/tracebench missing (ONLY=peer bench/gen-large.sh builds it): x/exp/trace columns omitted');
}

const decodeRows = [];
const e2eRows = [];
for (const file of files) {
  const size = statSync(file).size;
  const large = size > 20e6;
  const runs = large ? Math.min(RUNS, 2) : RUNS;
  const name = path.relative(path.resolve(root, '..'), file);
  let whole;
  let wholePeak = null;
  try {
    gc();
    const before = used();
    whole = best(() => decodeTrace(new Uint8Array(readFileSync(file))), runs);
    gc();
    wholePeak = used() - before; // the decoded trace, still live in `whole`
  } catch (e) {
    decodeRows.push({ file: name, MB: mb(size), oursMs: `error: ${String(e.message).split('\n')[0]}` });
    continue;
  }
  const { goVersion, eventCount } = whole.value;
  whole.value = null; // only its figures are kept
  gc();
  const stream = best(() => streamFile(file), runs);
  const p = peerResults.get(file);
  const peerMs = p && !p.error ? p.bestMs : null;
  decodeRows.push({
    file: name,
    format: goVersion,
    MB: mb(size),
    events: eventCount,
    'peer events': p ? p.events : '—',
    wholeMs: whole.ms.toFixed(1),
    streamMs: stream.ms.toFixed(1),
    'x/exp/trace ms': peerMs === null ? (p?.error ? `error: ${p.error}` : '—') : peerMs.toFixed(1),
    'whole/peer': ratio(whole.ms, peerMs),
    'stream/peer': ratio(stream.ms, peerMs),
    ...(large
      ? { 'heap whole MB': wholePeak === null ? '—' : mb(Math.max(wholePeak, 0)), 'heap stream MB': mb(stream.value.peak) }
      : {}),
  });
  if (size < 1e5 && !large) continue; // end to end only where the work outweighs starting a process
  const cli = timeProcess(process.execPath, [path.join(root, 'bin', 'pprof-diag.js'), 'analyze', '--quiet', '-f', 'json', file], large ? 1 : 3);
  const parsed = go && size < 100e6 ? timeProcess(go, ['tool', 'trace', '-d=parsed', file], large ? 1 : 3) : null;
  e2eRows.push({
    file: name,
    MB: mb(size),
    'analyze ms': cli === null ? 'failed' : cli.toFixed(0),
    'go tool trace -d=parsed ms': parsed === null ? '—' : parsed.toFixed(0),
    'analyze/go-tool': ratio(cli, parsed),
  });
}
console.log(`decoding, best of ${RUNS} (large traces: 2), in-process on both sides`);
console.table(decodeRows);
console.log('end to end, whole processes (`analyze` decodes and diagnoses; -d=parsed decodes and prints)');
console.table(e2eRows);
if (go) console.log(`go tool trace: ${spawnSync(go, ['version'], { encoding: 'utf8' }).stdout.trim()}`);
