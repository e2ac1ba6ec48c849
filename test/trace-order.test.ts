/**
 * The v2 ordering state machine on its own: each event type checks the execution context Go's
 * internal/trace order.go names for it (its SchedReqs), with Go's error texts, and an event whose
 * goroutine or proc is not in the state it leaves waits (false) rather than failing. Whole traces,
 * real and damaged, go through it in trace-decode.test.ts and trace-stream.test.ts; here the
 * context is set up event by event as the runtime writes a generation's first events.
 */
import { describe, expect, it } from 'vitest';
import { TraceBuilder } from '../src/decode/trace/builder.js';
import { Ev } from '../src/decode/trace/v2-spec.js';
import { Ordering, type OrderEvent, type OrderOutput } from '../src/decode/trace/v2-order.js';
import { DecodeError } from '../src/model/errors.js';
import { TraceEventKind as K } from '../src/model/trace.js';

/** Rows the ordering made, as (kind, g, p, m, resource). */
function ordering(): { o: Ordering; rows: number[][] } {
  const rows: number[][] = [];
  const out: OrderOutput = {
    b: new TraceBuilder(),
    strMap: new Map(),
    emitRow: (kind, g, p, m, _stack, resource) => void rows.push([kind, g, p, m, resource]),
    stk: () => 0,
    sid: () => 0,
  };
  const o = new Ordering(out);
  o.gen = 1;
  return { o, rows };
}

let clock = 0;
function ev(m: number, typ: number, ...args: number[]): OrderEvent {
  return { m, typ, time: (clock += 10), a0: args[0] ?? 0, a1: args[1] ?? 0, a2: args[2] ?? 0, a3: args[3] ?? 0 };
}

// wire statuses (runtime/traceruntime.go): proc 1 running, 2 idle; goroutine 1 runnable, 2 running
const P_RUNNING = 1;
const P_IDLE = 2;
const G_RUNNABLE = 1;
const G_RUNNING = 2;

describe('v2 ordering', () => {
  it('runs a generation start: proc and goroutine statuses, then a goroutine started on an idle proc', () => {
    const { o, rows } = ordering();
    expect(o.advance(ev(1, Ev.ProcStatus, 0, P_IDLE))).toBe(true);
    expect(o.advance(ev(1, Ev.GoStatus, 7, -1, G_RUNNABLE))).toBe(true);
    expect(o.advance(ev(1, Ev.ProcStart, 0, 1))).toBe(true);
    expect(o.advance(ev(1, Ev.GoStart, 7, 1))).toBe(true);
    expect(rows.map((r) => r[0])).toEqual([K.ProcStatus, K.GoStatus, K.ProcStart, K.GoStart]);
    // the GoStart row is in the context of thread 1 and proc 0, before the goroutine runs
    expect(rows[3]).toEqual([K.GoStart, -1, 0, 1, 7]);
    expect(o.mStates.get(1)).toEqual({ g: 7, p: 0 });
  });

  it('lets an event wait while its goroutine or proc is not in the state it leaves', () => {
    const { o } = ordering();
    o.advance(ev(1, Ev.ProcStatus, 0, P_IDLE));
    // goroutine 7 is not known yet: its GoStart waits for the thread that says so
    expect(o.advance(ev(1, Ev.ProcStart, 0, 1))).toBe(true);
    expect(o.advance(ev(1, Ev.GoStart, 7, 1))).toBe(false);
    // a sequence number out of turn waits too
    o.advance(ev(2, Ev.GoStatus, 7, -1, G_RUNNABLE));
    expect(o.advance(ev(1, Ev.GoStart, 7, 2))).toBe(false);
    expect(o.advance(ev(1, Ev.GoStart, 7, 1))).toBe(true);
  });

  it.each([
    // GoStart needs a proc with no goroutine on it (MustHave, MustHave, MustNotHave)
    ['GoStart on a proc that runs a goroutine', [ev(1, Ev.ProcStatus, 0, P_RUNNING), ev(1, Ev.GoStatus, 5, -1, G_RUNNING), ev(2, Ev.GoStatus, 7, -1, G_RUNNABLE), ev(1, Ev.GoStart, 7, 1)], 'GoStart: expected no goroutine but had one'],
    // GoCreateSyscall: a thread with no goroutine (MustHave, MayHave, MustNotHave)
    ['GoCreateSyscall from a running goroutine', [ev(1, Ev.ProcStatus, 0, P_RUNNING), ev(1, Ev.GoStatus, 5, -1, G_RUNNING), ev(1, Ev.GoCreateSyscall, 9)], 'GoCreateSyscall: expected no goroutine but had one'],
    // GoCreate: a proc (MustHave, MustHave, MayHave)
    ['GoCreate on a thread without a proc', [ev(1, Ev.GoCreate, 9, 0, 0)], 'GoCreate: expected a proc but didn\'t have one'],
    // user events need the whole context (UserGoReqs)
    ['a log line with no goroutine', [ev(1, Ev.ProcStatus, 0, P_RUNNING), ev(1, Ev.UserLog, 0, 0, 0, 0)], 'UserLog: expected a goroutine but didn\'t have one'],
    // an event of no thread
    ['HeapAlloc of no thread', [ev(-1, Ev.HeapAlloc, 1)], 'HeapAlloc: expected a thread but didn\'t have one'],
    // a goroutine that stops must be running
    ['GoBlock of a goroutine that is not running', [ev(1, Ev.ProcStatus, 0, P_RUNNING), ev(1, Ev.GoStatus, 5, -1, G_RUNNING), ev(1, Ev.GoBlock, 0, 0), ev(1, Ev.GoBlock, 0, 0)], 'GoBlock: expected a goroutine but didn\'t have one'],
    ['an event type that is no event', [ev(1, Ev.Strings)], `bad event type found while ordering: ${Ev.Strings}`],
  ])('refuses %s in Go\'s words', (_name, events, message) => {
    const { o } = ordering();
    const last = events.length - 1;
    for (let i = 0; i < last; i++) expect(o.advance(events[i]!)).toBe(true);
    expect(() => o.advance(events[last]!)).toThrow(new DecodeError(message));
  });
});
