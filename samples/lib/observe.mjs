// Counts goroutines in a scenario's debug=2 dumps and records the counts in its scenario.json,
// under facts.observedInCaptures, so the numbers a diagnosis should quote match the committed
// captures. samples/capture.sh runs it after each successful capture of a scenario whose
// scenario.json has an "observe" object:
//
//   "observe": {
//     "waitingInDBConn": { "state": "^select$", "top": "^database/sql\\.\\(\\*DB\\)\\.conn\\(" },
//     "queriesOnServer": { "state": "^IO wait$", "anywhere": "pq\\.\\(\\*conn\\)\\.query" }
//   }
//
// A goroutine counts for a name when its wait reason (the bracket of the header, without the
// ", N minutes" part) matches `state`, its first frame line matches `top`, and some line of its
// stack matches `anywhere` (each optional; regular expressions, JavaScript syntax). `total` is
// the number of goroutines in the dump. Keys: "go1.27" for goroutine.debug2.txt,
// "go1.27 goroutine.2" for the second snapshot, "go1.27 goroutine.aged" for the aged one
// (captures.agedSeconds).
//
//   node observe.mjs samples/<scenario> [go1.27]     (no version: every go1.* folder)
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from './json-format.mjs';

const [dir, only] = process.argv.slice(2);
const file = join(dir, 'scenario.json');
const s = JSON.parse(readFileSync(file, 'utf8'));
if (!s.observe) process.exit(0);
const pats = Object.entries(s.observe).map(([name, p]) => ({
  name,
  state: p.state ? new RegExp(p.state) : null,
  top: p.top ? new RegExp(p.top) : null,
  anywhere: p.anywhere ? new RegExp(p.anywhere, 'm') : null,
}));

function count(path) {
  const out = Object.fromEntries(pats.map((p) => [p.name, 0]));
  let total = 0;
  for (const block of readFileSync(path, 'utf8').split(/\n\n+/)) {
    const lines = block.split('\n');
    const m = /^goroutine \d+ .*?\[([^\]]*)\]/.exec(lines[0] ?? '');
    if (!m) continue;
    total++;
    const state = m[1].replace(/, \d+ minutes?/, '');
    const top = lines[1] ?? '';
    for (const p of pats) {
      if (p.state && !p.state.test(state)) continue;
      if (p.top && !p.top.test(top)) continue;
      if (p.anywhere && !p.anywhere.test(block)) continue;
      out[p.name]++;
    }
  }
  out.total = total;
  return out;
}

const facts = (s.facts ??= {});
const observed = { ...(facts.observedInCaptures ?? {}) };
const versions = only ? [only] : readdirSync(dir).filter((d) => /^go1\.\d+$/.test(d));
for (const v of versions) {
  for (const k of Object.keys(observed)) if (k === v || k.startsWith(`${v} `)) delete observed[k];
  for (const [form, key] of [
    ['goroutine.debug2.txt', v],
    ['goroutine.2.debug2.txt', `${v} goroutine.2`],
    ['goroutine.aged.debug2.txt', `${v} goroutine.aged`],
  ]) {
    const p = join(dir, v, form);
    if (existsSync(p)) observed[key] = count(p);
  }
}
facts.observedInCaptures = Object.fromEntries(Object.entries(observed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, format(s) + '\n');
