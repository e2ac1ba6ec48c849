/**
 * The pprof reader in pieces (src/decode/pprof-stream.ts), which the command line uses for a
 * large gzip'd profile: for every protobuf profile of the samples and the corpus, the same
 * Profile as the whole content gives, from pieces of many sizes; for damaged ones, an error.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PPROF_PIECES_FROM, readTraceOrBytes } from '../src/cli/trace-input.js';
import { sniff } from '../src/decode/index.js';
import { decodePprof } from '../src/decode/pprof.js';
import { decodePprofPieces } from '../src/decode/pprof-stream.js';
import { DecodeError } from '../src/model/errors.js';
import { corpusFile, manifest, repoRoot } from './helpers/corpus.js';

function files(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** Every protobuf profile's content (gzip undone), samples and corpus. */
function profiles(): { name: string; bytes: Uint8Array }[] {
  const all: { name: string; bytes: Uint8Array }[] = [];
  for (const f of files(path.join(repoRoot, 'samples'), [])) all.push({ name: path.relative(repoRoot, f), bytes: readFileSync(f) });
  for (const row of manifest()) all.push({ name: row.path, bytes: corpusFile(row.path) });
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const { name, bytes } of all) {
    let content: Uint8Array = bytes;
    if (sniff(bytes) === 'gzip') {
      try {
        content = gunzipSync(bytes);
      } catch {
        continue;
      }
    }
    if (content.length > 0 && sniff(content) === 'pprof') out.push({ name, bytes: content });
  }
  return out;
}

function piecesOf(bytes: Uint8Array, size: number): () => AsyncIterable<Uint8Array> {
  return async function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  };
}

async function outcome<T>(f: () => T | Promise<T>): Promise<T | string> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return 'refused';
  }
}

const all = profiles();

describe('the pprof reader in pieces', () => {
  it('has real profiles to read: samples and corpus, heap, CPU, goroutine, mutex and block', () => {
    expect(all.length).toBeGreaterThan(150);
    expect(all.some((p) => !p.name.startsWith('samples/'))).toBe(true);
  });

  for (const { name, bytes } of all) {
    it(`${name}: the same profile from pieces of 1 and 7 (small ones), 4,096 and 1 MiB bytes`, async () => {
      const whole = await outcome(() => decodePprof(bytes));
      for (const size of [...(bytes.length <= 64 * 1024 ? [1] : []), ...(bytes.length <= 1 << 20 ? [7] : []), 4096, 1 << 20]) {
        expect(await outcome(() => decodePprofPieces(piecesOf(bytes, size)))).toEqual(whole);
      }
    });
  }

  it('refuses a profile cut short, or one whose two readings differ', async () => {
    const { bytes } = all.find((p) => p.name.includes('db-pool-pq/go1.27/heap'))!;
    await expect(decodePprofPieces(piecesOf(bytes.subarray(0, bytes.length - 3), 4096))).rejects.toThrow(DecodeError);
    let reading = 0;
    const changing = () => piecesOf(reading++ === 0 ? bytes : bytes.subarray(0, Math.floor(bytes.length / 2)), 4096)();
    await expect(decodePprofPieces(changing)).rejects.toThrow(DecodeError);
    await expect(decodePprofPieces(piecesOf(new Uint8Array(0), 1))).rejects.toThrow(/empty/);
  });
});

describe('the command line on a large gzip\'d pprof profile', () => {
  // the command line reads gzip'd profiles of 32 MiB or more in pieces; here every gzip'd
  // protobuf capture of the samples goes that way (from 0 bytes), and must read as it reads whole
  const fetch = { timeoutMs: 1000, maxBytes: 1 << 30 };
  const gzipped = files(path.join(repoRoot, 'samples'), []).filter((f) => f.endsWith('.pb.gz'));

  it('reads each in pieces into the profile the whole file gives', async () => {
    expect(gzipped.length).toBeGreaterThan(20);
    for (const file of gzipped) {
      const r = await readTraceOrBytes(file, fetch, { onPart: () => {}, streamPprofFrom: 0 });
      expect(r.type, file).toBe('profile');
      if (r.type !== 'profile') continue;
      expect(r.compressed).toBe(true);
      expect(r.profile, file).toEqual(decodePprof(new Uint8Array(gunzipSync(readFileSync(file)))));
    }
  });

  it('leaves the smaller ones, and damaged ones, to be read whole (which says what is wrong)', async () => {
    const file = gzipped.find((f) => f.includes('db-pool-pq/go1.27/heap'))!;
    expect((await readTraceOrBytes(file, fetch, { onPart: () => {}, streamPprofFrom: PPROF_PIECES_FROM })).type).toBe('bytes');
    const dir = mkdtempSync(path.join(tmpdir(), 'pprof-diag-pieces-'));
    const whole = gunzipSync(readFileSync(file));
    // the profile cut short, then gzip'd: the gzip stream is sound, its content is not
    const cut = path.join(dir, 'cut.pb.gz');
    writeFileSync(cut, gzipSync(whole.subarray(0, whole.length - 5)));
    expect((await readTraceOrBytes(cut, fetch, { onPart: () => {}, streamPprofFrom: 0 })).type).toBe('bytes');
    // a gzip stream cut short
    const truncated = path.join(dir, 'truncated.pb.gz');
    const gz = readFileSync(file);
    writeFileSync(truncated, gz.subarray(0, gz.length - 40));
    expect((await readTraceOrBytes(truncated, fetch, { onPart: () => {}, streamPprofFrom: 0 })).type).toBe('bytes');
  });
});

describe('gunzipStream left early', () => {
  // a reader that stops at the first piece (it found the content damaged) must not leave the
  // inflate waiting for room that never comes, nor write into a closed stream
  it('ends without hanging or failing later', async () => {
    const { gunzipStream } = await import('../src/cli/gunzip-node.js');
    const big = gzipSync(new Uint8Array(64 << 20).map((_, i) => (i * 2654435761) >>> 24));
    const once = async function* (): AsyncGenerator<Uint8Array> {
      yield big;
    };
    const failures: unknown[] = [];
    const onFailure = (e: unknown) => failures.push(e);
    process.on('unhandledRejection', onFailure);
    process.on('uncaughtException', onFailure);
    try {
      for (let k = 0; k < 3; k++) {
        let pieces = 0;
        for await (const _ of gunzipStream(once(), 1 << 30)) if (++pieces === 1) break;
        expect(pieces).toBe(1);
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('unhandledRejection', onFailure);
      process.off('uncaughtException', onFailure);
    }
    expect(failures).toEqual([]);
  }, 30_000);
});
