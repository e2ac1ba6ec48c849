#!/usr/bin/env node
// The page against the command line, on the largest bench inputs, in one run, as ratios:
// time from giving the file to the page (the file input's change event, once the page is ready
// for files) to its first flame graph on screen (the page draws the first profile's as soon as
// it is read, while the diagnosis runs), and to the whole report, in Debian's headless Chromium
// against `pprof-diag serve` on loopback, over the time of `pprof-diag analyze --format json` of
// the same file as a whole process. Medians of a few runs.
// Inputs: bench/.work/inputs (bench/gen-large.sh), or paths given on the command line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'pprof-diag.js');
const inputs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['goroutine-100k.pb.gz', 'goroutine-100k.debug2.txt', 'heap-1m.pb.gz'].map((f) => path.join(root, 'bench', '.work', 'inputs', f)).filter(existsSync);
if (inputs.length === 0) {
  console.error('no inputs: run bench/gen-large.sh first (or name files)');
  process.exit(2);
}
const runs = Number(process.env.RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cliSeconds(file) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'analyze', '--format', 'json', file], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`analyze ${file}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

/**
 * In the page: when the file input has the file (its change event, as a drop or a pick gives it;
 * what the harness takes to hand the file over is not the page's), and when an element shows (in
 * the document and laid out), by the page's clock once the frame that shows it is out. Watched
 * from the page itself, as waiting on a selector from outside polls at intervals of up to half a
 * second and would measure its own schedule.
 */
function watch() {
  window.__given = new Promise((resolve) =>
    document.querySelector('#file').addEventListener('change', (e) => resolve(performance.timeOrigin + e.timeStamp), { capture: true, once: true }),
  );
  window.__shown = (selector) =>
    new Promise((resolve) => {
      const shown = () => {
        const e = document.querySelector(selector);
        if (!e || e.getClientRects().length === 0) return false;
        requestAnimationFrame(() => setTimeout(() => resolve(performance.timeOrigin + performance.now()), 0));
        return true;
      };
      if (shown()) return;
      const o = new MutationObserver(() => shown() && o.disconnect());
      o.observe(document.documentElement, { subtree: true, childList: true, attributes: true });
    });
}

const server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--max-size', '2GiB'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve) => {
  let s = '';
  server.stdout.on('data', (c) => {
    s += c;
    const m = /serving on (http:\/\/\S+\/)/.exec(s);
    if (m) resolve(m[1]);
  });
});
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking'] });
const rows = [];
try {
  for (const file of inputs) {
    const page = [];
    const report = [];
    const cli = [];
    for (let i = 0; i < runs; i++) {
      const p = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
      await p.goto(base);
      // from a page ready for files (its worker loaded), as a user finds it when picking one
      await p.waitForSelector('html[data-ready]', { timeout: 60_000 });
      await p.evaluate(watch);
      await p.setInputFiles('#file', file);
      const [t0, flame, whole] = await p.evaluate(() => Promise.all([window.__given, window.__shown('#flames svg'), window.__shown('#verdict')]));
      page.push((flame - t0) / 1000);
      report.push((whole - t0) / 1000);
      await p.context().close();
      cli.push(cliSeconds(file));
    }
    rows.push({ file: path.basename(file), page: median(page), report: median(report), cli: median(cli) });
    process.stderr.write(`${path.basename(file)}: page ${median(page).toFixed(2)} s (report ${median(report).toFixed(2)} s), analyze ${median(cli).toFixed(2)} s\n`);
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
console.log('| input | drop to first flame graph | drop to the whole report | `pprof-diag analyze --format json` | ratio (first flame graph) | ratio (report) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.file} | ${r.page.toFixed(2)} s | ${r.report.toFixed(2)} s | ${r.cli.toFixed(2)} s | ${(r.page / r.cli).toFixed(2)}× | ${(r.report / r.cli).toFixed(2)}× |`);
