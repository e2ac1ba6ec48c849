/**
 * A goroutine's wait reason. debug=2 dumps print it in the header; the protobuf and debug=1
 * forms do not, so it is inferred from the runtime frames at the leaf of the stack, the way
 * the runtime would have named the park (runtime2.go's waitReasonStrings).
 */

import { lengthen } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import { stackClasses } from '../model/stacks.js';
import { PARKED_ON_CHANNEL } from '../signatures/engine.js';

/** Leaf-side function names → reason, checked in order from the leaf. */
const DIRECT: ReadonlyMap<string, string> = new Map([
  ['runtime.block', 'select (no cases)'],
  ['runtime.selectgo', 'select'],
  ['runtime.chanrecv', 'chan receive'],
  ['runtime.chanrecv1', 'chan receive'],
  ['runtime.chanrecv2', 'chan receive'],
  ['runtime.chansend', 'chan send'],
  ['runtime.chansend1', 'chan send'],
  ['internal/sync.runtime_SemacquireMutex', 'sync.Mutex.Lock'],
  ['sync.runtime_SemacquireRWMutexR', 'sync.RWMutex.RLock'],
  ['sync.runtime_SemacquireRWMutex', 'sync.RWMutex.Lock'],
  ['sync.runtime_SemacquireWaitGroup', 'sync.WaitGroup.Wait'],
  ['sync.runtime_notifyListWait', 'sync.Cond.Wait'],
  ['internal/poll.runtime_pollWait', 'IO wait'],
  ['runtime.netpollblock', 'IO wait'],
  ['internal/poll.runtime_Semacquire', 'semacquire'],
  ['time.Sleep', 'sleep'],
  ['os/signal.signal_recv', 'syscall'],
  ['runtime.notetsleepg', 'syscall'],
  ['syscall.Syscall', 'syscall'],
  ['syscall.Syscall6', 'syscall'],
  ['syscall.RawSyscall', 'syscall'],
  ['syscall.RawSyscall6', 'syscall'],
  ['syscall.syscall', 'syscall'],
  ['syscall.syscall6', 'syscall'],
  ['internal/runtime/syscall.Syscall6', 'syscall'],
  ['runtime/internal/syscall.Syscall6', 'syscall'],
  ['runtime.cgocall', 'syscall'],
  ['runtime.gcBgMarkWorker', 'GC worker (idle)'],
  ['runtime.bgsweep', 'GC sweep wait'],
  ['runtime.bgscavenge', 'GC scavenge wait'],
  ['runtime.forcegchelper', 'force gc (idle)'],
  ['runtime.runfinq', 'finalizer wait'],
  ['runtime.ReadTrace', 'trace reader (blocked)'],
]);

/**
 * Infers the wait reason of sample `i` from its leaf frames. `sync.runtime_Semacquire` is a
 * WaitGroup wait when `(*WaitGroup).Wait` called it, a plain semacquire otherwise. Returns ''
 * when the input cannot tell: debug=1 dumps hide the runtime frames at the leaf, so a
 * goroutine parked in a channel operation or a select shows only its caller.
 */
export function inferWaitReason(p: Profile, i: number): string {
  const r = inferFromFrames(p, i);
  if (p.format === 'goroutine-debug1' && (r === 'running' || r === 'waiting')) {
    if (isDumper(p, i)) return 'running';
    // unprinted runtime frames at the leaf, then a caller that is no known wait: the
    // goroutine is parked in a channel operation or a select
    return leafIsHidden(p, i) ? PARKED_ON_CHANNEL : '';
  }
  return r;
}

function leafIsHidden(p: Profile, i: number): boolean {
  const s = p.samples.stackStart[i]!;
  if (s === p.samples.stackStart[i + 1]) return false;
  return p.locations.lineCount[p.samples.stack[s]!] === 0;
}

function isDumper(p: Profile, i: number): boolean {
  let yes = false;
  forEachLeafName(p, i, 4, (name) => {
    if (name.startsWith('runtime/pprof.')) yes = true;
  });
  return yes;
}

function forEachLeafName(p: Profile, i: number, max: number, f: (name: string) => void): void {
  const { stackStart, stack } = p.samples;
  let n = 0;
  for (let k = stackStart[i]!; k < stackStart[i + 1]! && n < max; k++) {
    const loc = stack[k]!;
    for (let l = p.locations.lineStart[loc]!, le = l + p.locations.lineCount[loc]!; l < le && n < max; l++, n++) {
      f(p.strings.get(p.functions.normalizedName[p.lines.function[l]!]!));
    }
  }
}

/** Whether reasonFromFunctions reads past a frame of this name: Go's own runtime side of a stack. */
function runtimeSide(name: string): boolean {
  return name.startsWith('runtime.') || name.startsWith('internal/') || name.startsWith('sync.runtime_') || name.startsWith('runtime/');
}

