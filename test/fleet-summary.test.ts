/** The fleet's arithmetic (src/analyze/fleet.ts) and selectors (src/fleet/prometheus.ts), on their own. */
import { describe, expect, it } from 'vitest';
import { goroutineOutliers, middle, summarizeFleet, type InstanceResult } from '../src/analyze/fleet.js';
import { matches, parseSelector, rankQuery } from '../src/fleet/prometheus.js';
import { withMatcher } from '../src/fleet/pyroscope.js';
import { parseServiceDiscovery } from '../src/fleet/targets.js';

const counts = (xs: number[]) => xs.map((goroutines, i) => ({ instance: `i${i}`, goroutines }));

describe('goroutine-count outliers by median and MAD', () => {
  it('the median of an even count is the mean of the middle two', () => {
    expect(middle([4, 1, 3, 2])).toBe(2.5);
    expect(middle([5, 1, 3])).toBe(3);
  });

  it('a count far out either way, by robust score (count − median) / (1.4826 × MAD) > 3.5', () => {
    // median 100, deviations 0,2,2,3,3,4,... MAD 3: 130 scores (30 / 4.45) 6.7, 80 scores −4.5
    const r = goroutineOutliers(counts([100, 98, 102, 97, 103, 104, 96, 100, 130, 80]));
    expect(r.median).toBe(100);
    expect(r.mad).toBe(3);
    expect(r.outliers.map((o) => [o.instance, o.goroutines])).toEqual([['i8', 130], ['i9', 80]]);
    expect(r.outliers[0]!.score).toBeCloseTo(30 / (1.4826 * 3), 2);
    // 110 is 2.2 robust deviations out: not an outlier
    expect(goroutineOutliers(counts([100, 98, 102, 97, 103, 104, 96, 100, 110])).outliers).toEqual([]);
  });

  it('when most share one count (MAD 0): more than a quarter and more than 10 goroutines away', () => {
    const r = goroutineOutliers(counts([11, 11, 11, 11, 11, 31, 20, 11]));
    expect(r.mad).toBe(0);
    expect(r.outliers).toEqual([{ instance: 'i5', goroutines: 31, score: null }]);
  });

  it('fewer than three instances have no outliers', () => {
    expect(goroutineOutliers(counts([10, 1000])).outliers).toEqual([]);
  });
});

describe('the fleet summary', () => {
  const ok = (instance: string, goroutines: number, findings: { id: string; severity: 'critical' | 'warning' | 'info'; goroutines: number }[] = []): InstanceResult => ({
    answered: true,
    instance,
    labels: {},
    url: `http://${instance}/debug/pprof/goroutine?debug=0`,
    goVersion: 'go1.27',
    goroutines,
    findings: findings.map((f) => ({ ...f, title: f.id })),
  });
  it('counts an info finding as healthy and a failed instance as neither', () => {
    const s = summarizeFleet([
      ok('a', 10),
      ok('b', 12, [{ id: 'goroutine-leak', severity: 'info', goroutines: 3 }]),
      ok('c', 40, [{ id: 'db-pool-exhausted', severity: 'critical', goroutines: 30 }]),
      ok('d', 25, [{ id: 'db-pool-exhausted', severity: 'warning', goroutines: 8 }]),
      { answered: false, instance: 'e', labels: {}, url: 'http://e/', reason: 'connection refused: nothing listens at e' },
    ]);
    expect(s).toMatchObject({ instances: 5, answered: 4, failed: 1, healthy: 2, sick: ['c', 'd'], worst: 'critical' });
    expect(s.findings[0]).toMatchObject({ id: 'db-pool-exhausted', severity: 'critical', instances: 2, answered: 4, failed: 1, waiters: { min: 8, median: 19, max: 30 }, worst: 'c', on: ['c', 'd'] });
    expect(s.verdict).toBe('2 of 4 answering instances sick (db-pool-exhausted on 2); 2 healthy; 1 of 5 did not answer');
  });
  it('no answer at all', () => {
    expect(summarizeFleet([{ answered: false, instance: 'e', labels: {}, url: 'http://e/', reason: 'x' }]).verdict).toBe('no instance answered (1 asked)');
  });
});

describe('selectors and targets', () => {
  it('PromQL matchers, regexes anchored', () => {
    const m = parseSelector('{job="checkout", zone=~"eu-.*", pod!="x", tier!~"canary|dev"}');
    expect(matches(m, { job: 'checkout', zone: 'eu-west', pod: 'a', tier: 'prod' })).toBe(true);
    expect(matches(m, { job: 'checkout', zone: 'us-eu-west', pod: 'a', tier: 'prod' })).toBe(false);
    expect(matches(m, { job: 'checkout', zone: 'eu-1', pod: 'a', tier: 'dev' })).toBe(false);
    expect(matches(parseSelector('{}'), {})).toBe(true);
    expect(() => parseSelector('{job=checkout}')).toThrow(/cannot read "job=checkout"/);
    expect(() => parseSelector('{job=~"("}')).toThrow(/is not a regular expression/);
  });
  it('a bare metric takes the selector; an expression is used as it is', () => {
    expect(rankQuery('go_goroutines', '{job="x"}')).toBe('go_goroutines{job="x"}');
    expect(rankQuery('rate(x[5m])', '{job="x"}')).toBe('rate(x[5m])');
    expect(withMatcher('{service_name="a"}', 'pod', 'p"1')).toBe('{service_name="a", pod="p\\"1"}');
    expect(withMatcher(undefined, 'pod', 'p')).toBe('{pod="p"}');
  });
  it('file_sd: steering labels hidden, the instance label names the instance, duplicates refused', () => {
    const t = parseServiceDiscovery(JSON.stringify([{ targets: ['10.0.0.1:6060'], labels: { __scheme__: 'https', instance: 'pod-1', job: 'x' } }]), 'sd.json');
    expect(t).toEqual([{ instance: 'pod-1', base: 'https://10.0.0.1:6060', labels: { job: 'x' } }]);
    expect(() => parseServiceDiscovery(JSON.stringify([{ targets: ['a:1', 'a:1'] }]), 'sd.json')).toThrow('sd.json: instance a:1 is listed twice');
    expect(() => parseServiceDiscovery('[{"targets": ["a:1"], "labels": {"x": 1}}]', 'sd.json')).toThrow('sd.json: target group 1: label x is not a string');
  });
});
