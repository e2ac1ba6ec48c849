/**
 * Every pprof file in the shared corpus decodes, and its sample types, sample count and
 * per-type totals equal what `go tool pprof -raw` printed for it (test/golden/corpus).
 * Every file the manifest lists as invalid fails with a DecodeError, never another error.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../src/decode/index.js';
import { DecodeError } from '../src/model/errors.js';
import { sampleTypeTotals } from '../src/model/stacks.js';
import { corpusFile, golden, manifest } from './helpers/corpus.js';

const rows = manifest();
const ORACLE = /\.(string|protoc\.txt|pprof\.txt)$/;
const pprofRows = rows.filter((r) => r.kind.startsWith('pprof-') && !ORACLE.test(r.path));
const oracleRows = rows.filter((r) => r.kind.startsWith('pprof-') && ORACLE.test(r.path));

describe('pprof corpus', () => {
  it('has the files the manifest lists', () => {
    expect(pprofRows.length).toBeGreaterThanOrEqual(70);
  });

  for (const row of pprofRows) {
    it(`${row.path} matches go tool pprof -raw`, () => {
      const g = golden(row.path);
      expect(g, `no golden file for ${row.path}: run samples/golden-corpus.sh`).not.toBeNull();
      const bytes = corpusFile(row.path);
      if ('error' in g!) {
        expect(() => decode(bytes)).toThrow(DecodeError);
        return;
      }
      const d = decode(bytes);
      expect(d.type).toBe('profile');
      if (d.type !== 'profile') return;
      const p = d.profile;
      expect(d.compressed).toBe(row.gzip);
      expect(p.sampleTypes).toEqual(g!.summary.sampleTypes);
      expect(p.samples.length).toBe(g!.summary.samples);
      expect(sampleTypeTotals(p)).toEqual(g!.summary.totals);
      if (g!.summary.period !== undefined) expect(p.period).toBe(g!.summary.period);
      if (g!.summary.durationNanos !== undefined) expect(p.durationNanos).toBe(g!.summary.durationNanos);
    });
  }

  for (const row of oracleRows) {
    it(`${row.path} (a text rendering, not a profile) is rejected cleanly`, () => {
      expect(() => decode(corpusFile(row.path))).toThrow(DecodeError);
    });
  }
});

describe('invalid corpus files', () => {
  const invalid = rows.filter((r) => r.kind === 'invalid');
  it('are listed', () => {
    expect(invalid.length).toBeGreaterThan(50);
  });
  for (const row of invalid) {
    // minimised fuzz inputs may be valid by accident: the manifest says "reject or parse"
    const mayParse = /reject or parse/.test(row.note);
    it(`${row.path} ${mayParse ? 'is rejected cleanly or parsed' : 'fails with a clear error'}`, () => {
      let err: unknown = null;
      try {
        decode(corpusFile(row.path));
      } catch (e) {
        err = e;
      }
      if (mayParse && err === null) return;
      expect(err).toBeInstanceOf(DecodeError);
      const msg = (err as Error).message;
      expect(msg).not.toMatch(/\n/);
      expect(msg.length).toBeGreaterThan(5);
    });
  }
});
