/** What the commands share: the tool's version, the report viewer's assets, `--rules` packs. */

import { readFileSync } from 'node:fs';
import { defaultLimits, messageLine, type DecodeLimits } from '../model/errors.js';
import type { ViewerAssets } from '../report/html.js';
import { SignatureSet } from '../signatures/engine.js';
import type { SignaturePack } from '../signatures/types.js';
import { InvalidArgumentError, type Command } from 'commander';
import { fileProblem, InputError } from './inputs.js';
import { formatCount } from '../model/units.js';

/** The report viewer's script and style, built by `npm run build` into dist/web. */
export function loadViewerAssets(): ViewerAssets | null {
  try {
    return JSON.parse(readFileSync(new URL('../web/viewer-assets.json', import.meta.url), 'utf8')) as ViewerAssets;
  } catch {
    return null;
  }
}

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Reads `--rules` files: signature packs in the built-in packs' JSON shape. */
export function loadPacks(files: string[]): SignaturePack[] {
  return files.map((f) => {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new InputError(`${f}: cannot read rules: ${e instanceof SyntaxError ? `not JSON (${messageLine(e)})` : fileProblem(e)}`);
    }
    // what `pprof-diag rules --format json` prints, a list of signatures, loads as a pack too
    const pack = Array.isArray(doc) ? ({ version: 1, name: f, signatures: doc } as SignaturePack) : (doc as SignaturePack);
    if (typeof pack !== 'object' || pack === null || !Array.isArray(pack.signatures)) {
      throw new InputError(`${f}: not a signature pack (expected {"version":1,"name":…,"signatures":[…]} or a list of signatures)`);
    }
    try {
      new SignatureSet([pack]);
    } catch (e) {
      throw new InputError(`${f}: ${messageLine(e)}`);
    }
    return pack;
  });
}

export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a size such as 512MiB, 2GiB or 1048576');
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : unit === 't' ? 1024 ** 4 : 1;
  const bytes = Math.floor(n * mult);
  if (bytes < 1) throw new InvalidArgumentError('expected a size of at least one byte');
  return bytes;
}

/** Longest wait a timer can count (node's timers hold at most 2^31 − 1 ms), in seconds. */
const MAX_WAIT_SECONDS = 2_000_000;

/** Seconds to wait or to profile: positive, and short enough for a timer. */
export function parseWait(v: string): number {
  const n = parsePositive(v);
  if (n > MAX_WAIT_SECONDS) throw new InvalidArgumentError(`expected at most ${formatCount(MAX_WAIT_SECONDS)} seconds`);
  return n;
}

/** A count of things that must be at least one: instances, pools, connections. */
export function parseAtLeastOne(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number, at least 1');
  return n;
}

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function parsePort(v: string): number {
  const n = parseCount(v);
  if (n > 65535) throw new InvalidArgumentError('expected a port, 0 to 65535');
  return n;
}

/** The bounds on an input, as options (the decompressed size is --max-size, beside them). */
export interface LimitFlags {
  maxSize: number;
  maxSamples: number;
  maxLocations: number;
  maxStringLength: number;
  maxStackDepth: number;
  maxLabels: number;
  maxGenerationSize: number;
  maxRatio: number;
}

/** Adds the options of the bounds an input is held to (see DecodeLimits) to a command that reads inputs. */
export function addLimitOptions(cmd: Command): Command {
  const d = defaultLimits;
  return cmd
    .option('--max-samples <n>', 'most samples (goroutines) one profile may hold', parseAtLeastOne, d.maxSamples)
    .option('--max-locations <n>', 'most locations one profile may hold', parseAtLeastOne, d.maxLocations)
    .option('--max-string-length <n>', 'longest string (function, file or label) in characters', parseAtLeastOne, d.maxStringLength)
    .option('--max-stack-depth <n>', 'most frames in one stack', parseAtLeastOne, d.maxStackDepth)
    .option('--max-labels <n>', 'most labels on one sample', parseCount, d.maxLabels)
    .option('--max-generation-size <size>', 'largest generation of an execution trace (held whole while decoded)', parseSize, d.maxGenerationBytes)
    .option('--max-ratio <n>', 'past 64MiB of output, most times a gzip input may inflate its size (a decompression bomb stops here)', parseAtLeastOne, d.maxRatio);
}

export function limitsOf(f: LimitFlags): DecodeLimits {
  return {
    maxDecompressedBytes: f.maxSize,
    maxSamples: f.maxSamples,
    maxLocations: f.maxLocations,
    maxStringLength: f.maxStringLength,
    maxStackDepth: f.maxStackDepth,
    maxLabels: f.maxLabels,
    maxGenerationBytes: f.maxGenerationSize,
    maxRatio: f.maxRatio,
  };
}
