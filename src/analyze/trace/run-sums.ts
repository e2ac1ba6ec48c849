/**
 * Numbers summed by key into a map, a run of additions to the same key summed here first: a
 * goroutine of a busy server blocks for the same reason, at the same site, millions of times,
 * and a map update boxes a number at each. The map gets a key's sum when another key comes and
 * when it is read (flush); keys keep the order in which they first came.
 */
export class RunSums {
  private key: string | null = null;
  private sum = 0;

  constructor(private readonly into: Map<string, number> = new Map()) {}

  add(key: string, v: number): void {
    if (key === this.key) {
      this.sum += v;
      return;
    }
    this.flush();
    this.key = key;
    this.sum = v;
  }

  /** The map, every addition in it. */
  flush(): Map<string, number> {
    if (this.key !== null) this.into.set(this.key, (this.into.get(this.key) ?? 0) + this.sum);
    this.key = null;
    return this.into;
  }
}
