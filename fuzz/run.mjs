#!/usr/bin/env node
// `npm run fuzz`: fuzzes every decoder for a while, guided by line coverage (an input that runs
// a line of src/ no input had run before becomes a start for later mutations), and prints
// executions, outcomes and the decoders' line coverage. Every failure is printed with its seed
// and recipe; the run goes on to the next target, and the exit status is 1 when any failed.
//
//   npm run fuzz                          60 s per target
//   npm run fuzz -- --seconds 120 --seed 7 --targets pprof,traceV2
//   npm run fuzz -- --no-guide        mutations of the seeds only (no inputs kept for new lines)
//   npm run fuzz -- --no-coverage     neither coverage nor guidance (faster executions)
//   FUZZ_SECONDS=120 FUZZ_SEED=7 npm run fuzz
import { parseArgs } from 'node:util';
import { Runner, formatFailure, fuzzTarget } from './runner.mjs';
import { targetsWithSeeds } from './targets.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.FUZZ_SECONDS ?? '60' },
    seed: { type: 'string', default: process.env.FUZZ_SEED ?? String(Date.now() % 2 ** 31) },
    targets: { type: 'string', default: process.env.FUZZ_TARGETS ?? '' },
    'no-coverage': { type: 'boolean', default: false },
    'no-guide': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const seed = Number(values.seed);
if (!(seconds > 0) || !Number.isInteger(seed)) {
  console.error('fuzz: --seconds must be a positive number and --seed a whole number');
  process.exit(2);
}
const all = targetsWithSeeds();
const wanted = values.targets ? values.targets.split(',') : all.map((t) => t.name);
const unknown = wanted.filter((w) => !all.some((t) => t.name === w));
if (unknown.length) {
  console.error(`fuzz: no target ${unknown.join(', ')} (targets: ${all.map((t) => t.name).join(', ')})`);
  process.exit(2);
}

console.log(`fuzz: seed ${seed}, ${seconds} s per target`);
const runner = new Runner({ coverage: !values['no-coverage'] });
const rows = [];
let failed = 0;
for (const target of all.filter((t) => wanted.includes(t.name))) {
  const { stats, failure } = await fuzzTarget(target, runner, { seed, timeMs: seconds * 1000, guided: !values['no-guide'] });
  rows.push(stats);
  const rate = Math.round(stats.executions / (stats.ms / 1000));
  console.log(`${target.name.padEnd(11)} ${String(stats.executions).padStart(8)} execs (${rate}/s) from ${stats.seeds} seeds: ${stats.ok} read, ${stats.userErrors} refused (${stats.distinctMessages} distinct messages), ${stats.kept} kept for new lines${failure ? ', FAILED' : ''}`);
  if (failure) {
    failed++;
    console.log(formatFailure(failure));
  }
  await runner.takeCoverage();
}
const coverage = await runner.takeCoverage();
await runner.close();
if (coverage) {
  console.log('\nline coverage of the decoders (compiled src/decode, all targets together):');
  for (const f of coverage.files) console.log(`  ${f.file.padEnd(36)} ${pct(f.covered, f.lines)}  (${f.covered}/${f.lines})`);
  console.log(`  ${'total'.padEnd(36)} ${pct(coverage.covered, coverage.lines)}  (${coverage.covered}/${coverage.lines})`);
}
const total = rows.reduce((n, r) => n + r.executions, 0);
console.log(`\nfuzz: ${total} executions, ${failed} target${failed === 1 ? '' : 's'} failed`);
process.exit(failed ? 1 : 0);

function pct(a, b) {
  return `${((100 * a) / Math.max(b, 1)).toFixed(1).padStart(5)}%`;
}
