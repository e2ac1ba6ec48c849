/**
 * The text decoders on real dumps: header variants, labels, created-by, elided frames,
 * Windows paths, leaked goroutines — facts read off the files by hand.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../src/decode/index.js';
import { parseLabelBlock } from '../src/decode/goroutine-debug1.js';
import { scaleHeapSample } from '../src/decode/legacy-text.js';
import { DecodeError } from '../src/model/errors.js';
import { GoroutineFlag, type Profile } from '../src/model/profile.js';
import { corpusFile, repoRoot } from './helpers/corpus.js';

const sample = (rel: string) => decode(new Uint8Array(readFileSync(path.join(repoRoot, 'samples', rel)))).profile;
const corpus = (rel: string) => decode(corpusFile(rel)).profile;

function goroutine(p: Profile, id: number) {
  const g = p.goroutines!;
  const i = Array.from(g.id).indexOf(id);
  expect(i, `goroutine ${id}`).toBeGreaterThanOrEqual(0);
  const frames: string[] = [];
  for (let k = p.samples.stackStart[i]!; k < p.samples.stackStart[i + 1]!; k++) {
    const loc = p.samples.stack[k]!;
    frames.push(p.strings.get(p.functions.name[p.lines.function[p.locations.lineStart[loc]!]!]!));
  }
  const labels: Record<string, string> = {};
  for (let l = p.samples.labelStart[i]!; l < p.samples.labelStart[i + 1]!; l++) {
    labels[p.strings.get(p.samples.labelKey[l]!)] = p.strings.get(p.samples.labelStr[l]!);
  }
  return {
    reason: p.strings.get(g.waitReason[i]!),
    minutes: g.waitMinutes[i]!,
    flags: g.flags[i]!,
    createdBy: p.strings.get(g.createdByFunction[i]!),
    createdByGoroutine: g.createdByGoroutine[i]!,
    createdByFile: p.strings.get(g.createdByFile[i]!),
    elided: g.framesElided[i]!,
    frames,
    args: Array.from(g.frameArgs.subarray(p.samples.stackStart[i]!, p.samples.stackStart[i + 1]!), (a) => p.strings.get(a)),
    labels,
  };
}

describe('debug=2 and tracebacks', () => {
  it('read Go 1.27 labels after the brackets', () => {
    const p = sample('goroutine-forms/go1.27/goroutine.debug2.txt');
    const ids = Array.from(p.goroutines!.id);
    const labelled = ids.map((id) => goroutine(p, id)).filter((g) => Object.keys(g.labels).length > 0);
    expect(labelled).toHaveLength(1);
    expect(labelled[0]!.labels).toEqual({ handler: 'checkout', tenant: 't-07' });
    expect(labelled[0]!.reason).toBe('chan receive');
  });

  it('read Go 1.26 labels inside the brackets', () => {
    const p = sample('goroutine-forms/go1.26/goroutine.debug2.txt');
    const labelled = Array.from(p.goroutines!.id)
      .map((id) => goroutine(p, id))
      .filter((g) => Object.keys(g.labels).length > 0);
    expect(labelled).toHaveLength(1);
    expect(labelled[0]!.labels).toEqual({ handler: 'checkout', tenant: 't-07' });
    expect(labelled[0]!.reason).toBe('chan receive');
  });

  it('parse quoted and bare label values', () => {
    const parseTracebackLabels = (s: string) => parseLabelBlock(s, 0)?.labels;
    expect(parseTracebackLabels('{endpoint: /v1/session/touch, tenant: t03}')).toEqual([
      ['endpoint', '/v1/session/touch'],
      ['tenant', 't03'],
    ]);
    expect(parseTracebackLabels('{job: "ledger-apply", "odd key": "a, b\\"c"}')).toEqual([
      ['job', 'ledger-apply'],
      ['odd key', 'a, b"c'],
    ]);
  });

  it('mark leaked goroutines and tell a goroutineleak dump', () => {
    const p = sample('goroutine-forms/go1.27/goroutineleak.debug2.txt');
    expect(p.kind).toBe('goroutineleak');
    const leaked = Array.from(p.goroutines!.flags).filter((f) => f & GoroutineFlag.Leaked).length;
    const text = readFileSync(path.join(repoRoot, 'samples/goroutine-forms/go1.27/goroutineleak.debug2.txt'), 'utf8');
    expect(leaked).toBe((text.match(/ \(leaked\)\]/g) ?? []).length);
    expect(leaked).toBeGreaterThan(30);
    const g = goroutine(p, 20);
    expect(g.reason).toBe('chan receive');
    expect(g.flags & GoroutineFlag.Leaked).toBeTruthy();
  });

  it('read created-by with the creating goroutine (Go 1.21+), on Windows paths', () => {
    const p = corpus('mokhatiri-kvstore-raft-consensus/goroutines.txt');
    const g = goroutine(p, 18);
    expect(g.reason).toBe('IO wait');
    expect(g.createdBy).toBe('main.main');
    expect(g.createdByGoroutine).toBe(1);
    const dumper = goroutine(p, 109);
    expect(dumper.reason).toBe('running');
    expect(dumper.frames[0]).toBe('runtime/pprof.writeGoroutineStacks');
    expect(dumper.createdBy).toBe('net/http.(*Server).Serve');
    expect(dumper.createdByGoroutine).toBe(18);
    expect(p.strings.get(p.functions.filename[p.lines.function[p.locations.lineStart[p.samples.stack[0]!]!]!]!)).toBe(
      'C:/Program Files/Go/src/runtime/pprof/pprof.go',
    );
    expect(g.createdByFile).toMatch(/main\.go$/);
  });

  it('read gp= m= headers and fp/sp/pc annotations of a fatal error', () => {
    const p = corpus('datadog-dd-trace-go/crashtracker/testdata/sigsegv_cgo.txt');
    expect(p.format).toBe('traceback');
    const g1 = goroutine(p, 1);
    expect(g1.reason).toBe('syscall');
    expect(g1.frames).toEqual(['runtime.cgocall', 'main._Cfunc_fault_in_c', 'main.main', 'runtime.main', 'runtime.goexit']);
    const g2 = goroutine(p, 2);
    expect(g2.reason).toBe('force gc (idle)');
    expect(g2.createdBy).toBe('runtime.init.7');
    expect(p.goVersion).toBe('go1.26.5');
  });

  it('read wait minutes in a test timeout', () => {
    const rel = 'golang-build/internal/logparser/testdata/16.log';
    const text = new TextDecoder().decode(corpusFile(rel));
    // counted independently: every ", N minutes" inside a goroutine header
    const stated = [...text.matchAll(/^goroutine \d+ \[[^\]]*?, (\d+) minutes/gm)].map((m) => Number(m[1]));
    expect(stated.length).toBeGreaterThan(10);
    const p = corpus(rel);
    const minutes = Array.from(p.goroutines!.waitMinutes).filter((m) => m >= 0);
    expect(minutes.sort((a, b) => a - b)).toEqual(stated.sort((a, b) => a - b));
  });

  it('keep frame arguments, and inlined frames without offsets', () => {
    const p = sample('goroutine-forms/go1.27/goroutine.debug2.txt');
    const dumper = Array.from(p.goroutines!.id).map((id) => goroutine(p, id)).find((g) => g.reason === 'running')!;
    expect(dumper.frames[0]).toBe('runtime/pprof.writeGoroutineStacks');
    expect(dumper.args[0]).toMatch(/^\{0x[0-9a-f]+, 0x[0-9a-f]+\}$/);
  });

  it('read a dump whose frame has no file line, saying what was skipped', () => {
    const d = decode(new TextEncoder().encode('goroutine 1 [running]:\nmain.main()\nnot a file line\n'));
    if (d.type !== 'profile') throw new Error('a profile');
    expect(d.profile.samples.length).toBe(1);
    expect(d.profile.repairs).toEqual(['2 lines not understood, skipped (first at line 2: "main.main()")']);
  });
  it('reject text that holds no goroutine record', () => {
    expect(() => decode(new TextEncoder().encode('main.main()\nnot a file line\n'))).toThrow(DecodeError);
  });
});

describe('legacy text', () => {
  it('scales sampled heap values the way pprof does', () => {
    expect(scaleHeapSample(1, 1024, 524288)).toEqual([512, 524800]);
    expect(scaleHeapSample(0, 0, 524288)).toEqual([0, 0]);
    expect(scaleHeapSample(3, 300, 1)).toEqual([3, 300]);
  });

  it('reads the debug=1 goroutineleak profile of Go 1.27', () => {
    const p = sample('goroutine-forms/go1.27/goroutineleak.debug1.txt');
    expect(p.kind).toBe('goroutineleak');
    expect(p.sampleTypes).toEqual([{ type: 'goroutineleak', unit: 'count' }]);
  });
});
