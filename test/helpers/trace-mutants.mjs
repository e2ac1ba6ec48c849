// Damaged variants of real execution traces, made mechanically and deterministically: each
// mutant is one real trace with one byte overwritten (offset and value from a PRNG seeded by
// the trace's path). samples/golden-trace-verdicts.sh writes them out and records Go's verdict
// on each in test/golden/trace-verdicts.tsv; the tests make the same mutants again and hold
// the decoder to those verdicts.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Real traces the mutants come from (paths relative to the repository): both wire families. */
export const MUTANT_SOURCES = [
  'samples/rwmutex-starvation/go1.27/trace.out',
  'samples/goroutineleak-profile/go1.26/trace.out',
  'samples/db-pool-pq/go1.24/trace.out',
  'samples/db-pool-pq/go1.19/trace.out',
];

/** Mutants per source trace. */
export const MUTANTS_PER_SOURCE = 80;

function seedOf(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * The mutants of one source trace: `name` is `SOURCE#K@OFFSET=VALUE` (the byte at OFFSET set to
 * VALUE, which differs from the original byte); the 16-byte header is never touched.
 */
export function traceMutants(repoRoot, source, count = MUTANTS_PER_SOURCE) {
  const orig = new Uint8Array(readFileSync(path.join(repoRoot, source)));
  let seed = seedOf(source);
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const out = [];
  for (let k = 0; k < count; k++) {
    const at = 16 + Math.floor(rnd() * (orig.length - 16));
    let value = Math.floor(rnd() * 256);
    if (value === orig[at]) value = (value + 1) & 0xff;
    const bytes = orig.slice();
    bytes[at] = value;
    out.push({ name: `${source}#${k}@${at}=${value}`, bytes });
  }
  return out;
}
