/** `pprof-diag fleet`: profile every instance service discovery lists, then one report of the fleet. */

import { InvalidArgumentError, Option, type Command } from 'commander';
import { signatureSet } from '../analyze/diagnose.js';
import { severityAtLeast, type Severity } from '../analyze/findings.js';
import type { InstanceResult } from '../analyze/fleet.js';
import { errorLine, UsageError } from '../model/errors.js';
import type { ProfileKind } from '../model/profile.js';
import { fleetHtml, fleetJson, fleetMarkdown, fleetSummary, fleetText } from '../report/fleet.js';
import { fleetProfileBytes, type InstanceStacks } from '../report/fleet-pprof.js';
import { fleetFlameSvg } from '../report/fleet-flame.js';
import { Redactor } from '../report/redact.js';
import type { SignaturePack } from '../signatures/types.js';
import { collectFleet, type ProfileFetch } from '../fleet/collect.js';
import { pyroscopeProfile, pyroscopeTargets } from '../fleet/pyroscope.js';
import { parseSeconds } from './advise-command.js';
import { parseSelector, prometheusTargets, rankQuery, rankTargets, type PrometheusOptions } from '../fleet/prometheus.js';
import { parseServiceDiscovery, type FleetTarget } from '../fleet/targets.js';
import { readInput, writeOutput } from './inputs.js';
import { addLimitOptions, limitsOf, loadPacks, parseAtLeastOne, parseSize, parseWait, VERSION, type LimitFlags } from './setup.js';
import { collect, colorWanted, painter, Progress, type Io } from './terminal.js';

export interface FleetFlags extends LimitFlags {
  targets?: string;
  prometheus?: string;
  match?: string;
  rankBy?: string;
  top?: number;
  pyroscope?: string;
  groupBy: string;
  at?: number;
  window: number;
  tenant?: string;
  profiles: ProfileKind[];
  debug: number;
  concurrency: number;
  timeout: number;
  deadline: number;
  minAnswered: MinAnswered;
  format: 'text' | 'json' | 'md' | 'html';
  output?: string;
  flame?: string;
  redact?: boolean;
  insecure?: boolean;
  failOn?: Severity;
  rules: string[];
  ignore: string[];
  quiet?: boolean;
  color: boolean;
}

/** `--min-answered`: a count of instances, or a share of them. */
export type MinAnswered = { count: number } | { percent: number };

const FLEET_PROFILES: ProfileKind[] = ['goroutine', 'mutex', 'block'];

export function parseMinAnswered(v: string): MinAnswered {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a count of instances (30) or a share of them (80%)');
  const n = Number(m[1]);
  if (m[2] === '%') {
    if (n > 100) throw new InvalidArgumentError('expected a share of at most 100%');
    return { percent: n };
  }
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number of instances');
  return { count: n };
}

function parseProfiles(v: string): ProfileKind[] {
  const kinds = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const k of kinds) if (!FLEET_PROFILES.includes(k as ProfileKind)) throw new InvalidArgumentError(`${k} is not one of ${FLEET_PROFILES.join(', ')}`);
  if (!kinds.includes('goroutine')) throw new InvalidArgumentError('the goroutine profile is always asked for: list it too (goroutine,mutex)');
  return [...new Set(kinds)] as ProfileKind[];
}

/** A time: RFC 3339 or seconds since the epoch; milliseconds since the epoch out. */
export function parseTime(v: string): number {
  const t = /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) * 1000 : /^\d{4}-\d\d-\d\dT/.test(v.trim()) ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new InvalidArgumentError('expected a time in RFC 3339 (2026-01-02T15:04:05Z) or seconds since the epoch');
  return Math.round(t);
}

function parseDebug(v: string): number {
  if (v !== '0' && v !== '2') throw new InvalidArgumentError('expected 0 (protobuf) or 2 (text, with the ages of waits)');
  return Number(v);
}

/** How many answers are needed. */
export function answersNeeded(m: MinAnswered, instances: number): number {
  return 'count' in m ? m.count : Math.ceil((m.percent / 100) * instances);
}

