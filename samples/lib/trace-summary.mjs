// Reduces the event listing of Go's trace tool to a small JSON summary (the rules are in
// samples/lib/README.md, "trace.parsed.summary.json").
//
//   go tool trace -d=parsed trace.out | node trace-summary.mjs --tool "go1.27.3" --trace trace.out
//   go tool trace -d trace.out        | node trace-summary.mjs ...            (Go ≤ 1.22 tools)
//
// The listing comes on stdin; the summary goes to stdout.
import { createInterface } from 'node:readline';
import { openSync, readSync, closeSync, statSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

// The trace file's header: "go 1.23 trace" (v2 format) or "go 1.19 trace" (older ones).
function traceHeader(path) {
  if (!path) return undefined;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(16);
  const n = readSync(fd, buf, 0, 16, 0);
  closeSync(fd);
  return buf.subarray(0, n).toString('latin1').replace(/\0+$/, '');
}

// The body of a Go %q string (JSON-compatible escapes decoded, anything else kept as written).
const unquote = (q) => {
  try {
    return JSON.parse(`"${q}"`);
  } catch {
    return q;
  }
};
const inc = (m, k, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
const sorted = (m) => Object.fromEntries([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));

let format; // 'parsed-v2' (internal/trace Event.String) or 'parsed-v1' (old internal/trace Event.String)
let events = 0;
let lines = 0;
let firstTime;
let lastTime;
let minTime;
let maxTime;
const byKind = new Map();
const goroutines = new Set();
const procs = new Set();
const threads = new Set();
const transitions = new Map(); // v2: goroutine "From->To"
const waitReasons = new Map(); // v2: Reason of goroutine transitions to Waiting
const procTransitions = new Map(); // v2: proc "From->To"
let withStack = 0; // v2: events followed by a Stack= block
let withTransitionStack = 0;

const v2re = /^M=(-?\d+) P=(-?\d+) G=(-?\d+) (\S+) Time=(-?\d+)(.*)$/;
const v1re = /^(-?\d+) (\S+) p=(-?\d+) g=(-?\d+) off=(-?\d+)(.*)$/;

function time(t) {
  const n = BigInt(t);
  if (firstTime === undefined) firstTime = n;
  lastTime = n;
  if (minTime === undefined || n < minTime) minTime = n;
  if (maxTime === undefined || n > maxTime) maxTime = n;
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  lines++;
  if (line.startsWith('Stack=')) {
    withStack++;
    continue;
  }
  if (line.startsWith('TransitionStack=')) {
    withTransitionStack++;
    continue;
  }
  let m;
  if ((format === undefined || format === 'parsed-v2') && (m = v2re.exec(line))) {
    format = 'parsed-v2';
    events++;
    const [, mm, p, g, kind, t, rest] = m;
    inc(byKind, kind);
    time(t);
    if (g !== '-1') goroutines.add(g);
    if (p !== '-1') procs.add(p);
    if (mm !== '-1') threads.add(mm);
    if (kind === 'StateTransition') {
      let s;
      if ((s = /^ Resource=\S+ Reason="((?:[^"\\]|\\.)*)" GoID=(-?\d+) (\S+)->(\S+)/.exec(rest)) ||
          (s = /^ GoID=(-?\d+) (\S+)->(\S+) Reason="((?:[^"\\]|\\.)*)"/.exec(rest))) {
        // Go 1.23–1.26 print `Resource=… Reason="…" GoID=N From->To`; 1.27 prints
        // `GoID=N From->To Reason="…"`.
        let id, from, to, reason;
        if (rest.startsWith(' GoID=')) [, id, from, to, reason] = s;
        else [, reason, id, from, to] = s;
        goroutines.add(id);
        inc(transitions, `${from}->${to}`);
        if (to === 'Waiting') inc(waitReasons, unquote(reason) || '(none)');
      } else if ((s = / ProcID=(-?\d+) (\S+)->(\S+)/.exec(rest))) {
        procs.add(s[1]);
        inc(procTransitions, `${s[2]}->${s[3]}`);
      }
    }
    continue;
  }
  if ((format === undefined || format === 'parsed-v1') && (m = v1re.exec(line))) {
    format = 'parsed-v1';
    events++;
    const [, t, kind, p, g, , rest] = m;
    inc(byKind, kind);
    time(t);
    if (g !== '0') goroutines.add(g);
    procs.add(p);
    // Arguments named g (GoCreate, GoStart, GoUnblock, GoWaiting, GoInSyscall, ...) name goroutines too.
    for (const a of rest.matchAll(/ g=(\d+)/g)) if (a[1] !== '0') goroutines.add(a[1]);
  }
}

const numeric = (s) => [...s].map(Number).sort((a, b) => a - b);
const gs = numeric(goroutines);
const summary = {
  tool: opt('--tool'),
  listing: format ?? 'empty',
  traceHeader: traceHeader(opt('--trace')),
  traceBytes: opt('--trace') ? statSync(opt('--trace')).size : undefined,
  events,
  goroutines: gs.length,
  goroutineIdMin: gs.length ? gs[0] : null,
  goroutineIdMax: gs.length ? gs[gs.length - 1] : null,
  procs: procs.size,
  threads: format === 'parsed-v2' ? threads.size : undefined,
  firstTime: firstTime?.toString() ?? null,
  lastTime: lastTime?.toString() ?? null,
  minTime: minTime?.toString() ?? null,
  maxTime: maxTime?.toString() ?? null,
  eventsWithStack: format === 'parsed-v2' ? withStack : undefined,
  transitionsWithStack: format === 'parsed-v2' ? withTransitionStack : undefined,
  byKind: sorted(byKind),
  goroutineTransitions: format === 'parsed-v2' ? sorted(transitions) : undefined,
  waitReasons: format === 'parsed-v2' ? sorted(waitReasons) : undefined,
  procTransitions: format === 'parsed-v2' ? sorted(procTransitions) : undefined,
  listingLines: lines,
};
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
