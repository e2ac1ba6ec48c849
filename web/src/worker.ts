/**
 * The page's worker: decodes and diagnoses with the same pipeline as the command line, off
 * the page's thread, so a large profile does not freeze it. Nothing leaves the browser.
 */
import type { InputAnalysis } from '../../src/analyze/index.js';
import { gunzipPako, type Gunzip } from '../../src/decode/gzip.js';
import { DecodeError, errorLine } from '../../src/model/errors.js';
import { sniff, type Decoded } from '../../src/decode/index.js';
import { decodePprofPieces } from '../../src/decode/pprof-stream.js';
import { inflateWhole, NotInflated, Pieces } from './inflate.js';
import { analyzeDecodedInput, diagnoseAnalyses, readInput, render, resultView, type PipelineInput } from '../../src/pipeline.js';
import { htmlReport, type ViewerAssets } from '../../src/report/html.js';
import { earlyFlame } from '../../src/report/view.js';
import type { InputError } from '../../src/report/json.js';

export interface ToWorker {
  inputs: PipelineInput[];
  /** The page inflates the first input itself and hands over its content's pieces (PieceMessage). */
  firstInPieces: boolean;
  redact: boolean;
  toolVersion: string;
  assets: ViewerAssets | null;
}

/** The page has painted the early flame graph. */
export interface Painted {
  painted: true;
}

/** A piece of the first input's content, or its end (`ok` false: the page could not inflate it). */
export type PieceMessage = { piece: Uint8Array } | { piecesEnd: true; ok: boolean };

/** The first input's pieces, while a run that gets them goes on. */
let firstPieces: Pieces | null = null;

const scope = self as unknown as { onmessage: (e: MessageEvent<ToWorker | Painted | PieceMessage>) => void | Promise<void>; postMessage: (m: unknown) => void };

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

/** The pipeline's gunzip option: the content inflated ahead when there is one (one input at a time, so only one decompressed copy is alive). */
function gunzipOf(input: PipelineInput, inflated: Uint8Array | null): Gunzip {
  return (bytes, maxBytes) => (inflated !== null && bytes === input.bytes && inflated.length <= maxBytes ? inflated : gunzipPako(bytes, maxBytes));
}

/**
 * The first input from the pieces the page inflates: a pprof profile read from them as they
 * come (decodePprofPieces: its tables kept and its samples counted while the page inflates the
 * rest, then its samples read), decoded for its early flame graph; anything else, or a profile
 * that does not read so, read whole as the pipeline reads it (which says what is wrong with it),
 * a trace a generation at a time.
 */
async function fromPieces(input: PipelineInput, pieces: Pieces, onProgress: (done: number, total: number) => void): Promise<Read> {
  if ((await pieces.atLeast(4096)) && sniff(pieces.head(4096)) === 'pprof') {
    try {
      return { decoded: { type: 'profile', profile: await decodePprofPieces(() => pieces.read()), compressed: true }, checked: false };
    } catch (e) {
      if (!(e instanceof DecodeError) && !(e instanceof NotInflated)) throw e;
    }
  }
  return whole(input, await pieces.whole(), onProgress);
}

/**
 * An input read whole as the pipeline reads it (readInput; `inflated`: its content, when the
 * page has it): decoded, for a profile's early flame graph (`checked`: within the limits), or a
 * trace analysed a generation at a time.
 */
function whole(input: PipelineInput, inflated: Uint8Array | null, onProgress: (done: number, total: number) => void): Read {
  const read = readInput(input, { gunzip: gunzipOf(input, inflated), onProgress });
  return 'analysis' in read ? read : { decoded: read.decoded, checked: true };
}

type Read = { decoded: Decoded; checked: boolean } | { analysis: InputAnalysis };

// loaded: the page may say it is ready for files
scope.postMessage({ type: 'ready' });

scope.onmessage = async (e) => {
  if ('painted' in e.data) {
    onPainted?.();
    return;
  }
  if ('piece' in e.data) {
    firstPieces?.push(e.data.piece);
    return;
  }
  if ('piecesEnd' in e.data) {
    firstPieces?.end(e.data.ok);
    return;
  }
  firstPieces = e.data.firstInPieces ? new Pieces() : null;
  const { redact, toolVersion, assets } = e.data;
  const inputs: PipelineInput[] = e.data.inputs;
  const analyses: InputAnalysis[] = [];
  const errors: InputError[] = [];
  for (const [i, input] of inputs.entries()) {
    scope.postMessage({ type: 'progress', text: `reading ${input.name} (${i + 1} of ${inputs.length})` });
    const onProgress = (done: number, total: number) => scope.postMessage({ type: 'progress', text: `reading ${input.name} (${i + 1} of ${inputs.length}): ${Math.floor((done / Math.max(total, 1)) * 100)}%` });
    try {
      const pieces = i === 0 ? firstPieces : null;
      const read = pieces ? await fromPieces(input, pieces, onProgress) : whole(input, await inflateWhole(input.bytes), onProgress);
      if ('analysis' in read) {
        analyses.push(read.analysis);
        continue;
      }
      const { decoded, checked } = read;
      // the first input's flame graph at once, before it is diagnosed (not when redacting: the
      // report's names are placeholders, and this graph comes before them)
      if (i === 0 && !redact && decoded.type === 'profile' && decoded.profile.samples.length > 0) {
        scope.postMessage({ type: 'flame', flame: earlyFlame(input.name, decoded.profile) });
        await painted();
      }
      analyses.push(analyzeDecodedInput(input.name, decoded, {}, !checked));
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
