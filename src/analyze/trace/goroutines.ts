/**
 * Goroutine analysis of an execution trace, by the rules of Go's own goroutine summary
 * (internal/trace's Summarizer, shown by `go tool trace` on its goroutines pages): for every
 * goroutine, the time it spent running, waiting for a proc, blocked (by block reason), in
 * syscalls, and in goroutine-scoped ranges (GC mark assist); when it was created, first ran and
 * ended; and where it stood when the trace ended.
 *
 * Besides Go's figures it keeps what a diagnosis needs:
 * - every wait interval, aggregated by where it waited (stack, block reason, creator), with each
 *   interval's duration, so that waits can be matched against signatures and their latency
 *   reported (see latency.ts); waits already under way when the trace started are kept apart:
 *   their true length is unknown (only a lower bound is);
 * - the goroutine's state, stack and wait reason at the end of the trace, from which a goroutine
 *   snapshot is built (see snapshot.ts).
 *
 * Rows are consumed in order, whole or one generation at a time (`add` per generation).
 */

import { withRoom } from '../../model/builder.js';
import { GoroutineMap } from './goroutine-map.js';
import { RunSums } from './run-sums.js';
import { GoState, ProcState, TraceEventKind, isGoroutineTransition, isProcTransition, noEvents, type Trace } from '../../model/trace.js';

/** What Go's summary records for one goroutine (times in ns since the first row). */
export interface GoroutineSummary {
  id: number;
  /** Start function: the root frame of the first stack seen for it ('' when the trace has none). */
  name: string;
  /** Creation time; for goroutines that existed when the trace (or its generation) started, that sync's time. */
  creationNs: number;
  /** True when it existed before it entered the trace (first seen through a status row, not created). */
  preexisting: boolean;
  /** First time it ran, -1 never. */
  startNs: number;
  /** When it ended (destroyed, or blocked "forever"), -1 when it outlived the trace. */
  endNs: number;
  execNs: number;
  schedWaitNs: number;
  syscallNs: number;
  /** Time in syscalls after its proc was taken away (blocking syscalls). */
  syscallBlockNs: number;
  /** Time in the trace: from creation (the sync, for goroutines that existed then) to its end or the trace's. */
  totalNs: number;
  /** Block time per block reason ("chan receive", "sync", "network", "select", "sleep", …). */
  blockNs: Map<string, number>;
  /** Goroutine-scoped ranges (e.g. "GC mark assist"). */
  rangeNs: Map<string, number>;
  /** Creator: goroutine id (-1 unknown) and the function at the leaf of its stack ('' unknown). */
  creator: number;
  createdBy: string;
  /**
   * For goroutines that existed before they entered the trace: the state and stack of the status
   * row that introduced them (the state they held since the trace began), else NotExist and 0.
   */
  startState: GoState;
  startReason: string;
  startStack: number;
  /** State at the end of the trace (NotExist for ended goroutines). */
  endState: GoState;
  /** Block reason of the final wait ('' unless endState is Waiting). */
  endReason: string;
  /** Stack row where it stands at the end: where it blocked, entered its syscall, or was last seen. */
  endStack: number;
  /** Since when it is in its final state, -1 unknown; `endSincePreexisting`: the state was held since the trace began. */
  endSinceNs: number;
  endSincePreexisting: boolean;
}

/** Wait intervals of one (stack, reason, creator) site. */
export interface WaitSite {
  stack: number;
  reason: string;
  createdBy: string;
  /** Durations (ns) of the waits that began and ended within the trace. */
  complete: Durations;
  /** Waits under way when the trace began (ended within it or not): ns observed (lower bounds). */
  fromStart: Durations;
  /** Waits begun within the trace and still under way at its end: ns so far (lower bounds). */
  atEnd: Durations;
  goroutines: Set<number>;
}

/**
 * Durations (ns) in chunks, each twice the last up to 64 Ki: a site where a server waits
 * millions of times takes them without what it holds being copied as it grows.
 */
export class Durations {
  private readonly chunks: Float64Array[] = [];
  private last = new Float64Array(0);
  private filled = 0;
  length = 0;

