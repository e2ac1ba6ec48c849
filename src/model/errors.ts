/**
 * The one error type decoders throw for bad input. Its message is a single line meant for the
 * engineer on call ("truncated gzip stream", "string index 812 out of range (table has 40)");
 * the CLI prefixes the input's name and never prints a stack trace for it.
 */
import { grouped } from './units.js';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
  }
}

/**
 * Limits every decoder honours, so that a hostile or broken input ends in one line rather than
 * exhausting memory or time; the CLI exposes each as an option (LIMIT_OPTIONS).
 */
export interface DecodeLimits {
  /** Largest decompressed size accepted, in bytes (a decompression bomb stops here). */
  maxDecompressedBytes: number;
  /** Most samples (goroutines, for a goroutine dump) in one profile. */
  maxSamples: number;
  /** Most locations in one profile. */
  maxLocations: number;
  /** Longest string (function name, file name, label) in characters. */
  maxStringLength: number;
  /** Most frames in one sample's stack. */
  maxStackDepth: number;
  /** Most labels on one sample. */
  maxLabels: number;
  /** Largest generation of an execution trace, in bytes (a generation is held whole while it is decoded). */
  maxGenerationBytes: number;
  /**
   * Most times a gzip stream may inflate its compressed size once past 64 MiB of output (a
   * decompression bomb of zeros inflates about 1,000 times; real profiles 3–70 times).
   */
  maxRatio: number;
}

export const defaultLimits: DecodeLimits = {
  maxDecompressedBytes: 1024 * 1024 * 1024,
  maxSamples: 50_000_000,
  maxLocations: 20_000_000,
  maxStringLength: 1024 * 1024,
  maxStackDepth: 100_000,
  maxLabels: 10_000,
  maxGenerationBytes: 1024 * 1024 * 1024,
  maxRatio: 300,
};

/** The command-line option that raises each limit. */
export const LIMIT_OPTIONS: Record<keyof DecodeLimits, string> = {
  maxDecompressedBytes: '--max-size',
  maxSamples: '--max-samples',
  maxLocations: '--max-locations',
  maxStringLength: '--max-string-length',
  maxStackDepth: '--max-stack-depth',
  maxLabels: '--max-labels',
  maxGenerationBytes: '--max-generation-size',
  maxRatio: '--max-ratio',
};

/** The error for an input past a limit: what it holds, the limit, and the option that raises it. */
export function limitError(limit: keyof DecodeLimits, what: string, max: number | string): DecodeError {
  const shown = typeof max === 'number' ? grouped(max) : max;
  return new DecodeError(`${what}, more than the limit of ${shown} (raise ${LIMIT_OPTIONS[limit]} to read it)`);
}

/**
 * A user's mistake that is not in an input's bytes: an option with a bad value, a rules file
 * that is not a pack, a file that cannot be read. Like DecodeError, one line for the user.
 */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
  }
}

/** An error's message, its first line only (a cause quoted inside a sentence of our own). */
export function messageLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

/** The one line a user sees for any error: theirs as it is, ours as an internal error. */
export function errorLine(e: unknown): string {
  const msg = messageLine(e);
  return e instanceof DecodeError || e instanceof UsageError ? msg : `internal error: ${msg}`;
}
