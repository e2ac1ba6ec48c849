/**
 * The finding rules: every signature id they read exists in the built-in packs, and the rules
 * that judge one snapshot, snapshots in time order, and one cause per finding.
 */
import { describe, expect, it } from 'vitest';
import { SIG } from '../src/analyze/signature-ids.js';
import { builtinPacks } from '../src/signatures/builtin.js';

describe('signature ids the rules read', () => {
  const ids = new Set(builtinPacks.flatMap((p) => p.signatures.map((s) => s.id)));
  for (const [name, id] of Object.entries(SIG)) {
    it(`${name} = ${id} is a built-in signature`, () => {
      expect(ids.has(id)).toBe(true);
    });
  }
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { diagnose } from '../src/analyze/diagnose.js';
import { differentPrograms } from '../src/analyze/snapshot-order.js';
import { analyzeDecoded } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import { repoRoot } from './helpers/corpus.js';

const samples = path.join(repoRoot, 'samples');
function diagnoseFiles(files: string[]) {
  return diagnose(files.map((f) => analyzeDecoded(path.relative(repoRoot, f), decode(new Uint8Array(readFileSync(f))))));
}

describe('snapshots in time order', () => {
  const pairs = readdirSync(samples)
    .filter((d) => existsSync(path.join(samples, d, 'scenario.json')))
    .flatMap((d) =>
      readdirSync(path.join(samples, d))
        .filter((v) => existsSync(path.join(samples, d, v, 'goroutine.2.pb.gz')))
        .map((v) => [path.join(samples, d, v, 'goroutine.pb.gz'), path.join(samples, d, v, 'goroutine.2.pb.gz')] as const),
    );
  it('has pairs of snapshots', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(8);
  });
  for (const [first, second] of pairs) {
    it(`${path.relative(samples, second)} given first reads as given second`, () => {
      const forward = diagnoseFiles([first, second]);
      const reversed = diagnoseFiles([second, first]);
      const ids = (d: typeof forward) => d.findings.map((f) => `${f.id}/${f.severity}/${f.goroutines}`).sort();
      expect(ids(reversed)).toEqual(ids(forward));
      expect(reversed.diffs.map((x) => [x.before, x.after])).toEqual(forward.diffs.map((x) => [x.before, x.after]));
      expect(reversed.diffs[0]!.diff.delta).toBeGreaterThanOrEqual(0);
      expect(reversed.notes.join(' ')).toMatch(/given out of time order/);
      expect(forward.notes).toEqual([]);
    });
  }
  it('snapshots of different programs are not compared', () => {
    const d = diagnoseFiles([path.join(samples, 'chan-leak/go1.27/goroutine.pb.gz'), path.join(samples, 'db-pool-pq/go1.27/goroutine.pb.gz')]);
    expect(d.diffs).toEqual([]);
    expect(d.notes.join(' ')).toMatch(/are not compared: different binaries \(.*(?:chan-leak.* and .*db-pool-pq|db-pool-pq.* and .*chan-leak)/);
  });
  it("one process's snapshots, goroutines or heaps, are never taken for two programs", () => {
    for (const dir of readdirSync(samples).flatMap((x) => (existsSync(path.join(samples, x, 'scenario.json')) ? readdirSync(path.join(samples, x)).map((v) => path.join(samples, x, v)) : []))) {
      for (const [x, y] of [['goroutine.pb.gz', 'goroutine.2.pb.gz'], ['heap.pb.gz', 'heap.2.pb.gz']]) {
        if (!existsSync(path.join(dir, x)) || !existsSync(path.join(dir, y))) continue;
        const [a, b] = [x, y].map((f) => decode(new Uint8Array(readFileSync(path.join(dir, f))))).map((r) => (r.type === 'profile' ? r.profile : null));
        expect(differentPrograms(a!, b!), `${dir} ${x} ${y}`).toBeNull();
      }
    }
  });
});

describe('one finding per cause', () => {
  const pairs = readdirSync(samples)
    .filter((d) => existsSync(path.join(samples, d, 'scenario.json')))
    .flatMap((d) =>
      readdirSync(path.join(samples, d))
        .filter((v) => existsSync(path.join(samples, d, v, 'goroutine.2.pb.gz')))
        .map((v) => path.join(samples, d, v)),
    );
  for (const dir of pairs) {
    it(`${path.relative(samples, dir)}: no generic growth alarm beside the leak that explains it`, () => {
      const d = diagnoseFiles([path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'goroutine.2.pb.gz')]);
      const ids = d.findings.map((f) => f.id);
      expect(new Set(ids).size).toBe(ids.length);
      const generic = d.findings.find((f) => f.id === 'goroutine-leak' && f.title === 'goroutines accumulate');
      if (ids.some((id) => id !== 'goroutine-leak')) expect(generic, generic?.summary).toBeUndefined();
      // whatever grew besides the cause is still said, inside the cause's finding
      const grewElse = d.diffs[0]!.diff.findings.some((f) => f.id === 'goroutine-leak');
      if (grewElse) expect(d.findings.some((f) => f.summary.includes('With it, '))).toBe(true);
    });
  }

  // a queue is on one mutex: 18 goroutines each on a mutex of its own are no queue, 119 on one are
  it('weighs lock waiters by the longest queue on one mutex where a dump tells mutexes apart', () => {
    const apart = diagnoseFiles([path.join(samples, 'goroutineleak-profile', 'go1.27', 'goroutine.debug2.txt')]);
    expect(apart.findings.map((f) => f.id)).not.toContain('mutex-contention');
    const one = diagnoseFiles([path.join(samples, 'mutex-hot', 'go1.27', 'goroutine.debug2.txt')]);
    const f = one.findings.find((x) => x.id === 'mutex-contention')!;
    expect(f.severity).toBe('critical');
    expect(f.summary).toMatch(/^119 goroutines \(48%\) wait to lock a sync\.Mutex at 0x[0-9a-f]+,/);
  });

  // the garbage collector's proof and the channel leak among the leaked: one finding
  for (const form of ['goroutineleak.pb.gz', 'goroutineleak.debug2.txt']) {
    it(`leaked goroutines the garbage collector proved are counted once (${form})`, () => {
      const d = diagnoseFiles([path.join(samples, 'goroutineleak-profile', 'go1.27', form)]);
      expect(d.findings.map((f) => f.id)).toEqual(['goroutine-leak']);
      const f = d.findings[0]!;
      expect(f.goroutines).toBe(120);
      expect(f.summary).toMatch(/Of them, 72 goroutines wait to send in main\.hedgedProfile\.func1 \[chan send\].*nobody is left to receive/);
    });
  }

  // the RWMutex's queue in the goroutines and the same lock's contention in the mutex and block
  // profiles are one cause: one finding, which names the sites the profiles give
  it('an RWMutex queue with the mutex and block profiles of the same lock is one finding', () => {
    const dir = path.join(samples, 'rwmutex-starvation', 'go1.27');
    const d = diagnoseFiles(['goroutine.pb.gz', 'mutex.pb.gz', 'block.pb.gz'].map((f) => path.join(dir, f)));
    expect(d.findings.filter((f) => f.severity !== 'info').map((f) => f.id)).toEqual(['rwmutex-starvation']);
    const f = d.findings[0]!;
    expect(f.holders.some((h) => h.signature === 'mutex-profile' && h.at?.function === 'main.(*routingTable).replace')).toBe(true);
    // the sites that hold at least 1% of the delay, not every lock the server took
    expect(f.holders.filter((h) => h.signature === 'mutex-profile').map((h) => h.at?.function)).toEqual(['main.(*routingTable).replace', 'main.(*routingTable).export']);
    expect(f.summary).toMatch(/The mutex profile puts 99% of the waiting on the lock released in main\.\(\*routingTable\)\.replace\./);
    // the mutex profile alone still says it
    const alone = diagnoseFiles([path.join(dir, 'mutex.pb.gz')]);
    expect(alone.findings.map((x) => x.id)).toEqual(['mutex-contention']);
    // and names the lock it is: the releasing stack goes through sync.(*RWMutex)
    expect(alone.findings[0]!.title).toBe('goroutines queue on a sync.RWMutex');
    expect(diagnoseFiles([path.join(samples, 'mutex-hot', 'go1.27', 'mutex.pb.gz')]).findings[0]!.title).toBe('goroutines queue on a sync.Mutex');
  });
});

import { markdownReport } from '../src/report/markdown.js';
import { jsonReport } from '../src/report/json.js';
import { plain, textReport } from '../src/report/text.js';
import type { ProfileAnalysis } from '../src/analyze/index.js';

describe('pprof labels', () => {
  // the db-pool-pq program labels every request goroutine with endpoint and tenant
  for (const form of ['goroutine.pb.gz', 'goroutine.debug1.txt', 'goroutine.debug2.txt']) {
    it(`name which requests wait, in every format (${form})`, () => {
      const file = path.join(samples, 'db-pool-pq/go1.27', form);
      const a = analyzeDecoded(path.relative(repoRoot, file), decode(new Uint8Array(readFileSync(file)))) as ProfileAnalysis;
      const d = diagnose([a]);
      const pool = d.findings.find((f) => f.id === 'db-pool-exhausted')!;
      expect(pool.summary).toMatch(new RegExp(`All ${pool.goroutines} carry the label endpoint=/v1/orders/summary\\.$`));
      const waiters = a.buckets!.find((b) => b.count === pool.goroutines)!;
      const endpoint = waiters.labels.find((l) => l.key === 'endpoint')!;
      expect(endpoint.values).toEqual([{ value: '/v1/orders/summary', count: pool.goroutines }]);
      const tenants = waiters.labels.find((l) => l.key === 'tenant')!;
      expect(tenants.values.reduce((n, v) => n + v.count, tenants.others)).toBe(pool.goroutines);
      const text = textReport([a], [], { paint: plain, buckets: 5, frames: 5, diagnosis: d });
      expect(text).toMatch(new RegExp(`labels: endpoint=/v1/orders/summary \\(${pool.goroutines}\\); tenant=t\\d+ \\(\\d+\\)`));
      const md = markdownReport([a], [], { toolVersion: 'test', diagnosis: d });
      expect(md).toContain(`labels: endpoint=/v1/orders/summary (${pool.goroutines})`);
      const json = JSON.parse(jsonReport([a], [], { toolVersion: 'test', diagnosis: d }));
      expect(json.inputs[0].buckets.some((b: { labels: { key: string }[] }) => b.labels.some((l) => l.key === 'endpoint'))).toBe(true);
      expect(json.findings[0].evidence[0].labels[0].key).toBe('endpoint');
    });
  }
});

describe('every kind of profile diagnosed on its own', () => {
  const dir = path.join(samples, 'mutex-hot', 'go1.27');
  it('a mutex profile names the code that holds the lock, with its share of the delay', () => {
    const d = diagnoseFiles([path.join(dir, 'mutex.pb.gz')]);
    const f = d.findings[0]!;
    expect(f.id).toBe('mutex-contention');
    // captured since the program started: no rate, so a warning
    expect(f.severity).toBe('warning');
    expect(f.summary).toMatch(/records [\d.]+(hrs|s) of waiting on locks since the program started .*; 100% of it on the lock released in main\.\(\*priceCache\)\.price \(main\.go:\d+\)/);
    expect(f.holders[0]!.description).toMatch(/^releases the contended lock: main\.\(\*priceCache\)\.price/);
    expect(d.verdict).toMatch(/^WARNING: goroutines queue on a sync\.Mutex/);
  });
  it('a block profile says what goroutines wait for, and under which code', () => {
    const d = diagnoseFiles([path.join(dir, 'block.pb.gz')]);
    const f = d.findings.find((x) => x.id === 'mutex-contention')!;
    expect(f.summary).toMatch(/goroutines locking a sync\.Mutex or RWMutex since the program started .*\((9\d|100)% of all blocking\), most under main\.\(\*priceCache\)\.price/);
  });
  it('a heap profile says who holds the memory, without calling it a failure', () => {
    const d = diagnoseFiles([path.join(dir, 'heap.pb.gz')]);
    expect(d.findings.map((f) => [f.id, f.severity])).toEqual([['heap-retained', 'info']]);
    expect(d.verdict).toMatch(/^Nothing failing shows in these profiles\. .*heap\.pb\.gz holds [\d.]+(KiB|MiB) in use; most under /);
  });
  it('a CPU profile gives connection churn and the hot spot', () => {
    const d = diagnoseFiles([path.join(samples, 'db-conn-churn', 'go1.27', 'cpu.pb.gz')]);
    expect(d.findings.map((f) => f.id)).toEqual(['db-conn-churn', 'cpu-hotspot']);
    expect(d.findings[1]!.summary).toMatch(/the program's own code that takes most/);
  });
  it("a goroutine profile's top list starts where goroutines wait, not at runtime.gopark", () => {
    const a = analyzeDecoded('g', decode(new Uint8Array(readFileSync(path.join(samples, 'db-pool-pq', 'go1.27', 'goroutine.pb.gz'))))) as ProfileAnalysis;
    expect(a.top.map((t) => t.function)).not.toContain('runtime.gopark');
    expect(a.top.slice(0, 2).map((t) => t.function)).toContain('database/sql.(*DB).conn');
  });
  it('beside a goroutine dump, the dump keeps the finding and the profiles add to it', () => {
    const d = diagnoseFiles(['goroutine.pb.gz', 'mutex.pb.gz', 'block.pb.gz'].map((f) => path.join(dir, f)));
    const f = d.findings.find((x) => x.id === 'mutex-contention')!;
    expect(f.goroutines).toBeGreaterThan(50);
    expect(f.severity).toBe('critical');
    expect(d.findings.filter((x) => x.id === 'mutex-contention')).toHaveLength(1);
  });
});

import { censoredFigures, figures, waitFigures } from '../src/analyze/trace/latency.js';
import { Durations } from '../src/analyze/trace/goroutines.js';
import type { TraceAnalysis } from '../src/analyze/index.js';
import { formatSize } from '../src/model/units.js';

describe('trace waits cut by the window are lower bounds', () => {
  it('figures at or above a cut wait are bounds, below it exact', () => {
    // three waits that ended inside (1, 2, 3 ms) and two cut at 1 s
    const f = censoredFigures([1e6, 2e6, 3e6], [1e9, 1e9]);
    expect(f).toEqual({ count: 5, p50Ns: 3e6, p99Ns: 1e9, maxNs: 1e9, p50IsLowerBound: false, p99IsLowerBound: true, maxIsLowerBound: true });
    expect(censoredFigures([5e6], [1e6]).p50IsLowerBound).toBe(true);
  });
  it('the figures are those of both lists sorted together, each a bound at or above the shortest cut wait', () => {
    // the definition, written the long way: every wait with whether it was cut, sorted
    const byDefinition = (complete: number[], cut: number[]) => {
      const all = [...complete.map((v) => [v, false] as const), ...cut.map((v) => [v, true] as const)].sort((a, b) => a[0] - b[0] || Number(a[1]) - Number(b[1]));
      const lowest = Math.min(...cut);
      const at = (q: number) => (all.length ? all[Math.max(1, Math.ceil(q * all.length)) - 1]! : null);
      const bound = (w: readonly [number, boolean] | null) => (w === null ? false : w[1] || w[0] >= lowest);
      const [p50, p99, max] = [at(0.5), at(0.99), all[all.length - 1] ?? null];
      return { count: all.length, p50Ns: p50?.[0] ?? null, p99Ns: p99?.[0] ?? null, maxNs: max?.[0] ?? null, p50IsLowerBound: bound(p50), p99IsLowerBound: bound(p99), maxIsLowerBound: bound(max) };
    };
    let seed = 7;
    const next = (range: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % range;
    for (let round = 0; round < 3000; round++) {
      const range = round % 2 ? 10 : 100000; // many ties, and few
      const complete = Array.from({ length: next(40) }, () => next(range)).sort((a, b) => a - b);
      const cut = Array.from({ length: next(6) }, () => next(range));
      expect(censoredFigures(Float64Array.from(complete), cut)).toEqual(byDefinition(complete, cut));
    }
  });
  it('the percentiles of long lists (ranked by buckets of their values) are those of the list sorted', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const qs = [0.5, 0.9, 0.99, 1];
    // few distinct values, waits from 1 ns to hours, a cluster within one bucket, fractions, zeros;
    // and lists with a negative value, which are ranked another way
    const makers = [() => Math.floor(next() * 10), () => Math.floor(Math.exp(next() * 30)), () => 1e6 + Math.floor(next() * 100), () => next() * 1e9, () => (next() < 0.5 ? 0 : 5)];
    for (let round = 0; round < 30; round++) {
      const n = (1 << 14) + Math.floor(next() * 100000);
      const a = Float64Array.from({ length: n }, makers[round % makers.length]!);
      if (round % 7 === 6) a[Math.floor(next() * n)] = -1;
      const sorted = Float64Array.from(a).sort();
      expect(figures(Float64Array.from(a), qs)).toEqual(qs.map((q) => sorted[Math.max(1, Math.ceil(q * n)) - 1]));
    }
  });
  it('the figures of complete and cut waits at once are those each gives alone', () => {
    let seed = 5;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const list = (n: number, range: number, neg: boolean) => Float64Array.from({ length: n }, (_, i) => (neg && i === 7 ? -3 : Math.floor(Math.exp(next() * range))));
    for (let round = 0; round < 24; round++) {
      // long lists and short ones; cut waits none, few or many; wide values and narrow; a negative
      const complete = list(round % 4 === 3 ? Math.floor(next() * 2000) : (1 << 14) + Math.floor(next() * 60000), round % 2 ? 3 : 25, round % 8 === 5);
      const cut = list(round % 3 === 0 ? 0 : round % 3 === 1 ? 1 + Math.floor(next() * 5) : 20000, round % 2 ? 3 : 25, false);
      const want = { complete: figures(Float64Array.from(complete), [0.5, 0.9, 0.99, 1]), all: censoredFigures(complete, cut) };
      expect(waitFigures(Float64Array.from(complete), Float64Array.from(cut))).toEqual(want);
    }
    expect(waitFigures(new Float64Array(0), Float64Array.from([5, 1]))).toEqual({ complete: [null, null, null, null], all: censoredFigures([], [5, 1]) });
  });
  it('durations pushed one by one come back in order, across their chunks', () => {
    const d = new Durations();
    const want = Array.from({ length: 300_000 }, (_, i) => i * 3 + 1);
    for (const v of want) d.push(v);
    const out = new Float64Array(d.length + 2);
    expect(d.copyInto(out, 1)).toBe(want.length + 1);
    expect([...out.subarray(1, -1)]).toEqual(want);
    expect(new Durations().copyInto(out, 5)).toBe(5);
  });
  it('pool waits longer than the trace read as at least the trace', () => {
    const file = path.join(samples, 'db-pool-pq', 'go1.27', 'trace.out');
    const d = diagnoseFiles([file]);
    const pool = d.findings.find((f) => f.id === 'db-pool-exhausted')!;
    const l = pool.latency!.find((x) => x.signature === 'sql.conn-wait')!;
    expect(l.begunBefore + l.stillWaiting).toBeGreaterThan(0);
    expect(l.all.p50IsLowerBound).toBe(true);
    expect(pool.summary).toMatch(/cut by its start or end and counted as long as they were seen \(lower bounds\): p50 ≥ /);
  });
  it('growth during a trace counts only goroutines whose place at its start is known', () => {
    for (const scenario of ['db-pool-pq', 'mutex-hot', 'sql-rows-leak']) {
      const file = path.join(samples, scenario, 'go1.27', 'trace.out');
      const a = analyzeDecoded(file, decode(new Uint8Array(readFileSync(file)))) as TraceAnalysis;
      const known = new Set(a.goroutineSummary.goroutines.filter((g) => !g.preexisting || g.startStack !== 0).map((g) => g.id));
      const ids = Array.from(a.endKnownSnapshot.goroutines!.id);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.length).toBeLessThanOrEqual(a.snapshot.goroutines!.length);
      for (const id of ids) expect(known.has(id)).toBe(true);
      for (const id of Array.from(a.startSnapshot.goroutines!.id)) expect(known.has(id)).toBe(true);
    }
  });
});

describe('the real holder of a contended lock', () => {
  it("a trace's unblock edges name who releases the lock and what it waited on holding it", () => {
    const d = diagnoseFiles([path.join(samples, 'mutex-hot', 'go1.27', 'trace.out')]);
    const f = d.findings.find((x) => x.id === 'mutex-contention')!;
    const holder = f.holders.find((h) => h.signature === 'trace-unblock')!;
    // the program holds the price cache's lock across the backend call (main.go's priceCache.price → fetch)
    expect(holder.description).toMatch(/^releases the lock: main\.\(\*priceCache\)\.price woke \d+ waiters .*; before letting go it waited in net\/http\.\(\*persistConn\)\.roundTrip under main\.\(\*priceCache\)\.fetch/);
    expect(f.holders.map((h) => h.description).join(' ')).not.toMatch(/writeLoop/);
    expect(f.summary).toMatch(/The trace shows who holds it: main\.\(\*priceCache\)\.price releases it, after waiting in .* under main\.\(\*priceCache\)\.fetch/);
    expect(f.remediation.join(' ')).not.toMatch(/With a mutex profile/);
  });
  it("a block profile's Lock call site is where waiters wait, never a holder", () => {
    const dir = path.join(samples, 'mutex-hot', 'go1.27');
    const d = diagnoseFiles([path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'block.pb.gz')]);
    const f = d.findings.find((x) => x.id === 'mutex-contention')!;
    expect(f.holders.filter((h) => h.signature === 'block-profile')).toEqual([]);
    expect(f.summary).toMatch(/the waiters block most in main\.\(\*priceCache\)\.price/);
  });
});

