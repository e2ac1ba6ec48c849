/**
 * GET of a live endpoint over node:http and node:https (and the POST of an RPC). Unlike the fetch API this client has no
 * list of "bad ports": pprof endpoints listen on 6000 or 6666 as readily as on 6060. Redirects
 * are followed a few times, to http or https only and never from https down to http. One
 * deadline covers the answer's headers and its whole body, so a server that sends its headers
 * and then stalls is given up on. Network and TLS failures are one line each; `insecure`
 * accepts a certificate that cannot be verified (self-signed, unknown authority, another name).
 */

import type { ClientRequest, IncomingMessage } from 'node:http';
import { formatSize } from '../model/units.js';
import { InputError } from './input-error.js';
// (node:http and node:https loaded when a URL is asked for rather than by every command)
import { lateRequire } from './late-require.js';

/** Redirects followed before giving up (Go's http.Client stops after 10; a profile needs few). */
export const MAX_REDIRECTS = 5;

export interface HttpGetOptions {
  /** Milliseconds from the request until the whole answer must be in. */
  timeoutMs: number;
  /** Accept a TLS certificate that cannot be verified. */
  insecure?: boolean;
  /** A POST instead of a GET (an RPC's request, never redirected), with its own headers. */
  post?: { body: Uint8Array; headers: Record<string, string> };
}

export interface HttpAnswer {
  /** Where the answer came from, after redirects. */
  url: URL;
  res: IncomingMessage;
  /** Ends the deadline's timer: call once the body has been read or given up. */
  done(): void;
}

class Deadline extends Error {}

/** Codes of a connection that could not be made or was cut: worth one more try. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** A connection that could not be made or was cut (refused, reset, unreachable): the service may answer a second time. */
export class ConnectionError extends InputError {}

/** The input error of a network failure: a ConnectionError for the codes worth another try. */
function networkError(e: unknown, url: URL, prefix = ''): InputError {
  const line = prefix + networkProblem(e, url);
  return CONNECTION_CODES.has((e as NodeJS.ErrnoException).code ?? '') ? new ConnectionError(line) : new InputError(line);
}

/** GETs `url`, following redirects; the answer's body is read by the caller before `done`. */
export async function httpGet(url: URL, o: HttpGetOptions): Promise<HttpAnswer> {
  let current: ClientRequest | null = null;
  let answer: IncomingMessage | null = null;
  const timer = setTimeout(() => {
    const e = new Deadline();
    answer?.destroy(e);
    current?.destroy(e);
  }, o.timeoutMs);
  const done = () => clearTimeout(timer);
  try {
    for (let hops = 0; ; hops++) {
      const client = lateRequire<typeof import('node:https')>(url.protocol === 'https:' ? 'node:https' : 'node:http');
      const res = await request(client, url, o, (req) => (current = req));
      answer = res;
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) || location === undefined || o.post) return { url, res, done };
      res.resume();
      if (hops >= MAX_REDIRECTS) throw new InputError(`more than ${MAX_REDIRECTS} redirects (the last to ${location.slice(0, 120)})`);
      url = redirectTarget(url, location);
    }
  } catch (e) {
    done();
    if (e instanceof Deadline) throw new InputError(`no answer within ${seconds(o.timeoutMs)} s (raise --timeout)`);
    throw e;
  }
}

/** Reads an answer's body in pieces, stopping past `maxBytes` without reading the rest. */
export async function* answerBody(a: HttpAnswer, maxBytes: number, o: HttpGetOptions): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of a.res) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > maxBytes) {
        a.res.destroy();
        throw new InputError(`the answer is larger than the ${formatSize(maxBytes)} limit (raise --max-size)`);
      }
      yield new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof Deadline) throw new InputError(`the answer did not finish within ${seconds(o.timeoutMs)} s (raise --timeout)`);
    throw networkError(e, a.url, 'reading the answer failed: ');
  } finally {
    a.done();
  }
}

/** One GET (or POST), its answer once the headers are in; `sent` is told of the request at once (the deadline destroys it). */
function request(client: typeof import('node:https'), url: URL, o: HttpGetOptions, sent: (req: ClientRequest) => void): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const opts = { method: o.post ? 'POST' : 'GET', headers: { 'user-agent': 'pprof-diag', accept: '*/*', ...o.post?.headers } };
    let req: ClientRequest;
    try {
      req = client.request(url, url.protocol === 'https:' ? { ...opts, rejectUnauthorized: o.insecure !== true } : opts, resolve);
      req.end(o.post ? Buffer.from(o.post.body.buffer, o.post.body.byteOffset, o.post.body.length) : undefined);
    } catch (e) {
      reject(new InputError(`cannot ask ${url.host}: ${(e as Error).message}`));
      return;
    }
    sent(req);
    req.on('error', (e) => reject(e instanceof Deadline ? e : networkError(e, url)));
  });
}

/** The next URL of a redirect: http or https only, and never from https down to http. */
function redirectTarget(from: URL, location: string): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new InputError(`redirected to ${JSON.stringify(location.slice(0, 120))}, which is not a URL`);
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') throw new InputError(`redirected to a ${to.protocol} URL: only http and https are followed`);
  if (from.protocol === 'https:' && to.protocol === 'http:') throw new InputError(`redirected from https to plain http (${to.host}): not followed`);
  return to;
}

const SELF_SIGNED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);
const UNKNOWN_AUTHORITY = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

/** A network or TLS failure as one line the user can act on. */
export function networkProblem(e: unknown, url: URL): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const msg = (e as Error).message?.split('\n')[0] ?? String(e);
  const host = url.host;
  if (code === 'ECONNREFUSED') return `connection refused: nothing listens at ${host}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `unknown host ${url.hostname}`;
  if (code === 'ECONNRESET') return `connection reset by ${host}`;
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${host} is unreachable (${code})`;
  if (SELF_SIGNED.has(code)) return `the TLS certificate of ${host} is self-signed (--insecure accepts it)`;
  if (UNKNOWN_AUTHORITY.has(code)) return `the TLS certificate of ${host} is signed by an authority this machine does not trust (--insecure accepts it)`;
  if (code === 'CERT_HAS_EXPIRED') return `the TLS certificate of ${host} has expired (--insecure accepts it)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the TLS certificate of ${host} is for another name (--insecure accepts it)`;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) return `TLS handshake with ${host} failed (does it speak https?): ${msg}`;
  if (code.startsWith('HPE_')) return `${host} did not answer in HTTP (${url.protocol === 'http:' ? 'does it want https?' : msg})`;
  if (/CERT|TLS|SSL/.test(code)) return `TLS with ${host} failed: ${msg} (${code})`;
  return `unreachable: ${msg}`;
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}