export function registerFleet(program: Command, io: Io, setCode: (c: number) => void): void {
  const cmd = program
    .command('fleet')
    .description('profile every instance of a service (from Prometheus service discovery, a Prometheus server or Grafana Pyroscope) and say which are stuck and why')
    .option('--targets <file|url>', 'Prometheus file_sd / http_sd JSON: [{"targets": ["host:port"], "labels": {…}}]')
    .option('--prometheus <url>', "a Prometheus server: profile its scrape targets (/api/v1/targets)")
    .option('--match <selector>', 'with --prometheus or --pyroscope: only instances whose labels match, e.g. {job="checkout"}')
    .option('--rank-by <metric>', 'with --prometheus: ask this metric first (/api/v1/query) and profile only the --top highest, e.g. go_goroutines')
    .option('--top <k>', 'with --rank-by: how many instances to profile', parseAtLeastOne, 5)
    .option('--pyroscope <url>', "a Grafana Pyroscope server: each instance's goroutine profiles, merged over the window (--match selects the service)")
    .option('--group-by <label>', 'with --pyroscope: the label whose values are the instances', 'pod')
    .option('--at <time>', 'with --pyroscope: the end of the window (RFC 3339, or seconds since the epoch; default now)', parseTime)
    .option('--window <duration>', 'with --pyroscope: how far back from --at (one scrape interval, so counts are not summed over scrapes)', parseSeconds, 15)
    .option('--tenant <id>', 'with --pyroscope: the tenant (X-Scope-OrgID)')
    .option('--profiles <list>', 'profiles asked of each instance: goroutine, mutex, block', parseProfiles, ['goroutine'] as ProfileKind[])
    .option('--debug <n>', "the goroutine profile's form: 0 (protobuf) or 2 (text, with the ages of waits)", parseDebug, 0)
    .option('--concurrency <n>', 'instances profiled at once', parseAtLeastOne, 8)
    .option('--timeout <seconds>', 'how long one instance may take to answer', parseWait, 10)
    .option('--deadline <seconds>', 'how long the whole fleet may take; instances not asked by then count as failed', parseWait, 120)
    .option('--min-answered <n|n%>', 'exit 2 when fewer instances answer (a count, or a share such as 80%)', parseMinAnswered, { count: 1 } as MinAnswered)
    .option('--max-size <size>', 'largest answer of one instance, compressed or decompressed', parseSize, 256 * 1024 ** 2)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'md', 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to this file instead of standard output')
    .option('--flame <file>', "also write every instance's goroutines as one pprof profile (.pb.gz), labelled instance=<name>")
    .option('--redact', 'replace instance names, label values and host names with placeholders')
    .option('--insecure', "accept an instance's TLS certificate that cannot be verified")
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an instance has a finding of this severity or worse').choices(['warning', 'critical']))
    .option('--rules <file>', 'add a signature pack; repeatable', collect, [])
    .option('--ignore <id>', 'silence a signature or finding id; repeatable', collect, [])
    .option('-q, --quiet', 'no progress output on the terminal')
    .option('--no-color', 'no colour in text output')
    .action(async (flags: FleetFlags) => setCode(await fleetCommand(flags, io)));
  addLimitOptions(cmd);
}

/** Where the instances come from, and how their profiles are fetched when not over their own /debug/pprof/. */
interface FleetSource {
  targets: FleetTarget[];
  fetch?: ProfileFetch;
}

/** The targets the flags name. */
async function fleetTargets(flags: FleetFlags): Promise<FleetSource> {
  const sources = [flags.targets, flags.prometheus, flags.pyroscope].filter((x) => x !== undefined).length;
  if (sources === 0) throw new UsageError('say which instances to profile: --targets FILE|URL (Prometheus file_sd / http_sd JSON), --prometheus URL or --pyroscope URL');
  if (sources > 1) throw new UsageError('--targets, --prometheus and --pyroscope are sources of instances: give one');
  if (flags.prometheus === undefined && flags.rankBy !== undefined) throw new UsageError('--rank-by reads from --prometheus');
  if (flags.pyroscope === undefined && (flags.at !== undefined || flags.tenant !== undefined)) throw new UsageError('--at and --tenant are for --pyroscope');
  if (flags.prometheus === undefined && flags.pyroscope === undefined && flags.match !== undefined) throw new UsageError('--match selects from --prometheus or --pyroscope');
  const o = { timeoutMs: flags.timeout * 1000, maxBytes: 64 * 1024 ** 2, insecure: flags.insecure === true };
  if (flags.prometheus !== undefined) return { targets: await prometheusSource(flags.prometheus, flags, o) };
  if (flags.pyroscope !== undefined) return pyroscopeSource(flags.pyroscope, flags, o);
  let text: string;
  try {
    text = new TextDecoder().decode((await readInput(flags.targets!, o)).bytes);
  } catch (e) {
    throw new UsageError(`--targets ${flags.targets}: ${errorLine(e)}`);
  }
  const targets = parseServiceDiscovery(text, flags.targets!);
  if (targets.length === 0) throw new UsageError(`${flags.targets}: lists no targets`);
  return { targets };
}

