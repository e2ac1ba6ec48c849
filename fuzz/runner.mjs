// The fuzzing loop: fast-check draws recipes (a real capture and edits to it), the input each makes
// is run in a worker thread with a time limit and a heap limit, and anything but a clean read or
// a one-line user error is a failure that fast-check shrinks to its smallest recipe.
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { applyRecipe, describeRecipe, recipeArbitrary } from './mutate.mjs';

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

  run(run, bytes, entry) {
    return this.ask({ type: 'run', run, bytes, entry });
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
    if (!this.worker) return;
    await this.ask({ type: 'end' });
    await this.worker.terminate();
    this.worker = null;
  }
}

/** The input a recipe makes, as bytes (what a stored regression recipe regenerates). */
export function inputOf(target, recipe) {
  return applyRecipe(target, recipe, gzip);
}

/**
 * Fuzzes one target: `runs` recipes drawn from `seed` (or as many as fit in `timeMs`). Resolves to
 * the figures; a failure comes back as `failure`, with the seed, fast-check's path and the recipe.
 */
export async function fuzzTarget(target, runner, { seed, runs, timeMs }) {
  const stats = { target: target.name, seeds: target.seeds.length, executions: 0, ok: 0, userErrors: 0, messages: new Set(), ms: 0 };
  const started = Date.now();
  let last = null;
  const property = fc.asyncProperty(recipeArbitrary(target), async (recipe) => {
    const bytes = inputOf(target, recipe);
    const r = await runner.run(target.run, bytes, recipe.entry);
    stats.executions++;
    if (r.status === 'ok') stats.ok++;
    else if (r.status === 'user-error') {
      stats.userErrors++;
      // distinct messages, numbers aside: a rough count of the distinct ways inputs are refused
      stats.messages.add(r.message.replace(/\d+/g, 'N').slice(0, 120));
    } else {
      last = { ...r, recipe, size: bytes.length };
      return false;
    }
    return true;
  });
  const details = await fc.check(property, {
    seed,
    numRuns: runs ?? Number.MAX_SAFE_INTEGER,
    ...(timeMs ? { interruptAfterTimeLimit: timeMs } : {}),
    // a hang costs its full time limit at every step of shrinking; a few steps are enough
    ...(timeMs ? { skipAllAfterTimeLimit: timeMs * 4 } : {}),
  });
  stats.ms = Date.now() - started;
  stats.distinctMessages = stats.messages.size;
  delete stats.messages;
  if (!details.failed) return { stats, failure: null };
  const recipe = details.counterexample?.[0] ?? last?.recipe;
  const again = recipe ? await runner.run(target.run, inputOf(target, recipe), recipe.entry) : last;
  return {
    stats,
    failure: {
      target: target.name,
      seed: details.seed,
      path: details.counterexamplePath,
      recipe,
      status: again?.status ?? last?.status,
      message: again?.message ?? last?.message,
      stack: again?.stack ?? last?.stack ?? '',
      where: recipe ? describeRecipe(target, recipe) : '',
      error: details.errorInstance ? String(details.errorInstance) : '',
    },
  };
}

/** A failure in a few lines: what happened, how to reproduce it. */
export function formatFailure(f) {
  return [
    `fuzz target ${f.target}: ${f.status}: ${f.message}`,
    `  reproduce: seed ${f.seed}, path ${JSON.stringify(f.path)}`,
    `  input: ${f.where}`,
    ...(f.stack ? f.stack.split('\n').slice(0, 8).map((l) => `  ${l}`) : []),
  ].join('\n');
}
