/**
 * The pool advisor: Erlang C (M/M/c) against stated targets, worked by hand below; the floor;
 * the rule of thumb beside it; the tail; the fleet's budget; the input checks; each driver's own
 * settings; and remediation that never contradicts itself on any sample.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { advisePool, defaultPolicy, erlangC, queueAt, tailFactor, validatePolicy } from '../src/analyze/pool-advisor.js';
import { diagnose } from '../src/analyze/diagnose.js';
import { analyzeDecoded } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import { repoRoot } from './helpers/corpus.js';

const load = (qps: number, latencySeconds: number, more = {}) => ({ qps, latencySeconds, instances: 1, poolsPerInstance: 1, ...more });

describe('Erlang C, worked by hand', () => {
  it('one connection: a query waits with probability ρ', () => {
    // c = 1: C(1, A) = A
    expect(erlangC(1, 0.1)).toBeCloseTo(0.1, 10);
  });
  it('two connections at A = 0.1', () => {
    // C(2, A) = (A²/2! · c/(c−A)) / (1 + A + A²/2! · c/(c−A)) = (0.005·2/1.9) / (1.1 + 0.005·2/1.9) = 0.0052632 / 1.1052632
    expect(erlangC(2, 0.1)).toBeCloseTo(0.0047619, 6);
  });
  it('two busy connections and three in the pool: 44% of queries wait', () => {
    // C(3, 2) = (2³/3! · 3/1) / (1 + 2 + 2 + 2³/3! · 3) = 4 / 9
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 10);
  });
  it('A = 2 needs seven: six meet P(wait) ≤ 5% but not the p99 wait', () => {
    // C(6, 2) = (2⁶/6! · 6/4) / (Σ_{k<6} 2^k/k! + that) = 0.133333 / (7.266667 + 0.133333) = 0.018018
    const six = queueAt(6, 2, 1);
    expect(six.waitProbability).toBeCloseTo(0.018018, 5);
    // p99 wait = S/(c−A) · ln(C/0.01) = 1/4 · ln(1.8018) = 0.1472 S > 10% of S
    expect(six.p99WaitSeconds).toBeCloseTo(0.1472, 3);
    // C(7, 2) = (2⁷/7! · 7/5) / (7.355556 + 0.035556) = 0.0048106 ≤ 1%: no wait at p99
    const seven = queueAt(7, 2, 1);
    expect(seven.waitProbability).toBeCloseTo(0.0048106, 6);
    expect(seven.p99WaitSeconds).toBe(0);
    const a = advisePool(load(200, 0.01));
    expect(a.maxOpenConns).toBe(7);
    expect(a.ruleOfThumb).toBe(3);
    expect(a.why).toMatch(/by Erlang C 7 meet the target .*The rule of thumb \(busy × 1\.5\) says 3, with which 44% of queries would wait/);
  });
  it('the floor keeps one slow query from stalling everything', () => {
    // 10 queries/s × 10 ms: Erlang C says 2 (C(2, 0.1) = 0.48%), the rule of thumb 1 (10% wait)
    const a = advisePool(load(10, 0.01));
    expect(a.maxOpenConns).toBe(defaultPolicy.minOpenConns);
    expect(a.ruleOfThumb).toBe(1);
    expect(a.why).toMatch(/Erlang C 2 meet the target.*raised to the floor of 4/);
  });
  it('a tail wider than exponential lengthens the waits (Allen–Cunneen through a lognormal)', () => {
    // p99 / mean = 5: 2.326σ − σ²/2 = ln 5 → σ = 0.8457; Cs² = e^{σ²} − 1 = 1.0446; (1 + Cs²)/2 = 1.0223
    expect(tailFactor(0.01, 0.05)).toBeCloseTo(1.0223, 3);
    expect(tailFactor(0.01, 0.01)).toBe(1);
    const wide = advisePool(load(200, 0.01, { latencyP99Seconds: 0.2 }));
    expect(wide.maxOpenConns).toBeGreaterThanOrEqual(advisePool(load(200, 0.01)).maxOpenConns);
    expect(wide.why).toMatch(/the waits scaled ×[\d.]+ for the spread the p99 of 200ms shows/);
  });
});

describe('the fleet and the server', () => {
  it('keeps the fleet within max_connections less the reserved ones, and says what to do', () => {
    // 400 qps × 50 ms: Erlang C 30 per pool; 4 instances × 2 pools × 30 = 240 > (100 − 3) × 0.8 = 77 → 9 each
    const a = advisePool(load(400, 0.05, { instances: 4, poolsPerInstance: 2, serverMaxConnections: 100 }));
    expect(a.serverBudget).toBe(77);
    expect(a.capped).toBe(true);
    expect(a.maxOpenConns).toBe(9);
    expect(a.fleetConnections).toBe(72);
    expect(a.notes.join(' ')).toMatch(/needs 30 connections per pool.*less 3 reserved.*PgBouncer/);
    // 20 busy, 9 allowed: the queue cannot keep up
    expect(a.notes.join(' ')).toMatch(/the queue grows without bound.*no pool setting fixes that/);
    const mysql = advisePool(load(400, 0.05, { instances: 4, poolsPerInstance: 2, serverMaxConnections: 100, serverKind: 'mysql' }));
    expect(mysql.serverBudget).toBe(80);
    expect(mysql.notes.join(' ')).toMatch(/ProxySQL/);
  });
});

describe('input checks', () => {
  it('refuses what cannot be a load', () => {
    expect(() => advisePool(load(-1, 0.05))).toThrow(/qps must be a number ≥ 0/);
    expect(() => advisePool(load(10, 0.05, { latencyP99Seconds: 0.01 }))).toThrow(/p99 latency cannot be below the mean/);
    expect(advisePool(load(1, 90)).notes.join(' ')).toMatch(/is the unit right/);
    expect(() => validatePolicy({ targetWaitProbability: 1 })).toThrow(/below 1/);
    expect(() => validatePolicy({ headroom: 0.5 })).toThrow(/headroom/);
  });

  it('refuses sizes no pool holds, in one line, rather than counting to them', () => {
    expect(() => validatePolicy({ headroom: 1e308 })).toThrow(/headroom must be at most 100 \(got 1e\+308\)/);
    expect(() => validatePolicy({ minOpenConns: 1e308 })).toThrow(/minOpenConns must be at most 100000/);
    expect(() => advisePool(load(1e9, 1))).toThrow(/keep 1000000000 connections busy, more than 100000: is the unit right/);
    // a policy's value as written, not "[object Object]"
    expect(() => validatePolicy({ headroom: {} as number })).toThrow(/headroom must be a number ≥ 1 \(got \{\}\)/);
    expect(() => validatePolicy({ minOpenConns: 'four' as unknown as number })).toThrow(/\(got "four"\)/);
  });

  it('Erlang C far above the load is 0 at once (B underflows and stays there)', () => {
    const t = Date.now();
    expect(erlangC(1e9, 8)).toBe(0);
    expect(Date.now() - t).toBeLessThan(1000);
  });
});

describe('each driver in its own names', () => {
  it('database/sql, pgxpool (as its DSN parser reads them) and go-redis (redis.Options)', () => {
    const a = advisePool(load(400, 0.05));
    expect(a.databaseSql).toEqual(['db.SetMaxOpenConns(30)', 'db.SetMaxIdleConns(9)', 'db.SetConnMaxLifetime(3 * time.Minute)', 'db.SetConnMaxIdleTime(1 * time.Minute)']);
    // pool_min_conns: kept open even when idle (pgxpool's MinConns), a few at most
    expect(a.pgxpool).toEqual({ pool_max_conns: 30, pool_min_conns: 4, pool_max_conn_lifetime: '3m', pool_max_conn_idle_time: '1m', pool_health_check_period: '1m' });
    expect(a.goRedis).toEqual(['PoolSize: 30', 'MinIdleConns: 4', 'PoolTimeout: 1 * time.Second', 'ConnMaxIdleTime: 1 * time.Minute']);
  });
});

describe('remediation that never contradicts itself', () => {
  /** Sentences that must not stand together in one finding's remediation, and advice that needs its evidence. */
  const CONTRADICTIONS: { what: string; test: (r: string, ids: string[], given: { load: boolean; mutex: boolean }) => boolean }[] = [
    { what: 'says the pool is not the fix, then sizes it as the fix', test: (r) => /pool is not the bottleneck/.test(r) && /(SetMaxOpenConns\(\d+\)|pool_max_conns=\d+)/.test(r) && !/Once the queries are fast again/.test(r) },
    { what: 'leak advice without a leak finding', test: (r, ids) => /left open: make every Begin|Rows are left open/.test(r) && !ids.some((i) => /leak/.test(i)) },
    { what: 'asks for the load it was given', test: (r, _ids, g) => g.load && /give the load/.test(r) },
    { what: 'asks for a mutex profile it was given', test: (r, _ids, g) => g.mutex && /With a mutex profile/.test(r) },
  ];
  const samples = path.join(repoRoot, 'samples');
  const cases = readdirSync(samples)
    .filter((d) => existsSync(path.join(samples, d, 'scenario.json')))
    .flatMap((d) => readdirSync(path.join(samples, d)).filter((v) => /^go1\.\d+$/.test(v)).map((v) => path.join(samples, d, v)));
  it('has samples', () => expect(cases.length).toBeGreaterThan(20));
  for (const dir of cases) {
    it(path.relative(samples, dir), () => {
      const files = ['goroutine.pb.gz', 'goroutine.2.pb.gz', 'goroutine.aged.pb.gz', 'mutex.pb.gz', 'block.pb.gz', 'trace.out'].map((f) => path.join(dir, f)).filter(existsSync);
      const analyses = files.map((f) => analyzeDecoded(path.basename(f), decode(new Uint8Array(readFileSync(f)))));
      const mutex = files.some((f) => f.endsWith('mutex.pb.gz'));
      for (const withLoad of [false, true]) {
        const d = diagnose(analyses, withLoad ? { load: load(400, 0.05) } : {});
        const ids = d.findings.map((f) => f.id);
        for (const f of d.findings) {
          const text = f.remediation.join(' ');
          for (const c of CONTRADICTIONS) expect(c.test(text, ids, { load: withLoad, mutex }), `${f.id}: ${c.what}: ${text}`).toBe(false);
        }
      }
    });
  }
});

