// The fuzzing loop: fast-check draws recipes (a real capture and edits to it), the input each makes
// is run in a worker thread with a time limit and a heap limit, and anything but a clean read or
// a one-line user error is a failure that fast-check shrinks to its smallest recipe.
import { readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { applyOps, applyRecipe, describeRecipe, recipeArbitrary } from './mutate.mjs';

/** An input that runs longer than this hangs. */
export const HANG_MS = 10_000;
/** A worker whose heap grows past this has run away. */
export const HEAP_MB = 1024;

const gzip = (b) => new Uint8Array(gzipSync(b, { level: 1 }));

/** One worker thread, replaced when an input ends it (hang, memory, crash of the thread). */
export class Runner {
  constructor({ hangMs = HANG_MS, heapMb = HEAP_MB, coverage = false } = {}) {
    this.hangMs = hangMs;
    this.heapMb = heapMb;
    this.coverage = coverage;
    this.nextId = 0;
    this.worker = null;
  }

  spawn() {
    const w = new Worker(new URL('./worker.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 64 },
      workerData: { coverage: this.coverage },
      stdout: true,
      stderr: true,
    });
    // what a decoder might print is read and dropped, not let through into the report
    w.stdout.resume();
    w.stderr.resume();
    w.unref();
    this.worker = w;
    return w;
  }

  /** Sends a message and waits for its answer, or for the worker's end. */
  ask(msg) {
    const w = this.worker ?? this.spawn();
    const id = ++this.nextId;
    return new Promise((resolve) => {
      let done = false;
      const finish = (r, kill) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(watch);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (kill) {
          this.worker = null;
          void w.terminate();
        }
        resolve(r);
      };
      const onMessage = (m) => {
        if (m.id === id) finish(m, false);
      };
      const onError = (e) => {
        const oom = e?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish(oom ? { status: 'memory', message: `heap grew past ${this.heapMb} MiB` } : { status: 'crash', message: `worker failed: ${e?.message ?? e}`, stack: e?.stack ?? '' }, true);
      };
      const onExit = (code) => finish({ status: 'crash', message: `worker exited with code ${code}` }, true);
      const timer = setTimeout(() => finish({ status: 'hang', message: `still running after ${this.hangMs / 1000} s` }, true), msg.type === 'run' ? this.hangMs : 60_000);
      // the heap limit does not cover array buffers: the process's resident size does
      const rssAtStart = process.memoryUsage.rss();
      const watch = setInterval(() => {
        const grown = process.memoryUsage.rss() - rssAtStart;
        if (grown > this.heapMb * 1024 * 1024) finish({ status: 'memory', message: `resident memory grew by ${Math.round(grown / 2 ** 20)} MiB` }, true);
      }, 50);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ ...msg, id });
    });
  }

  /**
   * Runs one input; with `scope` (guidance by coverage), says how many lines it ran that no
   * input of that scope had run before (`novel`), over every worker this runner has had.
   */
  async run(run, bytes, entry, scope = null) {
    const guided = scope !== null && this.coverage;
    const r = await this.ask({ type: 'run', run, bytes, entry, guided, scope });
    if (!r.fresh) return r;
    this.seen ??= new Map();
    let seen = this.seen.get(scope);
    if (!seen) this.seen.set(scope, (seen = new Set()));
    let novel = 0;
    for (const key of r.fresh) {
      if (seen.has(key)) continue;
      seen.add(key);
      novel++;
    }
    return { ...r, novel };
  }

  /**
   * Line coverage of the decoders so far (when started with coverage), over every worker this
   * runner has had: what a replaced worker ran since it was last asked is lost, so ask often.
   */
  async takeCoverage() {
    if (!this.coverage) return null;
    this.lines ??= new Map();
    if (this.worker) {
      const r = await this.ask({ type: 'coverage' });
      for (const f of r.coverage ?? []) {
        const c = this.lines.get(f.file) ?? { lines: f.lines, hit: new Set() };
        for (const i of f.hit) c.hit.add(i);
        this.lines.set(f.file, c);
      }
    }
    const files = [...this.lines].map(([file, c]) => ({ file, lines: c.lines, covered: c.hit.size })).sort((a, b) => a.file.localeCompare(b.file));
    return { files, lines: files.reduce((n, f) => n + f.lines, 0), covered: files.reduce((n, f) => n + f.covered, 0) };
  }

  async close() {
    if (this.worker) {
      await this.ask({ type: 'end' });
      await this.worker.terminate();
      this.worker = null;
    }
    // the files of workers that were ended mid-input
    const dir = os.tmpdir();
    for (const f of readdirSync(dir)) if (f.startsWith(`pprof-diag-fuzz-${process.pid}-`)) rmSync(path.join(dir, f), { force: true });
  }
}

/**
 * The input a stored crasher regenerates: its seed (by path), the edits that made its start in
 * a guided run (`chain`), then its recipe's own.
 */
export function inputOf(target, { seed, chain = [], recipe }) {
  const start = target.seeds.find((s) => s.path === seed);
  if (!start) throw new Error(`fuzz target ${target.name} has no seed ${seed}`);
  const bytes = chain.reduce((b, ops) => applyOps(b, ops, target.seeds.map((s) => s.bytes)), start.bytes);
  return applyRecipe(target, { ...recipe, seed: 0 }, gzip, [{ bytes }]);
}

/** Inputs kept for reaching new lines, per target; beyond this the oldest make room. */
const MAX_KEPT = 2000;
/** Kept inputs larger than this are not kept (they slow every execution down). */
const MAX_KEPT_BYTES = 1024 * 1024;
/** Executions per round at most: inputs kept in a round become starts in the next. */
const ROUND = 500;
/** A round is sized to last about this long, so that a timed run ends near its time. */
const ROUND_MS = 5_000;

