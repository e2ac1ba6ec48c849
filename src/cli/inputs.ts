/**
 * Reading the bytes of one input: a file, `-` for standard input, or the URL of a live
 * service's /debug/pprof endpoint, whole (readInput) or in pieces as they come (openInput).
 * Every failure is an InputError with one line for the user.
 */

import { closeSync, createReadStream, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { concatBytes } from '../decode/gzip.js';
import { formatSize } from '../model/units.js';
import { answerBody, httpGet } from './http-get.js';
import { InputError } from './input-error.js';

export { InputError } from './input-error.js';

export interface FetchOptions {
  /** Seconds of profiling asked of the service for CPU profiles and traces. */
  seconds?: number;
  /** Milliseconds to wait for the service, beyond `seconds`. */
  timeoutMs: number;
  /** Largest input accepted, in bytes (compressed size on the wire). */
  maxBytes: number;
  /** Accept a live service's TLS certificate that cannot be verified. */
  insecure?: boolean;
}

export interface RawInput {
  name: string;
  bytes: Uint8Array;
}

export function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/** An input as it comes in: its name, its size when known beforehand, and its bytes in pieces. */
export interface InputStream {
  name: string;
  size: number | null;
  /** Pieces of the input; iterate once. Failures are InputErrors (limits included). */
  chunks: AsyncIterable<Uint8Array>;
  /**
   * The whole input in one array, given `head`, the bytes of the pieces iterated so far (a
   * file's remainder is read straight into it rather than in pieces joined afterwards).
   */
  whole: (head: Uint8Array) => Promise<Uint8Array>;
  /**
   * Where the input can give them so (a regular file), the pieces after those iterated so far,
   * each read into the same array: a piece is good only until the next is asked for, for a
   * reader that makes something else of each at once (a dump's text) and so touches no new
   * memory for the bytes.
   */
  passing?: () => AsyncIterable<Uint8Array>;
}

/** A file system error as the user can act on it: "no such file", "permission denied", or node's own words. */
export function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (e as Error).message.split('\n')[0]!;
}

/** Writes a report or profile the user asked for; a file that cannot be written is an InputError naming it. */
export function writeOutput(file: string, data: string | Uint8Array): void {
  try {
    writeFileSync(file, data);
  } catch (e) {
    throw new InputError(`cannot write ${file}: ${fileProblem(e)}`);
  }
}

export async function readInput(spec: string, opts: FetchOptions): Promise<RawInput> {
  const input = await openInput(spec, opts);
  return { name: input.name, bytes: await input.whole(new Uint8Array(0)) };
}

/** `whole` of an input read in pieces: the head, then the pieces left, joined. */
function joined(chunks: AsyncIterable<Uint8Array>): (head: Uint8Array) => Promise<Uint8Array> {
  return async (head) => {
    const rest = await collectChunks(chunks);
    return head.length === 0 ? rest : rest.length === 0 ? head : concatBytes([head, rest], head.length + rest.length);
  };
}

/** All the pieces, in one array (the piece itself when there is one). */
export async function collectChunks(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const c of pieces) {
    chunks.push(c);
    total += c.length;
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks, total);
}

/** Opens a file, `-` or a URL for reading in pieces, with the same checks and errors as readInput. */
export async function openInput(spec: string, opts: FetchOptions): Promise<InputStream> {
  if (spec === '-') return piecesOf('<stdin>', null, streamChunks(process.stdin, opts.maxBytes, 'standard input'));
  if (isUrl(spec)) return fetchProfile(spec, opts);
  let size: number;
  let regular: boolean;
  try {
    const st = statSync(spec);
    if (st.isDirectory()) throw new InputError('is a directory, not a profile');
    size = st.size;
    regular = st.isFile();
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('no such file');
    if (code === 'EACCES') throw new InputError('permission denied');
    throw new InputError(`cannot read: ${(e as Error).message}`);
  }
  if (size > opts.maxBytes) {
    throw new InputError(`is ${formatSize(size)}, larger than the ${formatSize(opts.maxBytes)} limit (raise --max-size to read it)`);
  }
  // a pipe or device (`<(zcat …)`, /dev/stdin) is read as it comes
  if (!regular) return piecesOf(spec, size, streamChunks(createReadStream(spec, { highWaterMark: 1 << 20 }), opts.maxBytes, 'file'));
  return new FileInput(spec, size, opts.maxBytes);
}

function piecesOf(name: string, size: number | null, chunks: AsyncIterable<Uint8Array>): InputStream {
  return { name, size, chunks, whole: joined(chunks) };
}

/** A file's first piece: enough of the head to tell what the input is (readTraceOrBytes). */
const FILE_HEAD = 64 * 1024;

/** Later pieces of a file read in pieces. */
const FILE_PIECE = 1 << 20;

/**
 * A regular file, read synchronously from where the last read stopped: in pieces (the first
 * FILE_HEAD bytes, then FILE_PIECE at a time), or its remainder at once into an array the size
 * the file had when opened (a file that grew since is read on in pieces).
 */
class FileInput implements InputStream {
  private fd = -1;
  private at = 0;
  readonly chunks: AsyncIterable<Uint8Array>;