/** The instances Pyroscope holds goroutine profiles of in the window, each fetched merged. */
async function pyroscopeSource(base: string, flags: FleetFlags, o: PrometheusOptions): Promise<FleetSource> {
  if (flags.profiles.length > 1) throw new UsageError('--pyroscope reads goroutine profiles only (leave out --profiles)');
  if (flags.match !== undefined) parseSelector(flags.match);
  const end = flags.at ?? Date.now();
  const source = { base, groupBy: flags.groupBy, start: Math.round(end - flags.window * 1000), end, ...(flags.match !== undefined ? { match: flags.match } : {}) };
  const po = { ...o, maxBytes: flags.maxSize, ...(flags.tenant !== undefined ? { tenant: flags.tenant } : {}) };
  let found: Awaited<ReturnType<typeof pyroscopeTargets>>;
  try {
    found = await pyroscopeTargets(source, po);
  } catch (e) {
    throw e instanceof UsageError && e.message.startsWith('--pyroscope') ? e : new UsageError(`--pyroscope ${base}: ${errorLine(e)}`);
  }
  if (found.targets.length === 0) throw new UsageError(`--pyroscope ${base}: no value of ${flags.groupBy} in the window${flags.match ? ` for ${flags.match}` : ''}`);
  return { targets: found.targets, fetch: (t, _kind, timeoutMs) => pyroscopeProfile(source, found.type, t.labels[flags.groupBy]!, { ...po, timeoutMs }) };
}

/** The scrape targets of a Prometheus server that match, ranked by a metric when asked. */
async function prometheusSource(url: string, flags: FleetFlags, o: PrometheusOptions): Promise<FleetTarget[]> {
  const match = flags.match !== undefined ? parseSelector(flags.match) : [];
  const all = await prometheusTargets(url, match, o);
  if (all.length === 0) throw new UsageError(`--prometheus ${url}: no active target matches ${flags.match ?? '(any)'}`);
  if (flags.rankBy === undefined) return all;
  const query = rankQuery(flags.rankBy, flags.match);
  const ranked = await rankTargets(url, query, flags.top ?? 5, all, o);
  if (ranked.length === 0) throw new UsageError(`--rank-by ${query}: Prometheus has no value of it for any of the ${all.length} targets`);
  return ranked;
}

/** Each instance's goroutine groups, under the names the report uses (placeholders when redacted). */
function shownStacks(results: InstanceResult[], stacks: Map<number, InstanceStacks['stacks']>, shown: { results: InstanceResult[] }): InstanceStacks[] {
  const instances: InstanceStacks[] = [];
  for (let i = 0; i < results.length; i++) {
    const s = stacks.get(i);
    if (s) instances.push({ instance: shown.results[i]!.instance, stacks: s });
  }
  return instances;
}

/** The fleet's goroutines as one profile (file names replaced too when redacted). */
function flameProfile(instances: InstanceStacks[], redacted: boolean): Uint8Array {
  const r = new Redactor();
  return fleetProfileBytes(instances, redacted ? (f) => r.file(f) : undefined);
}

export async function fleetCommand(flags: FleetFlags, io: Io): Promise<number> {
  let packs: SignaturePack[];
  let source: FleetSource;
  try {
    packs = loadPacks(flags.rules);
    signatureSet({ packs, ignore: flags.ignore });
    source = await fleetTargets(flags);
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const progress = new Progress(!flags.quiet && process.stderr.isTTY === true);
  const targets = source.targets;
  const stacks = new Map<number, InstanceStacks['stacks']>();
  const results: InstanceResult[] = await collectFleet(targets, {
    ...(flags.flame !== undefined || flags.format === 'html' ? { onStacks: (i: number, s: InstanceStacks['stacks']) => stacks.set(i, s) } : {}),
    ...(source.fetch ? { fetch: source.fetch } : {}),
    concurrency: flags.concurrency,
    timeoutMs: flags.timeout * 1000,
    deadlineMs: flags.deadline * 1000,
    maxBytes: flags.maxSize,
    limits: limitsOf(flags),
    profiles: flags.profiles,
    debug: flags.debug,
    insecure: flags.insecure === true,
    packs,
    ignore: flags.ignore,
    onDone: (r, done, total) => progress.show(`[${done}/${total}] ${r.instance}`),
  });
  progress.clear();
  const summary = fleetSummary(results, flags.redact === true);
  const report =
    flags.format === 'json'
      ? fleetJson(summary, VERSION)
      : flags.format === 'md'
        ? fleetMarkdown(summary, VERSION)
        : flags.format === 'html'
          ? fleetHtml(summary, VERSION, fleetFlameSvg(shownStacks(results, stacks, summary)))
          : fleetText(summary, painter(flags.output === undefined && colorWanted(flags.color, process.stdout)));
  try {
    if (flags.flame !== undefined) writeOutput(flags.flame, flameProfile(shownStacks(results, stacks, summary), summary.redacted));
    if (flags.output !== undefined) writeOutput(flags.output, report);
    else io.out(report);
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const needed = answersNeeded(flags.minAnswered, targets.length);
  if (summary.answered < needed) {
    io.err(`pprof-diag: ${summary.answered} of ${targets.length} instances answered, fewer than the ${needed} --min-answered asks for\n`);
    return 2;
  }
  if (flags.failOn && summary.results.some((r) => r.answered && r.findings.some((f) => severityAtLeast(f.severity, flags.failOn!)))) return 1;
  return 0;
}
