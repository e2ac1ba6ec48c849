/**
 * The gRPC and go-redis signatures and findings on real stacks: the redis-pool-wait and
 * grpc-clientconn-leak samples (go-redis 9.17 and grpc-go 1.81 from Debian), and real
 * services of the shared corpus (grpc-go 1.46 and 1.51). The counts the signatures must reach
 * are counted here independently, from the debug=2 text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/analyze/diagnose.js';
import { analyzeDecoded } from '../src/analyze/index.js';
import { matchSnapshot } from '../src/analyze/match.js';
import { decode } from '../src/decode/index.js';
import { decodePprof } from '../src/decode/pprof.js';
import { builtinPacks } from '../src/signatures/builtin.js';
import { matchFrames, SignatureSet } from '../src/signatures/engine.js';
import { corpusFile, repoRoot } from './helpers/corpus.js';

const set = new SignatureSet(builtinPacks);
const forms = ['goroutine.pb.gz', 'goroutine.debug1.txt', 'goroutine.debug2.txt'];

function sample(scenario: string, file: string): string {
  return path.join(repoRoot, 'samples', scenario, 'go1.27', file);
}

function snapshot(file: string) {
  const a = analyzeDecoded(file, decode(new Uint8Array(readFileSync(file))));
  if (a.type !== 'profile') throw new Error(`${file} is not a profile`);
  return matchSnapshot(a.profile, set);
}

function analyse(files: string[]) {
  return diagnose(files.map((f) => analyzeDecoded(f, decode(new Uint8Array(readFileSync(f))))));
}

/** Goroutines of a debug=2 dump whose header state matches `state` and whose stack has `line`. */
function countIn(debug2: string, state: RegExp, line: RegExp): number {
  let n = 0;
  for (const block of readFileSync(debug2, 'utf8').split(/\n\n+/)) {
    const head = /^goroutine \d+ .*?\[([^\]]*)\]/.exec(block);
    if (head && state.test(head[1]!) && line.test(block)) n++;
  }
  return n;
}

/**
 * Goroutines with frames of all the functions `fns` in one capture (in debug=2, in a state
 * matching `state`), counted from the text beside it: the debug=2 and debug=1 dumps themselves,
 * and for the protobuf form `go tool pprof -raw`'s listing.
 */
function countForm(file: string, fns: string[], state = /./): number {
  const esc = (fn: string) => fn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (file.endsWith('.debug2.txt')) {
    let n = 0;
    for (const block of readFileSync(file, 'utf8').split(/\n\n+/)) {
      const head = /^goroutine \d+ .*?\[([^\]]*)\]/.exec(block);
      if (head && state.test(head[1]!) && fns.every((fn) => new RegExp(`^${esc(fn)}\\(`, 'm').test(block))) n++;
    }
    return n;
  }
  if (file.endsWith('.debug1.txt')) {
    let n = 0;
    for (const block of readFileSync(file, 'utf8').split(/\n\n+/)) {
      const head = /^(\d+) @/.exec(block);
      if (head && fns.every((fn) => new RegExp(`^#\\t0x[0-9a-f]+\\t${esc(fn)}\\+`, 'm').test(block))) n += Number(head[1]);
    }
    return n;
  }
  const raw = readFileSync(`${file}.raw.txt`, 'utf8');
  const locs = new Map<string, string[]>();
  let last: string[] = [];
  for (const l of raw.slice(raw.indexOf('\nLocations\n'), raw.indexOf('\nMappings\n')).split('\n')) {
    const m = /^ +(\d+): 0x[0-9a-f]+ M=\d+ (\S+)/.exec(l);
    if (m) locs.set(m[1]!, (last = [m[2]!]));
    else if (/^ {6,}\S/.test(l)) last.push(l.trim().split(' ')[0]!); // an inlined frame of the same location
  }
  let n = 0;
  for (const m of raw.matchAll(/^ +(\d+): ([\d ]+)$/gm)) {
    const names = m[2]!.trim().split(/ +/).flatMap((id) => locs.get(id) ?? []);
    if (fns.every((fn) => names.includes(fn))) n += Number(m[1]);
  }
  return n;
}

/** The compiled signature of the built-in packs with this id. */
function sig(id: string) {
  const c = set.compiled.find((x) => x.sig.id === id);
  if (!c) throw new Error(`no signature ${id}`);
  return c;
}