  constructor(
    readonly name: string,
    readonly size: number,
    private readonly maxBytes: number,
  ) {
    this.chunks = { [Symbol.asyncIterator]: () => this.pieces((k) => this.read(k === 0 ? FILE_HEAD : FILE_PIECE)) };
  }

  passing(): AsyncIterable<Uint8Array> {
    const b = Buffer.allocUnsafe(FILE_PIECE);
    return this.pieces(() => new Uint8Array(b.buffer, b.byteOffset, this.readInto(b, 0, b.length)));
  }

  /** The pieces `next` reads (the k-th given k) up to the first empty one; the file closed after them. */
  private async *pieces(next: (k: number) => Uint8Array): AsyncGenerator<Uint8Array> {
    try {
      for (let k = 0, b = next(0); b.length > 0; b = next(++k)) {
        yield b;
        // a turn of the event loop a piece, as a stream's reads give: the collector's tasks
        // run on it (without them a dump decoded as it is read peaks a tenth higher)
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.close();
    }
  }

  async whole(head: Uint8Array): Promise<Uint8Array> {
    try {
      const all = Buffer.allocUnsafe(Math.max(this.size, head.length));
      all.set(head, 0);
      let n = head.length;
      while (n < all.length) {
        const got = this.readInto(all, n, all.length - n);
        if (got === 0) break; // the file is shorter than it was
        n += got;
      }
      const bytes = new Uint8Array(all.buffer, all.byteOffset, n);
      const more: Uint8Array[] = [];
      for (let b = this.read(FILE_PIECE); b.length > 0; b = this.read(FILE_PIECE)) more.push(b);
      return more.length === 0 ? bytes : concatBytes([bytes, ...more], n + more.reduce((t, b) => t + b.length, 0));
    } finally {
      this.close();
    }
  }

  /** The next `max` bytes at most; empty at the end. */
  private read(max: number): Uint8Array {
    const b = Buffer.allocUnsafe(max);
    const n = this.readInto(b, 0, max);
    return new Uint8Array(b.buffer, b.byteOffset, n);
  }

  private readInto(b: Buffer, offset: number, length: number): number {
    try {
      if (this.fd < 0) this.fd = openSync(this.name, 'r');
      const n = readSync(this.fd, b, offset, length, this.at);
      this.at += n;
      if (this.at > this.maxBytes) {
        throw new InputError(`file is larger than the ${formatSize(this.maxBytes)} limit (raise --max-size to read it)`);
      }
      return n;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`cannot read file: ${fileProblem(e)}`);
    }
  }

  private close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

async function* streamChunks(stream: NodeJS.ReadableStream, maxBytes: number, what: string): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += b.length;
      if (total > maxBytes) {
        throw new InputError(`${what} is larger than the ${formatSize(maxBytes)} limit (raise --max-size to read it)`);
      }
      yield new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${what}: ${(e as Error).message}`);
  }
}

/** Endpoints that profile for a while before answering and take `seconds`. */
function takesSeconds(u: URL): boolean {
  return /\/debug\/pprof\/(profile|trace)\/?$/.test(u.pathname);
}

/** Whether `--seconds` means anything for this input: a live CPU profile or trace endpoint. */
export function takesSecondsOption(spec: string): boolean {
  if (!isUrl(spec)) return false;
  try {
    return takesSeconds(new URL(spec));
  } catch {
    return false;
  }
}

async function fetchProfile(spec: string, opts: FetchOptions): Promise<InputStream> {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new InputError('is not a valid URL');
  }
  if (opts.seconds !== undefined && takesSeconds(url) && !url.searchParams.has('seconds')) {
    url.searchParams.set('seconds', String(opts.seconds));
  }
  const wait = (Number(url.searchParams.get('seconds')) || 0) * 1000;
  const get = { timeoutMs: opts.timeoutMs + wait, insecure: opts.insecure === true };
  const answer = await httpGet(url, get);
  const res = answer.res;
  const declared = Number(res.headers['content-length'] ?? NaN);
  try {
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const body = await firstLine(answerBody(answer, 4096, get));
      throw new InputError(`the service answered ${status} ${res.statusMessage ?? ''}`.trimEnd() + (body ? `: ${body}` : ''));
    }
    if (/text\/html/i.test(String(res.headers['content-type'] ?? ''))) {
      throw new InputError('the service answered with an HTML page, not a profile (is the path under /debug/pprof/ right?)');
    }
    if (declared > opts.maxBytes) {
      throw new InputError(`the answer is ${formatSize(declared)}, larger than the ${formatSize(opts.maxBytes)} limit (raise --max-size)`);
    }
  } catch (e) {
    res.destroy();
    answer.done();
    throw e;
  }
  return piecesOf(spec, Number.isFinite(declared) ? declared : null, answerBody(answer, opts.maxBytes, get));
}

/** The first line of an error page, short. */
async function firstLine(body: AsyncIterable<Uint8Array>): Promise<string> {
  try {
    const text = new TextDecoder().decode(await collectChunks(body));
    return text.trim().split('\n')[0]?.slice(0, 120) ?? '';
  } catch {
    return '';
  }
}
