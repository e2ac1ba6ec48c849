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
