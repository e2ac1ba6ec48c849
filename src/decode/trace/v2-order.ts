/**
 * The ordering of v2 trace events: the scheduler's state machine that says whether a thread's
 * next event can happen yet (its goroutine's or proc's sequence number is the next one, the GC
 * cycle is the next one, the goroutine or proc is in the state the event leaves), and if so,
 * what it changes and which rows it makes.
 *
 * Written after Go's internal/trace order.go: a dispatch table with one small function per event
 * type (advanceProcStart, advanceGoStart, …), each naming the execution context it needs as
 * scheduling requirements (SchedReqs: must have, may have, must not have a thread, a proc, a
 * goroutine), and Go's own error texts. A function returns false when the event has to wait for
 * another thread's events (the decoder then tries the next thread), and throws a DecodeError when
 * the trace is inconsistent.
 */

import { DecodeError } from '../../model/errors.js';
import { GoState as GS, ProcState as PS, TraceEventKind as K } from '../../model/trace.js';
import type { TraceBuilder } from './builder.js';
import { Ev, V2_SPECS } from './v2-spec.js';

export function evName(t: number): string {
  return V2_SPECS[t]?.name ?? `Invalid(${t})`;
}

// Goroutine statuses on the wire.
const G_RUNNABLE = 1;
const G_RUNNING = 2;
const G_SYSCALL = 3;
const G_WAITING = 4;
const goStatusName = ['Bad', 'Runnable', 'Running', 'Syscall', 'Waiting'];
const goStatusToState = [GS.Undetermined, GS.Runnable, GS.Running, GS.Syscall, GS.Waiting];

// Proc statuses on the wire.
const P_RUNNING = 1;
const P_IDLE = 2;
const P_SYSCALL = 3;
const P_ABANDONED = 4;
const procStatusName = ['Bad', 'Running', 'Idle', 'Syscall', 'Bad'];
const procStatusToState = [PS.Undetermined, PS.Running, PS.Idle, PS.Running, PS.Idle];

const GC_UNDETERMINED = 0;
const GC_NOT_RUNNING = 1;
const GC_RUNNING = 2;

const TWO32 = 4294967296;

/** Whether the event's context must have, may have or must not have a thread, a proc, a goroutine. */
const MUST_NOT_HAVE = 0;
const MAY_HAVE = 1;
const MUST_HAVE = 2;
type Req = typeof MUST_NOT_HAVE | typeof MAY_HAVE | typeof MUST_HAVE;

/** The execution context an event needs (Go's event.SchedReqs). */
interface SchedReqs {
  readonly thread: Req;
  readonly proc: Req;
  readonly goroutine: Req;
}

/** A goroutine running on a proc on a thread: what user-level events need (Go's event.UserGoReqs). */
const USER_GO_REQS: SchedReqs = { thread: MUST_HAVE, proc: MUST_HAVE, goroutine: MUST_HAVE };
/** A thread holding a proc, with or without a goroutine (proc stop, goroutine creation, heap metrics, sweeping). */
const ON_PROC_REQS: SchedReqs = { thread: MUST_HAVE, proc: MUST_HAVE, goroutine: MAY_HAVE };
/** A thread, with or without a proc or a goroutine (a proc stolen, experimental events). */
const ON_THREAD_REQS: SchedReqs = { thread: MUST_HAVE, proc: MAY_HAVE, goroutine: MAY_HAVE };
/** A thread that holds no proc yet (ProcStart). */
const PROC_START_REQS: SchedReqs = { thread: MUST_HAVE, proc: MUST_NOT_HAVE, goroutine: MAY_HAVE };
/** A proc that runs no goroutine yet (GoStart). */
const GO_START_REQS: SchedReqs = { thread: MUST_HAVE, proc: MUST_HAVE, goroutine: MUST_NOT_HAVE };
/** A thread with no goroutine, with or without a proc (a goroutine created in a syscall, by cgo). */
const CREATE_SYSCALL_REQS: SchedReqs = { thread: MUST_HAVE, proc: MAY_HAVE, goroutine: MUST_NOT_HAVE };
/** A goroutine in a syscall on a thread whose proc may have been taken (GoSyscallEndBlocked, GoDestroySyscall). */
const SYSCALL_GO_REQS: SchedReqs = { thread: MUST_HAVE, proc: MAY_HAVE, goroutine: MUST_HAVE };

interface GState {
  status: number;
  seqGen: number;
  seq: number;
  regions: number[] | null; // pairs task, name
  ranges: number[] | null;
}

interface PState {
  status: number;
  seqGen: number;
  seq: number;
  ranges: number[] | null;
}

interface MState {
  g: number;
  p: number;
}

