/**
 * The `pprof-diag` command line. Exit codes: 0 done, 1 a finding at or above --fail-on,
 * 2 a usage or input error (with one line on stderr per bad input; good inputs still report).
 */

import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { signatureSet } from '../analyze/diagnose.js';
import { analyzeInput, diagnoseAnalyses, render } from '../pipeline.js';
import { errorLine } from '../model/errors.js';
import { parseDbStats, type DbStats } from '../analyze/db-stats.js';
import { diffSnapshots } from '../analyze/diff.js';
import { matchSnapshot } from '../analyze/match.js';
import { severityAtLeast, type Severity } from '../analyze/findings.js';
import { differentPrograms, inTimeOrder } from '../analyze/snapshot-order.js';
import { TraceAnalyzer, analyzeDecoded, type InputAnalysis } from '../analyze/index.js';
import type { SignaturePack } from '../signatures/types.js';
import { checkKind, decode } from '../decode/index.js';
import type { Trace } from '../model/trace.js';
import { DecodeError } from '../model/errors.js';
import type { ProfileKind } from '../model/profile.js';
import type { InputError as ReportedError } from '../report/json.js';
import { plain, type Paint } from '../report/text.js';
import { gunzipNode } from './gunzip-node.js';
import { loadPacks, loadViewerAssets, parseCount, parsePositive, parseSize, VERSION } from './setup.js';
import { registerServe } from './serve-command.js';
import { adviseCommand, loadFigures, parseSeconds, type AdviseFlags } from './advise-command.js';
import { InputError, readInput } from './inputs.js';
import { writeFileSync } from 'node:fs';
import { BLOCKING_TYPES, BlockingProfiler, type BlockingType } from '../analyze/trace/blocking.js';
import { formatBytes } from '../decode/gzip.js';
import { readTraceOrBytes } from './trace-input.js';
import { blockingProfileBytes } from '../report/trace-pprof.js';


const KINDS: ProfileKind[] = ['goroutine', 'goroutineleak', 'heap', 'allocs', 'cpu', 'block', 'mutex', 'threadcreate', 'trace'];

interface AnalyzeFlags {
  format: 'text' | 'json' | 'md' | 'html';
  output?: string;
  redact?: boolean;
  sampleIndex?: string;
  top: number;
  buckets: number;
  frames: number;
  seconds?: number;
  timeout: number;
  maxSize: number;
  kind?: ProfileKind;
  quiet?: boolean;
  color: boolean;
  failOn?: Severity;
  rules: string[];
  ignore: string[];
  qps?: number;
  latency?: number;
  latencyP99?: number;
  instances: number;
  pools: number;
  serverMaxConnections?: number;
  dbStats?: string;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}


function painter(enabled: boolean): Paint {
  if (!enabled) return plain;
  const c = pc.createColors(true);
  return { bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, cyan: c.cyan };
}

