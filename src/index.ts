/**
 * pprof-diag as a library: the same pipeline the command line runs, and the pieces a tool
 * builder needs (decoders, the diagnosis, the report writers). Platform-neutral: it runs in
 * Node and, bundled, in a browser.
 *
 *   import { analyze, render } from 'pprof-diag';
 *   const result = analyze([{ name: 'goroutine.pb.gz', bytes }]);
 *   result.diagnosis.verdict;                        // one line
 *   render(result, 'md', { toolVersion: 'x' });      // a Markdown report for a ticket
 */

export { analyze, analyzeInput, diagnoseAnalyses, render } from './pipeline.js';
export type { PipelineInput, PipelineOptions, PipelineResult, ReportFormat, RenderOptions } from './pipeline.js';
export { decode, sniff, type Decoded } from './decode/index.js';
export { unpaste } from './decode/paste.js';
export { DecodeError, UsageError, errorLine } from './model/errors.js';
export { diagnose, type Diagnosis } from './analyze/diagnose.js';
export { analyzeDecoded, type InputAnalysis, type ProfileAnalysis, type TraceAnalysis } from './analyze/index.js';
export type { Finding, EvidenceStack, Holder, Severity } from './analyze/findings.js';
export { advisePool, type LoadFigures } from './analyze/pool-advisor.js';
export { jsonReport, SCHEMA_VERSION } from './report/json.js';
export { markdownReport } from './report/markdown.js';
export { textReport, plain } from './report/text.js';
export { builtinPacks } from './signatures/builtin.js';
export type { Signature, SignaturePack, FindingSpec } from './signatures/types.js';
export type { Profile, ProfileKind, RuntimeVerdict } from './model/profile.js';