/** A thread's next event, as the decoder's per-thread cursor holds it. */
export interface OrderEvent {
  readonly m: number;
  typ: number;
  /** Nanoseconds, Go's clock. */
  time: number;
  a0: number;
  a1: number;
  a2: number;
  a3: number;
}

/** Where the ordering's rows go, and the current generation's tables that events refer to (the decoder). */
export interface OrderOutput {
  readonly b: TraceBuilder;
  /** The generation's strings: wire id → row of the builder's string table. */
  readonly strMap: Map<number, number>;
  /** A row at the builder's rowTime, bumped past the last row's time. */
  emitRow(kind: number, g: number, p: number, m: number, stack: number, resource: number, from: number, to: number, str: number, arg0: number, arg1: number): void;
  /** The stack row of a wire stack id (0 none); a DecodeError for an unknown one. */
  stk(id: number): number;
  /** The string row of a wire string id (0 none); a DecodeError for an unknown one. */
  sid(id: number): number;
}

/** The ordering state, which lives across generations, and the context of the event being advanced. */
export class Ordering {
  readonly gStates = new Map<number, GState>();
  readonly pStates = new Map<number, PState>();
  readonly mStates = new Map<number, MState>();
  readonly activeTasks = new Map<number, { name: number; parent: number }>();
  gcSeq = 0;
  gcState = GC_UNDETERMINED;
  initialGen = 0;
  /** The generation being ordered. */
  gen = 0;

  // execution context of the event being advanced: before it (c*) and after it (n*)
  cg = -1;
  cp = -1;
  cm = -1;
  ng = -1;
  np = -1;
  /** The event being advanced. */
  ev: OrderEvent | null = null;

  constructor(readonly out: OrderOutput) {}

  /** Advances the thread's event when the scheduler state allows it; false when it has to wait. */
  advance(c: OrderEvent): boolean {
    if (this.initialGen === 0) this.initialGen = this.gen;
    const m = c.m;
    let ms: MState | undefined;
    this.ev = c;
    this.cg = -1;
    this.cp = -1;
    this.cm = m;
    if (m !== -1) {
      ms = this.mStates.get(m);
      if (ms === undefined) {
        ms = { g: -1, p: -1 };
        this.mStates.set(m, ms);
      }
      this.cg = ms.g;
      this.cp = ms.p;
    }
    this.ng = this.cg;
    this.np = this.cp;
    const t = c.typ;
    if (!dispatch[t]!(this, t, c)) return false;
    if (ms !== undefined) {
      ms.p = this.np;
      ms.g = this.ng;
    }
    return true;
  }

  /** Checks the event's context against what it needs (Go's validateCtx). */
  validateCtx(t: number, reqs: SchedReqs): void {
    if (reqs.thread === MUST_HAVE && this.cm === -1) throw new DecodeError(`${evName(t)}: expected a thread but didn't have one`);
    if (reqs.thread === MUST_NOT_HAVE && this.cm !== -1) throw new DecodeError(`${evName(t)}: expected no thread but had one`);
    if (reqs.proc === MUST_HAVE && this.cp === -1) throw new DecodeError(`${evName(t)}: expected a proc but didn't have one`);
    if (reqs.proc === MUST_NOT_HAVE && this.cp !== -1) throw new DecodeError(`${evName(t)}: expected no proc but had one`);
    if (reqs.goroutine === MUST_HAVE && this.cg === -1) throw new DecodeError(`${evName(t)}: expected a goroutine but didn't have one`);
    if (reqs.goroutine === MUST_NOT_HAVE && this.cg !== -1) throw new DecodeError(`${evName(t)}: expected no goroutine but had one`);
  }

  /** The running goroutine of the context, which the event needs. */
  runningG(t: number): GState {
    this.validateCtx(t, USER_GO_REQS);
    const s = this.gStates.get(this.cg);
    if (s === undefined) throw new DecodeError(`event ${evName(t)} for goroutine (${this.cg}) that doesn't exist`);
    if (s.status !== G_RUNNING) throw new DecodeError(`${evName(t)} event for goroutine ${this.cg} that's not Running`);
    return s;
  }

  /** The context's goroutine, which a syscall event needs to be in a syscall. */
  syscallG(t: number, notIn: string): GState {
    const s = this.gStates.get(this.cg);
    if (s === undefined) throw new DecodeError(`event ${evName(t)} for goroutine (${this.cg}) that doesn't exist`);
    if (s.status !== G_SYSCALL) throw new DecodeError(`${evName(t)} event for goroutine ${this.cg} that's ${notIn}`);
    return s;
  }

  /** The context's goroutine, which a range or region event keeps its state on. */
  currentG(t: number): GState {
    const s = this.gStates.get(this.cg);
    if (s === undefined) throw new DecodeError(`encountered ${evName(t)} without known state for current goroutine ${this.cg}`);
    return s;
  }