function colorWanted(flag: boolean, stream: NodeJS.WriteStream): boolean {
  if (!flag) return false;
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

/**
 * One line on a terminal that rewrites itself; silent elsewhere and with --quiet. With NO_COLOR
 * or TERM=dumb it writes no escape sequence (the line is blanked with spaces), and it rewrites
 * the line at most every 100 ms.
 */
class Progress {
  private active = false;
  private shown = 0;
  private last = 0;
  private readonly plain = ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') || process.env.TERM === 'dumb';
  constructor(private readonly enabled: boolean) {}
  show(msg: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (this.active && now - this.last < 100) return;
    this.last = now;
    const width = process.stderr.columns ?? 80;
    const line = msg.slice(0, width - 1);
    process.stderr.write(this.plain ? `\r${line.padEnd(this.shown)}` : `\r\x1b[K${line}`);
    this.shown = line.length;
    this.active = true;
  }
  clear(): void {
    if (this.active) process.stderr.write(this.plain ? `\r${' '.repeat(this.shown)}\r` : '\r\x1b[K');
    this.active = false;
    this.shown = 0;
  }
}

/** `45% (12 generations)` of an input being decoded. */
function traceProgress(done: number, total: number | null, generations: number): string {
  const share = total ? `${Math.floor((done / Math.max(total, 1)) * 100)}%` : formatBytes(done);
  return `${share} (${generations} generation${generations === 1 ? '' : 's'})`;
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim();
}

async function analyzeCommand(specs: string[], flags: AnalyzeFlags, io: Io): Promise<number> {
  const progress = new Progress(!flags.quiet && process.stderr.isTTY === true);
  let packs: SignaturePack[];
  try {
    packs = loadPacks(flags.rules);
    signatureSet({ packs, ignore: flags.ignore });
  } catch (e) {
    io.err(`pprof-diag: ${oneLine(e)}\n`);
    return 2;
  }
  const analyses: InputAnalysis[] = [];
  const errors: ReportedError[] = [];
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const label = specs.length > 1 ? `[${i + 1}/${specs.length}] ` : '';
    progress.show(`${label}reading ${spec}`);
    try {
      // a trace is decoded and analysed a generation at a time as it is read
      const analyzer = new TraceAnalyzer();
      const raw = await readTraceOrBytes(
        spec,
        { seconds: flags.seconds, timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize },
        {
          onTrace: () => {
            if (flags.kind) checkKind('trace', flags.kind);
          },
          onPart: (part) => analyzer.add(part),
          onProgress: (done, total, generations) => progress.show(`${label}decoding ${spec} ${traceProgress(done, total, generations)}`),
        },
      );
      if (raw.type === 'trace') {
        analyses.push(analyzer.finish(raw.name, raw.trace, raw.compressed, { sampleIndex: flags.sampleIndex, top: flags.top }));
        continue;
      }
      progress.show(`${label}decoding ${spec}`);
      analyses.push(
        analyzeInput(
          { name: raw.name, bytes: raw.bytes },
          {
            maxSize: flags.maxSize,
            gunzip: gunzipNode,
            sampleIndex: flags.sampleIndex,
            top: flags.top,
            ...(flags.kind ? { kind: flags.kind } : {}),
            onProgress: (done, total) => progress.show(`${label}decoding ${spec} ${Math.floor((done / Math.max(total, 1)) * 100)}%`),
          },
        ),
      );
    } catch (e) {
      errors.push({ path: spec, message: errorLine(e) });
    }
  }
  progress.clear();
  for (const e of errors) io.err(`pprof-diag: ${e.path}: ${e.message}\n`);
  if ((flags.qps === undefined) !== (flags.latency === undefined)) {
    io.err('pprof-diag: --qps and --latency go together\n');
    return 2;
  }
  const load = flags.qps !== undefined && flags.latency !== undefined ? loadFigures({ ...flags, qps: flags.qps, latency: flags.latency }) : undefined;
  let dbStats: DbStats[] | undefined;
  if (flags.dbStats !== undefined) {
    try {
      const raw = await readInput(flags.dbStats, { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize });
      dbStats = parseDbStats(new TextDecoder().decode(raw.bytes), flags.dbStats);
    } catch (e) {
      io.err(`pprof-diag: --db-stats ${errorLine(e)}\n`);
      return 2;
    }
  }
  const result = diagnoseAnalyses(analyses, errors, { packs, ignore: flags.ignore, ...(load ? { load } : {}), ...(dbStats ? { dbStats } : {}), redact: flags.redact === true });
  const diagnosis = result.diagnosis;
  let report: string | null = null;
  if (flags.format === 'html') {
    const assets = loadViewerAssets();
    if (assets === null) {
      io.err('pprof-diag: the HTML report viewer is not built (run npm run build)\n');
      return 2;
    }
    report = render(result, 'html', { toolVersion: VERSION, assets });
  } else if (flags.format === 'json' || flags.format === 'md' || analyses.length > 0) {
    report = render(result, flags.format, {
      toolVersion: VERSION,
      buckets: flags.buckets,
      frames: flags.frames,
      paint: painter(flags.output === undefined && colorWanted(flags.color, process.stdout)),
    });
  }
  if (report !== null) {
    if (flags.output !== undefined) {
      try {
        writeFileSync(flags.output, report);
      } catch (e) {
        io.err(`pprof-diag: ${flags.output}: ${oneLine(e)}\n`);
        return 2;
      }
    } else io.out(report);
  }
  if (errors.length > 0) return 2;
  if (flags.failOn && diagnosis.findings.some((f) => severityAtLeast(f.severity, flags.failOn!))) return 1;
  return 0;
}

