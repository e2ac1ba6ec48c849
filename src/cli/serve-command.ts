/** `pprof-diag serve`: reads the inputs given at start, then serves the page and the API until stopped. */

import { analyzeInput, diagnoseAnalyses, type PipelineInput, type PipelineOptions } from '../pipeline.js';
import { errorLine } from '../model/errors.js';
import type { InputAnalysis } from '../analyze/index.js';
import type { InputError as ReportedError } from '../report/json.js';
import { serve } from '../server/serve.js';
import { gunzipNode } from './gunzip-node.js';
import { readInput } from './inputs.js';
import { loadPacks, loadViewerAssets, VERSION } from './setup.js';

export interface ServeFlags {
  port: number;
  host: string;
  maxSize: number;
  timeout: number;
  allowFetch?: boolean;
  rules: string[];
  ignore: string[];
}

export interface ServeIo {
  out(s: string): void;
  err(s: string): void;
}

export async function serveCommand(inputs: string[], flags: ServeFlags, io: ServeIo, stop: Promise<void>): Promise<number> {
  let pipeline: PipelineOptions;
  try {
    pipeline = { packs: loadPacks(flags.rules), ignore: flags.ignore, gunzip: gunzipNode, maxSize: flags.maxSize };
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const fetchInput = async (spec: string): Promise<PipelineInput> => {
    const raw = await readInput(spec, { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize });
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
    });
  } catch (e) {
    io.err(`pprof-diag: cannot listen on ${flags.host}:${flags.port}: ${errorLine(e).replace(/^internal error: /, '')}\n`);
    return 2;
  }
  io.out(`pprof-diag ${VERSION} serving on ${started.url}${preloaded ? ` (the report of the ${analyses.length} input${analyses.length === 1 ? '' : 's'} given: ${started.url}report)` : ''}\n`);
  await stop;
  await new Promise<void>((resolve) => started.server.close(() => resolve()));
  return 0;
}
