/**
 * The command line as a user meets it: the built binary, real files, real exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusRoot, repoRoot } from './helpers/corpus.js';
import { parseReport } from './helpers/schema.js';

const BIN = path.join(repoRoot, 'bin', 'pprof-diag.js');

export function run(args: string[], opts: { input?: Uint8Array | string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: opts.input,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const c = (rel: string) => path.join(corpusRoot, rel);
const GOROUTINE = c('laixintao-flameshow/goroutine.out');
const HEAP = c('grafana-pyroscope/pkg/pprof/testdata/heap');
const CPU = c('google-pprof/internal/report/testdata/sample.cpu');

describe('pprof-diag CLI', () => {
  it('prints help and version the commander way', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: pprof-diag/);
    expect(help.stdout).toMatch(/analyze/);
    const version = run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
  });

  it('exits 2 on a usage error', () => {
    const r = run(['analyze']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
    expect(run(['analyze', '--format', 'xml', GOROUTINE]).code).toBe(2);
  });

  it('analyzes a goroutine profile: kind, format, groups', () => {
    const r = run(['analyze', GOROUTINE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/goroutine profile \(pprof protobuf, gzip/);
    expect(r.stdout).toMatch(/goroutine\/count\s+total 7,271\b/);
    expect(r.stdout).toMatch(/7,271 goroutines in \d+ groups of identical stacks/);
    expect(r.stderr).toBe('');
  });

  it('writes the JSON contract', () => {
    const r = run(['analyze', '--format', 'json', '--buckets', '100000', GOROUTINE, HEAP, CPU]);
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.errors).toEqual([]);
    const [g, h, cpu] = doc.inputs;
    expect(g).toMatchObject({ path: GOROUTINE, kind: 'goroutine', format: 'pprof', goroutines: 7271 });
    expect(g.sampleTypes).toEqual([{ type: 'goroutine', unit: 'count', total: 7271 }]);
    expect(g.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(7271);
    expect(h.kind).toBe('allocs');
    expect(h.sampleTypes.map((t: { type: string }) => t.type)).toEqual(['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    expect(h.goroutines).toBeUndefined();
    expect(cpu.kind).toBe('cpu');
    expect(cpu.top.length).toBe(10);
    expect(cpu.top[0].flat).toBeGreaterThanOrEqual(cpu.top[1].flat);
  });

  it('reads an execution trace: the JSON contract for traces', () => {
    const trace = c('felixge-traceutils/testdata/1.25/test-encoding-json.trace');
    const r = run(['analyze', '--format', 'json', trace]);
    expect(r.code).toBe(0);
    const t = parseReport(r.stdout).inputs[0];
    expect(t).toMatchObject({ kind: 'trace', format: 'trace', goVersion: null, traceFormat: '1.25' });
    expect(t.events).toBeGreaterThan(1000);
    expect(t.goroutines).toBeGreaterThan(10);
    expect(t.durationNs).toBeGreaterThan(0);
    expect(run(['analyze', '--kind', 'goroutine', trace]).stderr).toMatch(/: an execution trace, but a goroutine profile was asked for$/m);
  });

  it('honours --sample-index', () => {
    const r = run(['analyze', '--format', 'json', '--sample-index', 'inuse_space', HEAP]);
    const doc = parseReport(r.stdout);
    expect(doc.inputs[0].sampleIndex).toBe('inuse_space');
    const bad = run(['analyze', '--sample-index', 'nonsense', HEAP]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not one of this profile's sample types/);
  });

  it('reads standard input', () => {
    const r = run(['analyze', '--format', 'json', '-'], { input: readFileSync(GOROUTINE) });
    expect(r.code).toBe(0);
    expect(parseReport(r.stdout).inputs[0]).toMatchObject({ path: '<stdin>', kind: 'goroutine', goroutines: 7271 });
  });

  it('keeps the good inputs when one is bad, and exits 2 with one line per bad input', () => {
    const r = run(['analyze', '--format', 'json', GOROUTINE, '/nonexistent/x.pb.gz', c('google-pprof/profile/testdata/gobench.cpu.string')]);
    expect(r.code).toBe(2);
    const doc = parseReport(r.stdout);
    expect(doc.inputs).toHaveLength(1);
    expect(doc.errors).toHaveLength(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^pprof-diag: \/nonexistent\/x\.pb\.gz: no such file$/);
    expect(lines[1]).toMatch(/gobench\.cpu\.string: text that is not a Go profile/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('fails a profile of the wrong kind', () => {
    const r = run(['analyze', '--kind', 'goroutine', HEAP]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/: an allocs profile, but a goroutine profile was asked for$/);
  });

  it('stops at --max-size', () => {
    const r = run(['analyze', '--max-size', '10KiB', HEAP]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/larger than the 10KiB limit|more than 10KiB /);
  });

  it('uses colour only when asked and NO_COLOR is unset', () => {
    const colour = run(['analyze', GOROUTINE], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(colour.stdout).toMatch(/\x1b\[/);
    const none = run(['analyze', GOROUTINE], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(none.stdout).not.toMatch(/\x1b\[/);
    const flag = run(['analyze', '--no-color', GOROUTINE], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(flag.stdout).not.toMatch(/\x1b\[/);
  });
});

describe('pipes', () => {
  it('stops quietly when the reader goes away', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" rules | head -1`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('reads a pipe given by path (`<(zcat …)`) as it reads the file, whatever the format', () => {
    for (const file of [GOROUTINE, HEAP, path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'goroutine.debug2.txt'), path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'trace.out')]) {
      const direct = run(['analyze', '-f', 'json', file]);
      expect(direct.code, direct.stderr).toBe(0);
      const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" analyze -f json <(cat "${file}")`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(piped.status, piped.stderr).toBe(0);
      // the same report, but for the input's name
      const name = /\/dev\/fd\/\d+/.exec(piped.stdout)?.[0];
      expect(name).toBeDefined();
      expect(piped.stdout.split(name!).join(file)).toBe(direct.stdout);
    }
  });

  it('lists the rules, and advises pool settings', () => {
    const rules = run(['rules', '--format', 'json']);
    expect(rules.code).toBe(0);
    const ids = JSON.parse(rules.stdout).map((s: { id: string }) => s.id);
    expect(ids).toContain('sql.conn-wait');
    expect(ids).toContain('pgxpool.acquire-wait');
    const advice = run(['advise', '--qps', '400', '--latency', '50ms', '--instances', '4', '--server-max-connections', '200', '--format', 'json']);
    expect(advice.code).toBe(0);
    expect(parseReport(advice.stdout, 'advise')).toMatchObject({ maxOpenConns: 30, maxIdleConns: 9, fleetConnections: 120, serverBudget: 157, ruleOfThumb: 30 });
    expect(run(['advise', '--qps', 'lots', '--latency', '1s']).code).toBe(2);
  });
});

describe('pool findings with load figures', () => {
  const pool = path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'goroutine.pb.gz');
  it('carry computed settings when --qps and --latency are given', () => {
    const r = run(['analyze', '--format', 'json', '--qps', '200', '--latency', '20ms', '--instances', '6', '--server-max-connections', '100', pool]);
    expect(r.code).toBe(0);
    const f = parseReport(r.stdout).findings.find((x: { id: string }) => x.id === 'db-pool-exhausted');
    // 200 × 20 ms = 4 busy: Erlang C 10 (the rule of thumb's 6 would make 28% wait); 6 × 10 fits in (100 − 3) × 0.8
    expect(f.remediation.join('\n')).toMatch(/db\.SetMaxOpenConns\(10\); db\.SetMaxIdleConns\(3\)/);
    // the holders are slow queries: the tool says the pool is not the problem, and sizes it for later
    expect(f.remediation.join('\n')).toMatch(/the pool is not the bottleneck/);
    expect(f.remediation.join('\n')).toMatch(/Once the queries are fast again, size the pool for 200 queries\/s at 20ms: 10 connections \(it holds 5 now: 5 more\)/);
    // a latency without its unit is refused, not read as seconds
    const bare = run(['analyze', '--qps', '10', '--latency', '50', pool]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/give a unit: 50ms or 50s/);
  });

  it('say how to get settings otherwise, and exit 1 with --fail-on', () => {
    const r = run(['analyze', '--format', 'json', '--fail-on', 'critical', pool]);
    expect(r.code).toBe(1);
    const f = parseReport(r.stdout).findings.find((x: { id: string }) => x.id === 'db-pool-exhausted');
    expect(f.remediation.join('\n')).toMatch(/--qps PEAK_PER_INSTANCE --latency/);
    expect(run(['analyze', '--qps', '10', pool]).code).toBe(2);
    const healthy = run(['analyze', '--fail-on', 'warning', path.join(repoRoot, 'samples', 'healthy', 'go1.27', 'goroutine.pb.gz')]);
    expect(healthy.code).toBe(0);
  });
});

describe('report forms', () => {
  const dir = path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27');
  it('writes Markdown and HTML reports, to a file with -o, redacted with --redact', () => {
    const md = run(['analyze', '--format', 'md', path.join(dir, 'goroutine.debug2.txt')]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# pprof-diag report\n\n\*\*CRITICAL: goroutines queue on a sync\.Mutex/);
    expect(md.stdout).toContain(repoRoot);
    const out = path.join(repoRoot, 'test-output', 'cli-report.html');
    mkdirSync(path.dirname(out), { recursive: true });
    const html = run(['analyze', '--format', 'html', '--redact', '-o', out, path.join(dir, 'goroutine.debug2.txt'), path.join(dir, 'mutex.pb.gz')]);
    expect(html.code).toBe(0);
    expect(html.stdout).toBe('');
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('"redacted":true');
    expect(page).not.toContain(repoRoot);
    const text = run(['analyze', '--redact', path.join(dir, 'goroutine.debug2.txt')]);
    expect(text.stdout).toMatch(/^Redacted: /);
    expect(text.stdout).not.toContain(repoRoot);
    expect(text.stdout).toContain('main.(*priceCache).price');
    expect(parseReport(run(['analyze', '--format', 'json', '--redact', path.join(dir, 'goroutine.debug2.txt')]).stdout).redacted).toBe(true);
    expect(run(['analyze', '--format', 'md', '-o', '/nonexistent/dir/r.md', path.join(dir, 'goroutine.debug2.txt')]).code).toBe(2);
  });
});

describe('diff in time order', () => {
  it('puts the earlier snapshot first whatever the command line says', () => {
    const dir = path.join(repoRoot, 'samples', 'chan-leak', 'go1.27');
    const r = run(['diff', '--format', 'json', path.join(dir, 'goroutine.2.pb.gz'), path.join(dir, 'goroutine.pb.gz')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: The snapshots were given out of time order/);
    const d = JSON.parse(r.stdout);
    expect(d.delta).toBeGreaterThan(100);
    expect(d.seconds).toBeGreaterThan(0);
    expect(d.inputs.before).toMatch(/goroutine\.pb\.gz$/);
    expect(d.findings.map((f: { id: string }) => f.id)).toContain('chan-leak');
  });
});

describe('your own signatures', () => {
  const tmp = path.join(repoRoot, 'test-output', 'rules');
  mkdirSync(tmp, { recursive: true });

  it('rules --format json loads back with --rules unchanged', () => {
    const printed = run(['rules', '--format', 'json']);
    expect(printed.code).toBe(0);
    const file = path.join(tmp, 'all.json');
    writeFileSync(file, printed.stdout);
    const again = run(['rules', '--format', 'json', '--rules', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(printed.stdout));
    const dir = path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27');
    const a = run(['analyze', '--format', 'json', path.join(dir, 'goroutine.pb.gz')]);
    const b = run(['analyze', '--format', 'json', '--rules', file, path.join(dir, 'goroutine.pb.gz')]);
    expect(JSON.parse(b.stdout).findings).toEqual(JSON.parse(a.stdout).findings);
  });

  it('a signature with a finding raises it, judged like the built-in ones', () => {
    // the price cache of mutex-hot: a team's own words for its own lock
    const pack = {
      version: 1,
      name: 'pricing',
      signatures: [
        {
          id: 'pricing.cache-lock',
          pack: 'pricing',
          role: 'waiter',
          description: 'waits for the price cache lock',
          match: { anywhere: ['main.(*priceCache).price'], not: ['main.(*priceCache).fetch'] },
          waitReasons: ['sync.Mutex.Lock', 'semacquire'],
          finding: {
            id: 'price-cache-stall',
            title: 'quotes stall on the price cache lock',
            severity: 'warning',
            min: 10,
            critical: 100,
            summary: '{goroutines} of {total} goroutines ({share}) wait for the price cache lock.',
            remediation: ['Refresh prices outside the lock (copy-on-write map).'],
          },
        },
      ],
    };
    const file = path.join(tmp, 'pricing.json');
    writeFileSync(file, JSON.stringify(pack));
    const dir = path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27');
    for (const form of ['goroutine.pb.gz', 'goroutine.debug2.txt']) {
      const r = run(['analyze', '--format', 'json', '--rules', file, path.join(dir, form)]);
      expect(r.code, r.stderr).toBe(0);
      const f = JSON.parse(r.stdout).findings.find((x: { id: string }) => x.id === 'price-cache-stall');
      expect(f, form).toBeDefined();
      expect(f.severity).toBe(f.goroutines >= 100 ? 'critical' : 'warning');
      expect(f.goroutines).toBeGreaterThanOrEqual(10);
      expect(f.summary).toMatch(/^\d+ of \d+ goroutines \(\d+%\) wait for the price cache lock\./);
      expect(f.evidence[0].frames.some((x: { function: string; matched: boolean }) => x.matched)).toBe(true);
      expect(f.remediation).toEqual(['Refresh prices outside the lock (copy-on-write map).']);
      expect(f.signatures).toEqual(['pricing.cache-lock']);
    }
    // --ignore silences it by its finding id
    const quiet = run(['analyze', '--format', 'json', '--rules', file, '--ignore', 'price-cache-stall', path.join(dir, 'goroutine.pb.gz')]);
    expect(JSON.parse(quiet.stdout).findings.map((x: { id: string }) => x.id)).not.toContain('price-cache-stall');
  });

  it('a typo in a pack is one clear line and exit 2', () => {
    const bad = { version: 1, name: 'x', signatures: [{ id: 'x.y', role: 'waiter', description: 'd', match: { anywher: ['main.f'] } }] };
    const file = path.join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = run(['analyze', '--rules', file, path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27', 'goroutine.pb.gz')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.json: signature x\.y: unknown match field "anywher"/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});

describe('diff with your own rules', () => {
  it('--ignore and --rules apply to diff as to analyze', () => {
    const dir = path.join(repoRoot, 'samples', 'chan-leak', 'go1.27');
    const plainDiff = JSON.parse(run(['diff', '--format', 'json', path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'goroutine.2.pb.gz')]).stdout);
    expect(plainDiff.findings.map((f: { id: string }) => f.id)).toContain('chan-leak');
    const quiet = JSON.parse(run(['diff', '--format', 'json', '--ignore', 'chan-leak', path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'goroutine.2.pb.gz')]).stdout);
    expect(quiet.findings.map((f: { id: string }) => f.id)).not.toContain('chan-leak');
    // silencing the signature itself leaves its goroutines unmatched
    const noSig = JSON.parse(run(['diff', '--format', 'json', '--ignore', 'chan.send', path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'goroutine.2.pb.gz')]).stdout);
    expect(noSig.signatures.map((s: { signature: string }) => s.signature)).not.toContain('chan.send');
  });
});
