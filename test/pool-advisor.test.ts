import { describe, expect, it } from 'vitest';
import { advisePool, defaultPolicy, validatePolicy } from '../src/analyze/pool-advisor.js';

describe('pool advisor', () => {
  it('sizes the pool by qps × latency × headroom', () => {
    // 400 qps × 50 ms = 20 busy; × 1.5 = 30
    const a = advisePool({ qps: 400, latencySeconds: 0.05, instances: 1, poolsPerInstance: 1 });
    expect(a.busyAtPeak).toBeCloseTo(20);
    expect(a.maxOpenConns).toBe(30);
    expect(a.maxIdleConns).toBe(9); // 0.3 × 30
    expect(a.connMaxLifetimeSeconds).toBe(180);
    expect(a.connMaxIdleTimeSeconds).toBe(60);
    expect(a.pgxpool).toEqual({ pool_max_conns: 30, pool_min_conns: 9, pool_max_conn_lifetime: '3m', pool_max_conn_idle_time: '1m' });
    expect(a.goSettings).toContain('db.SetMaxOpenConns(30)');
    expect(a.capped).toBe(false);
  });

  it('rounds up and never goes below one connection', () => {
    expect(advisePool({ qps: 7, latencySeconds: 0.1, instances: 1, poolsPerInstance: 1 }).maxOpenConns).toBe(2); // 1.05 → 2
    expect(advisePool({ qps: 0, latencySeconds: 0.1, instances: 1, poolsPerInstance: 1 }).maxOpenConns).toBe(1);
  });

  it('keeps the fleet under 80% of max_connections, counting read and write pools', () => {
    // 30 per pool × 4 instances × 2 pools = 240 > 0.8 × 100 = 80 → 10 each
    const a = advisePool({ qps: 400, latencySeconds: 0.05, instances: 4, poolsPerInstance: 2, serverMaxConnections: 100 });
    expect(a.serverBudget).toBe(80);
    expect(a.capped).toBe(true);
    expect(a.maxOpenConns).toBe(10);
    expect(a.fleetConnections).toBe(80);
    expect(a.notes.join(' ')).toMatch(/needs 30 connections per pool/);
    expect(a.notes.join(' ')).toMatch(/callers will queue/);
  });

  it('takes a policy file', () => {
    const p = validatePolicy({ headroom: 2, serverShare: 0.5 });
    expect(advisePool({ qps: 100, latencySeconds: 0.1, instances: 1, poolsPerInstance: 1 }, p).maxOpenConns).toBe(20);
    expect(() => validatePolicy({ headroom: 0.5 })).toThrow(/headroom/);
    expect(defaultPolicy.headroom).toBe(1.5);
  });
});
