/**
 * The one error type decoders throw for bad input. Its message is a single line meant for the
 * engineer on call ("truncated gzip stream", "string index 812 out of range (table has 40)");
 * the CLI prefixes the input's name and never prints a stack trace for it.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
  }
}

/** Limits every decoder honours; the CLI exposes them as options. */
export interface DecodeLimits {
  /** Largest decompressed size accepted, in bytes (a decompression bomb stops here). */
  maxDecompressedBytes: number;
}

export const defaultLimits: DecodeLimits = {
  maxDecompressedBytes: 1024 * 1024 * 1024,
};

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
