/**
 * `analyze --redact` as a user runs it: a live endpoint, a file and an unreachable endpoint, in
 * text and JSON. The report names no host, path or argument value; the diagnosis is the one the
 * unredacted report gives.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/corpus.js';
import { parseReport } from './helpers/schema.js';

const BIN = path.join(repoRoot, 'bin', 'pprof-diag.js');
const dir = path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27');
const debug2 = readFileSync(path.join(dir, 'goroutine.debug2.txt'));
const MUTEX = path.join(dir, 'mutex.pb.gz');

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

let server: http.Server;
let url = '';
let unreachable = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(debug2);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/debug/pprof/goroutine?debug=2`;
  // a port nothing listens on: one that was just closed
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const dead = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  unreachable = `http://127.0.0.1:${dead}/debug/pprof/goroutine`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('analyze --redact', () => {
  it('names no host, path or argument value, in JSON and text, and keeps the diagnosis', async () => {
    const plainRun = await runAsync(['analyze', '--format', 'json', url, MUTEX, unreachable]);
    const red = await runAsync(['analyze', '--format', 'json', '--redact', url, MUTEX, unreachable]);
    expect(red.code).toBe(2); // the unreachable endpoint
    expect(plainRun.code).toBe(2);
    const before = parseReport(plainRun.stdout);
    const after = parseReport(red.stdout);
    expect(plainRun.stdout).toContain('127.0.0.1');
    expect(plainRun.stdout).toContain(repoRoot);
    expect(plainRun.stdout).toMatch(/0x[0-9a-f]{6,}/);
    for (const out of [red.stdout, (await runAsync(['analyze', '--redact', '--frames', '100', url, MUTEX, unreachable])).stdout]) {
      expect(out).not.toContain('127.0.0.1');
      expect(out).not.toContain(repoRoot);
      expect(out).not.toMatch(/0x[0-9a-fA-F]+/);
      expect(out).toContain('main.(*priceCache).price');
    }
    expect(after).toMatchObject({ redacted: true, redactionNote: expect.stringMatching(/^Redacted: /) });
    expect(before.redacted).toBeUndefined();
    expect(after.inputs.map((i: { path: string }) => i.path)).toEqual([expect.stringMatching(/^http:\/\/host-1:\d+\/debug\/pprof\/goroutine\?debug=…$/), 'input-1']);
    expect(after.errors).toEqual([{ path: expect.stringMatching(/^http:\/\/host-1:\d+\/debug\/pprof\/goroutine$/), message: expect.stringMatching(/^connection refused: nothing listens at host-1:\d+$/) }]);
    const shape = (d: { findings: { id: string; severity: string; goroutines: number; share: number; evidence: { goroutines: number; frames: { function: string; line: number }[] }[] }[] }) =>
      d.findings.map((f) => [f.id, f.severity, f.goroutines, f.share, f.evidence.map((e) => [e.goroutines, e.frames.map((x) => [x.function, x.line])])]);
    expect(before.findings.length).toBeGreaterThan(0);
    expect(shape(after)).toEqual(shape(before));
    expect(after.verdict.split(' ').length).toBe(before.verdict.split(' ').length);
  });
});
