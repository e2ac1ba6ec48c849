/**
 * A Map keyed by goroutine id with a small direct-mapped cache in front: the trace analyses
 * look a goroutine up at nearly every row (tens of millions in a large trace), and a server's
 * rows keep coming back to the same few hundred goroutines, which a slot an id answers without
 * hashing. Values are never undefined.
 */
const SLOTS = 1024;
const MASK = SLOTS - 1;

export class GoroutineMap<V> {
  private readonly map = new Map<number, V>();
  /** The id in each slot (NaN: none, which no id equals) and its value. */
  private readonly ids = new Float64Array(SLOTS).fill(NaN);
  private readonly vals: (V | undefined)[] = new Array<V | undefined>(SLOTS).fill(undefined);

  get(g: number): V | undefined {
    const s = g & MASK;
    if (this.ids[s] === g) return this.vals[s];
    const v = this.map.get(g);
    if (v !== undefined) {
      this.ids[s] = g;
      this.vals[s] = v;
    }
    return v;
  }

  has(g: number): boolean {
    return this.get(g) !== undefined;
  }

  set(g: number, v: V): void {
    this.map.set(g, v);
    const s = g & MASK;
    this.ids[s] = g;
    this.vals[s] = v;
  }

  delete(g: number): void {
    const s = g & MASK;
    if (this.ids[s] === g) {
      this.ids[s] = NaN;
      this.vals[s] = undefined;
    }
    this.map.delete(g);
  }

  clear(): void {
    this.map.clear();
    this.ids.fill(NaN);
    this.vals.fill(undefined);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }
}
