/**
 * The `pprof-diag` command line. Exit codes: 0 done, 1 a finding at or above --fail-on,
 * 2 a usage or input error (with one line on stderr per bad input; good inputs still report).
 */

import { Command, CommanderError, Option } from 'commander';
import { BLOCKING_TYPES } from '../analyze/trace/blocking.js';
import { errorLine } from '../model/errors.js';
import { DEFAULT_BUCKETS } from '../pipeline.js';
import type { ProfileKind } from '../model/profile.js';
import { adviseCommand, parseSeconds, type AdviseFlags } from './advise-command.js';
import { analyzeCommand, type AnalyzeFlags } from './analyze-command.js';
import { diffCommand, type DiffFlags } from './diff-command.js';
import { registerFleet } from './fleet-command.js';
import { rulesCommand } from './rules-command.js';
import { registerServe } from './serve-command.js';
import { addLimitOptions, parseAtLeastOne, parseCount, parsePositive, parseSize, parseWait, VERSION } from './setup.js';
import { collect, type Io } from './terminal.js';
import { traceProfileCommand, type TraceProfileFlags } from './trace-profile-command.js';

export type { Io } from './terminal.js';

const KINDS: ProfileKind[] = ['goroutine', 'goroutineleak', 'heap', 'allocs', 'cpu', 'block', 'mutex', 'threadcreate', 'trace'];

/** The standard streams written so far (each made only once written to: making one costs a millisecond). */
const written = new Set<NodeJS.WriteStream>();

/** `stream`, which a reader that goes away (`pprof-diag … | head`) ends quietly. */
function opened(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!written.has(stream)) {
    written.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return stream;
}

const defaultIo: Io = {
  out: (s) => opened(process.stdout).write(s),
  err: (s) => opened(process.stderr).write(s),
};

/** Whether output written is still on its way (to a slow pipe): then the process waits for it before it ends. */
export function outputPending(): boolean {
  for (const s of written) if (s.writableLength > 0) return true;
  return false;
}

/** A usage error of the parser as one line: `pprof-diag: option '--qps <n>' argument '-1' is invalid: …`. */
function usageLine(str: string): string {
  const msg = str.replace(/^error:\s*/, '').trim().replace(/\s*\n\s*\(Did you mean/g, ' (did you mean').replace(/\.?\s*\n\s*/g, '; ').replace(/ is invalid\. /, ' is invalid: ').replace(/\.$/, '');
  return `pprof-diag: ${msg} (see --help)\n`;
}

/**
 * The parser of the command line. Given `only`, the name of one of its commands, it holds that
 * command alone: a run needs the parser of its own command, and making all of them takes a few
 * milliseconds of every run's start.
 */
export function buildProgram(io: Io, setCode: (code: number) => void, only?: string): Command {
  const program = new Command();
  program
    .name('pprof-diag')
    .description('Reads Go profiles, goroutine dumps and execution traces, and says why the service is stuck.')
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (str, write) => write(usageLine(str)) })
    .exitOverride();

  const one = only !== undefined && Object.hasOwn(COMMANDS, only) ? COMMANDS[only] : undefined;
  for (const register of one !== undefined ? [one] : Object.values(COMMANDS)) register(program, io, setCode);
  for (const c of program.commands) if (['analyze', 'diff', 'trace-profile', 'serve'].includes(c.name())) addLimitOptions(c);
  return program;
}

/** Each command's making, in the order help lists them. */
const COMMANDS: Record<string, (program: Command, io: Io, setCode: (code: number) => void) => void> = {
  analyze: registerAnalyze,
  serve: registerServe,
  fleet: registerFleet,
  diff: registerDiff,
  advise: registerAdvise,
  'trace-profile': registerTraceProfile,
  rules: registerRules,
};

