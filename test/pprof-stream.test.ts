/**
 * The pprof reader in pieces (src/decode/pprof-stream.ts), which the command line uses for a
 * large gzip'd profile: for every protobuf profile of the samples and the corpus, the same
 * Profile as the whole content gives, from pieces of many sizes; for damaged ones, an error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PPROF_PIECES_FROM, readTraceOrBytes } from '../src/cli/trace-input.js';
import { concatBytes } from '../src/decode/gzip.js';
import { sniff } from '../src/decode/index.js';
import { decodePprof } from '../src/decode/pprof.js';
import { decodePprofPieces } from '../src/decode/pprof-stream.js';
import { DecodeError } from '../src/model/errors.js';
import { sampleTypeTotals } from '../src/model/stacks.js';
import { corpusFile, filesUnder, manifest, repoRoot } from './helpers/corpus.js';

/** Every protobuf profile's content (gzip undone), samples and corpus. */
function profiles(): { name: string; bytes: Uint8Array }[] {
  const all: { name: string; bytes: Uint8Array }[] = [];
  for (const f of filesUnder(path.join(repoRoot, 'samples'))) all.push({ name: path.relative(repoRoot, f), bytes: readFileSync(f) });
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
  const gzipped = filesUnder(path.join(repoRoot, 'samples')).filter((f) => f.endsWith('.pb.gz'));

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

/** A varint at `at`: its value and where it ends. */
function varintAt(b: Uint8Array, at: number): { value: number; end: number } {
  let value = 0;
  for (let shift = 1; ; shift *= 128) {
    const x = b[at++]!;
    value += (x & 0x7f) * shift;
    if (x < 0x80) return { value, end: at };
  }
}

function varintBytes(v: number, width = 0): number[] {
  const out: number[] = [];
  do {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  } while (v > 0 || out.length < width);
  out[out.length - 1]! &= 0x7f;
  return out;
}

/** The Profile message's top-level fields as written: field number, and the bytes after the tag. */
function topLevelFields(b: Uint8Array): { field: number; rest: Uint8Array }[] {
  const out: { field: number; rest: Uint8Array }[] = [];
  for (let at = 0; at < b.length; ) {
    const tag = varintAt(b, at);
    const wt = tag.value & 7;
    let end: number;
    if (wt === 0) end = varintAt(b, tag.end).end;
    else if (wt === 2) {
      const n = varintAt(b, tag.end);
      end = n.end + n.value;
    } else end = tag.end + (wt === 1 ? 8 : 4);
    out.push({ field: tag.value, rest: b.subarray(tag.end, end) });
    at = end;
  }
  return out;
}

function join(parts: (Uint8Array | number[])[]): Uint8Array {
  return concatBytes(
    parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))),
    parts.reduce((n, p) => n + p.length, 0),
  );
}

const SAMPLE_TAG = (2 << 3) | 2;

/** A Sample field's bytes after its tag with its packed location ids (field 1) written `times` times over. */
function deeperSample(rest: Uint8Array, times: number): Uint8Array {
  const n = varintAt(rest, 0);
  const parts: (Uint8Array | number[])[] = [];
  for (const f of topLevelFields(rest.subarray(n.end))) {
    if (f.field !== ((1 << 3) | 2)) {
      parts.push(varintBytes(f.field), f.rest);
      continue;
    }
    const ids = f.rest.subarray(varintAt(f.rest, 0).end);
    parts.push([f.field], varintBytes(ids.length * times), ...new Array<Uint8Array>(times).fill(ids));
  }
  const payload = join(parts);
  return join([varintBytes(payload.length), payload]);
}

