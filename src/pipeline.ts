/**
 * The one pipeline every caller runs — the command line, the server, the page and the library
 * API: inputs as named bytes and options in; the inputs' analyses, the diagnosis and a report
 * in the form asked for out. Platform-neutral (no node: imports), so the browser runs it as is.
 *
 *   import { analyze, render } from 'pprof-diag';
 *   const result = analyze([{ name: 'goroutine.pb.gz', bytes }]);
 *   console.log(result.diagnosis.verdict, render(result, 'md', { toolVersion: '1' }));
 */

import { diagnose, signatureSet, type Diagnosis } from './analyze/diagnose.js';
import { viewMarks, type ViewMarks } from './analyze/sample-marks.js';
import { analyzeDecoded, checkSampleIndexFits, TraceAnalyzer, type AnalyzeOptions, type InputAnalysis } from './analyze/index.js';
import type { LoadFigures } from './analyze/pool-advisor.js';
import type { DbStats } from './analyze/db-stats.js';
import { checkKind, decode, decodeContent, expectKind, inflateInput, type Content, type DecodeOptions, type Decoded } from './decode/index.js';
import { checkProfileLimits } from './decode/limits.js';
import type { Gunzip } from './decode/gzip.js';
import { isTrace, TraceStreamDecoder } from './decode/trace/index.js';
import { errorLine, type DecodeLimits } from './model/errors.js';
import type { ProfileKind } from './model/profile.js';
import { htmlReport, type ViewerAssets } from './report/html.js';
import { jsonReport, type InputError } from './report/json.js';
import { markdownReport } from './report/markdown.js';
import { REDACTION_NOTE, redactReport } from './report/redact.js';
import { plain, textReport, type Paint } from './report/text.js';
import { reportView, type ReportView } from './report/view.js';
import type { SignaturePack } from './signatures/types.js';

export interface PipelineInput {
  /** What the reports call the input: a file name, a URL, `<stdin>`, `pasted text`. */
  name: string;
  bytes: Uint8Array;
}

export interface PipelineOptions {
  /** The sample type top lists use (`inuse_space`, or its index). */
  sampleIndex?: string;
  top?: number;
  /** Refuse inputs that are not of this kind. */
  kind?: ProfileKind;
  /** Ceiling for decompressed sizes, in bytes. */
  maxSize?: number;
  /** The other bounds on an input (samples, locations, string length, stack depth, labels). */
  limits?: Partial<DecodeLimits>;
  /** gzip implementation (node's zlib is faster than the default). */
  gunzip?: Gunzip;
  /** Extra signature packs, and signature or finding ids to silence. */
  packs?: SignaturePack[];
  ignore?: string[];
  /** Load figures for pool settings. */
  load?: LoadFigures;
  /** The pool's own figures (db.Stats() JSON, expvar), compared with the advice. */
  dbStats?: DbStats[];
  /** Replace paths, argument and label values, hosts and input names by placeholders. */
  redact?: boolean;
  /** Progress of a long decode, in bytes. */
  onProgress?: (done: number, total: number) => void;
}

export interface PipelineResult {
  analyses: InputAnalysis[];
  /** One line per input that could not be read; the others are analysed all the same. */
  errors: InputError[];
  diagnosis: Diagnosis;
  redacted: boolean;
  /** The signatures the diagnosis used (built-in packs, the options' packs, less the ignored). */
  packs: SignaturePack[];
  ignore: string[];
}

/**
 * Decodes and analyses one input; throws a DecodeError (or UsageError) for bad input. A trace
 * is decoded and analysed a generation at a time, as the command line streams it, so that its
 * rows are never all held at once.
 */
export function analyzeInput(input: PipelineInput, opts: PipelineOptions = {}): InputAnalysis {
  const read = readInput(input, opts);
  return 'analysis' in read ? read.analysis : analyzeDecodedInput(input.name, read.decoded, opts, false);
}

/**
 * An input read, within the options' limits: a trace analysed as it is decoded, a generation at
 * a time; anything else decoded, for a caller that shows it before its analysis (the page draws
 * a profile's flame graph, earlyFlame): analyzeDecodedInput(name, decoded, opts, false) goes on.
 */
export function readInput(input: PipelineInput, opts: PipelineOptions = {}): { analysis: InputAnalysis } | { decoded: Decoded } {
  const d = decodeOptions(opts);
  const content = inflateInput(input.bytes, d);
  if (isTrace(content.bytes)) return { analysis: analyzeTraceContent(input.name, content, opts) };
  return { decoded: decodeContent(content, d) };
}

/** Trace content fed to the decoder in steps, each generation's rows analysed and let go. */
const TRACE_STEP = 1 << 20;

function analyzeTraceContent(name: string, { bytes, compressed }: Content, opts: PipelineOptions): InputAnalysis {
  if (opts.kind) checkKind('trace', opts.kind);
  const a = new TraceAnalyzer();
  const onProgress = opts.onProgress;
  const d = new TraceStreamDecoder({ onPart: (part) => a.add(part), ...(onProgress ? { onGeneration: (end: number) => onProgress(end, bytes.length) } : {}) });
  for (let at = 0; at < bytes.length; at += TRACE_STEP) d.push(bytes.subarray(at, at + TRACE_STEP));
  d.end();
  onProgress?.(bytes.length, bytes.length);
  return a.finish(name, d.result(), compressed, analyzeOptions(opts));
}

