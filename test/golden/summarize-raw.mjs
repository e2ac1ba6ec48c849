#!/usr/bin/env node
// Reads `go tool pprof -raw` output on stdin and prints the figures the tests compare:
// {"sampleTypes":[{type,unit}], "samples":N, "totals":[…], "periodType":{type,unit}|null, "period":N}
import { readFileSync } from 'node:fs';

const lines = readFileSync(0, 'utf8').split('\n');
let periodType = null;
let period = null;
const si = lines.indexOf('Samples:');
if (si < 0) {
  console.error('no Samples: section in the input');
  process.exit(1);
}
for (const l of lines.slice(0, si)) {
  const pt = /^PeriodType: (\S*) (\S*)$/.exec(l);
  if (pt) periodType = { type: pt[1], unit: pt[2] };
  const p = /^Period: (-?\d+)$/.exec(l);
  if (p) period = Number(p[1]);
}
const sampleTypes = lines[si + 1]
  .trim()
  .split(/\s+/)
  .filter((t) => t !== '')
  .map((t) => {
    const clean = t.replace(/\[dflt\]$/, '');
    const slash = clean.lastIndexOf('/');
    return { type: clean.slice(0, slash), unit: clean.slice(slash + 1) };
  });
const totals = sampleTypes.map(() => 0);
let samples = 0;
for (let i = si + 2; i < lines.length; i++) {
  const l = lines[i];
  if (/^\S/.test(l)) break; // the Locations / Mappings sections
  const m = /^\s+(-?\d+(?:\s+-?\d+)*):/.exec(l);
  if (!m) continue; // label lines under a sample
  m[1]
    .trim()
    .split(/\s+/)
    .forEach((v, j) => {
      totals[j] += Number(v);
    });
  samples++;
}
process.stdout.write(JSON.stringify({ sampleTypes, samples, totals, periodType, period }) + '\n');
