/**
 * Every option of every command given a bad value: one line on stderr naming the mistake,
 * exit 2, never "internal error" and never a stack. And an option that fits only some of the
 * inputs (`--sample-index alloc_space` beside a goroutine profile) is applied where it fits.
 * Inputs are real captures from samples/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { analyze } from '../src/pipeline.js';
import { UsageError } from '../src/model/errors.js';
import { readFileSync } from 'node:fs';
import { repoRoot } from './helpers/corpus.js';

const S = path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27');
const GOROUTINE = path.join(S, 'goroutine.pb.gz');
const HEAP = path.join(S, 'heap.pb.gz');
const MUTEX = path.join(S, 'mutex.pb.gz');
const TRACE = path.join(S, 'trace.out');

const dir = mkdtempSync(path.join(tmpdir(), 'pprof-diag-errors-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const sig = (extra: Record<string, unknown>, match: Record<string, unknown> = { anywhere: ['main.main'] }) =>
  JSON.stringify({ version: 1, name: 'mine', signatures: [{ id: 'mine.x', role: 'waiter', description: 'x', match, ...extra }] });
const RULES_NOT_JSON = file('not-json.json', '{"version": 1, "signatures": [');
const RULES_BAD_RE = file('bad-re.json', sig({}, { anywhere: ['re:main.(('] }));
const RULES_UNKNOWN = file('unknown-field.json', sig({ severity: 'critical' }));
const RULES_NOT_PACK = file('not-pack.json', '{"hello": "world"}');
const POLICY_NOT_JSON = file('policy-not-json.json', 'headroom = 2');
const POLICY_UNKNOWN = file('policy-unknown.json', '{"headroom": 2, "targetWaitProb": 0.1}');
const POLICY_BAD_VALUE = file('policy-bad.json', '{"maxIdleRatio": 3}');
const POLICY_NOT_OBJECT = file('policy-list.json', '[1, 2]');
const NOT_STATS = file('not-stats.json', '{"memstats": {}}');
const MISSING = path.join(dir, 'no-such-file.json');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'pprof-diag', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const ADVISE = ['advise', '--qps', '100', '--latency', '20ms'];

/** [command line, what the one line must say] */
const CASES: [string[], RegExp][] = [
  // analyze
  [['analyze', '--rules', RULES_NOT_JSON, GOROUTINE], /not-json\.json: cannot read rules: not JSON/],
  [['analyze', '--rules', RULES_BAD_RE, GOROUTINE], /bad-re\.json: .*invalid regular expression in pattern "re:main\.\(\("/],
  [['analyze', '--rules', RULES_UNKNOWN, GOROUTINE], /unknown-field\.json: signature mine\.x: unknown field "severity"/],
  [['analyze', '--rules', RULES_NOT_PACK, GOROUTINE], /not-pack\.json: not a signature pack/],
  [['analyze', '--rules', MISSING, GOROUTINE], /no-such-file\.json: cannot read rules: no such file/],
  [['analyze', '--qps', '-1', '--latency', '20ms', GOROUTINE], /--qps <n>' argument '-1' is invalid: expected a positive number/],
  [['analyze', '--qps', '100', '--latency', 'abc', GOROUTINE], /--latency <duration>' argument 'abc' is invalid: expected a duration/],
  [['analyze', '--qps', '100', '--latency', '50', GOROUTINE], /give a unit: 50ms or 50s/],
  [['analyze', '--qps', '100', GOROUTINE], /--qps and --latency go together/],
  [['analyze', '--qps', '100', '--latency', '20ms', '--latency-p99', '5ms', GOROUTINE], /p99 latency cannot be below the mean/],
  [['analyze', '--latency-p99', '50ms', GOROUTINE], /--latency-p99 needs --qps and --latency/],
  [['analyze', '--max-size', '0', GOROUTINE], /--max-size <size>' argument '0' is invalid: expected a size of at least one byte/],
  [['analyze', '--max-size', 'lots', GOROUTINE], /expected a size such as 512MiB/],
  [['analyze', '--format', 'pdf', GOROUTINE], /--format <format>' argument 'pdf' is invalid: Allowed choices are text, json, md, html/],
  [['analyze', '--fail-on', 'panic', GOROUTINE], /--fail-on <severity>' argument 'panic' is invalid: Allowed choices are warning, critical/],
  [['analyze', '--seconds', '10', GOROUTINE], /--seconds is for live CPU profile and trace endpoints/],
  [['analyze', '--seconds', '-3', GOROUTINE], /--seconds <n>' argument '-3' is invalid/],
  [['analyze', '--sample-index', 'bogus', GOROUTINE], /sample index "bogus" is not one of this profile's sample types \(goroutine\)/],
  [['analyze', '--sample-index', '9', HEAP], /sample index "9" is not one of this profile's sample types \(alloc_objects, alloc_space, inuse_objects, inuse_space\)/],
  [['analyze', '--sample-index', 'contentions', TRACE], /sample index "contentions" is for profiles, and every input is an execution trace/],
  [['analyze', '--timeout', '0', GOROUTINE], /--timeout <seconds>' argument '0' is invalid/],
  [['analyze', '--timeout', '1e12', GOROUTINE], /expected at most 2,000,000 seconds/],
  [['analyze', '--top', '-1', GOROUTINE], /--top <n>' argument '-1' is invalid: expected a whole number/],
  [['analyze', '--buckets', 'many', GOROUTINE], /--buckets <n>' argument 'many' is invalid/],
  [['analyze', '--frames', '2.5', GOROUTINE], /--frames <n>' argument '2.5' is invalid/],
  [['analyze', '--kind', 'memory', GOROUTINE], /--kind <kind>' argument 'memory' is invalid: Allowed choices are goroutine/],
  [['analyze', '--kind', 'heap', GOROUTINE], /goroutine\.pb\.gz: a goroutine profile, but a heap profile was asked for/],
  [['analyze', '--instances', '0', '--qps', '1', '--latency', '1ms', GOROUTINE], /--instances <n>' argument '0' is invalid: expected a whole number, at least 1/],
  [['analyze', '--pools', '1.5', '--qps', '1', '--latency', '1ms', GOROUTINE], /--pools <n>' argument '1\.5' is invalid/],
  [['analyze', '--server-max-connections', 'x', '--qps', '1', '--latency', '1ms', GOROUTINE], /--server-max-connections <n>' argument 'x' is invalid/],
  [['analyze', '--db-stats', MISSING, GOROUTINE], /--db-stats .*no-such-file\.json: no such file/],
  [['analyze', '--db-stats', NOT_STATS, GOROUTINE], /--db-stats .*not-stats\.json: no database\/sql pool figures in it/],
  [['analyze', '-o', path.join(dir, 'missing-dir', 'report.txt'), GOROUTINE], /cannot write .*report\.txt: no such file or directory/],
  [['analyze', '--fromat', 'json', GOROUTINE], /unknown option '--fromat' \(did you mean --format\?\)/],
  [['analyze', '--max-samples', '0', GOROUTINE], /--max-samples <n>' argument '0' is invalid: expected a whole number, at least 1/],
  [['analyze', '--max-locations', 'all', GOROUTINE], /--max-locations <n>' argument 'all' is invalid/],
  [['analyze', '--max-string-length', '-5', GOROUTINE], /--max-string-length <n>' argument '-5' is invalid/],
  [['analyze', '--max-stack-depth', '1.5', GOROUTINE], /--max-stack-depth <n>' argument '1\.5' is invalid/],
  [['analyze', '--max-labels', '-1', GOROUTINE], /--max-labels <n>' argument '-1' is invalid: expected a whole number/],
  [['analyze', '--max-generation-size', '0', TRACE], /--max-generation-size <size>' argument '0' is invalid: expected a size of at least one byte/],
  [['analyze', '--max-ratio', '0', GOROUTINE], /--max-ratio <n>' argument '0' is invalid: expected a whole number, at least 1/],
  [['diff', '--max-stack-depth', 'deep', GOROUTINE, GOROUTINE], /--max-stack-depth <n>' argument 'deep' is invalid/],
  [['trace-profile', '--type', 'sync', '--max-generation-size', 'big', TRACE, '-o', path.join(dir, 'x.pb.gz')], /--max-generation-size <size>' argument 'big' is invalid/],
  [['serve', '--max-samples', 'none'], /--max-samples <n>' argument 'none' is invalid/],
  [['analyze'], /missing required argument 'inputs'/],
  [['analyze', MISSING], /no-such-file\.json: no such file/],
  // advise
  [[...ADVISE, '--policy', POLICY_NOT_JSON], /policy-not-json\.json: cannot read policy: not JSON/],
  [[...ADVISE, '--policy', POLICY_UNKNOWN], /unknown policy field "targetWaitProb" \(known: headroom, /],
  [[...ADVISE, '--policy', POLICY_BAD_VALUE], /maxIdleRatio must be at most 1/],
  [[...ADVISE, '--policy', POLICY_NOT_OBJECT], /a policy is a JSON object/],
  [[...ADVISE, '--policy', MISSING], /no-such-file\.json: cannot read policy: no such file/],
  [['advise', '--qps', '0', '--latency', '20ms'], /--qps <n>' argument '0' is invalid/],
  [['advise', '--qps', '100', '--latency', '0ms'], /expected a duration above 0/],
  [['advise', '--qps', '100', '--latency', 'soon'], /--latency <duration>' argument 'soon' is invalid/],
  [['advise', '--latency', '20ms'], /required option '--qps <n>' not specified/],
  [[...ADVISE, '--latency-p99', '1h'], /--latency-p99 <duration>' argument '1h' is invalid/],
  [[...ADVISE, '--reserved-connections', '-3'], /--reserved-connections <n>' argument '-3' is invalid/],
  [[...ADVISE, '--server-kind', 'oracle'], /--server-kind <kind>' argument 'oracle' is invalid: Allowed choices are postgres, mysql, tidb/],
  [[...ADVISE, '--instances', '0'], /--instances <n>' argument '0' is invalid/],
  [[...ADVISE, '--format', 'yaml'], /--format <format>' argument 'yaml' is invalid/],
  [[...ADVISE, '--db-stats', MISSING], /no-such-file\.json: no such file/],
  [[...ADVISE, '--db-stats', NOT_STATS], /not-stats\.json: no database\/sql pool figures/],
  // diff
  [['diff', GOROUTINE], /missing required argument 'after'/],
  [['diff', '--top', 'x', GOROUTINE, GOROUTINE], /--top <n>' argument 'x' is invalid/],
  [['diff', '--format', 'md', GOROUTINE, GOROUTINE], /--format <format>' argument 'md' is invalid/],
  [['diff', '--fail-on', 'panic', GOROUTINE, GOROUTINE], /--fail-on <severity>' argument 'panic' is invalid/],
  [['diff', '--max-size', '0', GOROUTINE, GOROUTINE], /--max-size <size>' argument '0' is invalid/],
  [['diff', '--timeout', 'never', GOROUTINE, GOROUTINE], /--timeout <seconds>' argument 'never' is invalid/],
  [['diff', '--rules', RULES_BAD_RE, GOROUTINE, GOROUTINE], /invalid regular expression/],
  [['diff', HEAP, GOROUTINE], /heap\.pb\.gz: a heap profile, but diff compares goroutine snapshots/],
  // trace-profile
  [['trace-profile', '--type', 'gc', TRACE, '-o', path.join(dir, 'x.pb.gz')], /--type <type>' argument 'gc' is invalid: Allowed choices are net, sync, syscall, sched/],
  [['trace-profile', '--type', 'sync', TRACE], /required option '-o, --output <file>' not specified/],
  [['trace-profile', TRACE, '-o', path.join(dir, 'x.pb.gz')], /required option '--type <type>' not specified/],
  [['trace-profile', '--type', 'sync', GOROUTINE, '-o', path.join(dir, 'x.pb.gz')], /a goroutine profile, not an execution trace/],
  [['trace-profile', '--type', 'sync', TRACE, '-o', path.join(dir, 'missing-dir', 'x.pb.gz')], /cannot write .*x\.pb\.gz: no such file or directory/],
  [['trace-profile', '--type', 'sync', '--max-size', '1KiB', TRACE, '-o', path.join(dir, 'x.pb.gz')], /larger than the 1KiB limit \(raise --max-size/],
  // rules, serve, the program
  [['rules', '--rules', RULES_UNKNOWN], /unknown field "severity"/],
  [['rules', '--format', 'pdf'], /--format <format>' argument 'pdf' is invalid/],
  [['serve', '--port', '70000'], /--port <n>' argument '70000' is invalid: expected a port, 0 to 65535/],
  [['serve', '--max-size', '0'], /--max-size <size>' argument '0' is invalid/],
  [['serve', '--timeout', '-1'], /--timeout <seconds>' argument '-1' is invalid/],
  [['serve', '--rules', RULES_NOT_JSON], /cannot read rules: not JSON/],
  [['profile', GOROUTINE], /unknown command 'profile'/],
];

describe('a bad value for any option', () => {
  for (const [args, want] of CASES) {
    it(`${args.map((a) => (a.startsWith(dir) || a.startsWith(S) ? path.basename(a) : a)).join(' ')}`, async () => {
      const r = await run(args);
      expect(r.code).toBe(2);
      const lines = r.err.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^pprof-diag: /);
      expect(lines[0]).toMatch(want);
      expect(lines[0]).not.toMatch(/internal error|\n\s+at /);
    });
  }
});

describe('an option that fits only some inputs', () => {
  it('-i alloc_space applies to the heap profile and leaves the goroutine profile its own sample type', async () => {
    const r = await run(['analyze', '--format', 'json', '-i', 'alloc_space', GOROUTINE, HEAP]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { inputs: { path: string; sampleIndex: string; warnings?: string[] }[]; errors: unknown[] };
    expect(doc.errors).toEqual([]);
    expect(doc.inputs.map((i) => i.sampleIndex)).toEqual(['goroutine', 'alloc_space']);
    const text = await run(['analyze', '-i', 'alloc_space', GOROUTINE, HEAP]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/note: sample index "alloc_space" is not one of this profile's sample types \(goroutine\): its default, goroutine, is used/);
    expect(text.out).toMatch(/top functions by alloc_space/);
    // the goroutine snapshot is still judged: mutex-hot's waiters are found
    expect(text.out).toMatch(/mutex-contention/);
  });

  it('fails in one line naming every input when it fits none', async () => {
    const r = await run(['analyze', '-i', 'inuse_space', GOROUTINE, MUTEX]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/sample index "inuse_space" is not a sample type of any input \(.*goroutine\.pb\.gz: goroutine; .*mutex\.pb\.gz: contentions, delay\)/);
  });

  it('the library applies it alike, and throws the user error when it fits none', () => {
    const inputs = [GOROUTINE, HEAP].map((p) => ({ name: path.basename(p), bytes: new Uint8Array(readFileSync(p)) }));
    const r = analyze(inputs, { sampleIndex: 'inuse_space' });
    expect(r.analyses.map((a) => (a.type === 'profile' ? a.sampleTypes[a.sampleIndex]!.type : null))).toEqual(['goroutine', 'inuse_space']);
    expect(() => analyze(inputs.slice(0, 1), { sampleIndex: 'inuse_space' })).toThrow(UsageError);
  });
});

describe('serve applies sample_index as analyze does', () => {
  it('to the uploads it fits, and answers 400 in one line when it fits none', async () => {
    const { serve } = await import('../src/server/serve.js');
    const { server, url } = await serve({
      host: '127.0.0.1',
      port: 0,
      maxSize: 1 << 30,
      allowFetch: false,
      toolVersion: 'test',
      assets: null,
      pipeline: {},
      preloaded: null,
      webFiles: new Map(),
    });
    try {
      const post = (sampleIndex: string) => {
        const form = new FormData();
        for (const p of [GOROUTINE, HEAP]) form.append('files', new Blob([readFileSync(p)]), path.basename(p));
        return fetch(`${url}api/analyze?format=json&sample_index=${sampleIndex}`, { method: 'POST', body: form });
      };
      const ok = await post('alloc_space');
      expect(ok.status).toBe(200);
      const doc = (await ok.json()) as { inputs: { sampleIndex: string }[] };
      expect(doc.inputs.map((i) => i.sampleIndex)).toEqual(['goroutine', 'alloc_space']);
      const bad = await post('bogus');
      expect(bad.status).toBe(400);
      const body = await bad.text();
      expect(body.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(body).error).toMatch(/^sample index "bogus" is not a sample type of any input \(goroutine\.pb\.gz: goroutine; heap\.pb\.gz: alloc_objects/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
