// The fuzz targets, one per decoder, and their seeds: real captures from ../shared/corpus (by
// MANIFEST.tsv) and samples/*/go1.*/, plus the built-in signature packs and pool policy for the
// `--rules` and `--policy` loaders.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const corpusRoot = path.resolve(root, '..', 'shared', 'corpus');

/** Seeds larger than this slow every execution down and add little; they are left out. */
const MAX_SEED = 256 * 1024;

function manifestRows() {
  const file = path.join(corpusRoot, 'MANIFEST.tsv');
  if (!existsSync(file)) throw new Error(`the shared corpus is missing: ${file}`);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines[0].split('\t');
  const col = (n) => header.indexOf(n);
  return lines.slice(1).map((l) => {
    const f = l.split('\t');
    return { path: f[col('path')], kind: f[col('kind')], gzip: f[col('gzip')] === 'yes' };
  });
}

function sampleFiles() {
  const out = [];
  const dir = path.join(root, 'samples');
  for (const scenario of readdirSync(dir).sort()) {
    const sdir = path.join(dir, scenario);
    if (scenario.startsWith('.') || !statSync(sdir).isDirectory()) continue;
    for (const go of readdirSync(sdir).sort()) {
      if (!/^go1\.\d+$/.test(go)) continue;
      for (const f of readdirSync(path.join(sdir, go)).sort()) out.push(path.join('samples', scenario, go, f));
    }
  }
  return out;
}

const isGzip = (b) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function read(rel, base) {
  return new Uint8Array(readFileSync(path.join(base, rel)));
}

/** Go trace header version: "go 1.22 trace" → 22; null when the bytes are not a trace. */
function traceMinor(b) {
  const m = /^go 1\.(\d+) trace\0*$/.exec(new TextDecoder().decode(b.subarray(0, 16)));
  return m ? Number(m[1]) : null;
}

/** Every seed, as { path, bytes } per target name. */
export function loadSeeds() {
  const seeds = { pprof: [], gzip: [], debug1: [], debug2: [], traceback: [], legacyText: [], legacyCpu: [], traceV1: [], traceV2: [], rules: [], policy: [] };
  const add = (target, p, bytes) => {
    if (bytes.length > 0 && bytes.length <= MAX_SEED) seeds[target].push({ path: p, bytes });
  };
  const addProfile = (p, bytes) => {
    if (isGzip(bytes)) {
      add('gzip', p, bytes);
      bytes = new Uint8Array(gunzipSync(bytes));
    }
    add('pprof', p, bytes);
  };
  const addTrace = (p, bytes) => {
    const raw = isGzip(bytes) ? new Uint8Array(gunzipSync(bytes)) : bytes;
    const minor = traceMinor(raw);
    if (minor !== null) add(minor >= 22 ? 'traceV2' : 'traceV1', p, raw);
  };
  for (const row of manifestRows()) {
    const p = `../shared/corpus/${row.path}`;
    const k = row.kind;
    if (!existsSync(path.join(corpusRoot, row.path))) continue;
    const bytes = read(row.path, corpusRoot);
    if (k.startsWith('pprof-')) addProfile(p, bytes);
    else if (k === 'text-goroutine-debug1') add('debug1', p, bytes);
    else if (k === 'text-goroutine-debug2') add('debug2', p, bytes);
    else if (k === 'text-panic') add('traceback', p, bytes);
    else if (/^text-.*legacy/.test(k)) add('legacyText', p, bytes);
    else if (k === 'legacy-cpu-binary') add('legacyCpu', p, bytes);
    else if (k.startsWith('trace-')) addTrace(p, bytes);
  }
  for (const rel of sampleFiles()) {
    const bytes = read(rel, root);
    if (rel.endsWith('.pb.gz')) addProfile(rel, bytes);
    else if (rel.endsWith('.debug1.txt')) add('debug1', rel, bytes);
    else if (rel.endsWith('.debug2.txt')) add('debug2', rel, bytes);
    else if (rel.endsWith('/trace.out')) addTrace(rel, bytes);
  }
  const packs = path.join(root, 'src', 'signatures', 'packs');
  for (const f of readdirSync(packs).sort()) add('rules', `src/signatures/packs/${f}`, read(path.join('src', 'signatures', 'packs', f), root));
  add('policy', 'src/analyze/pool-policy.json', read(path.join('src', 'analyze', 'pool-policy.json'), root));
  return seeds;
}

/**
 * The targets. `mutations` beyond byte edits (which include words set to edge values): pb
 * (field-aware protobuf edits), varint (a varint of a stream set to an edge value), line (line
 * edits), wrap (a paste's damage), gz (a gzip stream's framing: members, header fields, trailer),
 * json (a value of a JSON document replaced), regzip (the result gzipped again, as served). `run`
 * is what the worker does with an input; `ciRuns` the executions of the bounded pass in `npm test`.
 */
export const TARGETS = [
  { name: 'pprof', ciRuns: 300, run: 'input', mutations: ['pb', 'regzip'] },
  { name: 'gzip', ciRuns: 800, run: 'input', mutations: ['gz'] },
  { name: 'debug1', ciRuns: 150, run: 'input', mutations: ['line', 'wrap', 'regzip'] },
  { name: 'debug2', ciRuns: 150, run: 'input', mutations: ['line', 'wrap', 'regzip'] },
  { name: 'traceback', ciRuns: 300, run: 'input', mutations: ['line', 'wrap'] },
  { name: 'legacyText', ciRuns: 600, run: 'input', mutations: ['line'] },
  { name: 'legacyCpu', ciRuns: 600, run: 'input', mutations: [] },
  { name: 'traceV1', ciRuns: 300, run: 'input', mutations: ['varint', 'regzip'] },
  { name: 'traceV2', ciRuns: 250, run: 'input', mutations: ['varint', 'regzip'] },
  { name: 'rules', ciRuns: 300, run: 'rules', mutations: ['json', 'line'] },
  { name: 'policy', ciRuns: 2000, run: 'policy', mutations: ['json', 'line'] },
];

/** The targets with their seeds; throws when a target has none (the corpus or samples are missing). */
export function targetsWithSeeds() {
  const seeds = loadSeeds();
  return TARGETS.map((t) => {
    if (seeds[t.name].length === 0) throw new Error(`fuzz target ${t.name} has no seeds`);
    return { ...t, seeds: seeds[t.name] };
  });
}
