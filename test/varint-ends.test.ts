/**
 * The sample pre-count of the protobuf decoder counts varint ends four bytes at a time: on the
 * bytes of real profiles, at every alignment and length, it gives what counting byte by byte
 * gives, and the count of a profile's samples is as many frames and labels as decoding them gives.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs/minimal.js';
import { countSampleRows, decodePprof, readProfile, varintEnds, WordView } from '../src/decode/pprof.js';

const root = path.resolve(__dirname, '..');
const profiles = ['db-pool-pq/go1.27/goroutine.pb.gz', 'db-pool-pq/go1.27/heap.pb.gz', 'db-conn-churn/go1.27/cpu.pb.gz', 'healthy/go1.27/block.pb.gz'].map((f) =>
  path.join(root, 'samples', f),
);

function byteByByte(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (buf[k]! < 0x80) n++;
  return n;
}

describe('varintEnds', () => {
  for (const file of profiles) {
    it(`counts as byte by byte does on ${path.relative(path.join(root, 'samples'), file)}, at every alignment`, () => {
      const whole = new Uint8Array(gunzipSync(readFileSync(file)));
      // the bytes at offsets 0 to 3 of their buffer, as a stream's pieces or a subarray would be
      for (let shift = 0; shift < 4; shift++) {
        const buf = whole.subarray(shift);
        const words = new WordView().of(buf);
        let checked = 0;
        for (let from = 0; from < Math.min(buf.length, 67); from++) {
          for (const len of [0, 1, 3, 15, 16, 17, 31, 64, 257, 1000, buf.length - from]) {
            const to = Math.min(buf.length, from + len);
            expect(varintEnds(buf, words, from, to)).toBe(byteByByte(buf, from, to));
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(600);
      }
    });
  }

  it('counts, sample by sample, as many frames as the decoded stacks hold', () => {
    for (const file of profiles) {
      const bytes = new Uint8Array(gunzipSync(readFileSync(file)));
      const p = decodePprof(bytes);
      const r = protobuf.Reader.create(bytes);
      const m = readProfile(r);
      expect(m.samples.count).toBe(p.samples.length);
      const rows = countSampleRows(r, m.samples);
      expect(p.samples.stack.length).toBeGreaterThan(0);
      expect(rows.frames).toBe(p.samples.stack.length);
      expect(rows.labels).toBe(p.samples.labelKey.length);
    }
  });
});
