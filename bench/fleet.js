// `pprof-diag fleet` over many real Go processes: wall time and the process's peak memory
// (maxRSS) for 10, 20 and 40 instances at --concurrency 8, and 40 at --concurrency 1 for
// comparison. The instances are test/fleet/fleetd (built with Go 1.27 by test/fleet/build.sh,
// which needs samples/toolchain.sh): 85% healthy, 15% queueing on a hot mutex (200 waiters
// each). Memory should not grow with the number of instances beyond their summaries: each
// profile is decoded, diagnosed and dropped as it comes in.
//
//   npm run bench:fleet            (medians of 3 runs)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INSTANCES = 40;
const RUNS = 3;

function startOne(bin, mode, children) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { env: { ...process.env, FLEETD_MODE: mode, FLEETD_WAITERS: '200' }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`fleetd ${mode} exited (${code})`)));
  });
}

function fleetRun(sd, concurrency) {
  const rss = "data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))";
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', rss, path.join(root, 'bin', 'pprof-diag.js'), 'fleet', '--targets', sd, '--concurrency', String(concurrency), '--format', 'json', '-q'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`fleet exited ${r.status}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  const kib = Number(/maxrss (\d+)/.exec(r.stderr)?.[1]);
  return { ms, mib: kib / 1024, answered: doc.answered, sick: doc.sick.length };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const bin = execFileSync('bash', [path.join(root, 'test', 'fleet', 'build.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pprof-diag-bench-fleet-'));
  const children = [];
  try {
    const modes = Array.from({ length: INSTANCES }, (_, i) => (i % 7 === 3 ? 'mutex' : 'healthy'));
    const addresses = await Promise.all(modes.map((m) => startOne(bin, m, children)));
    const sdOf = (n) => {
      const file = path.join(dir, `sd-${n}.json`);
      writeFileSync(file, JSON.stringify(addresses.slice(0, n).map((a, i) => ({ targets: [a], labels: { job: 'bench', pod: `bench-${i + 1}` } }))));
      return file;
    };
    console.log(`pprof-diag fleet, ${INSTANCES} fleetd processes on loopback (${modes.filter((m) => m === 'mutex').length} with a hot mutex), ${os.cpus().length} cores; medians of ${RUNS} runs`);
    console.log('instances  concurrency  wall time  peak RSS   answered  sick');
    for (const [n, c] of [[10, 8], [20, 8], [40, 8], [40, 1]]) {
      const sd = sdOf(n);
      const runs = Array.from({ length: RUNS }, () => fleetRun(sd, c));
      const last = runs[runs.length - 1];
      console.log(`${String(n).padStart(9)}  ${String(c).padStart(11)}  ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2).padStart(7)} s  ${median(runs.map((r) => r.mib)).toFixed(0).padStart(5)} MiB  ${String(last.answered).padStart(8)}  ${String(last.sick).padStart(4)}`);
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
