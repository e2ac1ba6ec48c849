/**
 * The samples' traces against `go tool trace -d=parsed` of the Go that wrote them
 * (trace.parsed.summary.json, reduced by samples/lib/trace-summary.mjs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../src/decode/index.js';
import { repoRoot } from './helpers/corpus.js';

interface Summary {
  tool: string;
  listing: string;
  traceHeader: string;
  events: number;
  goroutines: number;
  firstTime: string;
  lastTime: string;
  byKind: Record<string, number>;
}

const samplesDir = path.join(repoRoot, 'samples');
const traces: string[] = [];
for (const s of readdirSync(samplesDir, { withFileTypes: true })) {
  if (!s.isDirectory() || s.name.startsWith('.')) continue;
  for (const v of readdirSync(path.join(samplesDir, s.name))) {
    const dir = path.join(s.name, v);
    if (/^go1\.\d+$/.test(v) && existsSync(path.join(samplesDir, dir, 'trace.out'))) traces.push(dir);
  }
}

function toolMinor(tool: string): number {
  return Number(/^go1\.(\d+)/.exec(tool)![1]);
}

describe('samples/ traces agree with go tool trace -d=parsed', () => {
  it('cover the old format, the go 1.23 header and the newest', () => {
    const headers = new Set(traces.map((d) => (JSON.parse(readFileSync(path.join(samplesDir, d, 'trace.parsed.summary.json'), 'utf8')) as Summary).traceHeader));
    expect(headers).toContain('go 1.19 trace');
    expect(headers).toContain('go 1.23 trace');
    expect(headers).toContain('go 1.26 trace');
  });

  it.each(traces)('%s', (dir) => {
    const sum = JSON.parse(readFileSync(path.join(samplesDir, dir, 'trace.parsed.summary.json'), 'utf8')) as Summary;
    const d = decode(new Uint8Array(readFileSync(path.join(samplesDir, dir, 'trace.out'))));
    if (d.type !== 'trace') throw new Error('not read as a trace');
    const t = d.trace;
    expect(`go ${t.goVersion.slice(2)} trace`).toBe(sum.traceHeader);
    expect(t.warnings).toEqual([]);
    // every goroutine the listing names, in every Go version
    expect(t.goroutines).toBe(sum.goroutines);
    const span = Number(BigInt(sum.lastTime) - BigInt(sum.firstTime));
    if (sum.listing === 'parsed-v1') {
      // Go 1.19's `go tool trace -d` lists the raw old-format events, not the parsed stream
      // (no synthesised GoStatus rows, GoSysCall unsplit, FutileWakeup kept), so only the
      // goroutines and the time span compare; its times are whole-ns truncations of ours.
      expect(Math.abs(t.durationNs - span)).toBeLessThanOrEqual(2);
      return;
    }
    if (toolMinor(sum.tool) >= 25) {
      expect(t.eventCount).toBe(sum.events);
      expect(t.durationNs).toBe(span);
      // one Sync per generation and the closing one
      expect(sum.byKind.Sync).toBe(t.generations + 1);
    } else {
      // Go 1.22–1.24's reader ends without the closing Sync that Go 1.25's adds: one row fewer
      expect(sum.byKind.Sync).toBe(t.generations);
      expect(t.eventCount).toBe(sum.events + 1);
      // its first-to-last span comes out up to 0.04 % shorter than ours on these captures (the
      // cause is not pinned down yet; the event sequence is the same): held within 0.1 %
      expect(Math.abs(t.durationNs - span) / span).toBeLessThan(0.001);
    }
  });
});
