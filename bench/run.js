#!/usr/bin/env node
// `npm run bench`: pprof-diag against what users would run instead, on big inputs from real Go
// 1.27 programs (bench/gen-big.sh writes them into bench/.work/big/ when missing), one row per
// performance target, in one run. Every command is a whole process, run RUNS times (default 3;
// SHORT_RUNS, 9, for the goroutine profiles' sub-second rows, the commands taking turns): its
// wall time is the median, its peak RSS the largest of the runs (/usr/bin/time -f %M, the
// largest process of the tree it waited for). Prints progress on stderr, and the tables on
// stdout and into bench/results.md with the machine they ran on.
// The older side-by-side decoding of the corpus's profiles is bench/corpus.js.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'bench', '.work');
const big = path.join(work, 'big');
const RUNS = Number(process.env.RUNS ?? 3);
const SHORT_RUNS = Number(process.env.SHORT_RUNS ?? 9);
/**
 * The address space a peer that holds a whole input in memory may take (PEER_MEMORY_LIMIT, in
 * bytes): the machine's memory less 4 GiB for the rest, and never less than 10 GiB. The more it
 * has, the longer such a peer runs before it is stopped, and the closer an upper bound gets.
 */
const peerMemoryLimit = Number(process.env.PEER_MEMORY_LIMIT ?? Math.max(10 * 2 ** 30, os.totalmem() - 4 * 2 ** 30));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pprof-diag-bench-'));
const progress = (s) => process.stderr.write(`bench: ${s}\n`);

function toolchain(name) {
  const ready = path.join(root, 'samples', '.work', 'TOOLCHAINS_READY');
  const l = readFileSync(ready, 'utf8').split('\n').find((x) => x.startsWith(name + '='));
  if (!l) throw new Error(`${ready} has no ${name} line (run samples/toolchain.sh)`);
  return l.slice(name.length + 1).trim();
}

const go = toolchain('go1.27');
const goEnv = {
  ...process.env,
  GOTOOLCHAIN: 'local',
  GOFLAGS: '',
  GOCACHE: path.join(root, 'samples', '.work', 'cache-1.27'), // where toolchain.sh built pprof and trace
  NO_COLOR: '1',
};
const panicparse = path.join(work, 'panicparse', 'usr', 'bin', 'panicparse');
const tracebench = path.join(work, 'tracebench');
const cli = path.join(root, 'bin', 'pprof-diag.js');
const input = (name) => path.join(big, name);

/**
 * One run of a whole process: wall ms, peak RSS in MiB, exit status, the tail of its stderr.
 * `timeout` stops the command at its limit (TERM, then KILL 5 s later) and reaps it, so
 * /usr/bin/time still reports the peak of the tree.
 */