import { parseDbStats, statsSentence } from '../src/analyze/db-stats.js';

describe("the pool's own figures (db.Stats() published through expvar)", () => {
  const dir = path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27');
  const facts = JSON.parse(readFileSync(path.join(repoRoot, 'samples', 'db-pool-pq', 'scenario.json'), 'utf8')).facts.varsJson;
  it('are found in the expvar document the service serves', () => {
    const [s, ...rest] = parseDbStats(readFileSync(path.join(dir, 'vars.json'), 'utf8'), 'vars.json');
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ name: 'orders_db', maxOpenConnections: facts.MaxOpenConnections, inUse: facts.InUse, waitCount: facts.WaitCount, waitDurationNs: facts.WaitDuration });
    expect(() => parseDbStats('{"cmdline":["x"]}', 'x.json')).toThrow(/no database\/sql pool figures/);
    expect(() => parseDbStats('not json', 'x.json')).toThrow(/not JSON/);
  });
  it('are compared with the advice, in the finding and in advise', () => {
    const a = analyzeDecoded('goroutine.pb.gz', decode(new Uint8Array(readFileSync(path.join(dir, 'goroutine.pb.gz')))));
    const stats = parseDbStats(readFileSync(path.join(dir, 'vars.json'), 'utf8'));
    const d = diagnose([a], { load: load(400, 0.05), dbStats: stats });
    const text = d.findings.find((f) => f.id === 'db-pool-exhausted')!.remediation.join(' ');
    // every wait was still under way when the figures were read: WaitDuration counts only ended ones
    expect(text).toMatch(new RegExp(`MaxOpenConns ${facts.MaxOpenConnections}, ${facts.InUse} of \\d+ open in use, \\d+ idle; ${facts.WaitCount} waits for a connection begun so far and none ended`));
    expect(text).toMatch(/The advised 30 is 25 more than it allows, for once the queries are fast again/);
    expect(statsSentence({ ...stats[0]!, waitDurationNs: 30e9, waitCount: 200 }, 5, false)).toMatch(/30s in all for those that ended .*That is the advised size/);
  });
});