  push(ns: number): void {
    if (this.filled === this.last.length) {
      this.last = new Float64Array(Math.min(1 << 16, Math.max(16, this.last.length * 2)));
      this.chunks.push(this.last);
      this.filled = 0;
    }
    this.last[this.filled++] = ns;
    this.length++;
  }

  /** Copies them into `out` from `at` on; where they end there. */
  copyInto(out: Float64Array, at: number): number {
    for (const c of this.chunks) {
      const part = c === this.last ? c.subarray(0, this.filled) : c;
      out.set(part, at);
      at += part.length;
    }
    return at;
  }
}

interface Live {
  s: GoroutineSummary;
  lastStart: number;
  lastRunnable: number;
  lastBlock: number;
  lastBlockReason: string;
  lastSyscall: number;
  lastSyscallBlock: number;
  lastRange: Map<string, number>;
  /** The goroutine's own most recent stack (row), from any row that shows it. */
  ownStack: number;
  /** Open wait: its stack and whether it was under way at trace start. */
  waitStack: number;
  waitStart: number;
  waitFromStart: boolean;
  /** The site of its last wait: a goroutine mostly waits where it waited before (and is in that site's goroutines). */
  site: WaitSite | null;
  /** Block time by reason, into s.blockNs (flushed when the goroutine is finished). */
  blocked: RunSums;
  stateSince: number;
  stateSincePreexisting: boolean;
}

const GC_MARK_ASSIST = 'GC mark assist';
const GC_SWEEP = 'GC incremental sweep';

/** The kinds GoroutineAnalyzer.syncOrRange handles. */
const SYNC_OR_RANGE = new Uint8Array(256);
for (const k of [
  TraceEventKind.Sync,
  TraceEventKind.GCMarkAssistBegin,
  TraceEventKind.GCMarkAssistActive,
  TraceEventKind.GCMarkAssistEnd,
  TraceEventKind.STWBegin,
  TraceEventKind.STWEnd,
  TraceEventKind.GCSweepBegin,
  TraceEventKind.GCSweepActive,
  TraceEventKind.GCSweepEnd,
]) {
  SYNC_OR_RANGE[k] = 1;
}

/** Transitions of the running goroutine whose stack, the row's, goTransition takes as the goroutine's own. */
const OWN_STACK_TRANSITION = new Uint8Array(256);
for (const k of [TraceEventKind.GoBlock, TraceEventKind.GoStop, TraceEventKind.GoSyscallBegin]) OWN_STACK_TRANSITION[k] = 1;

/**
 * Whose rules: Go 1.26's summary (the default), or Go 1.22–1.24's, which does not count the
 * time between a generation's sync and a goroutine's first status row, takes goroutine names
 * from other transitions' stacks (destroy and syscall end, not status rows), and whose reader
 * yields no sync before the first generation (the trace starts at its first event).
 */
export type SummaryRules = 'go1.26' | 'go1.24';

export class GoroutineAnalyzer {
  constructor(readonly rules: SummaryRules = 'go1.26') {}

  private readonly live = new GoroutineMap<Live>();
  private readonly done: GoroutineSummary[] = [];
  /** Wait sites by stack (each stack's few by reason and creator), and all of them in the order first seen. */
  private readonly sitesByStack = new Map<number, WaitSite[]>();
  private readonly sites: WaitSite[] = [];
  /** Proc → goroutine in a syscall on it. */
  private readonly syscallingP = new Map<number, number>();
  private readonly syscallingG = new Map<number, number>();
  private syncTs = 0;
  private lastTs = 0;
  private first = true;
  /** (proc, range name) → goroutine a proc-scoped range is attributed to. */
  private readonly rangesP = new Map<string, number>();
  /** Functions at the leaf of some block row's stack (see TraceGoroutines.blockLeaves). */
  private readonly blockLeaves = new Set<string>();
  /** The stacks (rows) whose leaf is in blockLeaves already: a server blocks at the same few stacks millions of times. */
  private leafSeen: Uint8Array = new Uint8Array(256);
  private trace: Trace | null = null;