function runOnce(cmd, args, timeoutMs, memoryLimit) {
  const rssFile = path.join(tmp, 'rss');
  rmSync(rssFile, { force: true });
  // a peer that would take the whole machine's memory is stopped at memoryLimit bytes of address space
  const limited = memoryLimit ? ['prlimit', `--as=${memoryLimit}`, '--', cmd, ...args] : [cmd, ...args];
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, 'timeout', '-k', '5', String(timeoutMs / 1000), ...limited], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: goEnv,
    maxBuffer: 1 << 26,
  });
  const ms = performance.now() - t0;
  const rss = existsSync(rssFile) ? Number(/(\d+)\s*$/.exec(readFileSync(rssFile, 'utf8'))?.[1]) / 1024 : NaN;
  const err = String(r.stderr ?? '');
  const stderr = err.trim().split('\n').filter(Boolean).pop() ?? '';
  const outOfMemory = Boolean(memoryLimit) && r.status !== 0 && /out of memory|cannot allocate memory/i.test(err);
  return { ms, mib: rss, status: r.status, timedOut: (r.status === 124 || r.status === 137) && ms >= timeoutMs, outOfMemory, stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs a command RUNS times: the median wall time, the largest peak RSS. A run that fails or
 * runs past timeoutMs ends the measurement (it is reported as such, never as a time).
 */
function measure(label, cmd, args, { runs = RUNS, ...opts } = {}) {
  return measureTogether([{ label, cmd, args, opts }], runs)[0];
}

/**
 * Commands measured taking turns, `runs` rounds (every other round in the opposite order), so
 * that a machine busier for a while weighs on each of them alike: the rows that compare
 * commands of well under a second, where one slow stretch would otherwise decide the ratio.
 */
function measureTogether(specs, runs) {
  const state = specs.map(() => ({ ms: [], mib: 0, result: null }));
  for (let i = 0; i < runs; i++) {
    const order = specs.map((_, k) => (i % 2 === 0 ? k : specs.length - 1 - k));
    for (const k of order) if (state[k].result === null) runTurn(specs[k], state[k], i, runs);
  }
  return state.map((st) => st.result ?? { ms: median(st.ms), mib: st.mib, runs: st.ms.length });
}

/** One run of a command measured by measureTogether; a failed one sets its result. */
function runTurn({ label, cmd, args, opts: { timeoutMs = 900_000, okStatus = [0], memoryLimit } = {} }, st, i, runs) {
  const r = runOnce(cmd, args, timeoutMs, memoryLimit);
  const note = r.timedOut ? `stopped after ${timeoutMs / 1000} s` : r.outOfMemory ? 'out of memory at its limit' : `exit ${r.status}`;
  progress(`${label} [${i + 1}/${runs}]: ${(r.ms / 1000).toFixed(2)} s, ${r.mib.toFixed(0)} MiB, ${note}`);
  if (r.timedOut) st.result = { failed: `> ${timeoutMs / 1000} s (stopped)`, timedOutMs: timeoutMs, mib: r.mib };
  // stopped at its memory limit: it would have taken longer than it ran, and more memory
  else if (r.outOfMemory) st.result = { failed: `> ${secs(r.ms)} (out of memory at its ${(memoryLimit / 2 ** 30).toFixed(1)} GiB limit)`, timedOutMs: r.ms, mib: r.mib };
  else if (!okStatus.includes(r.status)) st.result = { failed: `exit ${r.status}: ${r.stderr.slice(0, 120)}` };
  else {
    st.ms.push(r.ms);
    st.mib = Math.max(st.mib, r.mib);
  }
}

const ours = (file, format = 'text', extra = []) => [cli, 'analyze', '-q', '-f', format, ...extra, file];
/** `analyze -f FORMAT FILE` as a command of measureTogether. */
const oursSpec = (label, file, format) => ({ label: `pprof-diag ${format} ${label}`, cmd: process.execPath, args: ours(file, format) });
const oursRuns = new Map(); // file and format → measurement, so the growth rows reuse the big runs
const oursKey = (file, format) => `${file}\t${format}`;
function oursMeasure(label, file, format, opts) {
  const key = oursKey(file, format);
  if (!oursRuns.has(key)) oursRuns.set(key, measureTogether([{ ...oursSpec(label, file, format), opts }], RUNS)[0]);
  return oursRuns.get(key);
}
const goTop = (label, file) => measure(`go tool pprof -top ${label}`, go, ['tool', 'pprof', '-top', file]);

/** In-process decode times of the same bytes by one decoder, in a process of its own. */
function inproc(which, file) {
  const r = spawnSync(process.execPath, [path.join(root, 'bench', 'decode-inproc.js'), which, file, String(RUNS)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) return { failed: `exit ${r.status}: ${String(r.stderr).trim().split('\n').pop()}` };
  const { ms } = JSON.parse(r.stdout);
  progress(`${which} decode in-process ${path.basename(file)}: ${ms.map((x) => (x / 1000).toFixed(2)).join(', ')} s`);
  return { ms: median(ms), runs: ms.length };
}

const MB = 1e6;
const mbOf = (mib) => (mib * 1048576) / MB;
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mem = (m) => (m.mib ? `${mbOf(m.mib).toFixed(0)} MB` : '—');
const shown = (m) => (m.failed ? m.failed : secs(m.ms));
const cell = (m) => (m.mib ? `${shown(m)}, ${mem(m)}` : shown(m)); // in-process rows have no RSS of their own
/** ours / peer; a peer stopped at its limit gives an upper bound. */
function ratioOf(a, b) {
  if (a.failed) return { text: '—', value: NaN };
  if (b.timedOutMs) return { text: `< ${(a.ms / b.timedOutMs).toFixed(3)}`, value: a.ms / b.timedOutMs };
  if (b.failed) return { text: '—', value: NaN };
  return { text: (a.ms / b.ms).toFixed(2), value: a.ms / b.ms };
}
const verdict = (ok) => (ok === null ? '—' : ok ? 'yes' : '**no**');
const rows = [];
/** A row of the main table: what is measured, ours, the peer, the ratio or figure, the target. */
function row(what, oursCell, peerCell, figure, target, ok) {
  rows.push({ what, ours: oursCell, peer: peerCell, figure, target, met: verdict(ok) });
}
function ratioRow(what, a, peerName, b, max) {
  const r = ratioOf(a, b);
  row(what, cell(a), `${peerName} ${cell(b)}`, `${r.text} ×`, `≤ ${max} ×`, Number.isFinite(r.value) ? r.value <= max : false);
}

// 100k-goroutine profile, debug=0 and debug=1, in every output format: the whole `analyze`
// process against `go tool pprof -top` on the same file.
// The five commands of a kind take turns, SHORT_RUNS rounds (default 9): each takes well under a
// second, where a few runs on a shared machine would measure the machine more than the commands.
function goroutineRows() {
  const formats = ['text', 'json', 'md', 'html'];
  for (const [kind, file] of [
    ['debug=0', input('goroutine-106k.pb.gz')],
    ['debug=1', input('goroutine-106k.debug1.txt')],
  ]) {
    const specs = [
      { label: `go tool pprof -top goroutine-106k ${kind}`, cmd: go, args: ['tool', 'pprof', '-top', file] },
      ...formats.map((format) => oursSpec(`goroutine-106k ${kind}`, file, format)),
    ];
    const [peer, ...mine] = measureTogether(specs, SHORT_RUNS);
    formats.forEach((format, k) => {
      oursRuns.set(oursKey(file, format), mine[k]);
      ratioRow(`106k goroutines, 64k stacks, ${kind}, \`-f ${format}\``, mine[k], '`go tool pprof -top`', peer, 0.5);
    });
  }
}

// 216 MB heap: against `go tool pprof -top` as processes; against pprof-format decoding the same
// bytes in-process; peak RSS over the uncompressed size; the HTML report against the JSON one.
function heapRows() {
  const file = input('heap-1.8m.pb.gz');
  const rawBytes = gunzipSync(readFileSync(file), { maxOutputLength: 2 ** 31 }).length;
  const label = `heap ${(rawBytes / MB).toFixed(0)} MB`;
  const a = oursMeasure('heap-1.8m', file, 'text');
  ratioRow(`${label}, 1.8 M samples, \`-f text\``, a, '`go tool pprof -top`', goTop('heap-1.8m', file), 0.1);
  const oursDecode = inproc('ours', file);
  const theirs = inproc('pprof-format', file);
  ratioRow(`${label}, decode in-process (same bytes)`, oursDecode, '`pprof-format`', theirs, 0.2);
  const perByte = a.failed ? NaN : (mbOf(a.mib) * MB) / rawBytes;
  row(`${label}, peak RSS / uncompressed size`, mem(a), '', Number.isFinite(perByte) ? `${perByte.toFixed(2)} ×` : '—', '≤ 2.5 ×', perByte <= 2.5);
  // the two reports of one input, taking turns: a ratio of two of ours, measured alike
  const [html, json] = measureTogether(['html', 'json'].map((format) => oursSpec('heap-1.8m', file, format)), RUNS);
  const r = ratioOf(html, json);
  row(`${label}, HTML report / JSON analysis`, `html ${cell(html)}`, `json ${cell(json)}`, `${r.text} ×`, '≤ 1.2 ×', r.value <= 1.2);
}

// 414 MB trace: against `go tool trace -pprof=sync` (reads every event, writes the blocking
// profile) and x/exp/trace reading every event and transition stack (bench/tracebench, one read
// per process), all whole processes; our peak RSS. `go tool trace` holds the whole parsed trace
// (about 55 × the file): its address space is limited to PEER_MEMORY_LIMIT (peerMemoryLimit) so
// it cannot take the machine's memory; stopped there, the ratio is an upper bound. The same pair
// on the 4× trace, which fits.
function traceRows() {
  const memoryLimit = peerMemoryLimit;
  for (const name of ['trace-414mb.trace', 'trace-104mb.trace']) {
    const file = input(name);
    const a = oursMeasure(name, file, 'text');
    const sync = measure(`go tool trace -pprof=sync ${name}`, go, ['tool', 'trace', '-pprof=sync', file], { memoryLimit });
    ratioRow(`trace ${(statSync(file).size / MB).toFixed(0)} MB`, a, '`go tool trace -pprof=sync`', sync, 0.35);
    if (name !== 'trace-104mb.trace') continue;
    // the same job as the peer's: one blocking profile of the trace, written as pprof
    const job = measure(`pprof-diag trace-profile ${name}`, process.execPath, [cli, 'trace-profile', '-q', '--type', 'sync', '-o', path.join(tmp, 'sync.pb.gz'), file]);
    const r = ratioOf(job, sync);
    row(`trace ${(statSync(file).size / MB).toFixed(0)} MB, \`trace-profile --type sync\` (the peer's job)`, cell(job), `\`go tool trace -pprof=sync\` ${cell(sync)}`, `${r.text} ×`, 'reported', null);
  }
  const file = input('trace-414mb.trace');
  const label = `trace ${(statSync(file).size / MB).toFixed(0)} MB`;
  const a = oursMeasure('trace-414mb.trace', file, 'text');
  const exp = measure('x/exp/trace trace-414mb', tracebench, ['1', file]);
  const r = ratioOf(a, exp);
  row(`${label}, against x/exp/trace`, cell(a), `x/exp/trace ${cell(exp)}`, `${r.text} ×`, 'reported', null);
  row(`${label}, peak RSS`, mem(a), '', mem(a), '≤ 1000 MB', !a.failed && mbOf(a.mib) <= 1000);
}

// 188 MB debug=2 dump (SIGQUIT traceback): against panicparse grouping the same dump
// (`panicparse -no-color -parse=false FILE`: parse, group identical stacks, print the groups;
// reading Go sources for argument types is off, as pprof-diag reads none). panicparse is stopped
// at PANICPARSE_LIMIT seconds (default 300); then the ratio is an upper bound. The same pair on
// the 1× dump, where panicparse finishes.
function debug2Rows() {
  const limitMs = Number(process.env.PANICPARSE_LIMIT ?? 300) * 1000;
  const pp = (label, file) =>
    measure(`panicparse ${label}`, panicparse, ['-no-color', '-parse=false', file], { timeoutMs: limitMs, okStatus: [0, 1] });
  for (const [name, max] of [
    ['goroutine-106k.debug2.txt', 0.4],
    ['goroutine-6.6k.debug2.txt', 0.4],
  ]) {
    const file = input(name);
    const label = `debug=2 ${(statSync(file).size / MB).toFixed(0)} MB (${/goroutine-(.*)\.debug2/.exec(name)[1]} goroutines)`;
    const a = oursMeasure(name, file, 'text');
    ratioRow(label, a, '`panicparse`', pp(name, file), max);
  }
  const file = input('goroutine-106k.debug2.txt');
  const a = oursMeasure('goroutine-106k.debug2.txt', file, 'text');
  row(`debug=2 ${(statSync(file).size / MB).toFixed(0)} MB, peak RSS`, mem(a), '', mem(a), '≤ 250 MB', !a.failed && mbOf(a.mib) <= 250);
}

// A decompression bomb, 10 GiB of zeros as 160 gzip members (about 10 MB): pprof-diag must
// refuse it (exit 2) quickly in little memory. `go tool pprof -top` on the same file, one run
// stopped after 60 s or at PEER_MEMORY_LIMIT, for comparison.
function bombRow() {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  const bomb = path.join(tmp, 'bomb.pb.gz');
  writeFileSync(bomb, Buffer.concat(Array.from({ length: 160 }, () => member)));
  const a = measure('pprof-diag bomb', process.execPath, ours(bomb, 'text'), { okStatus: [2] });
  const b = measure('go tool pprof -top bomb', go, ['tool', 'pprof', '-top', bomb], {
    runs: 1,
    timeoutMs: 60_000,
    okStatus: [0, 1],
    memoryLimit: peerMemoryLimit, // it inflates all 10 GiB
  });
  const ok = !a.failed && a.ms <= 1000 && mbOf(a.mib) <= 300;
  row(
    `decompression bomb, 10 GiB of zeros in ${(statSync(bomb).size / MB).toFixed(1)} MB`,
    a.failed ? a.failed : `refused (exit 2) after ${secs(a.ms)}, ${mem(a)}`,
    `\`go tool pprof -top\` ${b.failed ?? secs(b.ms)}${b.mib ? ', ' + mem(b) : ''}`,
    '',
    '≤ 1 s, ≤ 300 MB',
    ok,
  );
}

/** Least-squares slope of log y against log x. */
function exponent(xs, ys) {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length;
  const my = ly.reduce((a, b) => a + b) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return num / den;
}

// Growth: `analyze -f text` on each kind of input at 1×, 4× and 16× its size; the exponents of
// wall time and peak RSS against the input's size (uncompressed bytes), fitted on a log-log scale.
// The start-up (Node's and the bundle's, about 0.08 s) is in every time, which pulls the time
// exponent down at 1×.
const growthKinds = [
  ['goroutine debug=0', ['goroutine-6.6k.pb.gz', 'goroutine-26k.pb.gz', 'goroutine-106k.pb.gz']],
  ['goroutine debug=1', ['goroutine-6.6k.debug1.txt', 'goroutine-26k.debug1.txt', 'goroutine-106k.debug1.txt']],
  ['goroutine debug=2', ['goroutine-6.6k.debug2.txt', 'goroutine-26k.debug2.txt', 'goroutine-106k.debug2.txt']],
  ['heap', ['heap-112k.pb.gz', 'heap-450k.pb.gz', 'heap-1.8m.pb.gz']],
  ['trace', ['trace-26mb.trace', 'trace-104mb.trace', 'trace-414mb.trace']],
];
const growth = [];
function growthRows() {
  for (const [kind, names] of growthKinds) {
    const sizes = names.map((n) => {
      const bytes = readFileSync(input(n));
      return bytes[0] === 0x1f ? gunzipSync(bytes, { maxOutputLength: 2 ** 31 }).length : bytes.length;
    });
    const ms = names.map((n) => oursMeasure(n, input(n), 'text'));
    const failed = ms.find((m) => m.failed);
    const cells = names.map((n, i) => `${n}: ${(sizes[i] / MB).toFixed(1)} MB, ${shown(ms[i])}, ${mem(ms[i])}`);
    const te = failed ? NaN : exponent(sizes, ms.map((m) => m.ms));
    const me = failed ? NaN : exponent(sizes, ms.map((m) => m.mib));
    growth.push({ kind, cells, time: te, rss: me });
    row(`growth, ${kind}: time, RSS exponents`, failed ? failed.failed : `${te.toFixed(2)}, ${me.toFixed(2)}`, '', '', '≤ 1.1 (linear)', te <= 1.1 && me <= 1.1);
  }
}

function machine() {
  const first = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', env: goEnv }).stdout?.trim() ?? '?';
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
  const release = existsSync('/etc/os-release') ? /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] : os.type();
  const versionFile = path.join(work, 'panicparse', 'VERSION');
  const pkg = (name) => JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  return [
    `- CPU: ${cpu}, ${os.cpus().length} cores (shared with other work while it ran)`,
    `- RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${release}, Linux ${os.release()}`,
    `- Node ${process.version}; ${first(go, ['version'])} (Debian's golang-1.27, samples/toolchain.sh)`,
    `- panicparse ${existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : '?'} (Debian's package, bench/panicparse.sh); pprof-format ${pkg('pprof-format')}; golang.org/x/exp/trace from Debian's golang-golang-x-exp-dev`,
  ].join('\n');
}

function table() {
  const head = '| row | pprof-diag | peer | ours / peer | target | met |\n|---|---|---|---|---|---|\n';
  return head + rows.map((r) => `| ${r.what} | ${r.ours} | ${r.peer} | ${r.figure} | ${r.target} | ${r.met} |`).join('\n') + '\n';
}

function growthTable() {
  const head = '| input | 1× | 4× | 16× | time exponent | RSS exponent |\n|---|---|---|---|---|---|\n';
  const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  return head + growth.map((g) => `| ${g.kind} | ${g.cells.join(' | ')} | ${f(g.time)} | ${f(g.rss)} |`).join('\n') + '\n';
}

function results(started) {
  const met = rows.filter((r) => r.met === 'yes').length;
  const judged = rows.filter((r) => r.met !== '—').length;
  return `# Benchmark results

Written by \`npm run bench\` (bench/run.js) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${((Date.now() - started) / 60000).toFixed(0)} minutes; every figure below comes from that one run.

${machine()}

Inputs (bench/gen-big.sh, real Go 1.27 programs): a server with 106,000 goroutines parked on a
database/sql pool and a sync.Mutex, 65,536 distinct stacks (debug=0 and debug=1 over HTTP from
net/http/pprof; debug=2 from its traceback on SIGQUIT with GOTRACEBACK=all); a heap profile of
1.8 M samples from as many call paths (MemProfileRate=1); a trace of a busy server
(bench/largetrace). Each also at 1/16 and 1/4 of that size for the growth rows.

Method: whole processes with warm caches; wall time is the median of ${RUNS} runs (of
${SHORT_RUNS} for the goroutine profiles' rows, where the peer and the four formats take turns
run by run; the heap's HTML and JSON reports take turns too), peak RSS the largest of them
(\`/usr/bin/time -f %M\`, in MB of 10⁶ bytes). pprof-diag runs as
\`pprof-diag analyze -q -f FORMAT FILE\` (one reported row: \`pprof-diag trace-profile --type sync\`,
the same job as \`go tool trace -pprof=sync\`); the in-process row times the decode of the same
uncompressed bytes only. panicparse runs as \`panicparse -no-color -parse=false FILE\` (parse,
group identical stacks, print the groups, without reading Go sources for argument types);
x/exp/trace as bench/tracebench reading every event once. A peer stopped at its limit of time
(\`PANICPARSE_LIMIT\`, 300 s) or of address space (\`PEER_MEMORY_LIMIT\`, ${(peerMemoryLimit / 2 ** 30).toFixed(1)} GiB here, for
\`go tool trace\`, which holds the whole parsed trace, and \`go tool pprof\` on the bomb) is shown
as such, after one run, and the ratio against it is an upper bound.

${met} of ${judged} targets met.

${table()}
## Growth (\`analyze -f text\`, time and peak RSS against the input's uncompressed size)

The start-up (Node's and the bundle's, about 0.08 s and 50 MB) is in every figure, which pulls
the exponents down where the 1× input is small.

${growthTable()}`;
}

function prepare() {
  progress('inputs and peers: bench/gen-big.sh (keeps what is there)');
  const gen = spawnSync('bash', [path.join(root, 'bench', 'gen-big.sh')], { stdio: ['ignore', 2, 2] });
  if (gen.status !== 0) throw new Error(`bench/gen-big.sh failed (exit ${gen.status})`);
  for (const tool of ['pprof', 'trace']) {
    const r = spawnSync(go, ['tool', '-n', tool], { env: goEnv, stdio: ['ignore', 'ignore', 2] });
    if (r.status !== 0) throw new Error(`go tool ${tool} is not runnable`);
  }
  for (const p of [panicparse, tracebench, cli]) if (!existsSync(p)) throw new Error(`${p} missing`);
}

// ONLY=goroutine,heap,... runs some sections and prints their rows without writing results.md.
const only = process.env.ONLY ? process.env.ONLY.split(',') : null;
const started = new Date();
prepare();
for (const [name, section] of [
  ['goroutine profiles', goroutineRows],
  ['heap', heapRows],
  ['trace', traceRows],
  ['debug=2', debug2Rows],
  ['decompression bomb', bombRow],
  ['growth', growthRows],
]) {
  if (only && !only.some((o) => name.startsWith(o))) continue;
  progress(`— ${name}`);
  section();
}
const text = results(started);
rmSync(tmp, { recursive: true, force: true });
process.stdout.write(text);
if (!only) {
  writeFileSync(path.join(root, 'bench', 'results.md'), text);
  progress('wrote bench/results.md');
}
