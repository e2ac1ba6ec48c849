/**
 * Live endpoints over real loopback servers started here, serving real captures: a port the
 * fetch API refuses, an answer past --max-size stopped while it streams, a server that sends
 * its headers and stalls, redirects, and HTTPS with a self-signed certificate made by openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { serveCommand } from '../src/cli/serve-command.js';
import { repoRoot } from './helpers/corpus.js';

const S = path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27');
const goroutine = readFileSync(path.join(S, 'goroutine.pb.gz'));
const heap = readFileSync(path.join(S, 'heap.pb.gz'));

/** Ports the fetch API refuses (its "bad ports") that a pprof endpoint may well use. */
const BAD_PORTS = [6666, 6665, 6667, 6668, 6669, 6000, 6697, 10080];

let plain: http.Server;
let tls: https.Server;
let badBase = '';
let tlsBase = '';
let streamed = 0;
/** The goroutines `analyze` counts in the capture read from its file. */
let fromFile = -1;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/debug/pprof/goroutine':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(goroutine);
      return;
    case '/endless': {
      // a heap profile's bytes over and over, without a length, until the client hangs up
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const more = () => {
        while (!res.destroyed && streamed < 256 << 20 && res.write(heap)) streamed += heap.length;
        if (!res.destroyed && streamed < 256 << 20) res.once('drain', more);
      };
      more();
      return;
    }
    case '/debug/pprof/heap':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': heap.length });
      res.end(heap);
      return;
    case '/stall':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.write(goroutine.subarray(0, 100));
      return; // never ends
    case '/moved':
      res.writeHead(302, { Location: '/debug/pprof/goroutine' });
      res.end();
      return;
    case '/to-file':
      res.writeHead(302, { Location: 'file:///etc/passwd' });
      res.end();
      return;
    case '/loop':
      res.writeHead(302, { Location: '/loop' });
      res.end();
      return;
    case '/to-plain':
      res.writeHead(302, { Location: `${badBase}/debug/pprof/goroutine` });
      res.end();
      return;
    default:
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('404 page not found\n');
  }
}

async function listenOnBadPort(server: http.Server): Promise<number> {
  for (const port of BAD_PORTS) {
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return port;
  }
  throw new Error(`none of the ports ${BAD_PORTS.join(', ')} is free`);
}

beforeAll(async () => {
  plain = http.createServer(handler);
  badBase = `http://127.0.0.1:${await listenOnBadPort(plain)}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'pprof-diag-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  tls = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler);
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  tlsBase = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  const local = await run(['analyze', '--format', 'json', path.join(S, 'goroutine.pb.gz')]);
  fromFile = (JSON.parse(local.out) as { inputs: { goroutines: number }[] }).inputs[0]!.goroutines;
  expect(fromFile).toBeGreaterThan(0);
});

afterAll(async () => {
  for (const s of [plain, tls]) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = '';
  let err = '';
  const t0 = Date.now();
  const code = await main(['node', 'pprof-diag', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err, ms: Date.now() - t0 };
}

function oneLine(err: string): string {
  const lines = err.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/internal error/);
  return lines[0]!;
}

describe('live endpoints', () => {
  it('reads a port the fetch API refuses', async () => {
    await expect(fetch(`${badBase}/debug/pprof/goroutine`)).rejects.toThrow();
    const r = await run(['analyze', '--format', 'json', `${badBase}/debug/pprof/goroutine`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { inputs: { kind: string; goroutines: number }[] };
    expect(doc.inputs[0]).toMatchObject({ kind: 'goroutine', goroutines: fromFile });
  });

  it('stops an answer past --max-size while it streams', async () => {
    streamed = 0;
    const r = await run(['analyze', '--max-size', '1MiB', `${badBase}/endless`]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(/endless: the answer is larger than the 1MiB limit \(raise --max-size\)$/);
    // the client hung up: the server did not get to write its 256 MiB
    await new Promise((r) => setTimeout(r, 200));
    expect(streamed).toBeLessThan(64 << 20);
  });

  it('refuses an answer whose stated length is past --max-size before reading it', async () => {
    const r = await run(['analyze', '--max-size', '1KiB', `${badBase}/debug/pprof/heap`]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(/heap: the answer is [\d.]+KiB, larger than the 1KiB limit \(raise --max-size\)$/);
    const ok = await run(['analyze', '--max-size', '1MiB', '--format', 'json', `${badBase}/debug/pprof/heap`]);
    expect(ok.code).toBe(0);
  });

  it('gives up on a server that sends its headers and stalls', async () => {
    const r = await run(['analyze', '--timeout', '1', `${badBase}/stall`]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(/stall: the answer did not finish within 1 s \(raise --timeout\)$/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('follows a redirect, but never to a file, round in circles, or down from https', async () => {
    const moved = await run(['analyze', '--format', 'json', `${badBase}/moved`]);
    expect(moved.code).toBe(0);
    expect((JSON.parse(moved.out) as { inputs: { kind: string }[] }).inputs[0]!.kind).toBe('goroutine');
    const file = await run(['analyze', `${badBase}/to-file`]);
    expect(file.code).toBe(2);
    expect(oneLine(file.err)).toMatch(/redirected to a file: URL: only http and https are followed$/);
    const loop = await run(['analyze', `${badBase}/loop`]);
    expect(loop.code).toBe(2);
    expect(oneLine(loop.err)).toMatch(/more than 5 redirects/);
    const down = await run(['analyze', '--insecure', `${tlsBase}/to-plain`]);
    expect(down.code).toBe(2);
    expect(oneLine(down.err)).toMatch(/redirected from https to plain http .*: not followed$/);
  });

  it('refuses a self-signed certificate in one line, and --insecure accepts it', async () => {
    const r = await run(['analyze', `${tlsBase}/debug/pprof/goroutine`]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(/the TLS certificate of 127\.0\.0\.1:\d+ is self-signed \(--insecure accepts it\)$/);
    const ok = await run(['analyze', '--insecure', '--format', 'json', `${tlsBase}/debug/pprof/goroutine`]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as { inputs: { goroutines: number }[] }).inputs[0]!.goroutines).toBe(fromFile);
  });

  it('says so in one line when https meets a plain http server, and http a TLS one', async () => {
    const a = await run(['analyze', `${badBase.replace('http:', 'https:')}/debug/pprof/goroutine`]);
    expect(a.code).toBe(2);
    expect(oneLine(a.err)).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed \(does it speak https\?\)/);
    const b = await run(['analyze', '--timeout', '2', `${tlsBase.replace('https:', 'http:')}/debug/pprof/goroutine`]);
    expect(b.code).toBe(2);
    expect(oneLine(b.err)).toMatch(/127\.0\.0\.1:\d+/);
  });

  it('serve reads the URLs it is started with through the same client', async () => {
    let out = '';
    let err = '';
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const flags = { port: 0, host: '127.0.0.1', maxSize: 1 << 30, timeout: 5, rules: [], ignore: [], insecure: true };
    const done = serveCommand([`${badBase}/debug/pprof/goroutine`, `${tlsBase}/debug/pprof/goroutine`], flags, { out: (s) => void (out += s), err: (s) => void (err += s) }, stopped);
    for (let i = 0; i < 100 && !out.includes('serving on'); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /serving on (\S+)/.exec(out)![1]!;
    const report = (await (await fetch(`${url}report?format=json`)).json()) as { inputs: { path: string; goroutines: number }[] };
    stop();
    expect(await done).toBe(0);
    expect(err).toBe('');
    expect(report.inputs.map((i) => i.goroutines)).toEqual([fromFile, fromFile]);
  });
});
