/** `pprof-diag analyze`: read the inputs, then the one pipeline call, then the report. */

import { signatureSet } from '../analyze/diagnose.js';
import { analyzeDecodedInput, analyzeInput, diagnoseAnalyses, render } from '../pipeline.js';
import { errorLine } from '../model/errors.js';
import type { DbStats } from '../analyze/db-stats.js';
import { severityAtLeast, type Severity } from '../analyze/findings.js';
import { checkSampleIndexFits, TraceAnalyzer, type InputAnalysis } from '../analyze/index.js';
import type { SignaturePack } from '../signatures/types.js';
import { checkKind } from '../decode/index.js';
import { formatSize } from '../model/units.js';
import type { ProfileKind } from '../model/profile.js';
import type { InputError as ReportedError } from '../report/json.js';
import { gunzipNode } from './gunzip-node.js';
import { limitsOf, loadPacks, loadViewerAssets, VERSION, type LimitFlags } from './setup.js';
import { loadFigures, readDbStats } from './advise-command.js';
import { PPROF_PIECES_FROM, readTraceOrBytes } from './trace-input.js';
import { takesSecondsOption, writeOutput } from './inputs.js';
import { Progress, painter, colorWanted, traceProgress, type Io } from './terminal.js';

export interface AnalyzeFlags extends LimitFlags {
  format: 'text' | 'json' | 'md' | 'html';
  output?: string;
  redact?: boolean;
  sampleIndex?: string;
  top: number;
  buckets: number;
  frames: number;
  mdDetails?: boolean;
  mdLimit: number;
  seconds?: number;
  timeout: number;
  maxSize: number;
  insecure?: boolean;
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

/** An option given for inputs of a kind none of the inputs is: what to tell the user, or null. */
function optionsFitNone(specs: string[], flags: AnalyzeFlags): string | null {
  if (flags.seconds !== undefined && !specs.some(takesSecondsOption)) {
    return '--seconds is for live CPU profile and trace endpoints (http://…/debug/pprof/profile, …/trace), and no input is one';
  }
  return null;
}

/** What is wrong with the load figures given together, or null. */
function loadFlagsMistake(flags: AnalyzeFlags): string | null {
  if ((flags.qps === undefined) !== (flags.latency === undefined)) return '--qps and --latency go together';
  if (flags.latencyP99 !== undefined && flags.latency === undefined) return '--latency-p99 needs --qps and --latency';
  if (flags.latencyP99 !== undefined && flags.latency !== undefined && flags.latencyP99 < flags.latency) return 'the p99 latency cannot be below the mean latency';
  return null;
}

export async function analyzeCommand(specs: string[], flags: AnalyzeFlags, io: Io): Promise<number> {
  const progress = new Progress(!flags.quiet && process.stderr.isTTY === true);
  let packs: SignaturePack[];
  try {
    packs = loadPacks(flags.rules);
    signatureSet({ packs, ignore: flags.ignore });
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const misfit = optionsFitNone(specs, flags);
  if (misfit !== null) {
    io.err(`pprof-diag: ${misfit}\n`);
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
        { seconds: flags.seconds, timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize, insecure: flags.insecure === true, maxGenerationBytes: flags.maxGenerationSize, maxRatio: flags.maxRatio },
        {
          onTrace: () => {
            if (flags.kind) checkKind('trace', flags.kind);
          },
          onPart: (part) => analyzer.add(part),
          onProgress: (done, total, generations) => progress.show(`${label}decoding ${spec} ${traceProgress(done, total, generations)}`),
          // a goroutine dump (debug=1 or debug=2) is decoded as it is read too
          streamDumps: true,
          // and a large gzip'd pprof profile from its pieces
          streamPprofFrom: PPROF_PIECES_FROM,
          onDumpProgress: (done, total) => progress.show(`${label}decoding ${spec} ${total ? `${Math.floor((done / Math.max(total, 1)) * 100)}%` : formatSize(done)}`),
        },
      );
      if (raw.type === 'trace') {
        analyses.push(analyzer.finish(raw.name, raw.trace, raw.compressed, { sampleIndex: flags.sampleIndex, top: flags.top }));
        continue;
      }
      if (raw.type === 'profile') {
        const decoded = { type: 'profile' as const, profile: raw.profile, compressed: raw.compressed };
        analyses.push(analyzeDecodedInput(raw.name, decoded, { limits: limitsOf(flags), sampleIndex: flags.sampleIndex, top: flags.top, ...(flags.kind ? { kind: flags.kind } : {}) }));
        continue;
      }
      progress.show(`${label}decoding ${spec}`);
      analyses.push(
        analyzeInput(
          { name: raw.name, bytes: raw.bytes },
          {
            maxSize: flags.maxSize,
            limits: limitsOf(flags),
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
  try {
    checkSampleIndexFits(analyses, flags.sampleIndex);
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const loadMistake = loadFlagsMistake(flags);
  if (loadMistake !== null) {
    io.err(`pprof-diag: ${loadMistake}\n`);
    return 2;
  }
  const load = flags.qps !== undefined && flags.latency !== undefined ? loadFigures({ ...flags, qps: flags.qps, latency: flags.latency }) : undefined;
  let dbStats: DbStats[] | undefined;
  if (flags.dbStats !== undefined) {
    try {
      dbStats = await readDbStats(flags.dbStats, { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize, insecure: flags.insecure === true });
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
      markdown: { details: flags.mdDetails ?? false, limit: flags.mdLimit },
      paint: painter(flags.output === undefined && colorWanted(flags.color, process.stdout)),
    });
  }
  if (report !== null) {
    if (flags.output !== undefined) {
      try {
        writeOutput(flags.output, report);
      } catch (e) {
        io.err(`pprof-diag: ${errorLine(e)}\n`);
        return 2;
      }
    } else io.out(report);
  }
  if (errors.length > 0) return 2;
  if (flags.failOn && diagnosis.findings.some((f) => severityAtLeast(f.severity, flags.failOn!))) return 1;
  return 0;
}
