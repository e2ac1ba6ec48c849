// Runs one fuzz input the way the command line (or the page) runs a user's input, from its bytes
// to every report form, and says how it ended: read, refused with a user error, or crashed.
// Runs in a worker thread so that a hang or run-away memory ends the worker, not the fuzzer.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { TraceAnalyzer } from '../dist/analyze/index.js';
import { advisePool, validatePolicy } from '../dist/analyze/pool-advisor.js';
import { gunzipNode } from '../dist/cli/gunzip-node.js';
import { loadPacks } from '../dist/cli/setup.js';
import { readTraceOrBytes } from '../dist/cli/trace-input.js';
import { DecodeError, UsageError } from '../dist/model/errors.js';
import { analyzeDecodedInput, analyzeInput, diagnoseAnalyses, render } from '../dist/pipeline.js';
import { root } from './targets.mjs';

const MAX_SIZE = 1024 ** 3;
const file = path.join(os.tmpdir(), `pprof-diag-fuzz-${process.pid}-${threadId}.bin`);
let assets = null;
try {
  assets = JSON.parse(readFileSync(path.join(root, 'dist', 'web', 'viewer-assets.json'), 'utf8'));
} catch {
  // no viewer assets built: the HTML form is left out
}

/** Every report form of a result; the JSON one must parse. */
function renderAll(result) {
  const o = { toolVersion: 'fuzz', ...(assets ? { assets } : {}) };
  render(result, 'text', o);
  render(result, 'md', o);
  JSON.parse(render(result, 'json', o));
  if (assets) render(result, 'html', o);
}

/**
 * As `pprof-diag analyze FILE` does: a trace streamed a generation at a time, a gzip'd pprof
 * profile read from its pieces (from any size here, where the command line starts at 32 MiB, so
 * that the pieces' reader meets every input; what it refuses is read whole), anything else whole.
 */
async function analyzeAsCli(bytes) {
  writeFileSync(file, bytes);
  const analyzer = new TraceAnalyzer();
  const raw = await readTraceOrBytes(file, { timeoutMs: 10_000, maxBytes: MAX_SIZE }, { onPart: (p) => analyzer.add(p), streamPprofFrom: 0 });
  if (raw.type === 'trace') return analyzer.finish(raw.name, raw.trace, raw.compressed, {});
  if (raw.type === 'profile') return analyzeDecodedInput(raw.name, { type: 'profile', profile: raw.profile, compressed: raw.compressed }, {});
  return analyzeInput({ name: raw.name, bytes: raw.bytes }, { maxSize: MAX_SIZE, gunzip: gunzipNode });
}

let goroutines = null;

/** `--rules FILE` loaded, then used to diagnose a real goroutine profile. */
async function runRules(bytes) {
  writeFileSync(file, bytes);
  const packs = loadPacks([file]);
  goroutines ??= readFileSync(path.join(root, 'samples', 'chan-leak', 'go1.27', 'goroutine.debug2.txt'));
  const analysis = analyzeInput({ name: 'goroutine.debug2.txt', bytes: goroutines }, {});
  renderAll(diagnoseAnalyses([analysis], [], { packs }));
}

/** `advise --policy FILE`: the document read as the command reads it, then used for advice. */
function runPolicy(bytes) {
  let doc;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    // the command reports a document that is not JSON as the user's, in one line
    throw new UsageError(`cannot read policy: ${e.message}`);
  }
  const policy = validatePolicy(doc);
  // with and without a server budget (which caps the size the policy asks for)
  JSON.stringify(advisePool({ qps: 400, latencySeconds: 0.02, latencyP99Seconds: 0.2, instances: 6, poolsPerInstance: 2, serverMaxConnections: 200 }, policy));
  JSON.stringify(advisePool({ qps: 50, latencySeconds: 0.005, instances: 1, poolsPerInstance: 1 }, policy));
}

async function runInput(bytes, entry) {
  const analysis = entry === 'cli' ? await analyzeAsCli(bytes) : analyzeInput({ name: 'input', bytes }, {});
  renderAll(diagnoseAnalyses([analysis], [], {}));
}

/** What is wrong with a user error's message, or null when it is one clear line. */
function unclear(msg) {
  if (typeof msg !== 'string' || msg.trim() === '') return 'an empty message';
  if (msg.includes('\n')) return 'a message of several lines';
  if (/^internal error/i.test(msg)) return 'a user error called an internal error';
  if (/\b(undefined|NaN)\b|\[object Object\]/.test(msg)) return 'a message with undefined, NaN or [object Object] in it';
  return null;
}