describe('the samples as the first pass finds them', () => {
  // the first pass notes the samples as runs of fields that follow one another; a profile that
  // writes them otherwise (among the other fields, tags or lengths in more bytes than needed:
  // valid protobuf that Go does not write) reads as the profile written plainly
  const withSamples = all.filter((p) => topLevelFields(p.bytes).filter((f) => f.field === SAMPLE_TAG).length > 3);

  it('has profiles of many samples to rewrite', () => {
    expect(withSamples.length).toBeGreaterThan(100);
  });

  for (const { name, bytes } of withSamples) {
    it(`${name}: the same profile with its samples among the other fields, their tags or lengths in more bytes`, () => {
      const fields = topLevelFields(bytes);
      const samples = fields.filter((f) => f.field === SAMPLE_TAG);
      const others = fields.filter((f) => f.field !== SAMPLE_TAG);
      const plain = decodePprof(bytes);
      // each sample followed by one of the other fields while they last (each field keeps its order)
      const interleaved: (Uint8Array | number[])[] = [];
      samples.forEach((s, i) => {
        interleaved.push([SAMPLE_TAG], s.rest);
        if (i < others.length) interleaved.push(varintBytes(others[i]!.field), others[i]!.rest);
      });
      for (const o of others.slice(samples.length)) interleaved.push(varintBytes(o.field), o.rest);
      expect(decodePprof(join(interleaved))).toEqual(plain);
      // every fourth sample's tag in two bytes
      const longTags = fields.flatMap((f, i) => [f.field === SAMPLE_TAG && i % 4 === 0 ? [SAMPLE_TAG | 0x80, 0] : varintBytes(f.field), f.rest]);
      expect(decodePprof(join(longTags))).toEqual(plain);
      // every second sample's length in two bytes, every third one's in three
      const longLengths = fields.flatMap((f, i) => {
        if (f.field !== SAMPLE_TAG || (i % 2 !== 0 && i % 3 !== 0)) return [varintBytes(f.field), f.rest];
        const n = varintAt(f.rest, 0);
        return [[SAMPLE_TAG], varintBytes(n.value, i % 3 === 0 ? 3 : 2), f.rest.subarray(n.end)];
      });
      expect(decodePprof(join(longLengths))).toEqual(plain);
    });
  }

  it('reads samples of 128 bytes and more (lengths of two bytes) in a run as one by one', () => {
    // each sample's stack repeated eight times over: stacks as deep as a deep handler's, one
    // sample a run (each after another field) against all samples in one run
    let checked = 0;
    for (const { name, bytes } of withSamples.filter((p) => p.bytes.length < 1 << 18)) {
      const fields = topLevelFields(bytes).map((f) => (f.field === SAMPLE_TAG ? { field: f.field, rest: deeperSample(f.rest, 8) } : f));
      if (!fields.some((f) => f.field === SAMPLE_TAG && f.rest[0]! >= 0x80)) continue;
      const samples = fields.filter((f) => f.field === SAMPLE_TAG);
      const others = fields.filter((f) => f.field !== SAMPLE_TAG);
      const oneRun = join([...samples, ...others].flatMap((f) => [varintBytes(f.field), f.rest]));
      const oneByOne: (Uint8Array | number[])[] = [];
      samples.forEach((f, i) => oneByOne.push([SAMPLE_TAG], f.rest, ...(i < others.length ? [varintBytes(others[i]!.field), others[i]!.rest] : [])));
      for (const o of others.slice(samples.length)) oneByOne.push(varintBytes(o.field), o.rest);
      expect(decodePprof(oneRun), name).toEqual(decodePprof(join(oneByOne)));
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('sums each sample type as it reads, as sampleTypeTotals sums the values afresh', async () => {
    let checked = 0;
    for (const { name, bytes } of all) {
      for (const p of [await outcome(() => decodePprof(bytes)), await outcome(() => decodePprofPieces(piecesOf(bytes, 1 << 20)))]) {
        if (typeof p === 'string') continue;
        const k = p.sampleTypes.length;
        const sums = new Array<number>(k).fill(0);
        for (let i = 0; i < p.samples.length; i++) for (let j = 0; j < k; j++) sums[j]! += p.samples.values[i * k + j]!;
        expect(sampleTypeTotals(p), name).toEqual(sums);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('refuses a sample whose length runs past the end, in a run or at its start', () => {
    const { bytes } = withSamples.find((p) => p.name.includes('db-pool-pq/go1.27/goroutine'))!;
    const fields = topLevelFields(bytes);
    const at = fields.findIndex((f) => f.field === SAMPLE_TAG) + 2;
    for (const k of [at - 2, at]) {
      const cut = join(fields.slice(0, k + 1).map((f, i) => join([varintBytes(f.field), i === k ? f.rest.subarray(0, f.rest.length - 1) : f.rest])));
      expect(() => decodePprof(cut)).toThrow(/truncated protobuf/);
    }
  });
});
