/**
 * A real Prometheus on loopback for the fleet tests: Debian's package, unpacked by
 * test/fleet/prometheus.sh into samples/.work/prometheus, scraping a file_sd target list every
 * second. `stop()` ends it and removes its data.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './corpus.js';
import { freePort } from './fleet.js';

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

async function getJson(url: string): Promise<any> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

/** Starts Prometheus on the file_sd file and waits until it has scraped each target once and stored `expectSeries` go_goroutines series. */
export async function startPrometheus(sdFile: string, expectSeries: number): Promise<RunningPrometheus> {
  const bin = execFileSync('bash', [path.join(repoRoot, 'test', 'fleet', 'prometheus.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pprof-diag-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    ['global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms', 'scrape_configs:', '  - job_name: fleet', '    file_sd_configs:', `      - files: [${JSON.stringify(sdFile)}]`, '        refresh_interval: 1s', ''].join('\n'),
  );
  const port = await freePort();
  const child = spawn(bin, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${err}`);
      if (Date.now() > until) throw new Error(`prometheus did not scrape every target in 60 s: ${err}`);
      try {
        const targets = await getJson(`${url}/api/v1/targets?state=active`);
        const active = targets.data.activeTargets as { lastScrape: string }[];
        const scraped = active.length > 0 && active.every((t) => !t.lastScrape.startsWith('0001-'));
        const q = scraped ? await getJson(`${url}/api/v1/query?query=go_goroutines`) : null;
        if (q && q.data.result.length >= expectSeries) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}