/** The input decoded, within the options' limits (checked here); a trace whole. */
export function decodeInput(input: PipelineInput, opts: PipelineOptions = {}): Decoded {
  return decode(input.bytes, decodeOptions(opts));
}

/** The pipeline's options as the decoders take them. */
function decodeOptions(opts: PipelineOptions): DecodeOptions {
  return {
    ...opts.limits,
    ...(opts.maxSize !== undefined ? { maxDecompressedBytes: opts.maxSize } : {}),
    ...(opts.gunzip ? { gunzip: opts.gunzip } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
}

/** The pipeline's options as the analyses take them. */
function analyzeOptions(opts: PipelineOptions): AnalyzeOptions {
  return { ...(opts.sampleIndex !== undefined ? { sampleIndex: opts.sampleIndex } : {}), ...(opts.top !== undefined ? { top: opts.top } : {}) };
}

/**
 * An input already decoded (a caller that streamed it), checked and analysed as analyzeInput
 * does: the profile limits (unless decode checked them), the kind asked for, then the analysis.
 */
export function analyzeDecodedInput(name: string, decoded: Decoded, opts: PipelineOptions = {}, checkLimits = true): InputAnalysis {
  if (checkLimits && decoded.type === 'profile') checkProfileLimits(decoded.profile, opts.limits);
  if (opts.kind) expectKind(decoded, opts.kind);
  return analyzeDecoded(name, decoded, analyzeOptions(opts));
}

/** The diagnosis of inputs already analysed (a caller that streamed a trace analyses it itself). */
export function diagnoseAnalyses(analyses: InputAnalysis[], errors: InputError[], opts: PipelineOptions = {}): PipelineResult {
  const packs = opts.packs ?? [];
  const ignore = opts.ignore ?? [];
  let diagnosis = diagnose(analyses, { packs, ignore, ...(opts.load ? { load: opts.load } : {}), ...(opts.dbStats ? { dbStats: opts.dbStats } : {}) });
  if (!opts.redact) return { analyses, errors, diagnosis, redacted: false, packs, ignore };
  const r = redactReport(analyses, diagnosis, errors);
  diagnosis = r.diagnosis;
  return { analyses: r.analyses, errors: r.errors, diagnosis, redacted: true, packs, ignore };
}

/**
 * Every input decoded and analysed (a bad one becomes its line in `errors`), then diagnosed
 * together. Throws a UsageError when `sampleIndex` fits none of the profiles.
 */
export function analyze(inputs: PipelineInput[], opts: PipelineOptions = {}): PipelineResult {
  const analyses: InputAnalysis[] = [];
  const errors: InputError[] = [];
  for (const input of inputs) {
    try {
      analyses.push(analyzeInput(input, opts));
    } catch (e) {
      errors.push({ path: input.name, message: errorLine(e) });
    }
  }
  checkSampleIndexFits(analyses, opts.sampleIndex);
  return diagnoseAnalyses(analyses, errors, opts);
}

export type ReportFormat = 'text' | 'json' | 'md' | 'html';

/** Goroutine groups a text or JSON report lists unless told otherwise (`--buckets`). */
export const DEFAULT_BUCKETS = 20;

export interface RenderOptions {
  toolVersion: string;
  /** Goroutine groups shown (text, JSON; default DEFAULT_BUCKETS) and frames per group (text). */
  buckets?: number;
  frames?: number;
  /** Markdown: evidence stacks folded into `<details>`, and the most characters (src/report/markdown.ts). */
  markdown?: { details?: boolean; limit?: number };
  /** Colours for text; plain when absent. */
  paint?: Paint;
  /** The viewer's script and styles, for HTML. */
  assets?: ViewerAssets;
}

/** The report of a result, in one of the four forms; byte for byte what every caller writes. */
export function render(r: PipelineResult, format: ReportFormat, o: RenderOptions): string {
  const { analyses, errors, diagnosis, redacted } = r;
  switch (format) {
    case 'json':
      return jsonReport(analyses, errors, { toolVersion: o.toolVersion, buckets: o.buckets ?? DEFAULT_BUCKETS, diagnosis, redacted });
    case 'md':
      return markdownReport(analyses, errors, { toolVersion: o.toolVersion, diagnosis, redacted, ...o.markdown });
    case 'html': {
      if (!o.assets) throw new Error('the HTML report needs the viewer assets');
      return htmlReport(resultView(r, o), o.assets);
    }
    case 'text':
      if (analyses.length === 0) return '';
      return (redacted ? `${REDACTION_NOTE}\n\n` : '') + textReport(analyses, [], { paint: o.paint ?? plain, buckets: o.buckets ?? DEFAULT_BUCKETS, frames: o.frames ?? 8, diagnosis });
  }
}

/** What the HTML report and the page draw of a result. */
export function resultView(r: PipelineResult, o: { toolVersion: string }): ReportView {
  return reportView(r.analyses, r.errors, r.diagnosis, { toolVersion: o.toolVersion, marks: resultMarks(r), redacted: r.redacted });
}

/** What a report of the result shows beside its data: the analysis's marks per profile and group. */
export function resultMarks(r: PipelineResult): ViewMarks {
  return viewMarks(r.analyses, r.diagnosis, signatureSet({ packs: r.packs, ignore: r.ignore }));
}
