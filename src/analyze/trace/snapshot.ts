/**
 * The goroutines of a trace as they stood when it ended, as a goroutine profile: one record per
 * goroutine still alive, with the stack where it waits (or last stood), its wait reason in the
 * words of a goroutine dump, its creator, and the minutes it has waited when that is a minute or
 * more — what `/debug/pprof/goroutine?debug=2` would have printed at that moment, as far as the
 * trace tells. The signature engine and the findings read it like any goroutine dump, so a trace
 * gives the same finding ids as a goroutine profile.
 *
 * Left out, as Go leaves them out of goroutine profiles: system goroutines (started in the
 * runtime, other than runtime.main; and goroutines the trace never showed a stack for, which Go's
 * trace tool counts as system too).
 */

import { ProfileBuilder } from '../../model/builder.js';
import { GoroutineFlag, type Profile } from '../../model/profile.js';
import { GoState, TraceEventKind, stackFrameRows, type Trace } from '../../model/trace.js';
import { reasonFromFunctions } from '../wait-reason.js';
import type { GoroutineSummary, TraceGoroutines } from './goroutines.js';

/** Go's trace tool's test for goroutines of the runtime (internal/trace.IsSystemGoroutine). */
export function isSystemGoroutine(name: string): boolean {
  return name === '' || (name !== 'runtime.main' && name.startsWith('runtime.'));
}

/**
 * A trace block reason in the words of a goroutine dump's header (runtime2.go's
 * waitReasonStrings), as far as the reason and the stack tell; '' to let the stack tell.
 */
export function dumpWaitReason(reason: string, functions: readonly string[]): string {
  switch (reason) {
    case 'network':
      return 'IO wait';
    case 'select':
    case 'chan receive':
    case 'chan send':
    case 'sleep':
      return reason;
    case 'sync.(*Cond).Wait':
      return 'sync.Cond.Wait';
    case 'sync': {
      for (const f of functions) {
        if (/^sync\.\(\*RWMutex\)\.RLock$/.test(f)) return 'sync.RWMutex.RLock';
        if (/^sync\.\(\*RWMutex\)\.Lock$/.test(f)) return 'sync.RWMutex.Lock';
        if (/^(internal\/)?sync\.\(\*Mutex\)\.(lockSlow|Lock)$/.test(f)) return 'sync.Mutex.Lock';
        if (f === 'sync.(*WaitGroup).Wait') return 'sync.WaitGroup.Wait';
      }
      return 'semacquire';
    }
    case 'forever': {
      const leaf = functions[0] ?? '';
      if (leaf.startsWith('runtime.chanrecv')) return 'chan receive (nil chan)';
      if (leaf.startsWith('runtime.chansend')) return 'chan send (nil chan)';
      return 'select (no cases)';
    }
    case '':
      return '';
    default:
      return reason;
  }
}

/**
 * Stacks of a trace come in two cuts. A status row (Go 1.23+) carries the whole stack, from
 * runtime.gopark out; a block event's stack starts where the runtime's park machinery was
 * called (runtime.selectgo, sync.(*Mutex).Lock, internal/poll.(*FD).Read, …). So that one
 * wait groups and matches alike whichever row showed it, whole stacks are cut the same way:
 * their leaf-side runtime, internal and sync frames are dropped up to the first function some
 * block event of the trace starts at.
 */
export class StackCutter {
  private readonly blockLeaves: Set<string>;
  private readonly cache = new Map<number, { frames: number[]; functions: string[]; reason: string }>();

  /** `blockLeaves`: those functions when already known (TraceGoroutines.blockLeaves), else found in t's rows. */
  constructor(private readonly t: Trace, blockLeaves?: ReadonlySet<string>) {
    this.blockLeaves = new Set(blockLeaves);
    if (blockLeaves !== undefined) return;
    const ev = t.events;
    for (let i = 0; i < ev.length; i++) {
      if (ev.kind[i] !== TraceEventKind.GoBlock || ev.stack[i] === 0) continue;
      const rows = stackFrameRows(t, ev.stack[i]!);
      if (rows.length) this.blockLeaves.add(t.strings.get(t.frames.func[rows[0]!]!));
    }
  }

