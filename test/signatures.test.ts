/**
 * The signature engine on real stacks: patterns, leaf anchoring, wait reasons, and the
 * built-in packs on real goroutine profiles from the corpus.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { matchSnapshot } from '../src/analyze/match.js';
import { decodePprof } from '../src/decode/pprof.js';
import { builtinPacks } from '../src/signatures/builtin.js';
import { compilePattern, compileSignature, matchFrames, SignatureSet } from '../src/signatures/engine.js';
import { corpusFile } from './helpers/corpus.js';

function pprof(rel: string) {
  const b = corpusFile(rel);
  return decodePprof(b[0] === 0x1f ? new Uint8Array(gunzipSync(b)) : b);
}

describe('patterns', () => {
  it('match exactly, by prefix, or by regular expression', () => {
    expect(compilePattern('database/sql.(*DB).conn')('database/sql.(*DB).conn')).toBe(true);
    expect(compilePattern('database/sql.(*DB).conn')('database/sql.(*DB).connectionOpener')).toBe(false);
    expect(compilePattern('github.com/lib/pq.*')('github.com/lib/pq.(*conn).recv1')).toBe(true);
    // a name ending in (* is not a prefix pattern
    expect(compilePattern('re:^sync\\.\\(\\*Mutex\\)\\.Lock$')('sync.(*Mutex).Lock')).toBe(true);
  });

  it('anchor sequences at the leaf, within and gap', () => {
    const c = compileSignature({
      id: 't',
      pack: 't',
      role: 'waiter',
      description: '',
      match: { sequence: ['a', 'c'], within: 2, gap: 1 },
    });
    expect(matchFrames(c, ['a', 'b', 'c'])).toEqual([0, 2]);
    expect(matchFrames(c, ['x', 'a', 'c'])).toEqual([1, 2]);
    expect(matchFrames(c, ['x', 'y', 'a', 'c'])).toBeNull();
    expect(matchFrames(c, ['a', 'b', 'b', 'c'])).toBeNull();
  });

  it('refuse duplicate ids and malformed packs', () => {
    const sig = { id: 'x', pack: 'p', role: 'waiter' as const, description: '', match: { anywhere: ['a'] } };
    expect(() => new SignatureSet([{ version: 1, name: 'a', signatures: [sig, sig] }])).toThrow(/defined twice/);
    expect(() => compileSignature({ ...sig, match: {} })).toThrow(/needs a sequence/);
    expect(() => compileSignature({ ...sig, match: { anywhere: ['re:('] } })).toThrow(/invalid regular expression/);
  });
});

describe('built-in packs on real goroutine profiles', () => {
  const set = new SignatureSet(builtinPacks);

  it('recognise an HTTP client and server at rest as background work', () => {
    // go-profiler-notes: a program that serves HTTP and calls itself, Go 1.15
    const m = matchSnapshot(pprof('felixge-go-profiler-notes/examples/goroutine/2.net.http.pprof.goroutine.debug0.pb.gz'), set);
    expect(m.total).toBe(10);
    expect(m.hits.get('http.client-readloop-idle')?.goroutines).toBe(1);
    expect(m.hits.get('http.client-writeloop')?.goroutines).toBe(1);
    expect(m.hits.get('http.client-awaiting-response')?.goroutines).toBe(1);
    expect(m.hits.get('http.server-accept')?.goroutines).toBe(1);
    expect(m.hits.get('timer.sleep')?.goroutines).toBe(3);
    expect(m.hits.get('chan.receive')?.goroutines).toBe(1);
    expect(m.unmatched).toBe(0);
  });

  it('see WaitGroup waiters and server connections in a real service', () => {
    const m = matchSnapshot(pprof('laixintao-flameshow/tests/pprof_data/goroutine.out'), set);
    expect(m.total).toBe(37);
    expect(m.hits.get('sync.waitgroup-wait')?.goroutines).toBe(10);
    expect(m.hits.get('http.server-conn-idle')?.goroutines).toBe(7);
  });
});