/**
 * Fuzzes one target: `runs` recipes drawn from `seed` (or as many as fit in `timeMs`), in rounds
 * (round r draws from seed + r). A round is never cut short: fast-check's own time limit would
 * abandon an input still running, and a hang at the end of the time would pass unseen. With
 * `guided` (and a runner measuring coverage) an input that runs a line of src/ no input of the
 * target had run before is kept and becomes a start for later rounds, its edits recorded.
 * Resolves to the figures; a failure comes back as `failure`, with the round's seed, fast-check's
 * path and the recipe (and the edits that made its start). `shrinkMs` bounds shrinking.
 */
export async function fuzzTarget(target, runner, { seed, runs, timeMs, guided = false, shrinkMs = 60_000 }) {
  const stats = { target: target.name, seeds: target.seeds.length, executions: 0, ok: 0, userErrors: 0, kept: 0, messages: new Set(), ms: 0 };
  const started = Date.now();
  const pool = target.seeds.map((s) => ({ ...s, chain: [] }));
  const limit = runs ?? Number.MAX_SAFE_INTEGER;
  let failure = null;
  for (let round = 0; failure === null && stats.executions < limit; round++) {
    const elapsed = Date.now() - started;
    if (timeMs && elapsed >= timeMs) break;
    // without a time, one round does it all (unless guided); with one, a first round of ten to
    // measure the rate, then rounds of about ROUND_MS
    let size = guided ? ROUND : limit;
    if (timeMs && round === 0) size = 10;
    else if (timeMs) size = Math.max(10, Math.min(ROUND, Math.round((stats.executions / elapsed) * Math.min(ROUND_MS, timeMs - elapsed))));
    const kept = [];
    failure = await fuzzRound(target, runner, pool.slice(), stats, kept, { seed: seed + round, runs: Math.min(limit - stats.executions, size), guided, shrinkMs });
    for (const k of kept) pool.push(k);
    if (pool.length > target.seeds.length + MAX_KEPT) pool.splice(target.seeds.length, pool.length - target.seeds.length - MAX_KEPT);
    if (!guided && !timeMs) break;
  }
  stats.ms = Date.now() - started;
  stats.distinctMessages = stats.messages.size;
  delete stats.messages;
  return { stats, failure, pool };
}

async function fuzzRound(target, runner, pool, stats, kept, { seed, runs, guided, shrinkMs }) {
  let last = null;
  let failedAt = 0;
  const property = fc.asyncProperty(recipeArbitrary(target), async (recipe) => {
    // a hang costs its full time at every step of shrinking: past shrinkMs, the smallest so far stands
    if (failedAt && Date.now() - failedAt > shrinkMs) return true;
    const raw = applyRecipe(target, recipe, (b) => b, pool);
    const bytes = recipe.gzip ? gzip(raw) : raw;
    const r = await runner.run(target.run, bytes, recipe.entry, guided ? target.name : null);
    stats.executions++;
    if (r.status === 'ok') stats.ok++;
    else if (r.status === 'user-error') {
      stats.userErrors++;
      // distinct messages, numbers aside: a rough count of the distinct ways inputs are refused
      stats.messages.add(r.message.replace(/\d+/g, 'N').slice(0, 120));
    } else {
      last = { ...r, recipe, size: bytes.length };
      failedAt ||= Date.now();
      return false;
    }
    if (r.novel > 0 && raw.length <= MAX_KEPT_BYTES) {
      const start = pool[recipe.seed % pool.length];
      kept.push({ path: start.path, bytes: raw, chain: [...start.chain, recipe.ops] });
      stats.kept++;
    }
    return true;
  });
  const details = await fc.check(property, { seed, numRuns: runs });
  if (!details.failed) return null;
  const recipe = details.counterexample?.[0] ?? last?.recipe;
  const again = recipe ? await runner.run(target.run, applyRecipe(target, recipe, gzip, pool), recipe.entry) : last;
  return {
    target: target.name,
    seed: details.seed,
    path: details.counterexamplePath,
    recipe,
    seedPath: recipe ? pool[recipe.seed % pool.length].path : '',
    chain: recipe ? pool[recipe.seed % pool.length].chain : [],
    status: last?.status ?? again?.status,
    message: last?.message ?? again?.message,
    stack: last?.stack ?? again?.stack ?? '',
    // the shrunk recipe run once more: a different end means the failure depends on more than the input
    replay: again ? `${again.status}${again.message ? `: ${again.message}` : ''}` : '',
    where: recipe ? describeRecipe(target, recipe, pool) : '',
    error: details.errorInstance ? String(details.errorInstance) : '',
  };
}

/** A failure in a few lines: what happened, how to reproduce it. */
export function formatFailure(f) {
  return [
    `fuzz target ${f.target}: ${f.status}: ${f.message}`,
    `  reproduce: seed ${f.seed}, path ${JSON.stringify(f.path)}; run again: ${f.replay}`,
    `  input: ${f.where}`,
    ...(f.recipe
      ? [`  as a regression (test/fuzz-crashers/NAME.json): ${JSON.stringify({ target: f.target, seed: f.seedPath, ...(f.chain.length ? { chain: f.chain } : {}), recipe: { ops: f.recipe.ops, gzip: f.recipe.gzip, entry: f.recipe.entry } }, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v))}`]
      : []),
    ...(f.stack ? f.stack.split('\n').slice(0, 8).map((l) => `  ${l}`) : []),
  ].join('\n');
}