  /** Frame rows (leaf first), their function names, and the wait reason the whole stack tells. */
  cut(stack: number): { frames: number[]; functions: string[]; reason: string } {
    let c = this.cache.get(stack);
    if (c !== undefined) return c;
    const t = this.t;
    const frames = [...stackFrameRows(t, stack)];
    const functions = frames.map((f) => t.strings.get(t.frames.func[f]!));
    const reason = reasonFromFunctions(functions);
    let k = 0;
    if (functions[0] === 'runtime.gopark' || functions[0] === 'runtime.goparkunlock') {
      for (let j = 1; j < Math.min(functions.length, 10); j++) {
        const f = functions[j]!;
        if (this.blockLeaves.has(f)) {
          k = j;
          break;
        }
        if (!/^(runtime\.|internal\/|sync\.runtime_)/.test(f)) break;
      }
    }
    c = { frames: frames.slice(k), functions: functions.slice(k), reason };
    this.cache.set(stack, c);
    return c;
  }
}

const ONE_MINUTE_NS = 60e9;

/**
 * The goroutine profile of the trace's end, or of its start: the goroutines that existed when
 * the trace began, as their status rows show them (stacks only in traces of Go 1.23 and later).
 */
export function traceSnapshot(t: Trace, r: TraceGoroutines, at: 'end' | 'start' | 'end-known' = 'end'): Profile {
  const b = new ProfileBuilder({
    format: 'trace',
    kind: 'goroutine',
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    periodType: { type: 'goroutine', unit: 'count' },
    period: 1,
    goVersion: t.goVersion,
  });
  const locations = new Map<number, number>(); // frame row → location
  const cutter = new StackCutter(t, r.blockLeaves);
  // where a goroutine stood when the trace began is known when the trace created it, or when
  // its status row carried a stack; growth is counted among those only, on both sides
  const known = (g: (typeof r.goroutines)[number]) => !g.preexisting || g.startStack !== 0;
  const chosen = r.goroutines.filter(
    (g) =>
      !isSystemGoroutine(g.name) &&
      (at === 'end' ? g.endState !== GoState.NotExist : at === 'end-known' ? g.endState !== GoState.NotExist && known(g) : g.preexisting && known(g)),
  );
  let noStack = 0;
  for (const g of chosen) {
    const end = at !== 'start';
    const { frames, functions, reason } = cutter.cut(end ? g.endStack : g.startStack);
    let flags = 0;
    if (frames.length === 0) {
      flags |= GoroutineFlag.NoStack;
      noStack++;
    }
    b.addGoroutine({
      id: g.id,
      waitReason:
        (end ? stateReason(g.endState, g.endReason, functions) : stateReason(g.startState, g.startReason, functions)) ||
        (reason !== 'running' ? reason : 'waiting'),
      waitMinutes: end ? minutes(g, r.endNs) : -1,
      flags,
      createdByFunction: g.createdBy,
      createdByFile: '',
      createdByLine: 0,
      createdByGoroutine: g.creator,
      framesElided: 0,
    });
    for (const f of frames) {
      let loc = locations.get(f);
      if (loc === undefined) {
        const fn = b.functionId(t.strings.get(t.frames.func[f]!), t.strings.get(t.frames.file[f]!));
        loc = b.locationId(`f${f}`, t.frames.pc[f]!, [{ function: fn, line: t.frames.line[f]! }]);
        locations.set(f, loc);
      }
      b.frame(loc);
    }
    b.endSample([1]);
  }
  if (noStack > 0) {
    b.warnings.push(
      `${noStack} goroutine${noStack === 1 ? '' : 's'} ${at === 'end' ? 'alive at the end' : 'present at the start'} of the trace without a stack in it`,
    );
  }
  const p = b.finish();
  p.statedTotal = chosen.length;
  return p;
}

function stateReason(state: GoState, reason: string, functions: readonly string[]): string {
  switch (state) {
    case GoState.Waiting:
      return dumpWaitReason(reason, functions);
    case GoState.Running:
      return 'running';
    case GoState.Runnable:
      return 'runnable';
    case GoState.Syscall:
      return 'syscall';
    default:
      return '';
  }
}

/** Whole minutes in the final state, as a dump prints them: only from one minute on. */
function minutes(g: GoroutineSummary, endNs: number): number {
  if (g.endState !== GoState.Waiting || g.endSinceNs < 0) return -1;
  const m = Math.floor((endNs - g.endSinceNs) / ONE_MINUTE_NS);
  return m >= 1 ? m : -1;
}