/** `analyze`: profiles, dumps and traces to a report. */
function registerAnalyze(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('analyze')
    .description('read profiles, dumps or traces (files, - for stdin, or http://host:port/debug/pprof/... URLs) and print what is in them')
    .argument('<inputs...>', 'files, - for standard input, or URLs of a live /debug/pprof endpoint')
    .addOption(new Option('-f, --format <format>', 'output format (md: Markdown for a ticket; html: one offline file)').choices(['text', 'json', 'md', 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to this file instead of standard output')
    .option('--redact', 'replace file paths, argument values, label values and host names with placeholders (function names stay)')
    .option('-i, --sample-index <type>', 'sample type for the top functions (name such as inuse_space, or its number)')
    .option('--top <n>', 'how many top functions to show', parseCount, 10)
    .option('--buckets <n>', 'how many goroutine groups to show', parseCount, DEFAULT_BUCKETS)
    .option('--frames <n>', 'frames shown per goroutine group in text output', parseCount, 8)
    .option('--md-details', 'Markdown: fold each evidence stack into <details> (GitHub, GitLab; not Jira)')
    .option('--md-limit <chars>', 'Markdown: most characters, shortened to fit (65536: a GitHub comment; 32767 for Jira)', parseCount, 65_536)
    .option('--seconds <n>', 'seconds of profiling to ask a live service for (CPU profile, trace)', parseWait)
    .option('--timeout <seconds>', 'how long to wait for a live service, beyond --seconds', parseWait, 30)
    .option('--max-size <size>', 'largest input, compressed or decompressed (a decompression bomb stops here)', parseSize, 1024 ** 3)
    .option('--insecure', 'accept a live service\'s TLS certificate that cannot be verified (self-signed, unknown authority)')
    .addOption(new Option('--kind <kind>', 'fail unless each input is a profile of this kind').choices(KINDS))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse exists').choices(['warning', 'critical']))
    .option('--rules <file>', 'add a signature pack (JSON, the shape `pprof-diag rules --format json` prints); repeatable', collect, [])
    .option('--ignore <id>', 'silence a signature or finding id; repeatable', collect, [])
    .option('--qps <n>', 'peak queries per second of one instance: pool findings then carry settings', parsePositive)
    .option('--latency <duration>', 'mean time a query holds a connection, with its unit (50ms, 0.05s)', parseSeconds)
    .option('--latency-p99 <duration>', 'the 99th percentile of that time, for the tail', parseSeconds)
    .option('--db-stats <file|url>', "the pool's own figures: db.Stats() as JSON, or an expvar /debug/vars that publishes it")
    .option('--instances <n>', 'instances sharing the database server', parseAtLeastOne, 1)
    .option('--pools <n>', 'pools per instance', parseAtLeastOne, 1)
    .option('--server-max-connections <n>', "the server's max_connections", parseAtLeastOne)
    .option('-q, --quiet', 'no progress output on the terminal')
    .option('--no-color', 'no colour in text output (NO_COLOR is honoured too)')
    .action(async (inputs: string[], flags: AnalyzeFlags) => {
      setCode(await analyzeCommand(inputs, flags, io));
    });
}

/** `diff`: two goroutine snapshots compared. */
function registerDiff(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('diff')
    .description('compare two goroutine snapshots of one process: which groups grew, and the leaks growth shows')
    .argument('<before>', 'the earlier snapshot (file, - or URL)')
    .argument('<after>', 'the later snapshot')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--top <n>', 'how many groups to show', parseCount, 15)
    .option('--timeout <seconds>', 'how long to wait for a live service', parseWait, 30)
    .option('--max-size <size>', 'largest input, compressed or decompressed', parseSize, 1024 ** 3)
    .option('--insecure', 'accept a live service\'s TLS certificate that cannot be verified (self-signed, unknown authority)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse exists').choices(['warning', 'critical']))
    .option('--rules <file>', 'add a signature pack; repeatable', collect, [])
    .option('--ignore <id>', 'silence a signature or finding id; repeatable', collect, [])
    .option('--no-color', 'no colour in text output')
    .action(async (before: string, after: string, flags: DiffFlags) => {
      setCode(await diffCommand(before, after, flags, io));
    });
}

/** `advise`: connection-pool settings from load figures. */
function registerAdvise(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('advise')
    .description('compute connection-pool settings (database/sql, pgxpool, go-redis) from load figures, by queueing theory')
    .requiredOption('--qps <n>', 'peak queries per second of one instance', parsePositive)
    .requiredOption('--latency <duration>', 'mean time a query holds a connection, with its unit (50ms, 0.05s)', parseSeconds)
    .option('--latency-p99 <duration>', 'the 99th percentile of that time, for the tail', parseSeconds)
    .option('--instances <n>', 'instances sharing the database server', parseAtLeastOne, 1)
    .option('--pools <n>', 'pools per instance (read and write pools count as two)', parseAtLeastOne, 1)
    .option('--server-max-connections <n>', "the server's max_connections", parseAtLeastOne)
    .option('--reserved-connections <n>', 'connections the server keeps for others (superuser, replication, other clients); default PostgreSQL 3', parseCount)
    .addOption(new Option('--server-kind <kind>', 'the database server').choices(['postgres', 'mysql', 'tidb']).default('postgres'))
    .option('--policy <file>', 'a policy JSON overriding the targets and rules (see src/analyze/pool-policy.json)')
    .option('--db-stats <file|url>', "the pool's own figures to compare with: db.Stats() as JSON, or an expvar /debug/vars that publishes it")
    .option('--insecure', 'accept the --db-stats service\'s TLS certificate that cannot be verified')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: AdviseFlags) => {
      try {
        setCode(await adviseCommand(flags, io));
      } catch (e) {
        io.err(`pprof-diag: ${errorLine(e)}\n`);
        setCode(2);
      }
    });
}

/** `trace-profile`: a blocking profile of a trace, as pprof. */
function registerTraceProfile(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('trace-profile')
    .description('write a blocking profile of an execution trace as pprof (.pb.gz), as go tool trace -pprof does')
    .argument('<trace>', 'the execution trace (file, - or URL)')
    .addOption(new Option('--type <type>', 'which waits').choices([...BLOCKING_TYPES]).makeOptionMandatory())
    .requiredOption('-o, --output <file>', 'where to write the profile')
    .option('--timeout <seconds>', 'how long to wait for a live service', parseWait, 30)
    .option('--max-size <size>', 'largest input, compressed or decompressed', parseSize, 1024 ** 3)
    .option('--insecure', 'accept a live service\'s TLS certificate that cannot be verified (self-signed, unknown authority)')
    .option('-q, --quiet', 'no progress output on the terminal')
    .action(async (spec: string, flags: TraceProfileFlags) => setCode(await traceProfileCommand(spec, flags, io)));
}

/** `rules`: the signatures listed. */
function registerRules(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('rules')
    .description('list the signatures pprof-diag matches goroutine stacks against')
    .option('--rules <file>', 'add a signature pack; repeatable', collect, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((flags: { rules: string[]; format: 'text' | 'json' }) => {
      try {
        setCode(rulesCommand(flags, io));
      } catch (e) {
        io.err(`pprof-diag: ${errorLine(e)}\n`);
        setCode(2);
      }
    });
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    argv[2],
  );
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
