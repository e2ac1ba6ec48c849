/**
 * The debug=2 and debug=1 readers fed their text in pieces give the same profile as the whole
 * text, over every goroutine dump and traceback the samples and the shared corpus hold: pieces of 1 byte (only for
 * the smaller files, it is slow), 7 bytes and 64 KiB, so that lines, CRLF ends and multi-byte
 * characters are split between pieces; and the command line's reading of a dump from its bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeGoroutineDebug2, GoroutineDebug2Stream } from '../src/decode/goroutine-debug2.js';
import { firstRecordForm } from '../src/decode/goroutine-text.js';
import { needsUnpaste, unpaste } from '../src/decode/paste.js';
import type { Profile } from '../src/model/profile.js';
import { decodeDumpPieces, wholeCharsEnd } from '../src/cli/goroutine-input.js';
import { decodeGoroutineDebug1, GoroutineDebug1Stream } from '../src/decode/goroutine-debug1.js';
import { VERSION } from '../src/cli/setup.js';
import { readTraceOrBytes } from '../src/cli/trace-input.js';
import { analyze, render } from '../src/pipeline.js';
import { corpusFile, manifest, repoRoot } from './helpers/corpus.js';

function sampleTexts(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) sampleTexts(p, out);
    else if (e.endsWith('.txt')) out.push(p);
  }
  return out;
}

/** Every text input read by the reader of `form`, as it reads it (after any paste repair). */
function inputs(form: 'debug1' | 'debug2'): { name: string; text: string }[] {
  const all: { name: string; bytes: Uint8Array }[] = [];
  for (const f of sampleTexts(path.join(repoRoot, 'samples'), [])) all.push({ name: path.relative(repoRoot, f), bytes: readFileSync(f) });
  for (const row of manifest()) {
    if (row.kind.startsWith('text-') && !row.gzip) all.push({ name: row.path, bytes: corpusFile(row.path) });
  }
  const out: { name: string; text: string }[] = [];
  for (const { name, bytes } of all) {
    let text = new TextDecoder().decode(bytes);
    if (needsUnpaste(text.slice(0, 65536))) text = unpaste(text).text;
    if (firstRecordForm(text) === form) out.push({ name, text });
  }
  return out;
}

function decodeInPieces(text: string, size: number, form: 'debug1' | 'debug2' = 'debug2'): Profile {
  const s = form === 'debug1' ? new GoroutineDebug1Stream() : new GoroutineDebug2Stream();
  for (let at = 0; at < text.length; at += size) s.push(text.slice(at, at + size));
  return s.end();
}