  /** The context's proc, which the event needs to exist. */
  currentP(t: number): PState {
    const ps = this.pStates.get(this.cp);
    if (ps === undefined) throw new DecodeError(`uninitialized proc ${this.cp} found during ${evName(t)}`);
    return ps;
  }

  /** Whether `seq` is the next sequence number of a goroutine or proc in this generation. */
  seqOK(seq: number, s: { seqGen: number; seq: number }): boolean {
    return s.seqGen === this.gen && seq === s.seq + 1;
  }

  /** A row of the event being advanced, at its time, in its context. */
  emit(kind: number, stack: number, resource: number, from: number, to: number, str: number, x0: number, x1: number): void {
    // the time is set on the builder: passed as an argument, past 2^31 ns, it would be a number boxed for every row
    this.out.b.rowTime = this.ev!.time;
    this.out.emitRow(kind, this.cg, this.cp, this.cm, stack, resource, from, to, str, x0, x1);
  }
}

/** One event type's step of the state machine: false when the event has to wait. */
type Advance = (o: Ordering, t: number, c: OrderEvent) => boolean;

function advanceUnknown(_o: Ordering, t: number): boolean {
  throw new DecodeError(`bad event type found while ordering: ${t}`);
}

// ---- procs ----

function advanceProcStatus(o: Ordering, _t: number, c: OrderEvent): boolean {
  const pid = c.a0;
  let status = c.a1;
  if (status < 0 || status >= procStatusToState.length) throw new DecodeError(`invalid status for proc ${pid}: ${status}`);
  let oldState: number = procStatusToState[status]!;
  const s = o.pStates.get(pid);
  if (s !== undefined) {
    if (status === P_ABANDONED && s.status === P_SYSCALL) {
      oldState = PS.Running;
      status = P_SYSCALL;
    } else if (status === P_ABANDONED && s.status === P_ABANDONED) {
      oldState = PS.Idle;
    } else if (s.status !== status) {
      throw new DecodeError(`inconsistent status for proc ${pid}: old ${procStatusName[s.status]} vs. new ${procStatusName[status]}`);
    }
    s.seqGen = o.gen;
    s.seq = 0;
  } else {
    o.pStates.set(pid, { status, seqGen: o.gen, seq: 0, ranges: null });
    oldState = o.gen === o.initialGen ? PS.Undetermined : PS.NotExist;
  }
  if (c.a1 === P_RUNNING || c.a1 === P_SYSCALL) o.np = pid;
  if (c.a1 === P_ABANDONED && oldState === PS.Running) takeContextOf(o, pid);
  o.emit(K.ProcStatus, 0, pid, oldState, procStatusToState[status]!, 0, 0, 0);
  return true;
}

/** A proc about to be stolen: the event happens in the context of the thread that holds it. */
function takeContextOf(o: Ordering, pid: number): void {
  let found = false;
  for (const [mid, st] of o.mStates) {
    if (st.p === pid) {
      o.cm = mid;
      o.cp = pid;
      o.cg = st.g;
      found = true;
    }
  }
  if (!found) throw new DecodeError(`failed to find sched context for proc ${pid} that's about to be stolen`);
}

function advanceProcStart(o: Ordering, t: number, c: OrderEvent): boolean {
  const s = o.pStates.get(c.a0);
  if (s === undefined || s.status !== P_IDLE || !o.seqOK(c.a1, s) || o.cp !== -1) return false;
  o.validateCtx(t, PROC_START_REQS);
  s.status = P_RUNNING;
  s.seqGen = o.gen;
  s.seq = c.a1;
  o.np = c.a0;
  o.emit(K.ProcStart, 0, c.a0, PS.Idle, PS.Running, 0, 0, 0);
  return true;
}

function advanceProcStop(o: Ordering, t: number): boolean {
  const s = o.pStates.get(o.cp);
  if (s === undefined) throw new DecodeError(`event ProcStop for proc (${o.cp}) that doesn't exist`);
  if (s.status !== P_RUNNING && s.status !== P_SYSCALL) throw new DecodeError(`ProcStop event for proc ${o.cp} that's not Running or Syscall`);
  o.validateCtx(t, ON_PROC_REQS);
  s.status = P_IDLE;
  o.np = -1;
  o.emit(K.ProcStop, 0, o.cp, PS.Running, PS.Idle, 0, 0, 0);
  return true;
}

