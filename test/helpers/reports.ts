/** Reports of real inputs, built the way the CLI builds them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { diagnose, signatureSet } from '../../src/analyze/diagnose.js';
import { analyzeDecoded, type InputAnalysis } from '../../src/analyze/index.js';
import { decode } from '../../src/decode/index.js';
import { htmlReport, type ViewerAssets } from '../../src/report/html.js';
import { markdownReport } from '../../src/report/markdown.js';
import { reportView } from '../../src/report/view.js';
import { viewMarks } from '../../src/analyze/sample-marks.js';
import { repoRoot } from './corpus.js';

export function viewerAssets(): ViewerAssets {
  // written by `npm run build` (web/build.mjs), which `npm test` runs first
  return JSON.parse(readFileSync(path.join(repoRoot, 'dist', 'web', 'viewer-assets.json'), 'utf8')) as ViewerAssets;
}

export function reportsOf(inputs: { name: string; bytes: Uint8Array }[]) {
  const analyses: InputAnalysis[] = inputs.map((i) => analyzeDecoded(i.name, decode(i.bytes)));
  const diagnosis = diagnose(analyses);
  const md = markdownReport(analyses, [], { toolVersion: 'test', diagnosis });
  const mdDetails = markdownReport(analyses, [], { toolVersion: 'test', diagnosis, details: true });
  const view = reportView(analyses, [], diagnosis, { toolVersion: 'test', marks: viewMarks(analyses, diagnosis, signatureSet()) });
  return { analyses, diagnosis, md, mdDetails, view, html: htmlReport(view, viewerAssets()) };
}

export function reportsOfFiles(files: string[]) {
  return reportsOf(files.map((f) => ({ name: path.relative(repoRoot, f), bytes: new Uint8Array(readFileSync(f)) })));
}