  /**
   * The next rows: the whole trace, or its next part. What is kept from one call to the next
   * holds stack rows and strings, never the wire format's per-generation ids: the parts of one
   * trace share their tables, so a row of an earlier part means the same in later ones.
   */
  add(t: Trace): void {
    // the trace's tables, not this part's rows: those are let go once read (or written over)
    this.trace = t.events.length === 0 ? t : { ...t, events: NO_ROWS };
    const ev = t.events;
    for (let i = 0; i < ev.length; i++) {
      const kind = ev.kind[i]!;
      const time = ev.time[i]!;
      if (kind === TraceEventKind.GoBlock && ev.stack[i]! !== 0) {
        const stack = ev.stack[i]!;
        this.leafSeen = withRoom(this.leafSeen, stack + 1);
        if (this.leafSeen[stack] === 0) {
          this.leafSeen[stack] = 1;
          this.blockLeaves.add(leafName(t, stack));
        }
      }
      if (this.first && (kind !== TraceEventKind.Sync || this.rules === 'go1.26')) {
        // Go 1.24's reader yields each generation's sync at its end, not at its start: its
        // first sync time is the first event's
        this.first = false;
        this.syncTs = time;
      }
      this.lastTs = time;
      const running = ev.g[i]!;
      // the running goroutine's own most recent stack (which its own block, stop or syscall
      // sets through goTransition: the transition's stack is the row's)
      if (ev.stack[i]! !== 0 && running >= 0 && kind !== TraceEventKind.CPUSample && !(OWN_STACK_TRANSITION[kind] === 1 && ev.resource[i] === running)) {
        const l = this.live.get(running);
        if (l) l.ownStack = ev.stack[i]!;
      }
      // (the methods read the row's time from its column: a time passed as an argument would be boxed)
      if (SYNC_OR_RANGE[kind] === 1) this.syncOrRange(t, i, kind);
      else if (isProcTransition(kind)) this.procTransition(t, i);
      else if (isGoroutineTransition(kind) || kind === TraceEventKind.GoStatus) this.goTransition(t, i, kind);
    }
  }

  /** A sync, or the begin or end of a goroutine- or proc-scoped range (the kinds of SYNC_OR_RANGE). */
  private syncOrRange(t: Trace, i: number, kind: number): void {
    const ev = t.events;
    const time = ev.time[i]!;
    const running = ev.g[i]!;
    switch (kind) {
      case TraceEventKind.Sync:
        if (!this.first) this.syncTs = time;
        return;
      case TraceEventKind.GCMarkAssistBegin:
      case TraceEventKind.GCMarkAssistActive:
        this.rangeBegin(kind === TraceEventKind.GCMarkAssistActive ? ev.arg0[i]! : running, GC_MARK_ASSIST, kind === TraceEventKind.GCMarkAssistActive, time);
        return;
      case TraceEventKind.GCMarkAssistEnd:
        this.rangeEnd(running, GC_MARK_ASSIST, time);
        return;
      case TraceEventKind.STWBegin:
        this.rangeBegin(running, `stop-the-world (${t.strings.get(ev.str[i]!)})`, false, time);
        return;
      case TraceEventKind.STWEnd:
        this.rangeEnd(running, `stop-the-world (${t.strings.get(ev.str[i]!)})`, time);
        return;
      case TraceEventKind.GCSweepBegin:
      case TraceEventKind.GCSweepActive: {
        // proc-scoped: attributed to the goroutine on the proc, if it ends the range too
        if (!this.live.has(running)) return;
        const p = kind === TraceEventKind.GCSweepActive ? ev.arg0[i]! : ev.p[i]!;
        this.rangesP.set(`${p}\u0000${GC_SWEEP}`, running);
        this.rangeBegin(running, GC_SWEEP, kind === TraceEventKind.GCSweepActive, time);
        return;
      }
      case TraceEventKind.GCSweepEnd: {
        const key = `${ev.p[i]!}\u0000${GC_SWEEP}`;
        const g = this.rangesP.get(key);
        if (g === undefined) return;
        this.rangesP.delete(key);
        if (g === running) this.rangeEnd(g, GC_SWEEP, time);
        return;
      }
    }
  }