function advanceProcSteal(o: Ordering, t: number, c: OrderEvent): boolean {
  const pid = c.a0;
  const s = o.pStates.get(pid);
  if (s === undefined || (s.status !== P_SYSCALL && s.status !== P_ABANDONED) || !o.seqOK(c.a1, s)) return false;
  o.validateCtx(t, ON_THREAD_REQS);
  const old = s.status;
  s.status = P_IDLE;
  s.seqGen = o.gen;
  s.seq = c.a1;
  if (old === P_ABANDONED) {
    o.emit(K.ProcSteal, 0, pid, PS.Idle, PS.Idle, 0, c.a2, 0);
    return true;
  }
  const mid = c.a2;
  if (mid === o.cm) {
    if (o.cp !== pid) throw new DecodeError(`tried to self-steal proc ${pid} (thread ${mid}), but got proc ${o.cp} instead`);
    o.np = -1;
    o.emit(K.ProcSteal, 0, pid, PS.Running, PS.Idle, 0, mid, 0);
    return true;
  }
  const other = o.mStates.get(mid);
  if (other === undefined) throw new DecodeError(`stole proc from non-existent thread ${mid}`);
  if (other.p !== pid) throw new DecodeError(`tried to steal proc ${pid} from thread ${mid}, but got proc ${other.p} instead`);
  other.p = -1;
  o.emit(K.ProcSteal, 0, pid, PS.Running, PS.Idle, 0, mid, 0);
  return true;
}

// ---- goroutines ----

/** A goroutine's status at a generation's start (GoStatus, GoStatusStack). */
function advanceGoStatus(o: Ordering, t: number, c: OrderEvent): boolean {
  const gid = c.a0;
  const mid = c.a1;
  const status = c.a2;
  if (status < 0 || status >= goStatusToState.length) throw new DecodeError(`invalid status for goroutine ${gid}: ${status}`);
  let oldState: number = goStatusToState[status]!;
  const s = o.gStates.get(gid);
  if (s !== undefined) {
    if (s.status !== status) throw new DecodeError(`inconsistent status for goroutine ${gid}: old ${goStatusName[s.status]} vs. new ${goStatusName[status]}`);
    s.seqGen = o.gen;
    s.seq = 0;
  } else if (o.gen === o.initialGen) {
    o.gStates.set(gid, { status, seqGen: o.gen, seq: 0, regions: null, ranges: null });
    oldState = GS.Undetermined;
  } else {
    throw new DecodeError(`found goroutine status for new goroutine after the first generation: id=${gid} status=${goStatusName[status]}`);
  }
  if (status === G_RUNNING) o.ng = gid;
  else if (status === G_SYSCALL) syscallContext(o, gid, mid);
  const stack = t === Ev.GoStatusStack ? o.out.stk(c.a3) : 0;
  o.emit(K.GoStatus, stack, gid, oldState, goStatusToState[status]!, 0, mid, 0);
  return true;
}

/** A goroutine found in a syscall: the status event happens in the context of its thread. */
function syscallContext(o: Ordering, gid: number, mid: number): void {
  if (mid === -1) throw new DecodeError(`found goroutine ${gid} in syscall without a thread`);
  if (mid === o.cm) {
    if (o.gen !== o.initialGen && o.cg !== gid) throw new DecodeError(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${o.cg}`);
    o.ng = gid;
    return;
  }
  const other = o.mStates.get(mid);
  if (other !== undefined) {
    if (other.g !== gid) throw new DecodeError(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${other.g}`);
    o.cg = other.g;
  } else {
    o.mStates.set(mid, { g: gid, p: -1 });
  }
  o.cm = mid;
}

/** GoCreate, GoCreateBlocked. */
function advanceGoCreate(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, ON_PROC_REQS);
  const cur = o.gStates.get(o.cg);
  if (cur !== undefined && cur.status !== G_RUNNING) throw new DecodeError(`${evName(t)} event for goroutine that's not Running`);
  const newg = c.a0;
  if (o.gStates.has(newg)) throw new DecodeError(`tried to create goroutine (${newg}) that already exists`);
  const blocked = t === Ev.GoCreateBlocked;
  const status = blocked ? G_WAITING : G_RUNNABLE;
  o.gStates.set(newg, { status, seqGen: o.gen, seq: 0, regions: null, ranges: null });
  o.emit(blocked ? K.GoCreateBlocked : K.GoCreate, o.out.stk(c.a2), newg, GS.NotExist, goStatusToState[status]!, 0, o.out.stk(c.a1), 0);
  return true;
}

function advanceGoCreateSyscall(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, CREATE_SYSCALL_REQS);
  const newg = c.a0;
  if (o.gStates.has(newg)) throw new DecodeError(`tried to create goroutine (${newg}) in syscall that already exists`);
  o.gStates.set(newg, { status: G_SYSCALL, seqGen: o.gen, seq: 0, regions: null, ranges: null });
  o.ng = newg;
  o.emit(K.GoCreateSyscall, 0, newg, GS.NotExist, GS.Syscall, 0, 0, 0);
  return true;
}

