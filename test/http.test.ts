/**
 * Live endpoints: a real HTTP server on 127.0.0.1 serving real profiles the way
 * net/http/pprof does, error pages, an HTML page, a slow endpoint, and an unreachable port.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusRoot, repoRoot } from './helpers/corpus.js';
import { parseReport } from './helpers/schema.js';

const BIN = path.join(repoRoot, 'bin', 'pprof-diag.js');

function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const goroutine = readFileSync(path.join(corpusRoot, 'laixintao-flameshow/goroutine.out'));
const cpu = readFileSync(path.join(corpusRoot, 'google-pprof/internal/report/testdata/sample.cpu'));
let server: http.Server;
let base = '';
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(url.pathname + url.search);
    if (url.pathname === '/debug/pprof/goroutine') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(goroutine);
    } else if (url.pathname === '/debug/pprof/profile') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(cpu);
    } else if (url.pathname === '/debug/pprof/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<html><body>/debug/pprof/</body></html>');
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.end(goroutine), 5000);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('live endpoints', () => {
  it('reads a goroutine profile from a running server', async () => {
    const r = await runAsync(['analyze', '--format', 'json', `${base}/debug/pprof/goroutine`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = parseReport(r.stdout);
    expect(doc.inputs[0]).toMatchObject({ path: `${base}/debug/pprof/goroutine`, kind: 'goroutine', goroutines: 7271 });
  });

  it('asks for --seconds of CPU profile', async () => {
    const r = await runAsync(['analyze', '--format', 'json', '--seconds', '2', `${base}/debug/pprof/profile`]);
    expect(r.code).toBe(0);
    expect(seen).toContain('/debug/pprof/profile?seconds=2');
    expect(parseReport(r.stdout).inputs[0].kind).toBe('cpu');
  });

  it('says so when the service answers 404 or an HTML page', async () => {
    const nf = await runAsync(['analyze', `${base}/debug/pprof/nonexistent`]);
    expect(nf.code).toBe(2);
    expect(nf.stderr.trim()).toMatch(/answered 404 Not Found: 404 page not found$/);
    const html = await runAsync(['analyze', `${base}/debug/pprof/`]);
    expect(html.code).toBe(2);
    expect(html.stderr.trim()).toMatch(/answered with an HTML page, not a profile/);
  });

  it('gives up after --timeout', async () => {
    const t0 = Date.now();
    const r = await runAsync(['analyze', '--timeout', '1', `${base}/slow`]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/no answer within 1 s/);
    expect(Date.now() - t0).toBeLessThan(4500);
  });

  it('reports an unreachable URL in one line', async () => {
    // a port that was just free: bind, note it, close
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await runAsync(['analyze', `http://127.0.0.1:${port}/debug/pprof/goroutine`]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/connection refused: nothing listens at 127\.0\.0\.1:\d+$/);
  });
});
