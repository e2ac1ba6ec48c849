/**
 * Who holds a contended lock, from a trace's unblock edges. When a goroutine waiting in
 * sync.(*Mutex).Lock is woken, the goroutine that wakes it is the one releasing the lock: its
 * holder until then. A block profile's Lock call site only says where the waiters wait; the
 * trace says who made them wait, and what that goroutine itself waited on before it let go
 * (its last wait before the release: the slow call it made while holding the lock).
 */

import { isStandardLibrary } from '../../model/names.js';
import { GoState, TraceEventKind, stackFunctions, type Trace } from '../../model/trace.js';
import { GoroutineMap } from './goroutine-map.js';
import { lengthen, withRoom } from '../../model/builder.js';
import { RunSums } from './run-sums.js';

/** One place that releases a contended lock, with what its goroutines waited on while holding it. */
export interface LockRelease {
  /** The releasing function: the first frame above the lock implementation in the waker's stack. */
  releaser: string;
  /** Wake-ups of lock waiters it made, and by how many distinct goroutines. */
  wakeups: number;
  goroutines: number;
  /** What the releasing goroutines waited on last before releasing, most frequent first. */
  heldWhile: { site: string; count: number; totalNs: number }[];
}

const LOCK = /^(sync|internal\/sync)\.\(\*(RW)?Mutex\)\.(R?Lock|lockSlow|rLockSlow)$/;
const LOCK_IMPL = /^(runtime\.|runtime\/internal|internal\/runtime|internal\/sync\.|sync\.)/;

/**
 * A goroutine's wait, while `waiting`. Kept (and written over) from one wait to the next while
 * the goroutine lives: a server's goroutines block millions of times.
 */
interface Blocked {
  waiting: boolean;
  since: number;
  stack: number;
  onLock: boolean;
  /**
   * Its waits (not on a lock) since it last took or released one: time by site, in the order
   * first seen. At a release, the longest is what it waited on while holding the lock.
   */
  waits: RunSums | null;
}

export class LockHolders {
  private readonly blocked = new GoroutineMap<Blocked>();
  private readonly releases = new Map<string, { wakeups: number; goroutines: Set<number>; heldWhile: Map<string, { count: number; totalNs: number }> }>();
  /** By stack row, once worked out: whether it waits on a lock (1 yes, 2 no), its site, its releaser. */
  private onLock = new Uint8Array(256);
  private readonly sites: (string | undefined)[] = [];
  private readonly releasers: (string | null | undefined)[] = [];

  add(t: Trace): void {
    const ev = t.events;
    lengthen(this.sites, t.stacks.length);
    lengthen(this.releasers, t.stacks.length);
    for (let i = 0; i < ev.length; i++) {
      const kind = ev.kind[i]!;
      if (kind === TraceEventKind.GoBlock || (kind === TraceEventKind.GoStatus && ev.to[i]! === GoState.Waiting && this.blocked.get(ev.resource[i]!)?.waiting !== true)) {
        // a wait that began in the trace, or one under way when it began (a status row's stack)
        const g = ev.resource[i]! >= 0 ? ev.resource[i]! : ev.g[i]!;
        const stack = ev.stack[i]!;
        const b = this.blocked.get(g);
        if (b === undefined) this.blocked.set(g, { waiting: true, since: ev.time[i]!, stack, onLock: this.isLockWait(t, stack), waits: null });
        else {
          b.waiting = true;
          b.since = ev.time[i]!;
          b.stack = stack;
          b.onLock = this.isLockWait(t, stack);
        }
      } else if (kind === TraceEventKind.GoUnblock) {
        this.unblock(t, ev.resource[i]!, ev.g[i]!, ev.stack[i]!, ev.time[i]!);
      } else if (kind === TraceEventKind.GoDestroy || kind === TraceEventKind.GoDestroySyscall) {
        this.blocked.delete(ev.resource[i]!);
      }
    }
  }

  private unblock(t: Trace, woken: number, waker: number, stack: number, time: number): void {
    const w0 = this.blocked.get(woken);
    const b = w0?.waiting ? w0 : undefined;
    if (w0 !== undefined) w0.waiting = false;
    // woken from inside Unlock: the waker released a lock the woken goroutine waited for (its
    // own wait may have begun before the trace, with no stack to tell)
    const releaser = waker >= 0 ? this.releaser(t, stack) : null;
    if (releaser === null) {
      if (b !== undefined && !b.onLock) (b.waits ??= new RunSums()).add(this.site(t, b.stack), time - b.since);
      return;
    }
    // the woken goroutine takes the lock now: what it waits on from here, it waits on holding it
    if (w0 !== undefined) w0.waits = null;
    let r = this.releases.get(releaser);
    if (r === undefined) this.releases.set(releaser, (r = { wakeups: 0, goroutines: new Set(), heldWhile: new Map() }));
    r.wakeups++;
    r.goroutines.add(waker);
    const wb = this.blocked.get(waker);
    const longest = wb?.waits ? [...wb.waits.flush()].sort((x, y) => y[1] - x[1])[0] : undefined;
    if (wb !== undefined) wb.waits = null;
    if (longest !== undefined) {
      const [site, ns] = longest;
      const h = r.heldWhile.get(site) ?? { count: 0, totalNs: 0 };
      h.count++;
      h.totalNs += ns;
      r.heldWhile.set(site, h);
    }
  }

  private isLockWait(t: Trace, stack: number): boolean {
    this.onLock = withRoom(this.onLock, stack + 1);
    if (this.onLock[stack] === 0) this.onLock[stack] = stackFunctions(t, stack).some((f) => LOCK.test(f)) ? 1 : 2;
    return this.onLock[stack] === 1;
  }

  /** The function that called into the lock implementation to release it. */
  private releaser(t: Trace, stack: number): string | null {
    let r = this.releasers[stack];
    if (r === undefined) {
      const fns = stackFunctions(t, stack);
      const unlock = fns.findIndex((f) => /\.\(\*(RW)?Mutex\)\.(R?Unlock|unlockSlow|rUnlockSlow)$/.test(f));
      r = unlock < 0 ? null : (fns.slice(unlock + 1).find((f) => !LOCK_IMPL.test(f)) ?? null);
      this.releasers[stack] = r;
    }
    return r;
  }

  /** A wait's place in words: where it blocked, under which of the program's functions. */
  private site(t: Trace, stack: number): string {
    let s = this.sites[stack];
    if (s === undefined) {
      const fns = stackFunctions(t, stack).filter((f) => !/^runtime\.[a-z]/.test(f));
      const leaf = fns[0] ?? '(no stack)';
      const own = fns.find((f) => !isStandardLibrary(f));
      s = own && own !== leaf ? `${leaf} under ${own}` : leaf;
      this.sites[stack] = s;
    }
    return s;
  }

  result(): LockRelease[] {
    return [...this.releases]
      .map(([releaser, r]) => ({
        releaser,
        wakeups: r.wakeups,
        goroutines: r.goroutines.size,
        heldWhile: [...r.heldWhile].map(([site, h]) => ({ site, ...h })).sort((a, b) => b.count - a.count || b.totalNs - a.totalNs),
      }))
      .sort((a, b) => b.wakeups - a.wakeups);
  }
}