function advanceGoStart(o: Ordering, t: number, c: OrderEvent): boolean {
  const s = o.gStates.get(c.a0);
  if (s === undefined || s.status !== G_RUNNABLE || !o.seqOK(c.a1, s)) return false;
  o.validateCtx(t, GO_START_REQS);
  s.status = G_RUNNING;
  s.seqGen = o.gen;
  s.seq = c.a1;
  o.ng = c.a0;
  o.emit(K.GoStart, 0, c.a0, GS.Runnable, GS.Running, 0, 0, 0);
  return true;
}

function advanceGoDestroy(o: Ordering, t: number): boolean {
  o.runningG(t);
  o.gStates.delete(o.cg);
  o.ng = -1;
  o.emit(K.GoDestroy, 0, o.cg, GS.Running, GS.NotExist, 0, 0, 0);
  return true;
}

/** GoStop, GoBlock: the running goroutine stops (Go's advanceGoStopExec). */
function advanceGoStopExec(o: Ordering, t: number, c: OrderEvent): boolean {
  const s = o.runningG(t);
  const block = t === Ev.GoBlock;
  s.status = block ? G_WAITING : G_RUNNABLE;
  o.ng = -1;
  o.emit(block ? K.GoBlock : K.GoStop, o.out.stk(c.a1), o.cg, GS.Running, block ? GS.Waiting : GS.Runnable, o.out.sid(c.a0), 0, 0);
  return true;
}

function advanceGoUnblock(o: Ordering, _t: number, c: OrderEvent): boolean {
  const s = o.gStates.get(c.a0);
  if (s === undefined || s.status !== G_WAITING || !o.seqOK(c.a1, s)) return false;
  s.status = G_RUNNABLE;
  s.seqGen = o.gen;
  s.seq = c.a1;
  o.emit(K.GoUnblock, o.out.stk(c.a2), c.a0, GS.Waiting, GS.Runnable, 0, 0, 0);
  return true;
}

/** GoSwitch, GoSwitchDestroy: the running goroutine hands its proc to a waiting one. */
function advanceGoSwitch(o: Ordering, t: number, c: OrderEvent): boolean {
  const cur = o.runningG(t);
  const next = o.gStates.get(c.a0);
  if (next === undefined || next.status !== G_WAITING || !o.seqOK(c.a1, next)) return false;
  const destroy = t === Ev.GoSwitchDestroy;
  o.emit(destroy ? K.GoSwitchDestroy : K.GoSwitch, 0, c.a0, GS.Waiting, GS.Runnable, 0, 0, 0);
  if (destroy) {
    o.gStates.delete(o.cg);
    o.emit(K.GoDestroy, 0, o.cg, GS.Running, GS.NotExist, 0, 0, 0);
  } else {
    cur.status = G_WAITING;
    o.emit(K.GoBlock, 0, o.cg, GS.Running, GS.Waiting, 0, 0, 0);
  }
  next.status = G_RUNNING;
  next.seqGen = o.gen;
  next.seq = c.a1;
  o.ng = c.a0;
  o.out.b.rowTime = c.time;
  o.out.emitRow(K.GoStart, -1, o.cp, o.cm, 0, c.a0, GS.Runnable, GS.Running, 0, 0, 0);
  return true;
}

// ---- syscalls ----

function advanceGoSyscallBegin(o: Ordering, t: number, c: OrderEvent): boolean {
  const s = o.runningG(t);
  s.status = G_SYSCALL;
  const ps = o.currentP(t);
  ps.status = P_SYSCALL;
  if (!o.seqOK(c.a0, ps)) throw new DecodeError(`failed to advance ${evName(t)}: can't make sequence: ${ps.seq} (gen=${ps.seqGen}) -> ${c.a0} (gen=${o.gen})`);
  ps.seq = c.a0;
  o.emit(K.GoSyscallBegin, o.out.stk(c.a1), o.cg, GS.Running, GS.Syscall, 0, 0, 0);
  return true;
}

function advanceGoSyscallEnd(o: Ordering, t: number): boolean {
  o.validateCtx(t, USER_GO_REQS);
  const s = o.syscallG(t, 'not in a syscall');
  s.status = G_RUNNING;
  const ps = o.currentP(t);
  if (ps.status !== P_SYSCALL) throw new DecodeError(`expected proc ${o.cp} in state Syscall, but got ${procStatusName[ps.status]} instead`);
  ps.status = P_RUNNING;
  o.emit(K.GoSyscallEnd, 0, o.cg, GS.Syscall, GS.Running, 0, 0, 0);
  return true;
}

function advanceGoSyscallEndBlocked(o: Ordering, t: number): boolean {
  // a proc still in the syscall: its steal (another thread's event) comes first
  if (o.cp !== -1 && o.currentP(t).status === P_SYSCALL) return false;
  o.validateCtx(t, SYSCALL_GO_REQS);
  const s = o.syscallG(t, 'not in a syscall');
  o.ng = -1;
  s.status = G_RUNNABLE;
  o.emit(K.GoSyscallEndBlocked, 0, o.cg, GS.Syscall, GS.Runnable, 0, 0, 0);
  return true;
}