describe('go-redis v9 pool waits (samples/redis-pool-wait)', () => {
  const debug2 = sample('redis-pool-wait', 'goroutine.debug2.txt');

  it('the capture holds a queue behind BLPOP holders', () => {
    expect(countIn(debug2, /^select/, /^github\.com\/redis\/go-redis\/v9\/internal\/pool\.\(\*ConnPool\)\.waitTurn\(/m)).toBeGreaterThanOrEqual(100);
    expect(countIn(debug2, /^IO wait/, /^github\.com\/redis\/go-redis\/v9\.cmdable\.BLPop\(/m)).toBeGreaterThan(0);
  });

  // the three forms were taken one after the other from a moving process: each is counted on its own
  for (const form of forms) {
    const file = sample('redis-pool-wait', form);
    const v9 = 'github.com/redis/go-redis/v9';
    const waiting = countForm(file, [`${v9}/internal.(*FastSemaphore).Acquire`], /^select/);
    const reading = countForm(file, [`${v9}/internal/proto.(*Reader).PeekReplyType`], /^IO wait/);
    const blpop = countForm(file, [`${v9}/internal/proto.(*Reader).PeekReplyType`, `${v9}.cmdable.BLPop`], /^IO wait/);

    it(`waiters and holders are counted from ${form}`, () => {
      expect(waiting).toBeGreaterThanOrEqual(100);
      const m = snapshot(file);
      expect(m.hits.get('redis.pool-wait')?.goroutines).toBe(waiting);
      expect(m.hits.get('redis.command-read')?.goroutines).toBe(reading);
      // the waiters' leaf (after the runtime) is the semaphore of go-redis 9.17
      const top = m.hits.get('redis.pool-wait')!.buckets[0]!;
      expect(top.bucket.frames[top.frames[0]!]!.function).toBe('github.com/redis/go-redis/v9/internal.(*FastSemaphore).Acquire');
    });

    it(`the finding names the blocking command that holds the connections (${form})`, () => {
      const d = analyse([file]);
      const f = d.findings.find((x) => x.id === 'redis-pool-wait')!;
      expect(f.severity).toBe('critical');
      expect(f.goroutines).toBe(waiting);
      expect(f.summary).toContain(`${reading} connections are in commands waiting for the server's reply (`);
      expect(f.summary).toContain(`BLPop ${blpop}`);
      expect(f.holders).toEqual([expect.objectContaining({ signature: 'redis.command-read', goroutines: reading })]);
      expect(f.remediation[0]).toMatch(/^Blocking commands \(BLPop\) keep their connection/);
    });
  }

  it('the trace agrees: the same finding from the goroutines at its end', () => {
    const d = analyse([sample('redis-pool-wait', 'trace.out')]);
    const f = d.findings.find((x) => x.id === 'redis-pool-wait')!;
    expect(f.severity).toBe('critical');
    expect(f.goroutines).toBeGreaterThanOrEqual(100);
  });

  it('the waiter pattern covers the pools of every go-redis Debian ships', () => {
    const wait = sig('redis.pool-wait');
    // the frames above runtime.selectgo, as each release's internal/pool source reads:
    // go-redis 9.17 (sid)
    expect(matchFrames(wait, ['github.com/redis/go-redis/v9/internal.(*FastSemaphore).Acquire', 'github.com/redis/go-redis/v9/internal/pool.(*ConnPool).waitTurn'])).toEqual([0]);
    // go-redis 6.15 (github.com/go-redis/redis) and 8 / early 9: the select is in waitTurn
    expect(matchFrames(wait, ['github.com/go-redis/redis/internal/pool.(*ConnPool).waitTurn', 'github.com/go-redis/redis/internal/pool.(*ConnPool).Get'])).toEqual([0]);
    expect(matchFrames(wait, ['github.com/go-redis/redis/v8/internal/pool.(*ConnPool).waitTurn'])).toEqual([0]);
    // gopkg.in/redis.v5 5.2.9: the select is in Get itself
    expect(matchFrames(wait, ['gopkg.in/redis.v5/internal/pool.(*ConnPool).Get', 'gopkg.in/redis%2ev5.(*baseClient).conn'])).toEqual([0]);
    // a connection being dialled inside Get is no pool wait
    expect(matchFrames(wait, ['net.(*Dialer).DialContext', 'gopkg.in/redis.v5/internal/pool.(*ConnPool).NewConn', 'gopkg.in/redis.v5/internal/pool.(*ConnPool).Get'])).toBeNull();
  });
});

describe('gRPC ClientConns never closed (samples/grpc-clientconn-leak)', () => {
  const counts = (snap: 'goroutine' | 'goroutine.2') => {
    const debug2 = sample('grpc-clientconn-leak', `${snap}.debug2.txt`);
    return {
      serializers: countIn(debug2, /^chan receive/, /^google\.golang\.org\/grpc\/internal\/grpcsync\.\(\*CallbackSerializer\)\.run\(/m),
      readers: countIn(debug2, /^IO wait/, /^google\.golang\.org\/grpc\/internal\/transport\.\(\*http2Client\)\.reader\(/m),
      loopy: countIn(debug2, /^select/, /^google\.golang\.org\/grpc\/internal\/transport\.NewHTTP2Client\.func\d+\(/m),
    };
  };
  const first = counts('goroutine');
  const second = counts('goroutine.2');

  it('each leaked ClientConn is three serializers, a reader and a loopy writer', () => {
    for (const c of [first, second]) {
      expect(c.serializers).toBe(3 * c.readers);
      expect(c.loopy).toBe(c.readers);
    }
    expect(second.readers).toBeGreaterThan(first.readers + 10);
  });

  for (const form of forms) {
    it(`the per-ClientConn goroutines are counted from ${form}`, () => {
      for (const [snap, c] of [['goroutine', first], ['goroutine.2', second]] as const) {
        const m = snapshot(sample('grpc-clientconn-leak', form.replace('goroutine', snap)));
        expect(m.hits.get('grpc.clientconn-serializer')?.goroutines).toBe(c.serializers);
        expect(m.hits.get('grpc.transport-reader')?.goroutines).toBe(c.readers);
        expect(m.hits.get('grpc.client-loopy-writer')?.goroutines).toBe(c.loopy);
        expect(m.hits.has('grpc.server-loopy-writer')).toBe(false);
      }
    });

    it(`growth between the snapshots is the leak (${form})`, () => {
      const before = sample('grpc-clientconn-leak', form);
      const after = sample('grpc-clientconn-leak', form.replace('goroutine.', 'goroutine.2.'));
      // the first snapshot alone (60 ClientConns) is under the count one snapshot needs
      expect(analyse([before]).findings.find((x) => x.id === 'grpc-clientconn-leak')).toBeUndefined();
      const d = analyse([before, after]);
      const f = d.findings.find((x) => x.id === 'grpc-clientconn-leak')!;
      expect(f.severity).toBe('critical');
      expect(f.summary).toContain(`At least ${second.readers} grpc.ClientConns are open (${second.serializers} callback serializers, ${second.readers} client transports)`);
      expect(f.summary).toContain(`Between snapshots: `);
      expect(f.summary).toContain(`${first.serializers} → ${second.serializers} (+${second.serializers - first.serializers})`);
      // no second, generic finding for the same goroutines
      expect(d.findings.filter((x) => x.id === 'goroutine-leak')).toEqual([]);
      const growth = d.diffs[0]!.diff.signatures;
      for (const id of ['grpc.clientconn-serializer', 'grpc.transport-reader', 'grpc.client-loopy-writer']) {
        expect(growth.find((g) => g.signature === id)!.delta).toBeGreaterThan(0);
      }
    });
  }

  it('the trace shows the growth within its second', () => {
    const d = analyse([sample('grpc-clientconn-leak', 'trace.out')]);
    const f = d.findings.find((x) => x.id === 'grpc-clientconn-leak')!;
    expect(f.severity).toBe('critical');
    expect(f.summary).toMatch(/more goroutines in \d+ growing groups/);
  });
});

describe('gRPC signatures on real services of the corpus', () => {
  function pprof(rel: string) {
    const b = corpusFile(rel);
    return decodePprof(b[0] === 0x1f ? new Uint8Array(gunzipSync(b)) : b);
  }

  it('a service on grpc-go 1.46 with one ClientConn raises no ClientConn finding', () => {
    const rel = 'laixintao-flameshow/goroutine.out';
    const m = matchSnapshot(pprof(rel), set);
    // grpc-go 1.46: one balancer watcher per ClientConn, no callback serializers yet
    expect(m.hits.get('grpc.balancer-watcher')?.goroutines).toBe(1);
    expect(m.hits.has('grpc.clientconn-serializer')).toBe(false);
    expect(m.hits.get('grpc.transport-reader')?.goroutines).toBe(3);
    // its loopy writers run under newHTTP2Client.func3
    expect(m.hits.get('grpc.client-loopy-writer')?.goroutines).toBe(3);
    const d = diagnose([analyzeDecoded(rel, decode(new Uint8Array(corpusFile(rel))))]);
    expect(d.findings.find((x) => x.id === 'grpc-clientconn-leak')).toBeUndefined();
  });

  it('grpc-go 1.51 stacks (an fgprof profile of parca) match the client signatures', () => {
    const m = matchSnapshot(pprof('parca-dev-parca/pkg/query/testdata/fgprof.pb.gz'), set);
    for (const id of ['grpc.balancer-watcher', 'grpc.transport-reader', 'grpc.client-loopy-writer']) {
      expect(m.hits.get(id)?.buckets.length ?? 0, id).toBeGreaterThan(0);
    }
    expect(m.hits.has('grpc.server-loopy-writer')).toBe(false);
  });
});
