/**
 * `pprof-diag serve` over real HTTP: the built command started as a process on loopback, the
 * upload page, the API in every format, several files of one incident, a pasted dump, every
 * error status, the size limit, path traversal, and fifty uploads at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/corpus.js';
import { parseReport } from './helpers/schema.js';
import { applyAll } from './helpers/paste-variants.js';

const BIN = path.join(repoRoot, 'bin', 'pprof-diag.js');
const dir = (s: string) => path.join(repoRoot, 'samples', s, 'go1.27');
const bytes = (f: string) => new Uint8Array(readFileSync(f));
let child: ChildProcess;
let base = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['--expose-gc', BIN, 'serve', '--port', '0', '--max-size', '4MB', path.join(dir('mutex-hot'), 'goroutine.pb.gz')], { stdio: ['ignore', 'pipe', 'pipe'] });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving on (http:\/\/[^\s/]+\/)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
  });
}, 40_000);

afterAll(() => {
  child?.kill('SIGTERM');
});

async function post(query: string, body: BodyInit, type?: string) {
  const r = await fetch(`${base}api/analyze${query}`, { method: 'POST', body, ...(type ? { headers: { 'Content-Type': type } } : {}) });
  return { status: r.status, type: r.headers.get('content-type') ?? '', csp: r.headers.get('content-security-policy'), text: await r.text() };
}

describe('serve', () => {
  it('listens on loopback and answers its health', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const h = await (await fetch(`${base}api/health`)).json();
    expect(h).toMatchObject({ status: 'ok' });
    expect(h.memory.heapUsed).toBeGreaterThan(0);
  });

  it('serves the page, locked down: its own script and worker, a plain form without script', async () => {
    const r = await fetch(base);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'; worker-src 'self';.*form-action 'self'/);
    const page = await r.text();
    expect(page).toContain('<script src="app.js"></script>');
    expect(page).toMatch(/<noscript>[\s\S]*<form method="post" action="\/api\/analyze" enctype="multipart\/form-data">[\s\S]*<\/noscript>/);
    for (const f of ['app.js', 'worker.js', 'app.css', 'viewer-assets.json']) expect((await fetch(base + f)).status, f).toBe(200);
  });

  it('reports the inputs given at start', async () => {
    const r = await fetch(`${base}report?format=json`);
    expect(r.status).toBe(200);
    const first = await r.text();
    expect(parseReport(first).findings.map((f: { id: string }) => f.id)).toContain('mutex-contention');
    // rendered once: the same bytes again; and a format it has not is the caller's mistake
    expect(await (await fetch(`${base}report?format=json`)).text()).toBe(first);
    const bad = await fetch(`${base}report?format=pdf`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/^format must be json, md, html or text/);
  });

  it('answers a raw upload in every format, as the command line would', async () => {
    const body = bytes(path.join(dir('db-pool-pq'), 'goroutine.pb.gz'));
    const json = await post('?format=json', body, 'application/octet-stream');
    expect(json.status).toBe(200);
    expect(json.type).toMatch(/^application\/json/);
    expect(parseReport(json.text).verdict).toMatch(/^CRITICAL: database\/sql connection pool exhausted/);
    const md = await post('?format=md', body);
    expect(md.type).toMatch(/^text\/markdown/);
    expect(md.text).toMatch(/^# pprof-diag report\n\n\*\*CRITICAL: database\/sql connection pool exhausted/);
    const html = await post('?format=html', body, 'application/octet-stream');
    expect(html.type).toMatch(/^text\/html/);
    expect(html.csp).toMatch(/^default-src 'none'; script-src 'sha256-/);
    expect(html.text).toContain('<script type="application/json" id="report-data">');
    const text = await post('?format=text', body, 'application/octet-stream');
    expect(text.text).toMatch(/^CRITICAL: database\/sql connection pool exhausted/);
  });

  it('takes several files of one incident, and a pasted dump, as a form', async () => {
    const form = new FormData();
    form.append('files', new Blob([bytes(path.join(dir('chan-leak'), 'goroutine.2.pb.gz'))]), 'goroutine.2.pb.gz');
    form.append('files', new Blob([bytes(path.join(dir('chan-leak'), 'goroutine.pb.gz'))]), 'goroutine.pb.gz');
    form.append('format', 'json');
    const r = await post('', form);
    expect(r.status).toBe(200);
    const doc = parseReport(r.text);
    expect(doc.inputs.map((i: { path: string }) => i.path)).toEqual(['goroutine.2.pb.gz', 'goroutine.pb.gz']);
    expect(doc.notes.join(' ')).toMatch(/out of time order/);
    expect(doc.findings[0].id).toBe('chan-leak');

    const dump = readFileSync(path.join(dir('db-pool-pq'), 'goroutine.debug2.txt'), 'utf8');
    const paste = new FormData();
    paste.append('text', applyAll(['criPrefix'], dump, { earlier: dump, form: 'debug2' }));
    const p = parseReport((await post('?format=json', paste)).text);
    expect(p.inputs[0].path).toBe('pasted text');
    expect(p.inputs[0].repairs[0]).toMatch(/a prefix like .* removed/);
    expect(p.findings[0].id).toBe('db-pool-exhausted');
  });

  it('says what is wrong with one clear JSON line and the right status', async () => {
    const garbage = await post('', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 250, 251]), 'application/octet-stream');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.text).error).toMatch(/^upload: /);
    expect((await post('', new Uint8Array(0), 'application/octet-stream')).status).toBe(400);
    expect((await post('?format=pdf', bytes(path.join(dir('db-pool-pq'), 'goroutine.pb.gz')), 'application/octet-stream')).status).toBe(400);
    const big = await post('', new Uint8Array(5 * 1024 * 1024), 'application/octet-stream');
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text).error).toMatch(/larger than the limit/);
    const png = await post('', new Uint8Array([0x89, 0x50]), 'image/png');
    expect(png.status).toBe(415);
    const url = new FormData();
    url.append('url', 'http://127.0.0.1:1/debug/pprof/goroutine');
    const fetched = await post('', url);
    expect(fetched.status).toBe(400);
    expect(JSON.parse(fetched.text).error).toMatch(/does not fetch URLs .*--allow-fetch/);
    expect((await fetch(`${base}api/analyze`)).status).toBe(405);
    expect((await fetch(`${base}nothing-here`)).status).toBe(404);
  });

  it('serves no file, whatever the path says', async () => {
    const u = new URL(base);
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/api/../../etc/passwd', '/..%2f..%2fetc%2fpasswd', '//etc/passwd', '/package.json', '/dist/cli/main.js']) {
      // a raw request line, as a client that does not normalise the path sends it
      const { status, body } = await rawGet(u.hostname, Number(u.port), p);
      expect(status, p).toBe(404);
      expect(body).not.toMatch(/root:|"name": "pprof-diag"|import /);
    }
  });

  it('answers fifty uploads at once, and gives the memory back', async () => {
    const before = (await (await fetch(`${base}api/health?gc=1`)).json()).memory.heapUsed as number;
    const body = bytes(path.join(dir('db-pool-pq'), 'goroutine.debug2.txt'));
    const all = await Promise.all(Array.from({ length: 50 }, () => post('?format=json', body, 'text/plain')));
    for (const r of all) {
      expect(r.status).toBe(200);
      expect(parseReport(r.text).findings[0].id).toBe('db-pool-exhausted');
    }
    const after = (await (await fetch(`${base}api/health?gc=1`)).json()).memory.heapUsed as number;
    expect(after).toBeLessThan(before + 32 * 1024 * 1024);
  }, 120_000);
});

import { connect } from 'node:net';
function rawGet(host: string, port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host, () => s.write(`GET ${p} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (c) => (out += c.toString()));
    s.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(out)?.[1] ?? 0), body: out.slice(out.indexOf('\r\n\r\n') + 4) }));
    s.on('error', reject);
  });
}

describe('serve --open', () => {
  it('says so when there is no browser to open, and serves all the same', async () => {
    const c = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--open'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: '/nonexistent' } });
    try {
      const [out, err] = await new Promise<[string, string]>((resolve, reject) => {
        let o = '';
        let e = '';
        c.stdout!.on('data', (x: Buffer) => (o += x.toString()));
        c.stderr!.on('data', (x: Buffer) => {
          e += x.toString();
          if (/open .* yourself/.test(e)) resolve([o, e]);
        });
        setTimeout(() => reject(new Error(`no word about the browser: ${o} ${e}`)), 20_000);
      });
      expect(out).toMatch(/serving on http:\/\/127\.0\.0\.1:\d+\//);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^pprof-diag: could not open a browser \(xdg-open\): open http:\/\/127\.0\.0\.1:\d+\/ yourself/);
    } finally {
      c.kill('SIGTERM');
    }
  }, 30_000);
});