function advanceGoDestroySyscall(o: Ordering, t: number): boolean {
  o.validateCtx(t, SYSCALL_GO_REQS);
  o.syscallG(t, 'not Syscall');
  o.gStates.delete(o.cg);
  o.ng = -1;
  if (o.cp !== -1) {
    const ps = o.pStates.get(o.cp);
    if (ps === undefined) throw new DecodeError(`found invalid proc ${o.cp} during ${evName(t)}`);
    if (ps.status !== P_SYSCALL) throw new DecodeError(`proc ${o.cp} in unexpected state ${procStatusName[ps.status]} during ${evName(t)}`);
    ps.status = P_ABANDONED;
    o.np = -1;
    o.emit(K.ProcSteal, 0, o.cp, PS.Running, PS.Idle, 0, o.cm, 0);
  }
  o.emit(K.GoDestroySyscall, 0, o.cg, GS.Syscall, GS.NotExist, 0, 0, 0);
  return true;
}

// ---- ranges: STW, mark assist, sweep ----

/** STWBegin, GCMarkAssistBegin: a range on the running goroutine (Go's advanceGoRangeBegin). */
function advanceGoRangeBegin(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, USER_GO_REQS);
  const stw = t === Ev.STWBegin;
  const desc = stw ? o.out.sid(c.a0) : 0;
  const s = o.currentG(t);
  const key = t * TWO32 + desc;
  if (hasRange(s.ranges, key)) throw new DecodeError(`discovered ${evName(t)} already in flight when starting it (goroutine ${o.cg})`);
  (s.ranges ??= []).push(key);
  if (stw) o.emit(K.STWBegin, o.out.stk(c.a1), -1, 0, 0, desc, 0, 0);
  else o.emit(K.GCMarkAssistBegin, o.out.stk(c.a0), -1, 0, 0, 0, 0, 0);
  return true;
}

/** STWEnd, GCMarkAssistEnd (Go's advanceGoRangeEnd). */
function advanceGoRangeEnd(o: Ordering, t: number): boolean {
  o.validateCtx(t, USER_GO_REQS);
  const s = o.currentG(t);
  if (t === Ev.STWEnd) o.emit(K.STWEnd, 0, -1, 0, 0, endRange(s, Ev.STWBegin), 0, 0);
  else {
    endRange(s, Ev.GCMarkAssistBegin);
    o.emit(K.GCMarkAssistEnd, 0, -1, 0, 0, 0, 0, 0);
  }
  return true;
}

/** GCMarkAssistActive: a goroutine in a mark assist as the generation starts (Go's advanceGoRangeActive). */
function advanceGoRangeActive(o: Ordering, t: number, c: OrderEvent): boolean {
  const s = o.gStates.get(c.a0);
  if (s === undefined) throw new DecodeError(`uninitialized goroutine ${c.a0} found during ${evName(t)}`);
  activeRange(s, Ev.GCMarkAssistBegin * TWO32, o.gen === o.initialGen, evName(t));
  o.emit(K.GCMarkAssistActive, 0, -1, 0, 0, 0, c.a0, 0);
  return true;
}

/** GCSweepActive: a proc sweeping as the generation starts. */
function advanceGCSweepActive(o: Ordering, t: number, c: OrderEvent): boolean {
  const ps = o.pStates.get(c.a0);
  if (ps === undefined) throw new DecodeError(`encountered GCSweepActive for unknown proc ${c.a0}`);
  activeRange(ps, Ev.GCSweepBegin * TWO32, o.gen === o.initialGen, evName(t));
  o.emit(K.GCSweepActive, 0, -1, 0, 0, 0, c.a0, 0);
  return true;
}

function advanceGCSweepBegin(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, ON_PROC_REQS);
  const ps = o.currentP(t);
  const key = Ev.GCSweepBegin * TWO32;
  if (hasRange(ps.ranges, key)) throw new DecodeError(`discovered GCSweepBegin already in flight when starting it (proc ${o.cp})`);
  (ps.ranges ??= []).push(key);
  o.emit(K.GCSweepBegin, o.out.stk(c.a0), -1, 0, 0, 0, 0, 0);
  return true;
}

function advanceGCSweepEnd(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, ON_PROC_REQS);
  endRange(o.currentP(t), Ev.GCSweepBegin);
  o.emit(K.GCSweepEnd, 0, -1, 0, 0, 0, c.a0, c.a1);
  return true;
}

// ---- GC cycles, by their sequence numbers ----

