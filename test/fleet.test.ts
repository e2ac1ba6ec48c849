/**
 * `pprof-diag fleet` against a fleet of real Go processes on loopback (test/fleet/fleetd, built
 * with Go 1.27): 14 healthy, 4 whose database/sql pool is exhausted against the samples' private
 * PostgreSQL, 3 queueing on a hot sync.Mutex; and broken targets: one that never answers, one
 * that answers an HTML 404, one that sends its goroutine profile cut in half, one that sends more
 * than the size cap, and one where nothing listens.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/corpus.js';
import { startFleet, type FleetdMode, type RunningFleet } from './helpers/fleet.js';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus.js';
import { startStandIn, type Series, type StandIn } from './helpers/pyroscope-standin.js';
import { parseReport } from './helpers/schema.js';

const BIN = path.join(repoRoot, 'bin', 'pprof-diag.js');

const PLAN: (FleetdMode | 'absent')[] = [
  'healthy', 'pool', 'healthy', 'healthy', 'mutex', 'hang', 'healthy', 'healthy', 'pool', 'html404',
  'healthy', 'healthy', 'mutex', 'truncated', 'healthy', 'healthy', 'pool', 'oversized', 'healthy', 'healthy',
  'absent', 'healthy', 'mutex', 'pool', 'healthy', 'healthy',
];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 }));
  });
}

let fleet: RunningFleet;
let sd: string;
const pods = (mode: string) => fleet.members.filter((m) => m.mode === mode).map((m) => m.address);
const COMMON = ['--timeout', '3', '--max-size', '1MiB', '-q'];

beforeAll(async () => {
  fleet = await startFleet(PLAN);
  sd = fleet.serviceDiscovery();
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
});

describe('pprof-diag fleet --targets (file_sd) against real Go processes', () => {
  it('names exactly the sick instances and lists the broken ones with their reasons', async () => {
    const r = await run(['fleet', '--targets', sd, '--format', 'json', ...COMMON]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout, 'fleet');
    expect(doc.instances).toBe(PLAN.length);
    expect(doc.answered).toBe(21);
    expect(doc.failed).toBe(5);
    expect(doc.healthy).toBe(14);
    expect(new Set(doc.sick)).toEqual(new Set([...pods('pool'), ...pods('mutex')]));
    const byId = Object.fromEntries(doc.findings.map((f: any) => [f.id, f]));
    expect(Object.keys(byId).sort()).toEqual(['db-pool-exhausted', 'mutex-contention']);
    const pool = byId['db-pool-exhausted'];
    expect(pool).toMatchObject({ severity: 'critical', instances: 4, answered: 21, failed: 5 });
    expect(new Set(pool.on)).toEqual(new Set(pods('pool')));
    // 20 report workers queue behind the 2 connections on each
    expect(pool.waiters).toEqual({ min: 20, median: 20, max: 20 });
    expect(pods('pool')).toContain(pool.worst);
    const mutex = byId['mutex-contention'];
    expect(mutex).toMatchObject({ severity: 'critical', instances: 3 });
    expect(new Set(mutex.on)).toEqual(new Set(pods('mutex')));
    expect(mutex.waiters.max).toBeLessThanOrEqual(24);
    expect(mutex.waiters.min).toBeGreaterThanOrEqual(10);
    // the sick ones carry 20+ more goroutines than the healthy ones: they stand out
    expect(new Set(doc.outliers.map((o: any) => o.instance))).toEqual(new Set([...pods('pool'), ...pods('mutex')]));
    const failed = Object.fromEntries(doc.results.filter((x: any) => !x.answered).map((x: any) => [x.instance, x.reason]));
    expect(Object.keys(failed).sort()).toEqual([...pods('hang'), ...pods('html404'), ...pods('truncated'), ...pods('oversized'), ...pods('absent')].sort());
    expect(failed[pods('hang')[0]!]).toBe('no answer within 3 s (raise --timeout)');
    expect(failed[pods('html404')[0]!]).toMatch(/^the service answered 404 Not Found: <!doctype html>/);
    expect(failed[pods('truncated')[0]!]).toMatch(/truncated gzip stream/);
    expect(failed[pods('oversized')[0]!]).toBe('the answer is larger than the 1MiB limit (raise --max-size)');
    expect(failed[pods('absent')[0]!]).toMatch(/^connection refused: nothing listens at 127\.0\.0\.1:\d+$/);
    for (const x of doc.results) expect(x.labels).toMatchObject({ job: 'checkout', pod: fleet.members.find((m) => m.address === x.instance)!.pod });
    // the hang costs one timeout, on one of the 8 workers: the fleet is not serialised behind it
    expect(r.ms).toBeLessThan(15_000);
  });

  it('prints the same fleet as text, Markdown and HTML', async () => {
    const [text, md, html] = await Promise.all(['text', 'md', 'html'].map((f) => run(['fleet', '--targets', sd, '--format', f, ...COMMON])));
    const sick = [...pods('pool'), ...pods('mutex')];
    expect(text!.code).toBe(0);
    expect(text!.stdout.split('\n')[0]).toBe('7 of 21 answering instances sick (db-pool-exhausted on 4, mutex-contention on 3); 14 healthy; 5 of 26 did not answer');
    expect(text!.stdout).toMatch(/CRITICAL db-pool-exhausted on 4 of 26 instances \(21 answered, 5 failed\); goroutines 20 \/ 20 \/ 20 min \/ median \/ max; worst: 127\.0\.0\.1:\d+/);
    for (const a of sick) expect(text!.stdout).toContain(a);
    expect(text!.stdout).toContain(`${pods('absent')[0]}: connection refused`);
    expect(md!.stdout).toContain('| critical | `db-pool-exhausted` database/sql connection pool exhausted | 4 of 26 | 20 / 20 / 20 |');
    expect(md!.stdout).toContain('**14 healthy**');
    expect(html!.stdout).toMatch(/^<!doctype html>/);
    expect(html!.stdout).toContain('<strong>14 healthy</strong>');
    expect(html!.stdout).not.toMatch(/<script/i);
    expect(html!.stdout).toContain('did not answer: the service answered 404 Not Found: &lt;!doctype html&gt;');
    // the fleet's flame graph: a frame per instance under the root, the pool's waiters under the sick ones
    const svg = html!.stdout.slice(html!.stdout.indexOf('<svg class="fleet-flame"'));
    expect(svg).toMatch(/^<svg class="fleet-flame"/);
    expect((svg.match(/data-instance="/g) ?? []).length).toBe(21);
    for (const a of sick) expect(svg).toContain(`data-instance="${a}"`);
    for (const a of pods('pool')) expect(svg).toMatch(new RegExp(`<title>database/sql\\.\\(\\*DB\\)\\.conn: 20 goroutines \\([\\d.]+% of the fleet\\) on ${a.replace(/\./g, '\\.')}</title>`));
  });

  it('--redact leaves no instance address, pod name or zone in any form', async () => {
    const forms = ['json', 'text', 'md', 'html'];
    const runs = await Promise.all(forms.map((f) => run(['fleet', '--targets', sd, '--format', f, '--redact', ...COMMON])));
    for (const [i, f] of forms.entries()) {
      const r = runs[i]!;
      expect(r.code).toBe(0);
      for (const m of fleet.members) {
        expect(r.stdout).not.toContain(m.address);
        expect(r.stdout).not.toContain(m.pod);
        expect(r.stdout).not.toContain(`:${m.address.split(':')[1]}`);
      }
      expect(r.stdout).not.toContain('zone-');
      expect(r.stdout).not.toContain('127.0.0.1');
      if (f === 'json') {
        const doc = parseReport(r.stdout, 'fleet');
        expect(doc.redacted).toBe(true);
        expect(doc.sick).toHaveLength(7);
        expect(doc.results[0].labels.job).toMatch(/^label-\d+$/);
      }
    }
  });

  it('--fail-on critical exits 1; --min-answered above the answers exits 2 with one line', async () => {
    const healthyOnly = fleet.serviceDiscovery('healthy.json', fleet.members.filter((m) => m.mode === 'healthy'));
    const [fail, ok, few, enough] = await Promise.all([
      run(['fleet', '--targets', sd, '--fail-on', 'critical', ...COMMON]),
      run(['fleet', '--targets', healthyOnly, '--fail-on', 'warning', '--format', 'json', ...COMMON]),
      run(['fleet', '--targets', sd, '--min-answered', '90%', ...COMMON]),
      run(['fleet', '--targets', sd, '--min-answered', '21', ...COMMON]),
    ]);
    expect(fail!.code).toBe(1);
    expect(ok!.code).toBe(0);
    expect(parseReport(ok!.stdout, 'fleet')).toMatchObject({ healthy: 14, sick: [], findings: [], outliers: [], failed: 0 });
    expect(few!.code).toBe(2);
    expect(few!.stderr).toBe('pprof-diag: 21 of 26 instances answered, fewer than the 24 --min-answered asks for\n');
    expect(few!.stdout).toContain('14 healthy');
    expect(enough!.code).toBe(0);
  });

  it('--flame writes the goroutines of the fleet as one profile, labelled by instance, that analyze reads', async () => {
    const flame = path.join(fleet.dir, 'fleet.pb.gz');
    const redactedFlame = path.join(fleet.dir, 'fleet-redacted.pb.gz');
    const [r, red] = await Promise.all([
      run(['fleet', '--targets', sd, '--format', 'json', '--flame', flame, ...COMMON]),
      run(['fleet', '--targets', sd, '--format', 'json', '--redact', '--flame', redactedFlame, ...COMMON]),
    ]);
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout, 'fleet');
    const total = doc.results.reduce((n: number, x: any) => n + (x.answered ? x.goroutines : 0), 0);
    const a = await run(['analyze', '--format', 'json', '--buckets', '1000', flame]);
    expect(a.code).toBe(0);
    const merged = parseReport(a.stdout);
    expect(merged.inputs[0]).toMatchObject({ kind: 'goroutine', goroutines: total });
    expect(merged.findings.map((f: any) => f.id).sort()).toEqual(['db-pool-exhausted', 'mutex-contention']);
    // every goroutine carries the instance it came from, and only answering instances appear
    const answered = new Set(doc.results.filter((x: any) => x.answered).map((x: any) => x.instance));
    for (const b of merged.inputs[0].buckets) {
      const l = b.labels.find((x: any) => x.key === 'instance');
      expect(l.values.reduce((n: number, v: any) => n + v.count, 0) + l.others).toBe(b.count);
      for (const v of l.values) expect(answered).toContain(v.value);
    }
    // the pool's waiters: 20 on each of the 4 sick instances
    const waiters = merged.inputs[0].buckets.find((b: any) => b.frames.some((f: any) => f.function === 'database/sql.(*DB).conn'));
    expect(waiters.count).toBe(80);
    expect(new Set(waiters.labels[0].values.map((v: any) => v.value))).toEqual(new Set(pods('pool')));
    const ra = await run(['analyze', redactedFlame]);
    expect(ra.code).toBe(0);
    for (const m of fleet.members) expect(ra.stdout).not.toContain(m.address);
    expect(ra.stdout).not.toContain(repoRoot);
    const placeholders = new Set(parseReport(red.stdout, 'fleet').results.map((x: any) => x.instance));
    const shown = [...ra.stdout.matchAll(/instance=(host-\d+)/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(0);
    for (const h of shown) expect(placeholders).toContain(h);
  });

  it('--concurrency 1 with a short --deadline: the instances not reached are failed, never healthy', async () => {
    const r = await run(['fleet', '--targets', sd, '--format', 'json', ...COMMON, '--concurrency', '1', '--deadline', '5', '--timeout', '30']);
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout, 'fleet');
    // the five before the hang answer; the hang (6th) holds the only worker until the deadline; the rest are not asked
    expect(doc.results.slice(0, 5).every((x: any) => x.answered)).toBe(true);
    expect(doc.results[5]).toMatchObject({ answered: false, reason: expect.stringMatching(/^no answer within [1-5] s \(raise --timeout\)$/) });
    for (const x of doc.results.slice(6)) expect(x).toMatchObject({ answered: false, reason: 'not asked: the overall deadline of 5 s had passed (raise --deadline)' });
    expect(doc).toMatchObject({ answered: 5, failed: PLAN.length - 5 });
    expect(doc.healthy + doc.sick.length).toBe(doc.answered);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('--profiles goroutine,mutex and --debug 2 read the extra profile and the text form', async () => {
    const one = fleet.serviceDiscovery('mutex.json', fleet.members.filter((m) => m.mode === 'mutex' || m.mode === 'healthy').slice(0, 4));
    const r = await run(['fleet', '--targets', one, '--profiles', 'goroutine,mutex', '--debug', '2', '--format', 'json', ...COMMON]);
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout, 'fleet');
    expect(doc.answered).toBe(4);
    for (const x of doc.results) expect(x.url).toMatch(/\/debug\/pprof\/goroutine\?debug=2$/);
    expect(doc.sick.length).toBeGreaterThan(0);
  });
});

describe('pprof-diag fleet --prometheus: a real Prometheus scraping the fleet', () => {
  let prom: RunningPrometheus;
  // the last two healthy instances belong to another job
  const payments = () => fleet.members.filter((m) => m.mode === 'healthy').slice(-2);
  beforeAll(async () => {
    const others = new Set(payments().map((m) => m.pod));
    const file = fleet.serviceDiscovery('prometheus-sd.json', fleet.members, (m) => (others.has(m.pod) ? 'payments' : 'checkout'));
    // every target but the HTML 404 and the absent one serves /metrics
    prom = await startPrometheus(file, PLAN.length - 2);
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('--match reads the matching scrape targets from /api/v1/targets, labels and health', async () => {
    const r = await run(['fleet', '--prometheus', prom.url, '--match', '{job="checkout"}', '--format', 'json', ...COMMON]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout, 'fleet');
    const expected = fleet.members.filter((m) => !payments().includes(m));
    expect(doc.results.map((x: any) => x.instance).sort()).toEqual(expected.map((m) => m.address).sort());
    expect(doc).toMatchObject({ instances: 24, answered: 19, failed: 5, healthy: 12 });
    expect(new Set(doc.sick)).toEqual(new Set([...pods('pool'), ...pods('mutex')]));
    for (const x of doc.results) expect(x.labels).toMatchObject({ job: 'checkout', pod: fleet.members.find((m) => m.address === x.instance)!.pod });
    const reason = (a: string) => doc.results.find((x: any) => x.instance === a).reason;
    // Prometheus's own view of the ones it could not scrape comes with the reason
    expect(reason(pods('absent')[0]!)).toMatch(/^connection refused: nothing listens at 127\.0\.0\.1:\d+; Prometheus reports it down \(.+\)$/);
    expect(reason(pods('html404')[0]!)).toMatch(/^the service answered 404 Not Found: .*; Prometheus reports it down \(.*404.*\)$/);
    expect(reason(pods('hang')[0]!)).toBe('no answer within 3 s (raise --timeout)');
    const other = await run(['fleet', '--prometheus', prom.url, '--match', '{job=~"pay.*", zone!=""}', '--format', 'json', ...COMMON]);
    expect(parseReport(other.stdout, 'fleet')).toMatchObject({ instances: 2, answered: 2, healthy: 2 });
  });

  it('--rank-by go_goroutines --top 7 profiles only the 7 instances with the most goroutines: the sick ones', async () => {
    const r = await run(['fleet', '--prometheus', prom.url, '--match', '{job="checkout"}', '--rank-by', 'go_goroutines', '--top', '7', '--format', 'json', ...COMMON]);
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout, 'fleet');
    expect(doc.instances).toBe(7);
    expect(new Set(doc.results.map((x: any) => x.instance))).toEqual(new Set([...pods('pool'), ...pods('mutex')]));
    expect(doc).toMatchObject({ answered: 7, healthy: 0 });
    expect(doc.sick).toHaveLength(7);
  });

  it('a selector or server it cannot use is one line and exit 2', async () => {
    const bad = await run(['fleet', '--prometheus', prom.url, '--match', 'job=checkout']);
    expect(bad.stderr).toBe('pprof-diag: --match job=checkout: expected a selector such as {job="checkout"}\n');
    expect(bad.code).toBe(2);
    const none = await run(['fleet', '--prometheus', prom.url, '--match', '{job="nothing"}']);
    expect(none.stderr).toBe(`pprof-diag: --prometheus ${prom.url}: no active target matches {job="nothing"}\n`);
    const notProm = await run(['fleet', '--prometheus', `http://${pods('healthy')[0]}`]);
    expect(notProm.stderr).toMatch(/^pprof-diag: --prometheus http:\/\/127\.0\.0\.1:\d+\/api\/v1\/targets\?state=active: the service answered 404 Not Found/);
    expect(notProm.code).toBe(2);
    const both = await run(['fleet', '--prometheus', prom.url, '--targets', sd]);
    expect(both.stderr).toBe('pprof-diag: --targets, --prometheus and --pyroscope are sources of instances: give one\n');
  });
});

describe('pprof-diag fleet --pyroscope against a stand-in for the Pyroscope query protocol (not Pyroscope)', () => {
  // Neither Pyroscope nor Parca runs here: test/helpers/pyroscope-standin.ts answers the Connect
  // calls as the public API describes them, with goroutine profiles captured from the real
  // fleetd processes above.
  const T0 = Date.UTC(2026, 0, 2, 15, 4, 5);
  let standIn: StandIn;
  let series: Series[];
  const live = () => fleet.members.filter((m) => ['healthy', 'pool', 'mutex'].includes(m.mode));
  const podsOf = (mode: string) => fleet.members.filter((m) => m.mode === mode).map((m) => m.pod);
  beforeAll(async () => {
    const capture = async (address: string) => new Uint8Array(await (await fetch(`http://${address}/debug/pprof/goroutine`)).arrayBuffer());
    series = await Promise.all(live().map(async (m) => ({ labels: { service_name: 'checkout', pod: m.pod }, at: T0 - 5_000, profile: await capture(m.address) })));
    const firstPool = live().find((m) => m.mode === 'pool')!;
    // the same pod a minute earlier: a window that spans both sums them
    series.push({ labels: { service_name: 'checkout', pod: firstPool.pod }, at: T0 - 65_000, profile: await capture(firstPool.address) });
    series.push({ labels: { service_name: 'payments', pod: 'payments-1' }, at: T0 - 5_000, profile: series[0]!.profile });
    standIn = await startStandIn(series, { tenant: 'acme' });
  });
  afterAll(async () => {
    await standIn?.close();
  });
  const args = (...more: string[]) => ['fleet', '--pyroscope', standIn.url, '--match', '{service_name="checkout"}', '--tenant', 'acme', '--at', new Date(T0).toISOString(), ...more, ...COMMON];

  it('lists the pods with LabelValues, merges each one\'s window with SelectMergeProfile, and names the sick ones', async () => {
    standIn.calls.length = 0;
    const r = await run(args('--format', 'json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout, 'fleet');
    expect(doc).toMatchObject({ instances: 21, answered: 21, failed: 0, healthy: 14 });
    expect(new Set(doc.sick)).toEqual(new Set([...podsOf('pool'), ...podsOf('mutex')]));
    expect(doc.findings.map((f: any) => [f.id, f.instances])).toEqual([['db-pool-exhausted', 4], ['mutex-contention', 3]]);
    expect(doc.results[0].labels).toEqual({ pod: doc.results[0].instance });
    // every call carries the tenant; the window is [--at − 15 s, --at] in milliseconds
    expect(standIn.calls.every((c) => c.headers['x-scope-orgid'] === 'acme' && c.headers['connect-protocol-version'] === '1')).toBe(true);
    const [types, values, ...merges] = standIn.calls;
    expect(types).toMatchObject({ method: 'ProfileTypes', fields: { 1: [T0 - 15_000], 2: [T0] } });
    expect(values).toMatchObject({ method: 'LabelValues', fields: { 1: ['pod'], 2: ['{service_name="checkout"}'], 3: [T0 - 15_000], 4: [T0] } });
    expect(merges).toHaveLength(21);
    for (const c of merges) {
      expect(c.method).toBe('SelectMergeProfile');
      expect(c.fields[1]).toEqual(['goroutines:goroutine:count:goroutine:count']);
      expect(String(c.fields[2]![0])).toMatch(/^\{service_name="checkout", pod="checkout-\d+"\}$/);
    }
  });

  it('a window over two scrapes sums them: --window 2m doubles the pod scraped twice', async () => {
    const [narrow, wide] = await Promise.all([run(args('--format', 'json')), run(args('--format', 'json', '--window', '2m'))]);
    const pod = podsOf('pool')[0]!;
    const count = (doc: any) => doc.results.find((x: any) => x.instance === pod).goroutines;
    const one = count(parseReport(narrow.stdout, 'fleet'));
    expect(one).toBeGreaterThan(20);
    expect(count(parseReport(wide.stdout, 'fleet'))).toBeGreaterThanOrEqual(2 * one - 2);
  });

  it('--group-by, --redact, and what it cannot use: one line, exit 2', async () => {
    const bySvc = await run(['fleet', '--pyroscope', standIn.url, '--group-by', 'service_name', '--tenant', 'acme', '--at', String(T0 / 1000), '--format', 'json', '--redact', ...COMMON]);
    const doc = parseReport(bySvc.stdout, 'fleet');
    expect(doc.instances).toBe(2);
    expect(bySvc.stdout).not.toMatch(/checkout|payments/);
    const noTenant = await run(['fleet', '--pyroscope', standIn.url, '--at', String(T0 / 1000)]);
    expect(noTenant.stderr).toBe(`pprof-diag: --pyroscope ${standIn.url}: ProfileTypes: Pyroscope answered unauthenticated: no org id\n`);
    expect(noTenant.code).toBe(2);
    const empty = await run(['fleet', '--pyroscope', standIn.url, '--tenant', 'acme', '--at', '2020-01-01T00:00:00Z']);
    expect(empty.stderr).toMatch(/^pprof-diag: --pyroscope http:\/\/127\.0\.0\.1:\d+: no goroutine profile type between --at − --window and --at \(the server has none\)\n$/);
    const notPyro = await run(['fleet', '--pyroscope', prometheusLike(), '--tenant', 'acme']);
    expect(notPyro.stderr).toMatch(/^pprof-diag: --pyroscope http:\/\/127\.0\.0\.1:\d+: ProfileTypes: the server answered 404: 404 page not found \(is this a Pyroscope server\?\)\n$/);
    // a server that answers 200 with bytes that are not the message: one line, not an internal error
    const garbage = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/proto' }).end(Buffer.from([0x0a, 0xff, 0x01])));
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const gUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    const bad = await run(['fleet', '--pyroscope', gUrl]);
    await new Promise((r) => garbage.close(r));
    expect(bad.stderr).toMatch(/^pprof-diag: --pyroscope http:\/\/127\.0\.0\.1:\d+: ProfileTypes: the answer is not the message the API describes \(.+; is this a Pyroscope server\?\)\n$/);
    expect(bad.code).toBe(2);
    const badAt = await run(['fleet', '--pyroscope', standIn.url, '--at', 'yesterday']);
    expect(badAt.stderr).toBe("pprof-diag: option '--at <time>' argument 'yesterday' is invalid: expected a time in RFC 3339 (2026-01-02T15:04:05Z) or seconds since the epoch (see --help)\n");
  });
  const prometheusLike = () => `http://${pods('healthy')[0]}`;
});

describe('pprof-diag fleet: one more try on a refused or cut connection, and on nothing else', () => {
  const capture = readFileSync(path.join(repoRoot, 'samples', 'healthy', 'go1.27', 'goroutine.pb.gz'));
  /** A server whose first `bad` answers are `first` (cut the connection, or a 503), then the real capture. */
  async function flaky(first: 'cut' | '503', bad: number): Promise<{ address: string; asked: () => number; close: () => Promise<void> }> {
    let asked = 0;
    const server = http.createServer((req, res) => {
      asked++;
      if (asked <= bad) {
        if (first === 'cut') req.socket.destroy();
        else res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(capture);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { address, asked: () => asked, close: () => new Promise((r) => server.close(() => r())) };
  }

  it('a connection cut once is tried again and answers; cut twice, it fails; a 503 is not tried again', async () => {
    const servers = await Promise.all([flaky('cut', 1), flaky('cut', 2), flaky('503', 1)]);
    try {
      const file = path.join(fleet.dir, 'flaky.json');
      writeFileSync(file, JSON.stringify([{ targets: servers.map((s) => s.address), labels: { job: 'flaky' } }]));
      const r = await run(['fleet', '--targets', file, '--format', 'json', ...COMMON]);
      const doc = parseReport(r.stdout, 'fleet');
      const [once, twice, busy] = doc.results;
      expect(once).toMatchObject({ answered: true, goroutines: 29, findings: [] });
      expect(twice).toMatchObject({ answered: false, reason: `connection reset by ${servers[1]!.address}` });
      expect(busy).toMatchObject({ answered: false, reason: 'the service answered 503 Service Unavailable: overloaded' });
      expect(servers.map((s) => s.asked())).toEqual([2, 2, 1]);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe('pprof-diag fleet: bad input is one line and exit 2', () => {
  it.each([
    [['fleet'], 'pprof-diag: say which instances to profile: --targets FILE|URL (Prometheus file_sd / http_sd JSON), --prometheus URL or --pyroscope URL\n'],
    [['fleet', '--targets', '/nonexistent/targets.json'], 'pprof-diag: --targets /nonexistent/targets.json: no such file\n'],
    [['fleet', '--targets', 'package.json'], 'pprof-diag: package.json: expected a list of target groups, [{"targets": ["host:port"], "labels": {…}}]\n'],
    [['fleet', '--targets', 'x', '--min-answered', 'most'], "pprof-diag: option '--min-answered <n|n%>' argument 'most' is invalid: expected a count of instances (30) or a share of them (80%) (see --help)\n"],
    [['fleet', '--targets', 'x', '--profiles', 'heap'], "pprof-diag: option '--profiles <list>' argument 'heap' is invalid: heap is not one of goroutine, mutex, block (see --help)\n"],
  ])('%j', async (args, line) => {
    const r = await run(args as string[]);
    expect(r.stderr).toBe(line);
    expect(r.code).toBe(2);
  });

  it('a target that is not host:port', async () => {
    const file = path.join(fleet.dir, 'bad.json');
    writeFileSync(file, JSON.stringify([{ targets: ['http://a:1/x'] }]));
    const r = await run(['fleet', '--targets', file]);
    expect(r.stderr).toBe(`pprof-diag: ${file}: target group 1: "http://a:1/x" is not host:port\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toContain('http://a:1/x');
  });
});
