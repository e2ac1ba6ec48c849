/**
 * The page's worker: decodes and diagnoses with the same pipeline as the command line, off
 * the page's thread, so a large profile does not freeze it. Nothing leaves the browser.
 */
import type { InputAnalysis } from '../../src/analyze/index.js';
import { errorLine } from '../../src/model/errors.js';
import { analyzeInput, diagnoseAnalyses, render, resultMarks, type PipelineInput } from '../../src/pipeline.js';
import { htmlReport, type ViewerAssets } from '../../src/report/html.js';
import type { InputError } from '../../src/report/json.js';
import { reportView } from '../../src/report/view.js';

export interface ToWorker {
  inputs: PipelineInput[];
  redact: boolean;
  toolVersion: string;
  assets: ViewerAssets | null;
}

const scope = self as unknown as { onmessage: (e: MessageEvent<ToWorker>) => void; postMessage: (m: unknown) => void };

scope.onmessage = (e) => {
  const { inputs, redact, toolVersion, assets } = e.data;
  const analyses: InputAnalysis[] = [];
  const errors: InputError[] = [];
  inputs.forEach((input, i) => {
    scope.postMessage({ type: 'progress', text: `reading ${input.name} (${i + 1} of ${inputs.length})` });
    try {
      analyses.push(
        analyzeInput(input, {
          onProgress: (done, total) => scope.postMessage({ type: 'progress', text: `reading ${input.name} (${i + 1} of ${inputs.length}): ${Math.floor((done / Math.max(total, 1)) * 100)}%` }),
        }),
      );
    } catch (err) {
      errors.push({ path: input.name, message: errorLine(err) });
    }
  });
  scope.postMessage({ type: 'progress', text: 'diagnosing' });
  try {
    const r = diagnoseAnalyses(analyses, errors, { redact });
    const view = reportView(r.analyses, r.errors, r.diagnosis, { toolVersion, marks: resultMarks(r), redacted: r.redacted });
    // the view first, so the page draws at once; the exports after it, from the same result
    scope.postMessage({ type: 'view', view });
    scope.postMessage({
      type: 'done',
      json: render(r, 'json', { toolVersion }),
      md: render(r, 'md', { toolVersion }),
      html: assets ? htmlReport(view, assets) : null,
    });
  } catch (err) {
    scope.postMessage({ type: 'error', message: errorLine(err) });
  }
};
