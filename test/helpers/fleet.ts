/**
 * A fleet of real Go processes on loopback for the fleet tests: test/fleet/fleetd (built with Go
 * 1.27 in GOPATH mode by test/fleet/build.sh) in each of its states, the pool ones against the
 * samples' private PostgreSQL (samples/servers/postgres.sh; started here when it is not running,
 * and then stopped again). Everything started is stopped by `stop()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './corpus.js';

export type FleetdMode = 'healthy' | 'pool' | 'mutex' | 'hang' | 'html404' | 'truncated' | 'oversized';

export interface FleetMember {
  pod: string;
  mode: FleetdMode | 'absent';
  address: string;
}

export interface RunningFleet {
  members: FleetMember[];
  dir: string;
  /** Writes a file_sd document of the members (job checkout unless `job` says otherwise) and returns its path. */
  serviceDiscovery(name?: string, members?: FleetMember[], job?: (m: FleetMember) => string): string;
  stop(): Promise<void>;
}

const POSTGRES = path.join(repoRoot, 'samples', 'servers', 'postgres.sh');

/** The toolchains must be there: CI installs them (.ci/run runs test/fleet/setup.sh). */
export function fleetdBinary(): string {
  const ready = path.join(repoRoot, 'samples', '.work', 'TOOLCHAINS_READY');
  if (!existsSync(ready)) throw new Error('samples/.work/TOOLCHAINS_READY is missing: run bash test/fleet/setup.sh (CI does)');
  return execFileSync('bash', [path.join(repoRoot, 'test', 'fleet', 'build.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
}

/** Starts the samples' PostgreSQL unless it runs; returns its DSN and whether it was started here. */
function startPostgres(): { dsn: string; started: boolean } {
  let running = true;
  try {
    execFileSync('bash', [POSTGRES, 'status'], { stdio: 'pipe' });
  } catch {
    running = false;
  }
  const dsn = execFileSync('bash', [POSTGRES, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  return { dsn, started: !running };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function startOne(bin: string, mode: FleetdMode, env: Record<string, string>, children: ChildProcess[]): Promise<{ child: ChildProcess; address: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { env: { ...process.env, ...env, FLEETD_MODE: mode }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleetd ${mode} did not get ready: ${err.slice(-300)}`));
    }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: m[1]! });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fleetd ${mode} exited (${code}): ${err.slice(-300)}`));
    });
  });
}

/** Starts one process per mode listed (in that order), plus `absent` members that name a free port. */
export async function startFleet(plan: (FleetdMode | 'absent')[], extraEnv: Record<string, string> = {}): Promise<RunningFleet> {
  const bin = fleetdBinary();
  const pg = plan.includes('pool') ? startPostgres() : null;
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pprof-diag-fleet-'));
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    if (pg?.started) execFileSync('bash', [POSTGRES, 'stop'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  const members: FleetMember[] = [];
  try {
    const started = await Promise.all(
      plan.map(async (mode, i) => {
        const pod = `checkout-${i + 1}`;
        if (mode === 'absent') return { pod, mode, address: `127.0.0.1:${await freePort()}` };
        const p = await startOne(bin, mode, { ...extraEnv, ...(pg ? { PG_DSN: pg.dsn } : {}) }, children);
        return { pod, mode, address: p.address };
      }),
    );
    members.push(...started);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    members,
    dir,
    serviceDiscovery(name = 'targets.json', list = members, job = () => 'checkout') {
      const file = path.join(dir, name);
      writeFileSync(file, JSON.stringify(list.map((m) => ({ targets: [m.address], labels: { job: job(m), pod: m.pod, zone: `zone-${(Number(m.pod.split('-')[1]) % 3) + 1}` } }))));
      return file;
    },
    stop,
  };
}