  /** A proc going idle under a goroutine in a syscall: from here on the syscall blocks. */
  private procTransition(t: Trace, i: number): void {
    const ev = t.events;
    const time = ev.time[i]!;
    const from = ev.from[i]!;
    const to = ev.to[i]!;
    const p = ev.resource[i]!;
    if (from !== to && to === ProcState.Idle) {
      const g = this.syscallingP.get(p);
      if (g !== undefined) {
        const l = this.live.get(g);
        if (l) l.lastSyscallBlock = time;
        this.syscallingP.delete(p);
      }
    }
  }

  /** A goroutine's transition (or status row): out of its old state, then into its new one. */
  private goTransition(t: Trace, i: number, kind: number): void {
    const ev = t.events;
    const time = ev.time[i]!;
    const id = ev.resource[i]!;
    const from = ev.from[i]!;
    const to = ev.to[i]!;
    // The transition's stack: for a creation, where the new goroutine starts.
    const stack = transitionStack(kind, ev.arg0[i]!, ev.stack[i]!, this.rules);
    if (from === to) {
      // nothing new for Go's figures; a later generation's status row still tells where it stands
      const l = this.live.get(id);
      if (l && stack !== 0) {
        l.ownStack = stack;
        if (to === GoState.Waiting && l.waitStack === 0) l.waitStack = stack;
      }
      return;
    }
    let l = this.live.get(id);
    if (from === GoState.Undetermined || from === GoState.NotExist || l === undefined) l = this.enterTrace(t, i);
    else this.leaveState(l, from, t, i);
    if (l.s.name === '' && stack !== 0) l.s.name = rootName(t, stack);
    if (stack !== 0) l.ownStack = stack;
    l.stateSince = from === GoState.Undetermined ? this.syncTs : time;
    l.stateSincePreexisting = from === GoState.Undetermined;
    this.enterState(l, t, i, stack);
  }

  /** The goroutine of row i enters the trace: created, or seen first through a status row. */
  private enterTrace(t: Trace, i: number): Live {
    const ev = t.events;
    const time = ev.time[i]!;
    const from = ev.from[i]!;
    const to = ev.to[i]!;
    const preexisting = from === GoState.Undetermined;
    const l = this.newGoroutine(ev.resource[i]!, preexisting ? this.syncTs : time, preexisting, preexisting ? -1 : ev.g[i]!, preexisting ? '' : leafName(t, ev.stack[i]!));
    if (preexisting) {
      l.s.startState = to as GoState;
      l.s.startReason = t.strings.get(ev.str[i]!);
      l.s.startStack = ev.stack[i]!;
    }
    if (preexisting && this.rules === 'go1.26') {
      // the time since the sync counts as spent in the state the status row names
      const ns = time - this.syncTs;
      if (to === GoState.Running) l.s.execNs += ns;
      else if (to === GoState.Waiting) l.blocked.add(t.strings.get(ev.str[i]!), ns);
      else if (to === GoState.Runnable) l.s.schedWaitNs += ns;
      else if (to === GoState.Syscall) {
        if (ev.p[i]! < 0) l.s.syscallBlockNs += ns;
        else l.s.syscallNs += ns;
      }
    }
    return l;
  }

  /** The goroutine leaves state `from` at row i: the interval it spent there is counted. */
  private leaveState(l: Live, from: number, t: Trace, i: number): void {
    const time = t.events.time[i]!;
    if (from === GoState.Running) {
      if (l.lastStart >= 0) l.s.execNs += time - l.lastStart;
      l.lastStart = -1;
    } else if (from === GoState.Waiting) {
      if (l.lastBlock >= 0) {
        l.blocked.add(l.lastBlockReason, time - l.lastBlock);
        this.recordWait(l, time);
        l.lastBlock = -1;
      }
    } else if (from === GoState.Runnable) {
      if (l.lastRunnable >= 0) {
        l.s.schedWaitNs += time - l.lastRunnable;
        l.lastRunnable = -1;
      }
    } else if (from === GoState.Syscall) {
      if (l.lastSyscall >= 0) {
        if (l.lastSyscallBlock >= 0) {
          l.s.syscallBlockNs += time - l.lastSyscallBlock;
          l.s.syscallNs += l.lastSyscallBlock - l.lastSyscall;
        } else {
          l.s.syscallNs += time - l.lastSyscall;
        }
        l.lastSyscall = -1;
        l.lastSyscallBlock = -1;
        const id = l.s.id;
        const p = this.syscallingG.get(id);
        if (p !== undefined) this.syscallingP.delete(p);
        this.syscallingG.delete(id);
      }
    }
  }

