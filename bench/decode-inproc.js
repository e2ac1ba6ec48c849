#!/usr/bin/env node
// One side of the heap row's in-process comparison, in a process of its own (so each decoder's
// memory is its own): decodes the same uncompressed protobuf bytes RUNS times with pprof-diag's
// decoder (`ours`) or the pprof-format package (`pprof-format`), and prints the wall times of
// the decodes alone (not reading or inflating the file) as one JSON line.
// Usage: node bench/decode-inproc.js ours|pprof-format FILE RUNS
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { decodePprof } from '../dist/decode/pprof.js';

const [which, file, runsArg] = process.argv.slice(2);
const decoders = { ours: (raw) => decodePprof(raw), 'pprof-format': (raw) => Profile.decode(raw) };
const decodeOnce = decoders[which];
const runs = Number(runsArg);
if (!decodeOnce || !file || !(runs >= 1)) {
  process.stderr.write('usage: node bench/decode-inproc.js ours|pprof-format FILE RUNS\n');
  process.exit(2);
}
const bytes = readFileSync(file);
const raw = new Uint8Array(bytes[0] === 0x1f ? gunzipSync(bytes, { maxOutputLength: 2 ** 31 }) : bytes);
const ms = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  let decoded = decodeOnce(raw);
  ms.push(performance.now() - t0);
  decoded = null; // one decoded profile alive at a time
  void decoded;
}
process.stdout.write(JSON.stringify({ which, bytes: raw.length, ms }) + '\n');
