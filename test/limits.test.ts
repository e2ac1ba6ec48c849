/**
 * The bounds on an input: each one exceeded by a real capture under a low limit is one line
 * naming the option that raises it, and the same capture at exactly its own size passes. The
 * sizes are measured from the capture itself, not written down.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { gunzipNode } from '../src/cli/gunzip-node.js';
import { decode } from '../src/decode/index.js';
import { DecodeError } from '../src/model/errors.js';
import type { Profile } from '../src/model/profile.js';
import { repoRoot } from './helpers/corpus.js';

const sample = (...p: string[]) => path.join(repoRoot, 'samples', ...p);
const HEAP = sample('mutex-hot', 'go1.27', 'heap.pb.gz');
const DEBUG2 = sample('mutex-hot', 'go1.27', 'goroutine.debug2.txt');
const LABELLED = sample('chan-leak', 'go1.27', 'goroutine.2.pb.gz');
const TRACE = sample('mutex-hot', 'go1.27', 'trace.out');
const OLD_TRACE = sample('healthy', 'go1.19', 'trace.out');

async function run(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(['node', 'pprof-diag', 'analyze', '--format', 'json', ...args], { out: () => {}, err: (s) => void (err += s) });
  return { code, err };
}

function profileOf(file: string): Profile {
  const d = decode(new Uint8Array(readFileSync(file)), { gunzip: gunzipNode });
  if (d.type !== 'profile') throw new Error(`${file} is not a profile`);
  return d.profile;
}

function most(p: Profile, start: Uint32Array): number {
  let m = 0;
  for (let i = 0; i < p.samples.length; i++) m = Math.max(m, start[i + 1]! - start[i]!);
  return m;
}

/** [option, file, the capture's own size for that bound, what the line says] */
const BOUNDS: [string, string, (p: Profile) => number, RegExp][] = [
  ['--max-samples', HEAP, (p) => p.samples.length, /\d+ samples, more than the limit of \d+ \(raise --max-samples to read it\)/],
  ['--max-locations', HEAP, (p) => p.locations.length, /\d+ locations, more than the limit of \d+ \(raise --max-locations to read it\)/],
  ['--max-string-length', HEAP, (p) => Math.max(...p.strings.values.map((s) => s.length)), /a string of [\d,]+ characters \(".*"…\), more than the limit of [\d,]+ \(raise --max-string-length to read it\)/],
  ['--max-stack-depth', DEBUG2, (p) => most(p, p.samples.stackStart), /sample \d+ has a stack of \d+ frames, more than the limit of \d+ \(raise --max-stack-depth to read it\)/],
  ['--max-labels', LABELLED, (p) => most(p, p.samples.labelStart), /sample \d+ has \d+ labels?, more than the limit of \d+ \(raise --max-labels to read it\)/],
];

describe('bounds on an input', () => {
  for (const [option, file, own, want] of BOUNDS) {
    it(`${option}: refused one below the capture's own size, read at it`, async () => {
      const size = own(profileOf(file));
      expect(size).toBeGreaterThan(0);
      const under = await run([option, String(size - 1), file]);
      expect(under.code).toBe(2);
      const lines = under.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(want);
      expect(lines[0]).not.toMatch(/internal error/);
      const at = await run([option, String(size), file]);
      expect(at.err).toBe('');
      expect(at.code).toBe(0);
    });
  }

  it('the library refuses alike, with a DecodeError naming the option', () => {
    const bytes = new Uint8Array(readFileSync(HEAP));
    const n = profileOf(HEAP).samples.length;
    expect(() => decode(bytes, { maxSamples: n - 1 })).toThrow(DecodeError);
    expect(() => decode(bytes, { maxSamples: n - 1 })).toThrow(/raise --max-samples/);
    expect(decode(bytes, { maxSamples: n }).type).toBe('profile');
  });

  it('--max-generation-size stops a trace whose generation is larger, new format and old', async () => {
    const v2 = await run(['--max-generation-size', '1KiB', TRACE]);
    expect(v2.code).toBe(2);
    expect(v2.err.trim().split('\n')).toHaveLength(1);
    expect(v2.err).toMatch(/generation \d+ of the trace holds [\d,]+ bytes so far, more than the limit of 1KiB \(raise --max-generation-size to read it\)/);
    const v1 = await run(['--max-generation-size', '4KiB', OLD_TRACE]);
    expect(v1.code).toBe(2);
    expect(v1.err).toMatch(/an old-format trace \(held whole\) of [\d,]+ bytes so far, more than the limit of 4KiB \(raise --max-generation-size/);
    // each trace whole within a limit of its own size
    for (const t of [TRACE, OLD_TRACE]) {
      const ok = await run(['--max-generation-size', String(readFileSync(t).length), t]);
      expect(ok.err).toBe('');
      expect(ok.code).toBe(0);
    }
  });

  it('--max-size stops the decompressed bytes of a real capture', async () => {
    const r = await run(['--max-size', '4KiB', HEAP]);
    // heap.pb.gz is smaller than 4 KiB compressed; its protobuf is larger
    expect(readFileSync(HEAP).length).toBeLessThan(4096);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/more than 4KiB.*--max-size/);
  });
});

describe('a decompression bomb given to the command line', () => {
  it('is refused by the ratio rule in one line, in bounded memory', () => {
    // 10 GiB of zeros as 160 gzip members of 64 MiB each: about 10 MB on disk
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const dir = mkdtempSync(path.join(tmpdir(), 'bomb-'));
    const file = path.join(dir, 'goroutine.pb.gz');
    writeFileSync(file, Buffer.concat(Array.from({ length: 160 }, () => member)));
    // the process's own peak memory, written as it exits
    const rss = "data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))";
    const r = spawnSync(process.execPath, ['--import', rss, path.join(repoRoot, 'bin', 'pprof-diag.js'), 'analyze', file], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/inflates more than 300 times its compressed size past 64MiB \(a decompression bomb\?\); raise --max-ratio to read it anyway$/);
    const kib = Number(/^maxrss (\d+)$/.exec(lines[1] ?? '')?.[1]);
    expect(kib).toBeGreaterThan(0);
    expect(kib).toBeLessThan(300 * 1024);
  }, 60_000);
});