  /** The goroutine enters the state row i names; `stack`: the transition's stack. */
  private enterState(l: Live, t: Trace, i: number, stack: number): void {
    const ev = t.events;
    const time = ev.time[i]!;
    switch (ev.to[i]!) {
      case GoState.Running:
        l.lastStart = time;
        if (l.s.startNs < 0) l.s.startNs = time;
        break;
      case GoState.Runnable:
        l.lastRunnable = time;
        break;
      case GoState.Waiting: {
        const reason = t.strings.get(ev.str[i]!);
        if (reason !== 'forever') {
          l.lastBlock = time;
          l.lastBlockReason = reason;
          l.waitStack = stack !== 0 ? stack : l.ownStack;
          l.waitStart = ev.from[i]! === GoState.Undetermined ? this.syncTs : time;
          l.waitFromStart = l.stateSincePreexisting;
          break;
        }
        this.finish(l, time, true);
        break;
      }
      case GoState.NotExist:
        this.finish(l, time, true);
        break;
      case GoState.Syscall: {
        const p = ev.p[i]!;
        this.syscallingP.set(p, l.s.id);
        this.syscallingG.set(l.s.id, p);
        l.lastSyscall = time;
        break;
      }
    }
  }

  private newGoroutine(id: number, creationNs: number, preexisting: boolean, creator: number, createdBy: string): Live {
    const blockNs = new Map<string, number>();
    const l: Live = {
      s: {
        id,
        name: '',
        creationNs,
        preexisting,
        startNs: -1,
        endNs: -1,
        execNs: 0,
        schedWaitNs: 0,
        syscallNs: 0,
        syscallBlockNs: 0,
        totalNs: 0,
        blockNs,
        rangeNs: new Map(),
        creator,
        createdBy,
        startState: GoState.NotExist,
        startReason: '',
        startStack: 0,
        endState: GoState.NotExist,
        endReason: '',
        endStack: 0,
        endSinceNs: -1,
        endSincePreexisting: false,
      },
      lastStart: -1,
      lastRunnable: -1,
      lastBlock: -1,
      lastBlockReason: '',
      lastSyscall: -1,
      lastSyscallBlock: -1,
      lastRange: new Map(),
      ownStack: 0,
      waitStack: 0,
      waitStart: -1,
      waitFromStart: false,
      site: null,
      blocked: new RunSums(blockNs),
      stateSince: -1,
      stateSincePreexisting: false,
    };
    this.live.set(id, l);
    return l;
  }

  private rangeBegin(g: number, name: string, active: boolean, time: number): void {
    const l = this.live.get(g);
    if (!l) return;
    if (active) {
      const since = l.lastRange.get(name);
      if (since !== undefined) add(l.s.rangeNs, name, this.syncTs - since);
      l.lastRange.set(name, this.syncTs);
    } else l.lastRange.set(name, time);
  }

  private rangeEnd(g: number, name: string, time: number): void {
    const l = this.live.get(g);
    if (!l) return;
    const since = l.lastRange.get(name);
    if (since === undefined) return;
    add(l.s.rangeNs, name, time - since);
    l.lastRange.delete(name);
  }

  /** A wait that ended at `time`, for its site's latency. */
  private recordWait(l: Live, time: number): void {
    const ns = time - l.waitStart;
    let s = l.site;
    if (s === null || s.stack !== l.waitStack || s.reason !== l.lastBlockReason || s.createdBy !== l.s.createdBy) {
      s = l.site = this.siteOf(l.waitStack, l.lastBlockReason, l.s.createdBy);
      s.goroutines.add(l.s.id);
    }
    if (l.waitFromStart) s.fromStart.push(ns);
    else s.complete.push(ns);
  }

