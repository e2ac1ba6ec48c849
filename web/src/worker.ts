/**
 * The page's worker: decodes and diagnoses with the same pipeline as the command line, off
 * the page's thread, so a large profile does not freeze it. Nothing leaves the browser.
 */
import type { InputAnalysis } from '../../src/analyze/index.js';
import { concatBytes, gunzipPako, gzipStatedSize, isGzip, pastRatio, type Gunzip } from '../../src/decode/gzip.js';
import { defaultLimits, errorLine } from '../../src/model/errors.js';
import { analyzeDecodedInput, decodeInput, diagnoseAnalyses, render, resultView, type PipelineInput } from '../../src/pipeline.js';
import { htmlReport, type ViewerAssets } from '../../src/report/html.js';
import { earlyFlame } from '../../src/report/view.js';
import type { InputError } from '../../src/report/json.js';

export interface ToWorker {
  inputs: PipelineInput[];
  redact: boolean;
  toolVersion: string;
  assets: ViewerAssets | null;
}

/** The page has painted the early flame graph. */
export interface Painted {
  painted: true;
}

const scope = self as unknown as { onmessage: (e: MessageEvent<ToWorker | Painted>) => void | Promise<void>; postMessage: (m: unknown) => void };

let onPainted: (() => void) | null = null;

/**
 * Until the page has painted the early flame graph (or a second has passed: a hidden page paints
 * nothing), so that on a machine of few cores the diagnosis does not take the CPU from the paint
 * of the graph it is there to show sooner.
 */
function painted(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(), 1000);
    const done = (): void => {
      clearTimeout(timer);
      onPainted = null;
      resolve();
    };
    onPainted = done;
  });
}

/**
 * gzip undone ahead by the browser's own DecompressionStream (much faster than the portable
 * inflate), stopped at the size ceiling; the pipeline then takes the result through its gunzip
 * option, so it decodes exactly as it would have. A damaged or oversized stream is left to the
 * pipeline's own inflate, which says what is wrong with it. The pieces go straight into one
 * buffer of the size the trailer states, when that is within the limits, rather than into a list
 * joined at the end (a second copy as large as the profile).
 */
async function inflateAhead(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array | null> {
  if (!isGzip(bytes) || typeof DecompressionStream === 'undefined') return null;
  try {
    const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    const stated = gzipStatedSize(bytes);
    let out = stated > 0 && stated <= maxBytes && !pastRatio(stated, bytes.length, defaultLimits.maxRatio) ? new Uint8Array(stated) : null;
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // past the limit or the ratio rule: the portable inflate reads it again and says which
      if (total + value.length > maxBytes || pastRatio(total + value.length, bytes.length, defaultLimits.maxRatio)) {
        await reader.cancel();
        return null;
      }
      if (out !== null && total + value.length <= out.length) out.set(value, total);
      else {
        // more than the trailer said: the pieces so far, and the rest, joined at the end
        if (out !== null) chunks.push(out.subarray(0, total));
        out = null;
        chunks.push(value);
      }
      total += value.length;
    }
    if (out !== null) return total === out.length ? out : out.slice(0, total);
    return concatBytes(chunks, total);
  } catch {
    return null;
  }
}

// loaded: the page may say it is ready for files
scope.postMessage({ type: 'ready' });

scope.onmessage = async (e) => {
  if ('painted' in e.data) {
    onPainted?.();
    return;
  }
  const { redact, toolVersion, assets } = e.data;
  const inputs: PipelineInput[] = e.data.inputs;
  const analyses: InputAnalysis[] = [];
  const errors: InputError[] = [];
  for (const [i, input] of inputs.entries()) {
    scope.postMessage({ type: 'progress', text: `reading ${input.name} (${i + 1} of ${inputs.length})` });
    // one input inflated at a time, so only one decompressed copy is alive
    const inflated = await inflateAhead(input.bytes, defaultLimits.maxDecompressedBytes);
    const gunzip: Gunzip = (bytes, maxBytes) => (inflated !== null && bytes === input.bytes && inflated.length <= maxBytes ? inflated : gunzipPako(bytes, maxBytes));
    try {
      const decoded = decodeInput(input, {
        gunzip,
        onProgress: (done, total) => scope.postMessage({ type: 'progress', text: `reading ${input.name} (${i + 1} of ${inputs.length}): ${Math.floor((done / Math.max(total, 1)) * 100)}%` }),
      });
      // the first input's flame graph at once, before it is diagnosed (not when redacting: the
      // report's names are placeholders, and this graph comes before them)
      if (i === 0 && !redact && decoded.type === 'profile' && decoded.profile.samples.length > 0) {
        scope.postMessage({ type: 'flame', flame: earlyFlame(input.name, decoded.profile) });
        await painted();
      }
      analyses.push(analyzeDecodedInput(input.name, decoded, {}, false));
    } catch (err) {
      errors.push({ path: input.name, message: errorLine(err) });
    }
  }
  scope.postMessage({ type: 'progress', text: 'diagnosing' });
  try {
    const r = diagnoseAnalyses(analyses, errors, { redact });
    const view = resultView(r, { toolVersion });
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
