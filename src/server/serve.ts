/**
 * `pprof-diag serve`: the upload page and the HTTP API, on the one pipeline.
 *
 *   GET  /                the upload page: files or pasted text, one incident at a time
 *   GET  /report          the report of the inputs given at start (files or live URLs)
 *   POST /api/analyze     raw body (one input) or multipart/form-data (several files, a pasted
 *                         `text` field); ?format=json|md|html|text, ?redact=1, ?ignore=ID,…,
 *                         ?sample_index=…, ?kind=…, ?name=… for a raw body
 *   GET  /api/health      {"status":"ok", version, memory}
 *
 * Binds loopback unless told otherwise. Uploads are capped at `maxSize` while they stream (413),
 * unknown content types get 415, bad input 400, each with a JSON error; no path other than the
 * above is served (no files, so no traversal); a URL is fetched on a request's behalf only when
 * the server was started with --allow-fetch.
 */

import busboy from 'busboy';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorLine, UsageError } from '../model/errors.js';
import type { ProfileKind } from '../model/profile.js';
import { analyze, render, type PipelineInput, type PipelineOptions, type PipelineResult, type ReportFormat } from '../pipeline.js';
import { reportCsp, type ViewerAssets } from '../report/html.js';
import { appPage, uploadPage, APP_CSP, PAGE_CSP } from './page.js';
// (node:http loaded when the server starts rather than by every command that imports this module)
import { lateRequire } from '../cli/late-require.js';

const STATIC_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/** The in-browser viewer's files (web/, built into dist/web), the only files the server answers with. */
export const WEB_FILES: readonly string[] = ['app.js', 'app.css', 'worker.js', 'viewer-assets.json'];

export interface ServeOptions {
  host: string;
  port: number;
  maxSize: number;
  allowFetch: boolean;
  toolVersion: string;
  assets: ViewerAssets | null;
  /** The pipeline options every request starts from (rules, gunzip). */
  pipeline: PipelineOptions;
  /** Inputs given at start, already read. */
  preloaded: PipelineResult | null;
  /** The in-browser viewer's files (WEB_FILES), by name. */
  webFiles: Map<string, string>;
  /** Reads a URL the way the command line does (for --allow-fetch). */
  fetchInput?: (url: string) => Promise<PipelineInput>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const FORMATS = new Set(['json', 'md', 'html', 'text']);
/** Bodies read as one input's bytes (curl --data-binary sends the form type; it is no form to us). */
const RAW_TYPES = new Set(['application/octet-stream', 'application/gzip', 'application/x-gzip', 'text/plain', 'application/vnd.google.protobuf', 'application/x-www-form-urlencoded']);
const CONTENT_TYPE: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }) + '\n');
}

/** Reads a raw body, stopping at `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) {
        req.destroy();
        reject(new HttpError(413, `the upload is larger than the limit of ${max} bytes (--max-size)`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** Reads a multipart form: each file an input, a `text` field a pasted dump, `url` fields to fetch. */
function readForm(req: IncomingMessage, max: number): Promise<{ inputs: PipelineInput[]; urls: string[]; fields: Map<string, string> }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: max, files: 64, fields: 64, fieldSize: max } });
    } catch (e) {
      reject(new HttpError(400, `not a multipart form: ${errorLine(e)}`));
      return;
    }
    const inputs: PipelineInput[] = [];
    const urls: string[] = [];
    const fields = new Map<string, string>();
    let total = 0;
    let failed = false;
    const fail = (e: HttpError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(e);
    };
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        total += c.length;
        if (total > max) fail(new HttpError(413, `the upload is larger than the limit of ${max} bytes (--max-size)`));
        else chunks.push(c);
      });
      stream.on('limit', () => fail(new HttpError(413, `a file is larger than the limit of ${max} bytes (--max-size)`)));
      stream.on('end', () => {
        const bytes = new Uint8Array(Buffer.concat(chunks));
        if (bytes.length > 0) inputs.push({ name: safeName(info.filename || 'upload'), bytes });
      });
    });
    bb.on('field', (name, value) => {
      if (name === 'text' && value.trim() !== '') inputs.push({ name: 'pasted text', bytes: new TextEncoder().encode(value) });
      else if (name === 'url' && value.trim() !== '') urls.push(value.trim());
      else fields.set(name, value);
    });
    bb.on('error', (e) => fail(new HttpError(400, `a broken multipart form: ${errorLine(e)}`)));
    bb.on('close', () => {
      if (!failed) resolve({ inputs, urls, fields });
    });
    req.pipe(bb);
  });
}

/** A file name as the client sent it, reduced to its last part and printable characters. */
function safeName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? 'upload';
  return last.replace(/[^\x20-\x7e]/g, '?').slice(0, 200) || 'upload';
}

function optionsFrom(q: URLSearchParams, fields: Map<string, string>, base: PipelineOptions): { format: ReportFormat; opts: PipelineOptions } {
  const get = (k: string) => q.get(k) ?? fields.get(k) ?? null;
  const format = get('format') ?? 'json';
  if (!FORMATS.has(format)) throw new HttpError(400, `format must be json, md, html or text, not ${JSON.stringify(format.slice(0, 20))}`);
  const opts: PipelineOptions = { ...base };
  const redact = get('redact');
  if (redact !== null && redact !== '' && redact !== '0' && redact !== 'false') opts.redact = true;
  const ignore = get('ignore');
  if (ignore) opts.ignore = [...(base.ignore ?? []), ...ignore.split(',').map((s) => s.trim()).filter(Boolean)];
  const si = get('sample_index');
  if (si) opts.sampleIndex = si;
  const kind = get('kind');
  if (kind) opts.kind = kind as ProfileKind;
  return { format: format as ReportFormat, opts };
}

