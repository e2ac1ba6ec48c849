/** `pprof-diag serve`: reads the inputs given at start, then serves the page and the API until stopped. */

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { analyzeInput, diagnoseAnalyses, type PipelineInput, type PipelineOptions } from '../pipeline.js';
import { errorLine, messageLine } from '../model/errors.js';
import type { InputAnalysis } from '../analyze/index.js';
import type { InputError as ReportedError } from '../report/json.js';
import { serve, WEB_FILES } from '../server/serve.js';
import { gunzipNode } from './gunzip-node.js';
import { readInput } from './inputs.js';
import { limitsOf, loadPacks, loadViewerAssets, parsePort, parseSize, parseWait, VERSION, type LimitFlags } from './setup.js';
import { collect, type Io } from './terminal.js';
import { lateRequire } from './late-require.js';

export interface ServeFlags extends LimitFlags {
  port: number;
  host: string;
  maxSize: number;
  timeout: number;
  allowFetch?: boolean;
  insecure?: boolean;
  open?: boolean;
  rules: string[];
  ignore: string[];
}

/** Opens the page in the desktop's browser (xdg-open, open, start); says so when there is none. */
function openBrowser(url: string, io: Io): void {
  const cmd = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  try {
    const { spawn } = lateRequire<typeof import('node:child_process')>('node:child_process');
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'ignore', detached: true });
    child.on('error', () => io.err(`pprof-diag: could not open a browser (${cmd[0]}): open ${url} yourself\n`));
    child.unref();
  } catch {
    io.err(`pprof-diag: could not open a browser: open ${url} yourself\n`);
  }
}

/** The in-browser viewer's files, built by `npm run build` into dist/web; none when not built. */
function webFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of WEB_FILES) {
    try {
      files.set(name, readFileSync(new URL(`../web/${name}`, import.meta.url), 'utf8'));
    } catch {
      // not built: the page falls back to the plain form
    }
  }
  return files;
}

export async function serveCommand(inputs: string[], flags: ServeFlags, io: Io, stop: Promise<void>): Promise<number> {
  let pipeline: PipelineOptions;
  try {
    pipeline = { packs: loadPacks(flags.rules), ignore: flags.ignore, gunzip: gunzipNode, maxSize: flags.maxSize, limits: limitsOf(flags) };
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const fetchInput = async (spec: string): Promise<PipelineInput> => {
    const raw = await readInput(spec, { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize, insecure: flags.insecure === true });
    return { name: raw.name, bytes: raw.bytes };
  };
  // the inputs given at start: read once, reported at /report
  const analyses: InputAnalysis[] = [];
  const errors: ReportedError[] = [];
  for (const spec of inputs) {
    try {
      analyses.push(analyzeInput(await fetchInput(spec), pipeline));
    } catch (e) {
      errors.push({ path: spec, message: errorLine(e) });
      io.err(`pprof-diag: ${spec}: ${errorLine(e)}\n`);
    }
  }
  const preloaded = analyses.length > 0 ? diagnoseAnalyses(analyses, errors, pipeline) : null;
  let started;
  try {
    started = await serve({
      host: flags.host,
      port: flags.port,
      maxSize: flags.maxSize,
      allowFetch: flags.allowFetch === true,
      toolVersion: VERSION,
      assets: loadViewerAssets(),
      pipeline,
      preloaded,
      fetchInput,
      webFiles: webFiles(),
    });
  } catch (e) {
    io.err(`pprof-diag: cannot listen on ${flags.host}:${flags.port}: ${messageLine(e)}\n`);
    return 2;
  }
  if (flags.open) openBrowser(started.url, io);
  io.out(`pprof-diag ${VERSION} serving on ${started.url}${preloaded ? ` (the report of the ${analyses.length} input${analyses.length === 1 ? '' : 's'} given: ${started.url}report)` : ''}\n`);
  await stop;
  await new Promise<void>((resolve) => started.server.close(() => resolve()));
  return 0;
}

/** The `serve` command and its options, on the program. */
export function registerServe(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('serve')
    .description('serve the upload page and the HTTP API (POST /api/analyze) on this machine')
    .argument('[inputs...]', 'files or live URLs read at start, their report at /report')
    .option('--port <n>', 'port to listen on (0: any free one)', parsePort, 7070)
    .option('--host <address>', 'address to listen on (loopback unless told otherwise)', '127.0.0.1')
    .option('--max-size <size>', 'largest upload or input, compressed or decompressed (1GiB, 64MB …)', parseSize, 1024 ** 3)
    .option('--timeout <seconds>', 'how long to wait for a live service', parseWait, 30)
    .option('--insecure', 'accept a live service\'s TLS certificate that cannot be verified (self-signed, unknown authority)')
    .option('--allow-fetch', 'let requests name URLs for the server to fetch (off: it never fetches on a request’s behalf)')
    .option('--open', 'open the page in the desktop’s browser')
    .option('--rules <file>', 'add a signature pack; repeatable', collect, [])
    .option('--ignore <id>', 'silence a signature or finding id; repeatable', collect, [])
    .action(async (inputs: string[], flags: ServeFlags) => {
      const stop = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      setCode(await serveCommand(inputs, flags, io, stop));
    });
}