describe('open transactions: holders or a leak', () => {
  it('slow but correct transactions are the pool’s holders, not a leak', () => {
    for (const form of ['goroutine.pb.gz', 'goroutine.debug1.txt', 'goroutine.debug2.txt']) {
      const d = diagnoseFiles([path.join(samples, 'db-pool-slow-tx', 'go1.27', form)]);
      expect(d.findings.map((f) => f.id), form).toEqual(['db-pool-exhausted']);
      const pool = d.findings[0]!;
      expect(pool.holders.map((h) => h.signature)).toContain('sql.tx-open');
      expect(pool.remediation.join(' ')).toMatch(/busy with other work inside them .* do that work before Begin or after Commit/);
    }
  });
  it('transactions whose owners moved on are a leak, in one snapshot', () => {
    for (const form of ['goroutine.pb.gz', 'goroutine.debug1.txt', 'goroutine.debug2.txt']) {
      const d = diagnoseFiles([path.join(samples, 'sql-tx-leak', 'go1.27', form)]);
      const f = d.findings.find((x) => x.id === 'sql-tx-leak')!;
      expect(f.severity, form).toBe('critical');
      expect(f.summary).toMatch(/no goroutine of the program is working in them any more/);
      expect(d.findings.find((x) => x.id === 'db-pool-exhausted')!.remediation.join(' ')).toMatch(/Transactions are left open/);
    }
  });
});

describe('two heap profiles of one process', () => {
  it('say that memory in use grows, by how much, and under which code', () => {
    const dir = path.join(samples, 'http-client-body-leak');
    const want = JSON.parse(readFileSync(path.join(dir, 'scenario.json'), 'utf8')).expected.heapPair as { files: string[]; inuseBefore: number; inuseAfter: number; grewUnder: string };
    // given in the wrong order: put in time order by their capture times
    const d = diagnoseFiles([...want.files].reverse().map((f) => path.join(dir, 'go1.27', f)));
    const f = d.findings.find((x) => x.id === 'memory-growth')!;
    expect(f.severity).toBe('critical');
    expect(f.summary).toContain(`from ${formatSize(want.inuseBefore)} to ${formatSize(want.inuseAfter)}`);
    // the sites that grew most are named, the one the scenario names among them
    expect(f.summary).toMatch(new RegExp(`under ${want.grewUnder.replace(/[.*()]/g, '\\$&')}`));
  });
});