function advanceGCActive(o: Ordering, t: number, c: OrderEvent): boolean {
  if (o.gen === o.initialGen) {
    if (o.gcState !== GC_UNDETERMINED) throw new DecodeError("GCActive in the first generation isn't first GC event");
    o.gcSeq = c.a0;
    o.gcState = GC_RUNNING;
    o.emit(K.GCActive, 0, -1, 0, 0, 0, c.a0, 0);
    return true;
  }
  if (c.a0 !== o.gcSeq + 1) return false;
  if (o.gcState !== GC_RUNNING) throw new DecodeError('encountered GCActive while GC was not in progress');
  o.gcSeq = c.a0;
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.GCActive, 0, -1, 0, 0, 0, c.a0, 0);
  return true;
}

function advanceGCBegin(o: Ordering, t: number, c: OrderEvent): boolean {
  if (o.gcState === GC_UNDETERMINED) {
    o.gcSeq = c.a0;
    o.gcState = GC_RUNNING;
    o.emit(K.GCBegin, o.out.stk(c.a1), -1, 0, 0, 0, c.a0, 0);
    return true;
  }
  if (c.a0 !== o.gcSeq + 1) return false;
  if (o.gcState === GC_RUNNING) throw new DecodeError('encountered GCBegin while GC was already in progress');
  o.gcSeq = c.a0;
  o.gcState = GC_RUNNING;
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.GCBegin, o.out.stk(c.a1), -1, 0, 0, 0, c.a0, 0);
  return true;
}

function advanceGCEnd(o: Ordering, t: number, c: OrderEvent): boolean {
  if (c.a0 !== o.gcSeq + 1) return false;
  if (o.gcState === GC_NOT_RUNNING) throw new DecodeError('encountered GCEnd when GC was not in progress');
  if (o.gcState === GC_UNDETERMINED) throw new DecodeError('encountered GCEnd when GC was in an undetermined state');
  o.gcSeq = c.a0;
  o.gcState = GC_NOT_RUNNING;
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.GCEnd, 0, -1, 0, 0, 0, c.a0, 0);
  return true;
}

// ---- annotations: events that change no state machine but need their context ----

function advanceProcsChange(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.ProcsChange, o.out.stk(c.a1), -1, 0, 0, 0, c.a0, 0);
  return true;
}

function advanceGoLabel(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.GoLabel, 0, -1, 0, 0, o.out.sid(c.a0), 0, 0);
  return true;
}

function advanceUserLog(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.Log, o.out.stk(c.a3), -1, 0, 0, o.out.sid(c.a1), c.a0, o.out.sid(c.a2));
  return true;
}

/** HeapAlloc, HeapGoal. */
function advanceHeapMetric(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, ON_PROC_REQS);
  o.emit(t === Ev.HeapAlloc ? K.HeapAlloc : K.HeapGoal, 0, -1, 0, 0, 0, c.a0, 0);
  return true;
}

/** The builder's row of a wire string id a task or region names (0 none). */
function nameOf(o: Ordering, t: number, id: number): number {
  const nm = o.out.strMap.get(id);
  if (id !== 0 && nm === undefined) throw new DecodeError(`invalid string ID ${id} for ${evName(t)} event`);
  return nm ?? 0;
}

function advanceUserTaskBegin(o: Ordering, t: number, c: OrderEvent): boolean {
  if (o.activeTasks.has(c.a0)) throw new DecodeError(`task ID conflict: ${c.a0}`);
  const parent = c.a1 === 0 ? -1 : c.a1;
  const name = nameOf(o, t, c.a2);
  o.activeTasks.set(c.a0, { name, parent });
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.TaskBegin, o.out.stk(c.a3), -1, 0, 0, name, c.a0, parent);
  return true;
}

function advanceUserTaskEnd(o: Ordering, t: number, c: OrderEvent): boolean {
  const task = o.activeTasks.get(c.a0);
  let parent = -1;
  let name = 0;
  if (task !== undefined) {
    parent = task.parent;
    name = task.name;
    o.activeTasks.delete(c.a0);
  }
  o.validateCtx(t, USER_GO_REQS);
  o.emit(K.TaskEnd, o.out.stk(c.a1), -1, 0, 0, name, c.a0, parent);
  return true;
}

/** UserRegionBegin, UserRegionEnd: regions nest on their goroutine. */
function advanceUserRegion(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, USER_GO_REQS);
  const region = nameOf(o, t, c.a1);
  const s = o.currentG(t);
  const begin = t === Ev.UserRegionBegin;
  if (begin) (s.regions ??= []).push(c.a0, region);
  else if (s.regions !== null && s.regions.length > 0) {
    const r = s.regions;
    const n = r.length;
    if (r[n - 2] !== c.a0 || r[n - 1] !== region) {
      const strings = o.out.b.strings;
      throw new DecodeError(
        `misuse of region in goroutine ${o.cg}: region end (task ${c.a0}, ${JSON.stringify(strings.get(region))}) when the inner-most active region start is (task ${r[n - 2]}, ${JSON.stringify(strings.get(r[n - 1]!))})`,
      );
    }
    r.length = n - 2;
  }
  o.emit(begin ? K.RegionBegin : K.RegionEnd, o.out.stk(c.a2), -1, 0, 0, region, c.a0, 0);
  return true;
}