function outcome(f: () => Profile): Profile | string {
  try {
    return f();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

const texts = inputs('debug2');
const texts1 = inputs('debug1');

describe('the debug=2 reader in pieces', () => {
  it('has real dumps to read: samples and corpus, with panics, races and several dumps in one text', () => {
    expect(texts.length).toBeGreaterThan(90);
    expect(texts.some((t) => t.name.startsWith('samples/runtime-verdicts/data-race'))).toBe(true);
    expect(texts.some((t) => !t.name.startsWith('samples/'))).toBe(true);
    const several = texts.filter((t) => (decodeGoroutineDebug2(t.text).repairs ?? []).some((r) => /dumps/.test(r)));
    expect(several.length).toBeGreaterThan(0);
  });

  for (const { name, text } of texts) {
    it(`${name}: the same profile from pieces of 1, 7 and 65,536 characters`, () => {
      const whole = outcome(() => decodeGoroutineDebug2(text));
      const sizes = text.length <= 40_000 ? [1, 7, 65536] : [7, 65536];
      for (const size of sizes) expect(outcome(() => decodeInPieces(text, size)), `pieces of ${size}`).toEqual(whole);
    });
  }
});

describe('the debug=1 reader in pieces', () => {
  it('has real dumps to read: samples and corpus, goroutine, goroutineleak and threadcreate profiles', () => {
    expect(texts1.length).toBeGreaterThan(50);
    expect(texts1.some((t) => !t.name.startsWith('samples/'))).toBe(true);
    expect(texts1.some((t) => decodeGoroutineDebug1(t.text).kind === 'goroutineleak')).toBe(true);
  });

  for (const { name, text } of texts1) {
    it(`${name}: the same profile from pieces of 1, 7 and 65,536 characters`, () => {
      const whole = outcome(() => decodeGoroutineDebug1(text));
      const sizes = text.length <= 40_000 ? [1, 7, 65536] : [7, 65536];
      for (const size of sizes) expect(outcome(() => decodeInPieces(text, size, 'debug1')), `pieces of ${size}`).toEqual(whole);
    });
  }
});

describe('a debug=2 dump read from its bytes in pieces (the command line)', () => {
  const real = readFileSync(path.join(repoRoot, 'samples/goroutine-forms/go1.27/goroutine.debug2.txt'));
  // mechanical variants of the real dump: two- and four-byte characters in every function name,
  // and a byte order mark before the first line
  const wide = new TextEncoder().encode(new TextDecoder().decode(real).replaceAll('main.', 'mäin😀.'));
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...real]);

  async function* inPieces(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
  }

  for (const [name, bytes] of [['the dump', real], ['with wide characters', wide], ['with a byte order mark', bom]] as const) {
    it(`${name}: the profile of the whole text from pieces of 1, 7 and 65,536 bytes`, async () => {
      const whole = decodeGoroutineDebug2(new TextDecoder().decode(bytes));
      expect(whole.samples.length).toBeGreaterThan(5);
      for (const size of [1, 7, 65536]) expect(await decodeDumpPieces(inPieces(bytes, size), 'debug2'), `pieces of ${size}`).toEqual(whole);
    });
  }

  /** The bytes in pieces of `size`, each read into the same Buffer over the one before, as a file's are. */
  async function* inOneBuffer(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    const buf = Buffer.alloc(size);
    for (let at = 0; at < b.length; at += size) {
      const n = Math.min(size, b.length - at);
      buf.set(b.subarray(at, at + n));
      yield buf.subarray(0, n);
    }
  }

  // the largest dumps of the samples: 1.5 MB of debug=2, 55 KB of debug=1
  const big = readFileSync(path.join(repoRoot, 'samples/db-connect-storm/go1.27/goroutine.debug2.txt'));
  const real1 = readFileSync(path.join(repoRoot, 'samples/sql-tx-leak/go1.27/goroutine.debug1.txt'));
  for (const [name, bytes, form] of [
    ['a debug=2 dump of 1.5 MB', big, 'debug2'],
    ['with wide characters', wide, 'debug2'],
    ['a debug=1 dump', real1, 'debug1'],
  ] as const) {
    it(`${name}: the profile of the whole text from pieces read into one buffer, used again (7 bytes to 1 MiB)`, async () => {
      const text = new TextDecoder().decode(bytes);
      const whole = form === 'debug1' ? decodeGoroutineDebug1(text) : decodeGoroutineDebug2(text);
      expect(whole.samples.length).toBeGreaterThan(5);
      // (pieces longer than the 64 KiB strings the command line makes of ASCII, and than the file)
      for (const size of [7, 4096, 100_000, 1 << 20]) {
        expect(await decodeDumpPieces(inOneBuffer(bytes, size), form), `pieces of ${size}`).toEqual(whole);
      }
    });
  }

  // a debug=1 dump read from its bytes (GoroutineDebug1Stream.pushBytes): every dump of the
  // samples and the corpus, and mechanical variants of real ones, give the whole text's outcome
  async function outcomeOf(f: () => Promise<Profile>): Promise<Profile | string> {
    try {
      return await f();
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
  const sizesFor = (n: number) => (n <= 100_000 ? [7, 4096, 1 << 20] : [4096, 1 << 20]);
  for (const { name, text } of texts1) {
    it(`${name}: the profile of the whole text from its bytes, in pieces read into one buffer`, async () => {
      const whole = outcome(() => decodeGoroutineDebug1(text));
      const bytes = new TextEncoder().encode(text);
      for (const size of sizesFor(bytes.length)) {
        expect(await outcomeOf(() => decodeDumpPieces(inOneBuffer(bytes, size), 'debug1')), `pieces of ${size}`).toEqual(whole);
      }
    });
  }

  const forms = readFileSync(path.join(repoRoot, 'samples/goroutine-forms/go1.27/goroutine.debug1.txt'), 'latin1');
  const record = /^(\d+ @)((?: 0x[0-9a-f]+)+)$/gm;
  const variants: [string, string][] = [
    ['CRLF line ends', real1.toString('latin1').replace(/\n/g, '\r\n')],
    ['addresses zero-padded', real1.toString('latin1').replace(record, (_, head: string, pcs: string) => head + pcs.replace(/0x([0-9a-f]+)/g, (_m, h: string) => '0x' + h.padStart(16, '0')))],
    ['addresses in upper case', real1.toString('latin1').replace(record, (_, head: string, pcs: string) => head + pcs.replace(/0x([0-9a-f]+)/g, (_m, h: string) => '0x' + h.toUpperCase()))],
    ['two dumps, one after the other', forms + real1.toString('latin1')],
    ['no newline at the end', real1.toString('latin1').replace(/\n+$/, '')],
    ['blank lines doubled, a log line between records', real1.toString('latin1').replace(/\n\n/g, '\n\n\n').replace(/\n\n(\d+ @)/, '\n\nlevel=info msg=dump\n$1')],
  ];
  for (const [name, text] of variants) {
    it(`a real debug=1 dump with ${name}: the profile of the whole text from its bytes`, async () => {
      const whole = outcome(() => decodeGoroutineDebug1(text));
      expect(typeof whole).not.toBe('string');
      const bytes = new TextEncoder().encode(text);
      for (const size of [7, 4096, 1 << 20]) {
        expect(await outcomeOf(() => decodeDumpPieces(inOneBuffer(bytes, size), 'debug1')), `pieces of ${size}`).toEqual(whole);
      }
    });
  }

  it('wide characters keep their bytes together: a piece ends before a character it cannot finish', () => {
    const b = new TextEncoder().encode('a😀ä');
    expect(wholeCharsEnd(b)).toBe(b.length);
    for (let n = 0; n <= b.length; n++) expect(new TextDecoder().decode(b.subarray(0, wholeCharsEnd(b.subarray(0, n)))), `${n} bytes`).not.toMatch(/\uFFFD/);
    expect(wholeCharsEnd(b.subarray(0, 3))).toBe(1);
    expect(wholeCharsEnd(b.subarray(0, 6))).toBe(5);
  });
});

describe('pprof-diag analyze on a debug=2 dump', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pprof-diag-debug2-'));
  const source = path.join(repoRoot, 'samples/redis-pool-wait/go1.27/goroutine.debug2.txt');
  const bytes = new Uint8Array(readFileSync(source));
  const plain = path.join(dir, 'goroutine.debug2.txt');
  const gz = path.join(dir, 'goroutine.debug2.txt.gz');
  writeFileSync(plain, bytes);
  writeFileSync(gz, gzipSync(bytes));
  const fetch = { timeoutMs: 1000, maxBytes: 1 << 30 };

  it('reads it as it comes, plain or gzip\'d: a profile, not bytes', async () => {
    for (const file of [plain, gz]) {
      const seen: number[] = [];
      const r = await readTraceOrBytes(file, fetch, { onPart: () => {}, streamDumps: true, onDumpProgress: (done) => seen.push(done) });
      expect(r.type, file).toBe('profile');
      if (r.type !== 'profile') continue;
      expect(r.compressed).toBe(file === gz);
      expect(r.profile).toEqual(decodeGoroutineDebug2(new TextDecoder().decode(bytes)));
      expect(seen.at(-1)).toBe(statSync(file).size);
    }
  });

  it('reads a debug=1 dump as it comes too, plain or gzip\'d', async () => {
    const text1 = readFileSync(path.join(repoRoot, 'samples/redis-pool-wait/go1.27/goroutine.debug1.txt'));
    for (const [name, b] of [
      ['goroutine.debug1.txt', text1],
      ['goroutine.debug1.txt.gz', gzipSync(text1)],
    ] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, b);
      const r = await readTraceOrBytes(file, fetch, { onPart: () => {}, streamDumps: true });
      expect(r.type, file).toBe('profile');
      if (r.type === 'profile') expect(r.profile).toEqual(decodeGoroutineDebug1(new TextDecoder().decode(text1)));
    }
  });

  it('reads a pasted dump (a log prefix before every line) whole, for the paste repairs', async () => {
    const text = new TextDecoder().decode(bytes).replace(/^/gm, '2026-12-01T10:00:00.123Z stderr F ');
    const pasted = path.join(dir, 'pasted.txt');
    writeFileSync(pasted, text);
    const r = await readTraceOrBytes(pasted, fetch, { onPart: () => {}, streamDumps: true });
    expect(r.type).toBe('bytes');
  });

  it('prints the report the whole file gives', () => {
    const want = render(analyze([{ name: plain, bytes }]), 'text', { toolVersion: VERSION });
    expect(want).toMatch(/goroutine/);
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'pprof-diag.js'), 'analyze', '--quiet', plain], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(want);
    const z = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'pprof-diag.js'), 'analyze', '--quiet', '--max-samples', '10', gz], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(z.status).toBe(2);
    expect(z.stderr).toMatch(/^pprof-diag: .*goroutine\.debug2\.txt\.gz: .*more than the limit of 10 \(raise --max-samples to read it\)\n$/);
  });
});

describe('a gzip\'d trace larger than the head read to tell it', () => {
  it('is still told a trace and read a generation at a time', async () => {
    // quiet-controls' Go 1.27 trace holds more than the 64 KiB of content the head is read for
    const source = path.join(repoRoot, 'samples/quiet-controls/go1.27/trace.out');
    const bytes = readFileSync(source);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const gz = path.join(mkdtempSync(path.join(tmpdir(), 'pprof-diag-trace-gz-')), 'trace.out.gz');
    writeFileSync(gz, gzipSync(bytes));
    let parts = 0;
    const r = await readTraceOrBytes(gz, { timeoutMs: 1000, maxBytes: 1 << 30 }, { onPart: () => void parts++ });
    expect(r.type).toBe('trace');
    expect(r.type === 'trace' && r.compressed).toBe(true);
    expect(parts).toBeGreaterThan(0);
  });
});
