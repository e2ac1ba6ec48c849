/**
 * Bad input gets a DecodeError with one clear line: truncated gzip, garbage, empty files,
 * HTML error pages, decompression bombs, out-of-range string indices, absurd varints.
 * The broken inputs are derived from real corpus profiles (cut, corrupted or re-encoded).
 */
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { gunzipNode } from '../src/cli/gunzip-node.js';
import { decode, sniff } from '../src/decode/index.js';
import { gunzipPako } from '../src/decode/gzip.js';
import { decodePprof } from '../src/decode/pprof.js';
import { DecodeError } from '../src/model/errors.js';
import { corpusFile, repoRoot } from './helpers/corpus.js';

const GOROUTINE = 'laixintao-flameshow/goroutine.out';
const HEAP = 'grafana-pyroscope/pkg/pprof/testdata/heap';

function errorOf(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as Error).message).not.toMatch(/\n/);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError, but decoding succeeded');
}

const root = protobuf.loadSync(path.join(repoRoot, 'proto', 'profile.proto'));
const ProfileMsg = root.lookupType('perftools.profiles.Profile');

describe('bad input', () => {
  it('rejects an empty input', () => {
    expect(errorOf(() => decode(new Uint8Array(0))).message).toMatch(/empty/);
  });

  for (const gunzip of [gunzipPako, gunzipNode]) {
    const name = gunzip === gunzipPako ? 'pako' : 'zlib';
    it(`reports a truncated gzip stream (${name})`, () => {
      const real = corpusFile(GOROUTINE);
      for (const cut of [3, 20, Math.floor(real.length / 2), real.length - 1]) {
        expect(errorOf(() => decode(real.subarray(0, cut), { gunzip })).message).toMatch(/truncated gzip/);
      }
    });

    it(`stops a decompression bomb at the limit (${name})`, () => {
      const bomb = new Uint8Array(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
      expect(bomb.length).toBeLessThan(100_000);
      const msg = errorOf(() => decode(bomb, { gunzip, maxDecompressedBytes: 8 * 1024 * 1024 })).message;
      expect(msg).toMatch(/more than 8MiB /);
      expect(msg).toMatch(/--max-size/);
    });

    it(`stops a bomb past 64MiB by the ratio rule, long before --max-size (${name})`, () => {
      // eight gzip members of 64 MiB of zeros each: one stream of 512 MiB from about 520 KB
      const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
      const bomb = new Uint8Array(Buffer.concat(Array.from({ length: 8 }, () => member)));
      const msg = errorOf(() => decode(bomb, { gunzip })).message;
      expect(msg).toMatch(/^inflates more than 300 times its compressed size past 64MiB \(a decompression bomb\?\); raise --max-ratio to read it anyway$/);
      // raised, it reads as far as --max-size allows
      expect(errorOf(() => decode(bomb, { gunzip, maxRatio: 5000, maxDecompressedBytes: 100 * 1024 * 1024 })).message).toMatch(/more than 100MiB .*--max-size/);
    });

    it(`reports corrupt compressed data (${name})`, () => {
      const real = corpusFile(GOROUTINE).slice();
      for (let i = 40; i < 400; i += 3) real[i] = real[i]! ^ 0x5a;
      expect(errorOf(() => decode(real, { gunzip })).message).toMatch(/gzip|pprof|not a/);
    });
  }

  it('rejects garbage bytes', () => {
    const garbage = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < garbage.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      garbage[i] = x >>> 24;
    }
    errorOf(() => decode(garbage));
  });

  it('rejects an HTML error page saved as a profile', () => {
    const html = new TextEncoder().encode('<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n');
    expect(sniff(html)).toBe('html');
    expect(errorOf(() => decode(html)).message).toMatch(/HTML page/);
  });

  it('rejects plain text and JSON with what they look like', () => {
    expect(errorOf(() => decode(new TextEncoder().encode('404 page not found\n'))).message).toMatch(/404 page not found/);
    expect(errorOf(() => decode(new TextEncoder().encode('{"error":"forbidden"}'))).message).toMatch(/JSON/);
  });

  it('rejects a profile whose string indices are out of range', () => {
    const raw = gunzipNode(corpusFile(HEAP), 1 << 30);
    const msg = ProfileMsg.decode(raw) as unknown as { stringTable: string[] };
    expect(msg.stringTable.length).toBeGreaterThan(100);
    msg.stringTable = msg.stringTable.slice(0, 10);
    const broken = ProfileMsg.encode(msg as unknown as protobuf.Message).finish();
    expect(errorOf(() => decodePprof(broken)).message).toMatch(/string \d+, but the string table has 10 entries/);
  });

  it('rejects a profile whose samples point at missing locations', () => {
    const raw = gunzipNode(corpusFile(HEAP), 1 << 30);
    const msg = ProfileMsg.decode(raw) as unknown as { location: unknown[] };
    msg.location = msg.location.slice(0, 5);
    const broken = ProfileMsg.encode(msg as unknown as protobuf.Message).finish();
    expect(errorOf(() => decodePprof(broken)).message).toMatch(/location \d+, which does not exist/);
  });

  it('rejects absurd varints and lengths without allocating', () => {
    // a sample_type field whose length claims 2^35 bytes
    const huge = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x08, 0x01]);
    errorOf(() => decodePprof(huge));
    // an 11-byte varint
    const long = new Uint8Array([0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    errorOf(() => decodePprof(long));
  });

  it('reports a truncated (uncompressed) protobuf', () => {
    const raw = gunzipNode(corpusFile(HEAP), 1 << 30);
    for (const cut of [1, 100, 5000, raw.length - 3]) {
      errorOf(() => decode(raw.subarray(0, cut)));
    }
  });
});

describe('protobufjs cross-check', () => {
  it('sees the same samples, locations and functions as the full protobufjs decoder', () => {
    for (const rel of [GOROUTINE, HEAP, 'google-pprof/internal/proftest/testdata/large.cpu', 'darshand15-badger/mutex.prof']) {
      const raw = gunzipNode(corpusFile(rel), 1 << 30);
      const full = ProfileMsg.toObject(ProfileMsg.decode(raw), { longs: Number }) as {
        sample: { value: number[]; locationId: number[] }[];
        location: unknown[];
        function: unknown[];
      };
      const d = decode(raw);
      if (d.type !== 'profile') throw new Error('not a profile');
      const p = d.profile;
      expect(p.samples.length).toBe(full.sample.length);
      expect(p.locations.length).toBe(full.location.length);
      expect(p.functions.length).toBe(full.function.length);
      const k = p.sampleTypes.length;
      for (let i = 0; i < full.sample.length; i += 97) {
        expect(Array.from(p.samples.values.subarray(i * k, i * k + k))).toEqual(full.sample[i]!.value);
        expect(p.samples.stackStart[i + 1]! - p.samples.stackStart[i]!).toBe(full.sample[i]!.locationId.length);
      }
    }
  });
});