/** Inputs that fail on purpose, so that a test can see each failure caught. */
async function runProbe(what, text = '') {
  const hold = [];
  switch (what) {
    case 'loop':
      for (;;);
    case 'loops':
      // a hang hidden in many inputs: the fuzzer must report it, not run out of time beside it
      return text.includes('loop') ? runProbe('loop') : undefined;
    case 'heap':
      for (;;) hold.push({ a: hold.length, b: [hold.length] });
    case 'buffers':
      for (;;) {
        hold.push(new Uint8Array(64 * 1024 * 1024).fill(1));
        await new Promise((r) => setTimeout(r, 10));
      }
    case 'throw':
      return hold[0].missing;
    case 'unclear':
      throw new UsageError('value is undefined');
  }
}

async function runOne({ run, bytes, entry }) {
  try {
    if (run === 'probe') await runProbe(new TextDecoder().decode(bytes));
    else if (run === 'probe-loops') await runProbe('loops', new TextDecoder().decode(bytes));
    else if (run === 'rules') await runRules(bytes);
    else if (run === 'policy') runPolicy(bytes);
    else await runInput(bytes, entry);
    return { status: 'ok' };
  } catch (e) {
    if (e instanceof DecodeError || e instanceof UsageError) {
      const why = unclear(e.message);
      return why ? { status: 'unclear', message: `${why}: ${JSON.stringify(e.message)}` } : { status: 'user-error', message: e.message };
    }
    const err = e instanceof Error ? e : new Error(String(e));
    return { status: 'crash', message: `${err.name}: ${err.message}`, stack: err.stack ?? '' };
  }
}

// ---- coverage -----------------------------------------------------------------------------------

const session = workerData?.coverage ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
}
/** The compiled files whose lines count: the decoders (reported), and what runs after them (guidance). */
const WATCHED = /\/dist\/((?:decode|analyze|signatures|model|report)\/.*\.js|pipeline\.js)$/;
/** Lines covered per watched file over the worker's life, and each file's code lines. */
const covered = new Map();
const sources = new Map();

/** Lines a reader would call code (not blank, not a comment, not a lone bracket), by their first character. */
function codeLines(url) {
  let lines = sources.get(url);
  if (lines) return lines;
  lines = [];
  let start = 0;
  for (const text of readFileSync(new URL(url), 'utf8').split('\n')) {
    const t = text.trim();
    const code = t !== '' && !/^(\/\/|\/\*|\*)/.test(t) && !/^[\]})]+[;,]?$/.test(t);
    if (code) lines.push({ n: lines.length, at: start + (text.length - text.trimStart().length) });
    start += text.length + 1;
  }
  sources.set(url, lines);
  return lines;
}

/** Lines run per scope (a target): what is new for one target may be old for another. */
const seenBy = new Map();

/**
 * Takes V8's block coverage since the last take (it resets the counts), paints each function's
 * ranges over the file, outer before inner, and adds the lines whose first character ran. Returns
 * the lines the scope had never run before, as "file:line".
 */
async function takeCoverage(scope = '') {
  let scoped = seenBy.get(scope);
  if (!scoped) seenBy.set(scope, (scoped = new Set()));
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const fresh = [];
  for (const script of result) {
    const m = WATCHED.exec(script.url);
    if (!m || !script.functions.some((f) => f.ranges[0].count > 0)) continue;
    const lines = codeLines(script.url);
    const end = lines.length ? lines[lines.length - 1].at + 1 : 0;
    const counts = new Uint8Array(end);
    const fns = [...script.functions].sort((a, b) => b.ranges[0].endOffset - b.ranges[0].startOffset - (a.ranges[0].endOffset - a.ranges[0].startOffset));
    for (const f of fns) for (const r of f.ranges) if (r.startOffset < end) counts.fill(r.count > 0 ? 1 : 0, r.startOffset, Math.min(r.endOffset, end));
    let seen = covered.get(m[1]);
    if (!seen) covered.set(m[1], (seen = { lines: lines.length, hit: new Set() }));
    for (const l of lines) {
      if (!counts[l.at]) continue;
      seen.hit.add(l.n);
      const key = `${m[1]}:${l.n}`;
      if (scoped.has(key)) continue;
      scoped.add(key);
      fresh.push(key);
    }
  }
  return fresh;
}

/** Coverage so far, of the decoders only (what `npm run fuzz` reports). */
async function decoderCoverage() {
  await takeCoverage();
  return [...covered].filter(([file]) => file.startsWith('decode/')).map(([file, c]) => ({ file, lines: c.lines, hit: [...c.hit] }));
}

parentPort.on('message', async (msg) => {
  if (msg.type === 'coverage') {
    parentPort.postMessage({ id: msg.id, status: 'ok', coverage: session ? await decoderCoverage() : null });
  } else if (msg.type === 'run') {
    const r = await runOne(msg);
    // with guidance, the lines this input ran that no input of its scope had run in this worker
    parentPort.postMessage({ id: msg.id, ...r, ...(session && msg.guided ? { fresh: await takeCoverage(msg.scope) } : {}) });
  } else if (msg.type === 'end') {
    rmSync(file, { force: true });
    parentPort.postMessage({ id: msg.id, status: 'ended' });
  }
});