  private siteOf(stack: number, reason: string, createdBy: string): WaitSite {
    let same = this.sitesByStack.get(stack);
    if (same === undefined) this.sitesByStack.set(stack, (same = []));
    for (const s of same) if (s.reason === reason && s.createdBy === createdBy) return s;
    const s: WaitSite = { stack, reason, createdBy, complete: new Durations(), fromStart: new Durations(), atEnd: new Durations(), goroutines: new Set() };
    same.push(s);
    this.sites.push(s);
    return s;
  }

  /** Closes a goroutine's open intervals at `ts`; `ended`: it ended there. */
  private finish(l: Live, ts: number, ended: boolean): void {
    const s = l.s;
    if (ended) s.endNs = ts;
    s.totalNs = ts - s.creationNs;
    if (l.lastStart >= 0) s.execNs += ts - l.lastStart;
    if (l.lastRunnable >= 0) s.schedWaitNs += ts - l.lastRunnable;
    if (l.lastBlock >= 0) l.blocked.add(l.lastBlockReason, ts - l.lastBlock);
    l.blocked.flush();
    // as Go does: a syscall under way counts whole as syscall time and, once its proc was
    // taken, also as sched wait
    if (l.lastSyscall >= 0) s.syscallNs += ts - l.lastSyscall;
    if (l.lastSyscallBlock >= 0) s.schedWaitNs += ts - l.lastSyscallBlock;
    for (const [name, since] of l.lastRange) add(s.rangeNs, name, ts - since);
    if (ended) {
      s.endState = GoState.NotExist;
      this.live.delete(s.id);
      this.done.push(s);
      return;
    }
    s.endState =
      l.lastStart >= 0
        ? GoState.Running
        : l.lastRunnable >= 0
          ? GoState.Runnable
          : l.lastBlock >= 0
            ? GoState.Waiting
            : l.lastSyscall >= 0
              ? GoState.Syscall
              : GoState.Undetermined;
    s.endReason = s.endState === GoState.Waiting ? l.lastBlockReason : '';
    s.endStack = s.endState === GoState.Waiting ? l.waitStack : l.ownStack;
    s.endSinceNs = l.stateSince;
    s.endSincePreexisting = l.stateSincePreexisting;
    if (s.endState === GoState.Waiting) {
      const site = this.siteOf(l.waitStack, l.lastBlockReason, s.createdBy);
      (l.waitFromStart ? site.fromStart : site.atEnd).push(ts - l.waitStart);
      site.goroutines.add(s.id);
    }
  }

  /**
   * Every goroutine of the trace, with open intervals closed at the last row (or at `endNs`,
   * e.g. the last row before a closing sync). Call once, at the end. `trace`: the trace the
   * result refers to (for a trace given in parts, the decoder's finished trace); by default
   * the tables of the last one given to add() (without its rows).
   */
  result(endNs = this.lastTs, trace: Trace | null = this.trace): TraceGoroutines {
    const t = trace;
    this.lastTs = endNs;
    for (const l of [...this.live.values()]) this.finish(l, endNs, false);
    const all = [...this.done, ...[...this.live.values()].map((l) => l.s)].sort((a, b) => a.id - b.id);
    this.live.clear();
    return { goroutines: all, sites: [...this.sites], endNs: this.lastTs, trace: t, blockLeaves: this.blockLeaves };
  }
}

export interface TraceGoroutines {
  goroutines: GoroutineSummary[];
  sites: WaitSite[];
  /** Time of the last row. */
  endNs: number;
  trace: Trace | null;
  /**
   * The functions at the leaf of the stacks of the trace's block rows (where the runtime's park
   * machinery was called: runtime.selectgo, sync.(*Mutex).Lock, …), gathered over every row, so
   * that whole stacks can be cut alike without the rows (see snapshot.ts, StackCutter).
   */
  blockLeaves: ReadonlySet<string>;
}

export function analyzeGoroutines(t: Trace, rules: SummaryRules = 'go1.26', endNs?: number): TraceGoroutines {
  const a = new GoroutineAnalyzer(rules);
  a.add(t);
  return a.result(endNs, t);
}

