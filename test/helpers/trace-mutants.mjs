// Damaged variants of real execution traces, made mechanically and deterministically: one real
// trace with one byte overwritten (offset and value from a PRNG seeded by the trace's path),
// or, for the new format, with one whole batch left out (as when a buffer is lost: events,
// sequence numbers, strings or stacks missing). samples/golden-trace-verdicts.sh writes them out and records Go's verdict
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

/** One-byte mutants per source trace. */
export const MUTANTS_PER_SOURCE = 80;

/** Most batch-dropping mutants per new-format source trace. */
export const DROPS_PER_SOURCE = 40;

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

function uvarint(b, pos) {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10 && pos.p < b.length; i++) {
    const x = b[pos.p++];
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 128;
  }
  return v;
}

/** The batches of a new-format (Go 1.22+) trace as [start, end) byte ranges. */
function batchesV2(b) {
  const out = [];
  const pos = { p: 16 };
  while (pos.p < b.length) {
    const start = pos.p;
    const t = b[pos.p++];
    if (t === 52) continue; // end of generation (Go 1.26+)
    if (t === 49) pos.p++; // experimental batch
    else if (t !== 1) break;
    uvarint(b, pos); // generation
    uvarint(b, pos); // thread
    uvarint(b, pos); // time
    const size = uvarint(b, pos);
    pos.p += size;
    if (pos.p > b.length) break;
    out.push([start, pos.p]);
  }
  return out;
}

/**
 * Mutants of a new-format source trace that each leave one batch out (empty for the old
 * format): `name` is `SOURCE#drop-K@START+LENGTH`. The batches are taken evenly over the file.
 */
export function traceBatchDrops(repoRoot, source, count = DROPS_PER_SOURCE) {
  const orig = new Uint8Array(readFileSync(path.join(repoRoot, source)));
  const minor = Number(/^go 1\.(\d+) trace/.exec(new TextDecoder().decode(orig.subarray(0, 16)))[1]);
  if (minor < 22) return [];
  const batches = batchesV2(orig);
  const out = [];
  const step = Math.max(1, batches.length / count);
  for (let k = 0; k < count && Math.floor(k * step) < batches.length; k++) {
    const [start, end] = batches[Math.floor(k * step)];
    const bytes = new Uint8Array(orig.length - (end - start));
    bytes.set(orig.subarray(0, start));
    bytes.set(orig.subarray(end), start);
    out.push({ name: `${source}#drop-${k}@${start}+${end - start}`, bytes });
  }
  return out;
}
