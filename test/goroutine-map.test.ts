/**
 * GoroutineMap answers as a Map does, whatever the ids (negative, past 2^31, many sharing a
 * slot of its cache) and whatever the order of sets, deletes and clears.
 */
import { describe, expect, it } from 'vitest';
import { GoroutineMap } from '../src/analyze/trace/goroutine-map.js';

describe('GoroutineMap', () => {
  it('agrees with a Map over random operations on ids that collide in its cache', () => {
    let seed = 11;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    // ids 1024 apart share a slot; -1, and ids past 2^31 and 2^32 too
    const ids = [-1, 0, 1, 2, 1025, 2049, 1023, 2047, 2 ** 31 + 1, 2 ** 32 + 1, 2 ** 40 + 1025, 12345678901];
    const m = new GoroutineMap<number>();
    const ref = new Map<number, number>();
    for (let step = 0; step < 20000; step++) {
      const g = ids[next(ids.length)]!;
      const op = next(10);
      if (op < 4) {
        m.set(g, step);
        ref.set(g, step);
      } else if (op < 6) {
        m.delete(g);
        ref.delete(g);
      } else if (op === 6 && next(50) === 0) {
        m.clear();
        ref.clear();
      }
      expect(m.get(g)).toBe(ref.get(g));
      expect(m.has(g)).toBe(ref.has(g));
      expect(m.size).toBe(ref.size);
    }
    expect([...m.values()].sort((a, b) => a - b)).toEqual([...ref.values()].sort((a, b) => a - b));
  });
});
