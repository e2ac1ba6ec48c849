/**
 * The bounded fuzz pass: every decoder (and the --rules / --policy loaders) fed a fixed number of
 * mutations of real captures, drawn from a fixed seed, each run from its bytes to every report
 * form in a worker thread with a time and a heap limit. The only allowed failure is a user error
 * with one clear line. Then every crasher found so far, regenerated from its seed and recipe
 * (test/fuzz-crashers/), must end cleanly. `npm run fuzz` runs the same targets for longer.
 * Runs against dist/ (npm test builds it first).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Runner, formatFailure, fuzzTarget, inputOf } from '../fuzz/runner.mjs';
import { targetsWithSeeds } from '../fuzz/targets.mjs';
import { repoRoot } from './helpers/corpus.js';

/** The pass's seed: a failure prints it, with the recipe, and FUZZ_SEED=N replays another. */
const SEED = Number(process.env.FUZZ_SEED ?? 19);

interface Seed {
  path: string;
  bytes: Uint8Array;
}
interface Target {
  name: string;
  run: string;
  ciRuns: number;
  seeds: Seed[];
}

const targets: Target[] = targetsWithSeeds();
const runner = new Runner();
afterAll(() => runner.close());

describe(`fuzz, seed ${SEED}`, () => {
  for (const target of targets) {
    it(`${target.name}: ${target.ciRuns} mutated inputs end in a report or one clear line`, async () => {
      const { stats, failure } = await fuzzTarget(target, runner, { seed: SEED, runs: target.ciRuns });
      expect(failure ? formatFailure(failure) : null).toBeNull();
      expect(stats.executions).toBe(target.ciRuns);
      // the mutations both keep inputs readable and break them
      expect(stats.ok).toBeGreaterThan(0);
      expect(stats.userErrors).toBeGreaterThan(0);
    });
  }
});

interface Crasher {
  target: string;
  seed: string;
  /** The edits that made the start of the recipe in a guided run, in order. */
  chain?: unknown[][];
  recipe: { ops: unknown[]; gzip: boolean; entry: string };
  found: string;
  expect: 'ok' | 'user-error';
  message?: string;
}

const crasherDir = path.join(repoRoot, 'test', 'fuzz-crashers');

describe('fuzz crashers, regenerated from their seed and recipe', () => {
  for (const f of readdirSync(crasherDir).filter((f) => f.endsWith('.json')).sort()) {
    const c = JSON.parse(readFileSync(path.join(crasherDir, f), 'utf8')) as Crasher;
    it(`${f}: ${c.found}`, async () => {
      const target = targets.find((t) => t.name === c.target)!;
      expect(target).toBeDefined();
      const r = await runner.run(target.run, inputOf(target, c), c.recipe.entry);
      expect({ status: r.status, message: r.message }).toMatchObject({ status: c.expect });
      if (c.message) expect(r.message).toContain(c.message);
    });
  }
});

describe('guided by coverage', () => {
  const measuring = new Runner({ coverage: true });
  afterAll(() => measuring.close());

  it('keeps inputs that run new lines, and each kept input regenerates from its seed and edits', async () => {
    const target = targets.find((t) => t.name === 'legacyText')!;
    const { stats, failure, pool } = await fuzzTarget(target, measuring, { seed: SEED, runs: 600, guided: true });
    expect(failure ? formatFailure(failure) : null).toBeNull();
    expect(stats.kept).toBeGreaterThan(0);
    const kept = pool.filter((p: { chain: unknown[] }) => p.chain.length > 0);
    expect(kept.length).toBe(stats.kept);
    // the second round started from inputs the first kept
    expect(kept.some((p: { chain: unknown[] }) => p.chain.length > 1)).toBe(true);
    for (const p of kept as { path: string; bytes: Uint8Array; chain: unknown[][] }[]) {
      const again = inputOf(target, { seed: p.path, chain: p.chain.slice(0, -1), recipe: { ops: p.chain.at(-1), gzip: false } });
      expect(Buffer.from(again).equals(Buffer.from(p.bytes))).toBe(true);
    }
  });
});

describe('the fuzzer catches each kind of failure', () => {
  // a short time limit for the hang; a long one for memory, so that it is memory that ends them
  const quick = new Runner({ hangMs: 1000, heapMb: 256 });
  const patient = new Runner({ hangMs: 20_000, heapMb: 256 });
  afterAll(() => Promise.all([quick.close(), patient.close()]));
  const probe = (what: string) => (/heap|buffers/.test(what) ? patient : quick).run('probe', new TextEncoder().encode(what), 'cli');

  it('an exception of our own code', async () => {
    expect(await probe('throw')).toMatchObject({ status: 'crash', message: expect.stringMatching(/^TypeError: /) });
  });
  it('a user error that is not one clear line', async () => {
    expect(await probe('unclear')).toMatchObject({ status: 'unclear' });
  });
  it('a hang, and the next input runs in a new worker', async () => {
    expect(await probe('loop')).toMatchObject({ status: 'hang' });
    expect(await probe('throw')).toMatchObject({ status: 'crash' });
  });
  it('a hang found while fuzzing against the clock is reported, shrunk, with its recipe', async () => {
    const enc = new TextEncoder();
    const target = { name: 'probe', run: 'probe-loops', mutations: [], seeds: [{ path: 'probe', bytes: enc.encode('safe '.repeat(40) + 'loop') }] };
    const { failure } = await fuzzTarget(target, quick, { seed: SEED, timeMs: 300, shrinkMs: 2000 });
    expect(failure).toMatchObject({ status: 'hang', seedPath: 'probe' });
    expect(new TextDecoder().decode(inputOf(target, { seed: 'probe', recipe: failure.recipe }))).toContain('loop');
  });
  it('a heap that grows without bound', async () => {
    expect(await probe('heap')).toMatchObject({ status: 'memory' });
  });
  it('buffers that grow without bound (outside the heap)', async () => {
    expect(await probe('buffers')).toMatchObject({ status: 'memory' });
  });
});