/** Go's breakdown of a goroutine's life into non-overlapping parts (cmd/trace's columns). */
export function nonOverlappingNs(s: GoroutineSummary): Map<string, number> {
  const m = new Map<string, number>([
    ['Execution time', s.execNs],
    ['Sched wait time', s.schedWaitNs],
    ['Syscall execution time', s.syscallNs],
    ['Block time (syscall)', s.syscallBlockNs],
  ]);
  let known = s.execNs + s.schedWaitNs + s.syscallNs + s.syscallBlockNs;
  for (const [reason, ns] of s.blockNs) {
    add(m, `Block time (${reason})`, ns);
    known += ns;
  }
  m.set('Unknown time', Math.max(0, s.totalNs - known));
  return m;
}

/** Goroutines grouped by start function, as `go tool trace` lists them. */
export interface GoroutineGroup {
  name: string;
  count: number;
  /** Goroutines created during the trace, and those of them that ended. */
  created: number;
  ended: number;
  /** Still blocked (Waiting) when the trace ended. */
  blockedAtEnd: number;
  execNs: number;
  schedWaitNs: number;
  syscallNs: number;
  syscallBlockNs: number;
  gcAssistNs: number;
  blockNs: Map<string, number>;
}

export function goroutineGroups(r: TraceGoroutines): GoroutineGroup[] {
  const by = new Map<string, GoroutineGroup>();
  for (const s of r.goroutines) {
    let g = by.get(s.name);
    if (g === undefined) {
      g = {
        name: s.name,
        count: 0,
        created: 0,
        ended: 0,
        blockedAtEnd: 0,
        execNs: 0,
        schedWaitNs: 0,
        syscallNs: 0,
        syscallBlockNs: 0,
        gcAssistNs: 0,
        blockNs: new Map(),
      };
      by.set(s.name, g);
    }
    g.count++;
    if (!s.preexisting) g.created++;
    if (s.endNs >= 0) g.ended++;
    if (s.endState === GoState.Waiting) g.blockedAtEnd++;
    g.execNs += s.execNs;
    g.schedWaitNs += s.schedWaitNs;
    g.syscallNs += s.syscallNs;
    g.syscallBlockNs += s.syscallBlockNs;
    g.gcAssistNs += s.rangeNs.get(GC_MARK_ASSIST) ?? 0;
    for (const [k, v] of s.blockNs) add(g.blockNs, k, v);
  }
  return [...by.values()].sort((a, b) => b.execNs - a.execNs || b.count - a.count || (a.name < b.name ? -1 : 1));
}

function add(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

/**
 * The stack a transition carries for the goroutine it changes, as Go's reader gives it
 * (Event.StateTransition): where a new goroutine starts, or where the goroutine stopped,
 * blocked, entered a syscall or stood at a status row. Other transitions carry none.
 */
function transitionStack(kind: number, arg0: number, stack: number, rules: SummaryRules): number {
  switch (kind) {
    case TraceEventKind.GoCreate:
    case TraceEventKind.GoCreateBlocked:
      return arg0;
    case TraceEventKind.GoDestroy:
    case TraceEventKind.GoSyscallEnd:
    case TraceEventKind.GoSyscallEndBlocked:
      return rules === 'go1.24' ? stack : 0;
    case TraceEventKind.GoStatus:
      return rules === 'go1.24' ? 0 : stack;
    case TraceEventKind.GoStop:
    case TraceEventKind.GoBlock:
    case TraceEventKind.GoSyscallBegin:
      return stack;
    default:
      return 0;
  }
}

/** No rows: what a part's trace keeps of it once read. */
const NO_ROWS = noEvents();

/** The function at a stack's leaf (read in place: called for every block row). */
function leafName(t: Trace, stack: number): string {
  return stackEndName(t, stack, true);
}

function rootName(t: Trace, stack: number): string {
  return stackEndName(t, stack, false);
}

/** The function of a stack's leaf or root frame; '' for no stack. */
function stackEndName(t: Trace, stack: number, leaf: boolean): string {
  const { frameStart, frames } = t.stacks;
  if (stack <= 0 || stack >= t.stacks.length || frameStart[stack] === frameStart[stack + 1]) return '';
  return t.strings.get(t.frames.func[frames[leaf ? frameStart[stack]! : frameStart[stack + 1]! - 1]!]!);
}