interface DiffFlags {
  format: 'text' | 'json';
  rules: string[];
  ignore: string[];
  top: number;
  timeout: number;
  maxSize: number;
  failOn?: Severity;
  color: boolean;
}

async function diffCommand(before: string, after: string, flags: DiffFlags, io: Io): Promise<number> {
  let set;
  try {
    set = signatureSet({ packs: loadPacks(flags.rules), ignore: flags.ignore });
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const ignored = new Set(flags.ignore);
  const matched = [];
  for (const spec of [before, after]) {
    try {
      const raw = await readInput(spec, { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize });
      const decoded = decode(raw.bytes, { maxDecompressedBytes: flags.maxSize, gunzip: gunzipNode });
      const a = analyzeDecoded(raw.name, decoded);
      if (a.type !== 'profile' || (a.kind !== 'goroutine' && a.kind !== 'goroutineleak')) {
        throw new InputError(`${a.type === 'trace' ? 'an execution trace' : `a ${a.kind} profile`}, but diff compares goroutine snapshots`);
      }
      matched.push({ path: spec, profile: a.profile, m: matchSnapshot(a.profile, set) });
    } catch (e) {
      const known = e instanceof DecodeError || e instanceof InputError;
      io.err(`pprof-diag: ${spec}: ${known ? oneLine(e) : `internal error: ${oneLine(e)}`}\n`);
      return 2;
    }
  }
  // the earlier snapshot first, whatever the command line's order
  const ordered = inTimeOrder(matched);
  if (ordered.note !== null) io.err(`pprof-diag: note: ${ordered.note}\n`);
  const [x, y] = ordered.items as [(typeof matched)[number], (typeof matched)[number]];
  const other = differentPrograms(x.profile, y.profile);
  if (other !== null) io.err(`pprof-diag: note: ${x.path} and ${y.path} are ${other}: the growth below compares two programs, not one process over time\n`);
  before = x.path;
  after = y.path;
  const d = diffSnapshots(x.m, y.m);
  d.findings = d.findings.filter((f) => !ignored.has(f.id));
  if (flags.format === 'json') {
    io.out(JSON.stringify({ schemaVersion: 1, inputs: { before, after }, ...d, buckets: d.buckets.slice(0, flags.top) }, null, 2) + '\n');
  } else {
    const paint = painter(colorWanted(flags.color, process.stdout));
    io.out(paint.bold(`${d.before} → ${d.after} goroutines (${d.delta >= 0 ? '+' : ''}${d.delta})${d.seconds ? ` over ${d.seconds.toFixed(0)} s` : ''}\n`));
    for (const f of d.findings) io.out(`\n${paint.red(f.severity.toUpperCase())} ${paint.bold(f.id)}: ${f.title}\n  ${f.summary}\n`);
    io.out(`\n${paint.bold('groups, most growth first')}\n`);
    for (const g of d.buckets.slice(0, flags.top)) {
      const sign = g.delta > 0 ? '+' : '';
      io.out(`  ${String(g.before).padStart(6)} → ${String(g.after).padStart(6)}  ${(sign + g.delta).padStart(7)}  [${g.waitReason || '?'}] ${g.frames[0]?.function ?? ''}\n`);
    }
  }
  if (flags.failOn && d.findings.some((f) => severityAtLeast(f.severity, flags.failOn!))) return 1;
  return 0;
}

function rulesCommand(flags: { rules: string[]; format: 'text' | 'json' }, io: Io): number {
  const set = signatureSet({ packs: loadPacks(flags.rules) });
  if (flags.format === 'json') {
    io.out(JSON.stringify(set.compiled.map((c) => c.sig), null, 2) + '\n');
    return 0;
  }
  let pack = '';
  for (const c of set.compiled) {
    if (c.sig.pack !== pack) {
      pack = c.sig.pack;
      io.out(`\n${pack}\n`);
    }
    io.out(`  ${c.sig.id.padEnd(40)} ${c.sig.role.padEnd(10)} ${c.sig.description}\n`);
  }
  return 0;
}

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('pprof-diag')
    .description('Reads Go profiles, goroutine dumps and execution traces, and says why the service is stuck.')
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError('(run pprof-diag --help for usage)');

  program
    .command('analyze')
    .description('read profiles, dumps or traces (files, - for stdin, or http://host:port/debug/pprof/... URLs) and print what is in them')
    .argument('<inputs...>', 'files, - for standard input, or URLs of a live /debug/pprof endpoint')
    .addOption(new Option('-f, --format <format>', 'output format (md: Markdown for a ticket; html: one offline file)').choices(['text', 'json', 'md', 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to this file instead of standard output')
    .option('--redact', 'replace file paths, argument values, label values and host names with placeholders (function names stay)')
    .option('-i, --sample-index <type>', 'sample type for the top functions (name such as inuse_space, or its number)')
    .option('--top <n>', 'how many top functions to show', parseCount, 10)
    .option('--buckets <n>', 'how many goroutine groups to show', parseCount, 20)
    .option('--frames <n>', 'frames shown per goroutine group in text output', parseCount, 8)
    .option('--seconds <n>', 'seconds of profiling to ask a live service for (CPU profile, trace)', parsePositive)
    .option('--timeout <seconds>', 'how long to wait for a live service, beyond --seconds', parsePositive, 30)
    .option('--max-size <size>', 'largest input, compressed or decompressed (a decompression bomb stops here)', parseSize, 1024 ** 3)
    .addOption(new Option('--kind <kind>', 'fail unless each input is a profile of this kind').choices(KINDS))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse exists').choices(['warning', 'critical']))
    .option('--rules <file>', 'add a signature pack (JSON, the shape `pprof-diag rules --format json` prints); repeatable', collect, [])
    .option('--ignore <id>', 'silence a signature or finding id; repeatable', collect, [])
    .option('--qps <n>', 'peak queries per second of one instance: pool findings then carry settings', parsePositive)
    .option('--latency <duration>', 'mean time a query holds a connection, with its unit (50ms, 0.05s)', parseSeconds)
    .option('--latency-p99 <duration>', 'the 99th percentile of that time, for the tail', parseSeconds)
    .option('--db-stats <file|url>', "the pool's own figures: db.Stats() as JSON, or an expvar /debug/vars that publishes it")
    .option('--instances <n>', 'instances sharing the database server', parsePositive, 1)
    .option('--pools <n>', 'pools per instance', parsePositive, 1)
    .option('--server-max-connections <n>', "the server's max_connections", parsePositive)
    .option('-q, --quiet', 'no progress output on the terminal')
    .option('--no-color', 'no colour in text output (NO_COLOR is honoured too)')
    .action(async (inputs: string[], flags: AnalyzeFlags) => {
      setCode(await analyzeCommand(inputs, flags, io));
    });

  registerServe(program, io, setCode);

  program
    .command('diff')
    .description('compare two goroutine snapshots of one process: which groups grew, and the leaks growth shows')
    .argument('<before>', 'the earlier snapshot (file, - or URL)')
    .argument('<after>', 'the later snapshot')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--top <n>', 'how many groups to show', parseCount, 15)
    .option('--timeout <seconds>', 'how long to wait for a live service', parsePositive, 30)
    .option('--max-size <size>', 'largest input, compressed or decompressed', parseSize, 1024 ** 3)
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse exists').choices(['warning', 'critical']))
    .option('--rules <file>', 'add a signature pack; repeatable', collect, [])
    .option('--ignore <id>', 'silence a signature or finding id; repeatable', collect, [])
    .option('--no-color', 'no colour in text output')
    .action(async (before: string, after: string, flags: DiffFlags) => {
      setCode(await diffCommand(before, after, flags, io));
    });

  program
    .command('advise')
    .description('compute connection-pool settings (database/sql, pgxpool, go-redis) from load figures, by queueing theory')
    .requiredOption('--qps <n>', 'peak queries per second of one instance', parsePositive)
    .requiredOption('--latency <duration>', 'mean time a query holds a connection, with its unit (50ms, 0.05s)', parseSeconds)
    .option('--latency-p99 <duration>', 'the 99th percentile of that time, for the tail', parseSeconds)
    .option('--instances <n>', 'instances sharing the database server', parsePositive, 1)
    .option('--pools <n>', 'pools per instance (read and write pools count as two)', parsePositive, 1)
    .option('--server-max-connections <n>', "the server's max_connections", parsePositive)
    .option('--reserved-connections <n>', 'connections the server keeps for others (superuser, replication, other clients); default PostgreSQL 3', parseCount)
    .addOption(new Option('--server-kind <kind>', 'the database server').choices(['postgres', 'mysql', 'tidb']).default('postgres'))
    .option('--policy <file>', 'a policy JSON overriding the targets and rules (see src/analyze/pool-policy.json)')
    .option('--db-stats <file|url>', "the pool's own figures to compare with: db.Stats() as JSON, or an expvar /debug/vars that publishes it")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: AdviseFlags) => {
      try {
        setCode(await adviseCommand(flags, io));
      } catch (e) {
        io.err(`pprof-diag: ${errorLine(e)}\n`);
        setCode(2);
      }
    });

  program
    .command('trace-profile')
    .description('write a blocking profile of an execution trace as pprof (.pb.gz), as go tool trace -pprof does')
    .argument('<trace>', 'the execution trace (file, - or URL)')
    .addOption(new Option('--type <type>', 'which waits').choices([...BLOCKING_TYPES]).makeOptionMandatory())
    .requiredOption('-o, --output <file>', 'where to write the profile')
    .option('--timeout <seconds>', 'how long to wait for a live service', parsePositive, 30)
    .option('--max-size <size>', 'largest input, compressed or decompressed', parseSize, 1024 ** 3)
    .option('-q, --quiet', 'no progress output on the terminal')
    .action(async (spec: string, flags: { type: BlockingType; output: string; timeout: number; maxSize: number; quiet?: boolean }) => {
      const progress = new Progress(!flags.quiet && process.stderr.isTTY === true);
      try {
        // read a generation at a time: only the profile's state outlives a generation
        const profiler = new BlockingProfiler(flags.type);
        progress.show(`reading ${spec}`);
        const raw = await readTraceOrBytes(
          spec,
          { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize },
          {
            onPart: (part) => profiler.add(part),
            onProgress: (done, total, generations) => progress.show(`decoding ${spec} ${traceProgress(done, total, generations)}`),
          },
        );
        progress.clear();
        let trace: Trace;
        if (raw.type === 'trace') trace = raw.trace;
        else {
          // not told by its head: the ordinary decoders say what it is
          const d = decode(raw.bytes, { maxDecompressedBytes: flags.maxSize, gunzip: gunzipNode });
          if (d.type !== 'trace') throw new InputError(`a ${d.profile.kind} profile, not an execution trace`);
          profiler.add(d.trace);
          trace = d.trace;
        }
        writeFileSync(flags.output, blockingProfileBytes(trace, profiler.records()));
        for (const w of trace.warnings) io.err(`pprof-diag: ${spec}: warning: ${w}\n`);
        setCode(0);
      } catch (e) {
        progress.clear();
        const known = e instanceof DecodeError || e instanceof InputError;
        io.err(`pprof-diag: ${spec}: ${known ? oneLine(e) : `internal error: ${oneLine(e)}`}\n`);
        setCode(2);
      }
    });

  program
    .command('rules')
    .description('list the signatures pprof-diag matches goroutine stacks against')
    .option('--rules <file>', 'add a signature pack; repeatable', collect, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((flags: { rules: string[]; format: 'text' | 'json' }) => {
      try {
        setCode(rulesCommand(flags, io));
      } catch (e) {
        io.err(`pprof-diag: ${oneLine(e)}\n`);
        setCode(2);
      }
    });

  return program;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  return code;
}