async function analyzeRequest(req: IncomingMessage, url: URL, o: ServeOptions): Promise<{ format: ReportFormat; result: PipelineResult }> {
  const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > o.maxSize) throw new HttpError(413, `the upload is larger than the limit of ${o.maxSize} bytes (--max-size)`);
  let inputs: PipelineInput[];
  let urls: string[] = [];
  let fields = new Map<string, string>();
  if (type === 'multipart/form-data') {
    ({ inputs, urls, fields } = await readForm(req, o.maxSize));
  } else if (RAW_TYPES.has(type)) {
    const bytes = await readBody(req, o.maxSize);
    inputs = bytes.length > 0 ? [{ name: safeName(url.searchParams.get('name') ?? 'upload'), bytes }] : [];
  } else {
    throw new HttpError(415, `unsupported content type ${JSON.stringify(type.slice(0, 60))}: send the profile as application/octet-stream or text/plain, or several as multipart/form-data`);
  }
  const { format, opts } = optionsFrom(url.searchParams, fields, o.pipeline);
  if (urls.length > 0) {
    if (!o.allowFetch || !o.fetchInput) throw new HttpError(400, 'this server does not fetch URLs for a request (start it with --allow-fetch)');
    for (const u of urls) inputs.push(await o.fetchInput(u));
  }
  if (inputs.length === 0) throw new HttpError(400, 'no input: send a profile, dump or trace as the body, or files in a multipart form');
  const result = analyze(inputs, opts);
  if (result.analyses.length === 0) throw new HttpError(400, result.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return { format, result };
}

function rendered(format: ReportFormat, result: PipelineResult, o: ServeOptions): string {
  if (format === 'html' && o.assets === null) throw new HttpError(500, 'the HTML report viewer is not built (npm run build)');
  return render(result, format, { toolVersion: o.toolVersion, ...(o.assets ? { assets: o.assets } : {}) });
}

function sendReport(res: ServerResponse, format: ReportFormat, body: string, o: ServeOptions): void {
  send(res, 200, CONTENT_TYPE[format], body, format === 'html' && o.assets ? { 'Content-Security-Policy': reportCsp(o.assets) } : {});
}

/** Reports of the inputs a server was given at start, by format, once rendered. */
const preloadedBodies = new WeakMap<PipelineResult, Map<string, string>>();

async function handle(req: IncomingMessage, res: ServerResponse, o: ServeOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /':
      if (o.webFiles.has('app.js')) send(res, 200, 'text/html; charset=utf-8', appPage(o.toolVersion, o.preloaded !== null, o.allowFetch), { 'Content-Security-Policy': APP_CSP });
      else send(res, 200, 'text/html; charset=utf-8', uploadPage(o.toolVersion, o.preloaded !== null, o.allowFetch), { 'Content-Security-Policy': PAGE_CSP });
      return;
    case 'GET /api/health': {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (url.searchParams.get('gc') === '1' && gc) gc();
      const m = process.memoryUsage();
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ status: 'ok', version: o.toolVersion, memory: { rss: m.rss, heapUsed: m.heapUsed } }) + '\n');
      return;
    }
    case 'GET /report': {
      if (o.preloaded === null) throw new HttpError(404, 'no inputs were given when the server started');
      const format = url.searchParams.get('format') ?? 'html';
      if (!FORMATS.has(format)) throw new HttpError(400, `format must be json, md, html or text, not ${JSON.stringify(format.slice(0, 20))}`);
      // the inputs given at start do not change: each format is rendered once
      let bodies = preloadedBodies.get(o.preloaded);
      if (bodies === undefined) preloadedBodies.set(o.preloaded, (bodies = new Map()));
      let body = bodies.get(format);
      if (body === undefined) bodies.set(format, (body = rendered(format as ReportFormat, o.preloaded, o)));
      sendReport(res, format as ReportFormat, body, o);
      return;
    }
    case 'POST /api/analyze': {
      const { format, result } = await analyzeRequest(req, url, o);
      sendReport(res, format, rendered(format, result, o), o);
      return;
    }
  }
  const name = url.pathname.slice(1);
  if (req.method === 'GET' && WEB_FILES.includes(name)) {
    // a fixed list of the viewer's own files, read when the server started: no path reaches the disk
    const file = o.webFiles.get(name);
    if (file === undefined) throw new HttpError(404, 'not found');
    send(res, 200, STATIC_TYPES[name.slice(name.lastIndexOf('.'))]!, file, { 'Content-Security-Policy': APP_CSP });
    return;
  }
  if (['/', '/api/health', '/api/analyze', '/report', ...WEB_FILES.map((f) => `/${f}`)].includes(url.pathname)) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}`);
  throw new HttpError(404, 'not found');
}

/** Starts the server; resolves once it listens, with the address it listens on. */
export function serve(o: ServeOptions): Promise<{ server: Server; url: string }> {
  const { createServer } = lateRequire<typeof import('node:http')>('node:http');
  const server = createServer((req, res) => {
    handle(req, res, o).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) sendError(res, e.status, e.message);
      else if (e instanceof UsageError) sendError(res, 400, e.message);
      else sendError(res, 500, errorLine(e));
    });
  });
  server.requestTimeout = 300_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : o.port;
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      resolve({ server, url: `http://${host}:${port}/` });
    });
  });
}