/**
 * Per profile: which functions are on the runtime side, and the reasons already told, by the
 * leaf frames that told them (reasonFromFunctions reads no further than the first frame past
 * the runtime side), so that goroutines parked alike are judged once.
 */
const told = new WeakMap<Profile, { side: Uint8Array; reasons: Map<string, string> }>();

function inferFromFrames(p: Profile, i: number): string {
  const { stackStart, stack } = p.samples;
  const { lineStart, lineCount } = p.locations;
  const fnOfLine = p.lines.function;
  const names = p.functions.normalizedName;
  let memo = told.get(p);
  if (memo === undefined) {
    const side = new Uint8Array(names.length);
    for (let fn = 0; fn < side.length; fn++) side[fn] = runtimeSide(p.strings.get(names[fn]!)) ? 1 : 0;
    told.set(p, (memo = { side, reasons: new Map() }));
  }
  // the frames that tell: whole locations while fewer than 14 frames are read, up to the first
  // frame past the runtime side
  let key = '';
  let n = 0;
  scan: for (let k = stackStart[i]!, end = stackStart[i + 1]!; k < end && n < 14; k++) {
    const loc = stack[k]!;
    for (let l = lineStart[loc]!, le = l + lineCount[loc]!; l < le; l++, n++) {
      const fn = fnOfLine[l]!;
      key += String.fromCharCode(fn & 0xffff, fn >>> 16);
      if (!memo.side[fn]) break scan;
    }
  }
  let r = memo.reasons.get(key);
  if (r === undefined) {
    const out: string[] = [];
    for (let c = 0; c < key.length; c += 2) out.push(p.strings.get(names[key.charCodeAt(c) | (key.charCodeAt(c + 1) << 16)]!));
    memo.reasons.set(key, (r = reasonFromFunctions(out)));
  }
  return r;
}

/**
 * The wait reason the runtime frames at the leaf of a stack tell (function names, leaf first):
 * a reason of runtime2.go's waitReasonStrings, 'waiting' for a park the frames do not name,
 * 'running' when nothing parks.
 */
export function reasonFromFunctions(functions: readonly string[]): string {
  let sawPark = false;
  let prev = '';
  let depth = 0;
  for (const name of functions) {
    const direct = DIRECT.get(name);
    if (direct !== undefined) return direct;
    if (name === 'sync.runtime_Semacquire' || name === 'sync.runtime_SemacquireWaitGroup' || name === 'sync.runtime_SemacquireMutex') {
      prev = name;
      continue;
    } else if (prev === 'sync.runtime_Semacquire') {
      return name === 'sync.(*WaitGroup).Wait' ? 'sync.WaitGroup.Wait' : 'semacquire';
    } else if (prev === 'sync.runtime_SemacquireMutex') {
      // up to Go 1.19 RWMutex readers and writers park here too
      return name === 'sync.(*RWMutex).RLock' ? 'sync.RWMutex.RLock' : name === 'sync.(*RWMutex).Lock' ? 'sync.RWMutex.Lock' : 'sync.Mutex.Lock';
    }
    if (name === 'runtime.gopark' || name === 'runtime.goparkunlock') sawPark = true;
    if (++depth > 12) return sawPark ? 'waiting' : 'running';
    // past the runtime frames at the leaf, nothing more to learn
    if (!name.startsWith('runtime.') && !name.startsWith('internal/') && !name.startsWith('sync.runtime_') && !name.startsWith('runtime/')) {
      return prev === 'sync.runtime_Semacquire' ? 'semacquire' : sawPark ? 'waiting' : 'running';
    }
  }
  if (prev === 'sync.runtime_Semacquire') return 'semacquire';
  if (prev === 'sync.runtime_SemacquireMutex') return 'sync.Mutex.Lock';
  return sawPark ? 'waiting' : 'running';
}

/** The wait reason of sample `i`: as printed when the input has goroutine headers, else inferred. */
export function waitReason(p: Profile, i: number): string {
  return waitReasons(p)(i);
}

const reasonsOf = new WeakMap<Profile, (i: number) => string>();

/**
 * waitReason of a profile's samples, for a loop over them: a reason that is inferred is inferred
 * once a class of samples whose stacks read alike (stackClasses), which the frames it is told
 * from are the same for.
 */
export function waitReasons(p: Profile): (i: number) => string {
  let f = reasonsOf.get(p);
  if (f !== undefined) return f;
  const g = p.goroutines;
  const classes = stackClasses(p);
  const inferred: (string | undefined)[] = [];
  const infer = (i: number): string => {
    const c = classes.of[i]!;
    let r = inferred[c];
    if (r === undefined) {
      lengthen(inferred, c + 1);
      inferred[c] = r = inferWaitReason(p, classes.first[c]!);
    }
    return r;
  };
  f =
    g === null
      ? infer
      : (i) => {
          const printed = p.strings.get(g.waitReason[i]!);
          return printed !== '' ? printed : infer(i);
        };
  reasonsOf.set(p, f);
  return f;
}