/** Experimental events (spans, heap objects, goroutine stacks): kept by name, their first two arguments with them. */
function advanceExperimental(o: Ordering, t: number, c: OrderEvent): boolean {
  o.validateCtx(t, ON_THREAD_REQS);
  o.emit(K.Experimental, 0, -1, 0, 0, o.out.b.strings.intern(evName(t)), c.a0, c.a1);
  return true;
}

/** Each event type's step (Go's orderingDispatch), for every byte an event's type can be. */
const dispatch: Advance[] = (() => {
  const d = new Array<Advance>(256).fill(advanceUnknown);
  const on = (types: readonly number[], f: Advance): void => {
    for (const t of types) d[t] = f;
  };
  on([Ev.ProcStatus], advanceProcStatus);
  on([Ev.ProcStart], advanceProcStart);
  on([Ev.ProcStop], advanceProcStop);
  on([Ev.ProcSteal], advanceProcSteal);
  on([Ev.GoStatus, Ev.GoStatusStack], advanceGoStatus);
  on([Ev.GoCreate, Ev.GoCreateBlocked], advanceGoCreate);
  on([Ev.GoCreateSyscall], advanceGoCreateSyscall);
  on([Ev.GoStart], advanceGoStart);
  on([Ev.GoDestroy], advanceGoDestroy);
  on([Ev.GoStop, Ev.GoBlock], advanceGoStopExec);
  on([Ev.GoUnblock], advanceGoUnblock);
  on([Ev.GoSwitch, Ev.GoSwitchDestroy], advanceGoSwitch);
  on([Ev.GoSyscallBegin], advanceGoSyscallBegin);
  on([Ev.GoSyscallEnd], advanceGoSyscallEnd);
  on([Ev.GoSyscallEndBlocked], advanceGoSyscallEndBlocked);
  on([Ev.GoDestroySyscall], advanceGoDestroySyscall);
  on([Ev.STWBegin, Ev.GCMarkAssistBegin], advanceGoRangeBegin);
  on([Ev.STWEnd, Ev.GCMarkAssistEnd], advanceGoRangeEnd);
  on([Ev.GCMarkAssistActive], advanceGoRangeActive);
  on([Ev.GCSweepActive], advanceGCSweepActive);
  on([Ev.GCSweepBegin], advanceGCSweepBegin);
  on([Ev.GCSweepEnd], advanceGCSweepEnd);
  on([Ev.GCActive], advanceGCActive);
  on([Ev.GCBegin], advanceGCBegin);
  on([Ev.GCEnd], advanceGCEnd);
  on([Ev.ProcsChange], advanceProcsChange);
  on([Ev.GoLabel], advanceGoLabel);
  on([Ev.UserLog], advanceUserLog);
  on([Ev.HeapAlloc, Ev.HeapGoal], advanceHeapMetric);
  on([Ev.UserTaskBegin], advanceUserTaskBegin);
  on([Ev.UserTaskEnd], advanceUserTaskEnd);
  on([Ev.UserRegionBegin, Ev.UserRegionEnd], advanceUserRegion);
  for (let t = Ev.Span; t <= Ev.GoroutineStackFree; t++) d[t] = advanceExperimental;
  return d;
})();

// ---- ranges on a goroutine or proc, kept as keys: the start event's type × 2^32 + its string ----

function hasRange(r: number[] | null, key: number): boolean {
  return r !== null && r.indexOf(key) >= 0;
}

/** Ends the range `startEv` began on `s`; its string (STW's reason). */
function endRange(s: { ranges: number[] | null }, startEv: number): number {
  const r = s.ranges;
  if (r !== null) {
    for (let i = 0; i < r.length; i++) {
      const key = r[i]!;
      if (Math.floor(key / TWO32) === startEv) {
        r[i] = r[r.length - 1]!;
        r.length--;
        return key - startEv * TWO32;
      }
    }
  }
  throw new DecodeError(`tried to end event ${evName(startEv)}, but not in-flight`);
}

function activeRange(s: { ranges: number[] | null }, key: number, initial: boolean, name: string): void {
  if (initial) {
    if (hasRange(s.ranges, key)) throw new DecodeError(`found named active range already in first gen: ${name}`);
    (s.ranges ??= []).push(key);
  } else if (!hasRange(s.ranges, key)) {
    throw new DecodeError(`resource is missing active range: ${name}`);
  }
}
