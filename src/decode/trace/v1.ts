/**
 * Decoder of v1 execution traces (headers `go 1.7 trace` … `go 1.21 trace`).
 *
 * A v1 trace is read whole (its stacks and frequency come at the end): a first pass indexes
 * the per-P batches and reads strings, stacks, the frequency and CPU samples; a second pass
 * merges the batches into one stream the way Go's parser does (an event is eligible once the
 * goroutine sequence numbers and states allow it; the earliest eligible event goes next);
 * then syscall-exit times are fixed, times converted to ns, the stream validated, and each
 * event turned into the normalised rows Go's v1→v2 converter yields.
 *
 * Go 1.7–1.10 differ from 1.11 only in a few argument counts (GCSweepDone before 1.9,
 * STWStart before 1.10); traces before 1.7 carry no symbols and are refused.
 */

import { resized } from '../../model/builder.js';
import { DecodeError } from '../../model/errors.js';
import { GoState as GS, ProcState as PS, TraceEventKind as K } from '../../model/trace.js';
import { ByteReader, MAX_EXACT, decodeUtf8 } from './bytes.js';
import type { TraceBuilder } from './builder.js';

// v1 wire event types
const EvBatch = 1;
const EvFrequency = 2;
const EvStack = 3;
const EvGomaxprocs = 4;
const EvProcStart = 5;
const EvProcStop = 6;
const EvGCStart = 7;
const EvGCDone = 8;
const EvSTWStart = 9;
const EvSTWDone = 10;
const EvGCSweepStart = 11;
const EvGCSweepDone = 12;
const EvGoCreate = 13;
const EvGoStart = 14;
const EvGoEnd = 15;
const EvGoStop = 16;
const EvGoSched = 17;
const EvGoPreempt = 18;
const EvGoSleep = 19;
const EvGoBlock = 20;
const EvGoUnblock = 21;
const EvGoBlockSend = 22;
const EvGoBlockRecv = 23;
const EvGoBlockSelect = 24;
const EvGoBlockSync = 25;
const EvGoBlockCond = 26;
const EvGoBlockNet = 27;
const EvGoSysCall = 28;
const EvGoSysExit = 29;
const EvGoSysBlock = 30;
const EvGoWaiting = 31;
const EvGoInSyscall = 32;
const EvHeapAlloc = 33;
const EvHeapGoal = 34;
const EvTimerGoroutine = 35;
const EvFutileWakeup = 36;
const EvString = 37;
const EvGoStartLocal = 38;
const EvGoUnblockLocal = 39;
const EvGoSysExitLocal = 40;
const EvGoStartLabel = 41;
const EvGoBlockGC = 42;
const EvGCMarkAssistStart = 43;
const EvGCMarkAssistDone = 44;
const EvUserTaskCreate = 45;
const EvUserTaskEnd = 46;
const EvUserRegion = 47;
const EvUserLog = 48;
const EvCPUSample = 49;
const EvCount = 50;

interface Desc {
  name: string;
  since: number;
  stack: boolean;
  nargs: number; // arguments besides timestamp and stack
}

const DESC: Desc[] = [];
function d(t: number, name: string, since: number, stack: boolean, nargs: number): void {
  DESC[t] = { name, since, stack, nargs };
}
d(0, 'None', 5, false, 0);
d(EvBatch, 'Batch', 5, false, 2);
d(EvFrequency, 'Frequency', 5, false, 1);
d(EvStack, 'Stack', 5, false, 2);
d(EvGomaxprocs, 'Gomaxprocs', 5, true, 1);
d(EvProcStart, 'ProcStart', 5, false, 1);
d(EvProcStop, 'ProcStop', 5, false, 0);
d(EvGCStart, 'GCStart', 5, true, 1);
d(EvGCDone, 'GCDone', 5, false, 0);
d(EvSTWStart, 'GCSTWStart', 5, false, 1);
d(EvSTWDone, 'GCSTWDone', 5, false, 0);
d(EvGCSweepStart, 'GCSweepStart', 5, true, 0);
d(EvGCSweepDone, 'GCSweepDone', 5, false, 2);
d(EvGoCreate, 'GoCreate', 5, true, 2);
d(EvGoStart, 'GoStart', 5, false, 2);
d(EvGoEnd, 'GoEnd', 5, false, 0);
d(EvGoStop, 'GoStop', 5, true, 0);
d(EvGoSched, 'GoSched', 5, true, 0);
d(EvGoPreempt, 'GoPreempt', 5, true, 0);
d(EvGoSleep, 'GoSleep', 5, true, 0);
d(EvGoBlock, 'GoBlock', 5, true, 0);
d(EvGoUnblock, 'GoUnblock', 5, true, 2);
d(EvGoBlockSend, 'GoBlockSend', 5, true, 0);
d(EvGoBlockRecv, 'GoBlockRecv', 5, true, 0);
d(EvGoBlockSelect, 'GoBlockSelect', 5, true, 0);
d(EvGoBlockSync, 'GoBlockSync', 5, true, 0);
d(EvGoBlockCond, 'GoBlockCond', 5, true, 0);
d(EvGoBlockNet, 'GoBlockNet', 5, true, 0);
d(EvGoSysCall, 'GoSysCall', 5, true, 0);
d(EvGoSysExit, 'GoSysExit', 5, false, 3);
d(EvGoSysBlock, 'GoSysBlock', 5, false, 0);
d(EvGoWaiting, 'GoWaiting', 5, false, 1);
d(EvGoInSyscall, 'GoInSyscall', 5, false, 1);
d(EvHeapAlloc, 'HeapAlloc', 5, false, 1);
d(EvHeapGoal, 'HeapGoal', 5, false, 1);
d(EvTimerGoroutine, 'TimerGoroutine', 5, false, 1);
d(EvFutileWakeup, 'FutileWakeup', 5, false, 0);
d(EvString, 'String', 7, false, 0);
d(EvGoStartLocal, 'GoStartLocal', 7, false, 1);
d(EvGoUnblockLocal, 'GoUnblockLocal', 7, true, 1);
d(EvGoSysExitLocal, 'GoSysExitLocal', 7, false, 2);
d(EvGoStartLabel, 'GoStartLabel', 8, false, 3);
d(EvGoBlockGC, 'GoBlockGC', 8, true, 0);
d(EvGCMarkAssistStart, 'GCMarkAssistStart', 9, true, 0);
d(EvGCMarkAssistDone, 'GCMarkAssistDone', 9, false, 0);
d(EvUserTaskCreate, 'UserTaskCreate', 11, true, 3);
d(EvUserTaskEnd, 'UserTaskEnd', 11, true, 1);
d(EvUserRegion, 'UserRegion', 11, true, 3);
d(EvUserLog, 'UserLog', 11, true, 2);
d(EvCPUSample, 'CPUSample', 19, true, 3);

/** Values (on the wire) an event of type t must carry for header version ver, timestamp included. */
function argNum(t: number, ver: number): number {
  const desc = DESC[t]!;
  let n = desc.nargs + (desc.stack ? 1 : 0);
  if (t === EvBatch || t === EvFrequency || t === EvTimerGoroutine) return n;
  n++; // timestamp
  if (t === EvGCSweepDone && ver < 9) n -= 2;
  if (t === EvSTWStart && ver < 10) n--;
  return n;
}

// pseudo-procs of Go's v1 parser
const TimerP = 1000001;
const NetpollP = 1000002;
const SyscallP = 1000003;
const GCP = 1000004;
const ProfileP = 1000005;

// goroutine states of the merge and of validation
const gDead = 0;
const gRunnable = 1;
const gRunning = 2;
const gWaiting = 3;

const NOSEQ = -1;
const SEQINC = -2;
const UNORDERED = -1;
const GARBAGE = -2;

const STW_REASONS = [
  '',
  'GC mark termination',
  'GC sweep termination',
  'write heap dump',
  'goroutine profile',
  'goroutine profile cleanup',
  'all goroutine stack trace',
  'read mem stats',
  'AllThreadsSyscall',
  'GOMAXPROCS',
  'start trace',
  'stop trace',
  'CountPagesInUse (test)',
  'ReadMetricsSlow (test)',
  'ReadMemStatsSlow (test)',
  'PageCachePagesLeaked (test)',
  'ResetDebugLog (test)',
];

/** Event rows in columns: time, goroutine, four arguments, stack and type; room for `cap`. */
class EventRows {
  n = 0;
  cap = 0;
  ts = new Float64Array(0);
  g = new Float64Array(0);
  a0 = new Float64Array(0);
  a1 = new Float64Array(0);
  a2 = new Float64Array(0);
  a3 = new Float64Array(0);
  stk = new Float64Array(0);
  type = new Uint8Array(0);

  /** Makes room for `c` rows. */
  protected resize(c: number): void {
    this.ts = resized(this.ts, c);
    this.g = resized(this.g, c);
    this.a0 = resized(this.a0, c);
    this.a1 = resized(this.a1, c);
    this.a2 = resized(this.a2, c);
    this.a3 = resized(this.a3, c);
    this.stk = resized(this.stk, c);
    this.type = resized(this.type, c);
    this.cap = c;
  }
}

/** Merged event stream, columnar, with each event's P. */
class Events extends EventRows {
  p = new Int32Array(0);

  grow(min = 0): void {
    const c = Math.max(1024, this.cap * 2, min);
    this.p = resized(this.p, c);
    this.resize(c);
  }
}

/** Events of one loaded batch, waiting to be merged. */
class Proc extends EventRows {
  offsets: number[] = [];
  next = 0; // next batch to load
  done = false;
  head = 0;
  constructor(readonly pid: number) {
    super();
  }
  clear(): void {
    this.head = 0;
    this.n = 0;
  }
  grow(): void {
    this.resize(Math.max(256, this.cap * 2));
  }
}

export function decodeV1(bytes: Uint8Array, ver: number, b: TraceBuilder): { frequency: number } {
  const p = new V1Parser(bytes, ver, b);
  p.scan();
  const ev = p.merge();
  p.postProcess(ev);
  p.convert(ev);
  return { frequency: p.ticksPerSec };
}

class V1Parser {
  readonly buf: Uint8Array;
  readonly ver: number;
  readonly b: TraceBuilder;

  strings = new Map<number, string>();
  stackPcs = new Map<number, (number | bigint)[]>();
  pcFrames = new Map<number | bigint, { fn: number; file: number; line: number }>();
  ticksPerSec = 0;
  timerGoids = new Set<number>();
  procs = new Map<number, Proc>();
  nEvents = 0; // events the merge will see (an upper bound, for sizing)
  procOrder: Proc[] = [];
  cpu: { ts: number; p: number; g: number; stk: number }[] = [];
  // batch-parsing state (as Go's parser keeps it)
  lastTs = 0;
  lastG = 0;
  lastP = 0;
  lastGs = new Map<number, number>();
  inline: string[] = [];
  inlineIdx = new Map<string, number>();
  args = new Float64Array(2100);
  argc = 0;
  a = new Float64Array(4);
  logMsg = '';

  constructor(buf: Uint8Array, ver: number, b: TraceBuilder) {
    this.buf = buf;
    this.ver = ver;
    this.b = b;
  }

  /**
   * Reads one raw event at r.pos into this.args (timestamp first). Returns its type, or 0 for
   * a string (stored). For batches args = [p, ticks].
   */
  private raw(r: ByteReader, skipStrings: boolean): number {
    const at = r.pos;
    const hb = r.byte();
    const t = hb & 0x3f;
    const narg = (hb >> 6) + 1;
    // FutileWakeup: Go 1.7-1.10 traces may hold it; Go's reader refuses it in later ones
    if (t === 0 || t >= EvCount || DESC[t]!.since > this.ver || (t === EvFutileWakeup && this.ver >= 11)) {
      throw new DecodeError(`unknown event type ${t} at byte ${at}`);
    }
    const args = this.args;
    this.argc = 0;
    if (t === EvString) {
      const id = r.u();
      const len = r.u();
      if (len < 0 || len > 1e6) throw new DecodeError(`string at byte ${at} has too large length ${len}`);
      if (skipStrings) {
        r.skip(len);
        return 0;
      }
      if (id === 0) throw new DecodeError(`string at byte ${at} has invalid id 0`);
      if (this.strings.has(id)) throw new DecodeError(`string at byte ${at} has duplicate id ${id}`);
      if (len === 0) throw new DecodeError(`string at byte ${at} has invalid length 0`);
      r.skip(len);
      this.strings.set(id, decodeUtf8(this.buf, r.pos - len, r.pos));
      return 0;
    }
    if (t === EvBatch) {
      if (narg !== 2) throw new DecodeError(`EvBatch at byte ${at} has wrong number of arguments: got ${narg}, want 2`);
      const pid = r.u();
      if (pid !== -1 && pid > 2147483647) throw new DecodeError(`processor ID ${pid} at byte ${at} is too large`);
      args[0] = pid;
      args[1] = r.u();
      this.argc = 2;
      return t;
    }
    if (narg <= 3) {
      for (let i = 0; i < narg; i++) args[i] = r.u();
      this.argc = narg;
    } else {
      const len = r.u();
      if (len < 0 || len > 2048) throw new DecodeError(`event ${t} at byte ${at}: length-prefixed arguments too big: ${len} bytes`);
      const end = r.pos + len;
      if (end > r.end) r.skip(len); // throws: data ends
      const sub = new ByteReader(this.buf, r.pos, end);
      let k = 0;
      while (sub.pos < end) args[k++] = sub.u();
      this.argc = k;
      r.pos = end;
      if (t === EvUserLog) {
        const sl = r.u();
        if (sl < 0 || sl > 1e6) throw new DecodeError(`string at byte ${r.pos} is too large (len=${sl})`);
        r.skip(sl);
        this.logMsg = decodeUtf8(this.buf, r.pos - sl, r.pos);
      }
    }
    return t;
  }

  /** First pass: batches per P, strings, stacks, frequency, CPU samples. */
  scan(): void {
    const r = new ByteReader(this.buf, 16, this.buf.length);
    let cur: Proc | null = null;
    while (r.pos < r.end) {
      const at = r.pos;
      const t = this.raw(r, false);
      if (t === 0) continue;
      if (t === EvBatch) {
        const pid = this.args[0]!;
        let proc = this.procs.get(pid);
        if (proc === undefined) {
          proc = new Proc(pid);
          this.procs.set(pid, proc);
          this.procOrder.push(proc);
        }
        proc.offsets.push(at);
        cur = proc;
        continue;
      }
      if (cur === null) throw new DecodeError(`event ${DESC[t]!.name} at byte ${at} comes before any batch`);
      this.nEvents++;
      const args = this.args;
      switch (t) {
        case EvFrequency:
          this.checkArgs(t, at);
          this.ticksPerSec = args[0]!;
          if (this.ticksPerSec <= 0 || this.ticksPerSec > MAX_EXACT) throw new DecodeError('time stamps out of order (invalid frequency)');
          break;
        case EvTimerGoroutine:
          this.checkArgs(t, at);
          this.timerGoids.add(args[0]!);
          break;
        case EvStack: {
          if (this.argc < 2) throw new DecodeError(`EvStack at byte ${at} has wrong number of arguments: want at least 2, got ${this.argc}`);
          const size = args[1]!;
          if (size > 1000 || size < 0) throw new DecodeError(`EvStack at byte ${at} has bad number of frames: ${size}`);
          if (this.argc !== 2 + 4 * size) {
            throw new DecodeError(`EvStack at byte ${at} has wrong number of arguments: want ${2 + 4 * size}, got ${this.argc}`);
          }
          const id = args[0]! >>> 0;
          if (id !== 0 && size > 0) {
            const pcs: (number | bigint)[] = [];
            for (let i = 0; i < size; i++) {
              let pc: number | bigint = args[2 + i * 4]!;
              if (pc < 0 || pc > MAX_EXACT) pc = this.exactPc(at, i);
              pcs.push(pc);
              if (!this.pcFrames.has(pc)) {
                this.pcFrames.set(pc, { fn: args[3 + i * 4]!, file: args[4 + i * 4]!, line: args[5 + i * 4]! });
              }
            }
            this.stackPcs.set(id, pcs);
          }
          break;
        }
        case EvCPUSample: {
          const narg = argNum(t, this.ver);
          if (this.argc !== narg) throw new DecodeError(`CPU sample has wrong number of arguments: want ${narg}, got ${this.argc}`);
          const pp = args[2]!;
          this.cpu.push({ ts: args[1]!, p: pp === -1 ? -1 : pp | 0, g: args[3]!, stk: args[4]! >>> 0 });
          break;
        }
      }
    }
    if (this.procs.size === 0) throw new DecodeError('trace is empty (no event batches)');
    if (this.ticksPerSec === 0) throw new DecodeError('no EvFrequency event (trace truncated?)');
  }

  /** Exact value of a stack's i-th PC when it does not fit a number (rare: re-read as bigint). */
  private exactPc(at: number, i: number): bigint {
    const r = new ByteReader(this.buf, at, this.buf.length);
    r.byte();
    const len = r.u();
    void len;
    r.u(); // id
    r.u(); // size
    for (let k = 0; k < i; k++) {
      r.u();
      r.u();
      r.u();
      r.u();
    }
    return r.big();
  }

  private checkArgs(t: number, at: number): void {
    const want = argNum(t, this.ver);
    if (this.argc !== want) {
      throw new DecodeError(`${DESC[t]!.name} at byte ${at} has wrong number of arguments: want ${want}, got ${this.argc}`);
    }
  }

  /** Loads the next batch of proc into its queue; false when it has none left. */
  private loadBatch(proc: Proc): boolean {
    if (proc.next >= proc.offsets.length) return false;
    const r = new ByteReader(this.buf, proc.offsets[proc.next++]!, this.buf.length);
    proc.clear();
    let gotHeader = false;
    while (r.pos < r.end) {
      const at = r.pos;
      const t = this.raw(r, true);
      if (t === 0 || t === EvCPUSample || t === EvStack || t === EvFrequency || t === EvTimerGoroutine) continue;
      const args = this.args;
      if (t === EvBatch) {
        if (gotHeader) break;
        gotHeader = true;
        this.lastGs.set(this.lastP, this.lastG);
        this.lastP = args[0]!;
        this.lastG = this.lastGs.get(this.lastP) ?? 0;
        this.lastTs = args[1]!;
        continue;
      }
      this.checkArgs(t, at);
      const desc = DESC[t]!;
      const ts = this.lastTs + args[0]!;
      this.lastTs = ts;
      const narg = this.argc;
      let stk = 0;
      let nv = narg - 1; // values after the timestamp
      if (desc.stack && nv > 0) {
        stk = args[narg - 1]! >>> 0;
        nv--;
      }
      const a = this.a;
      a[0] = nv > 0 ? args[1]! : 0;
      a[1] = nv > 1 ? args[2]! : 0;
      a[2] = nv > 2 ? args[3]! : 0;
      a[3] = nv > 3 ? args[4]! : 0;
      let g = this.lastG;
      switch (t) {
        case EvGoStart:
        case EvGoStartLocal:
        case EvGoStartLabel:
          this.lastG = a[0]!;
          g = this.lastG;
          break;
        case EvGoEnd:
        case EvGoStop:
        case EvGoSched:
        case EvGoPreempt:
        case EvGoSleep:
        case EvGoBlock:
        case EvGoBlockSend:
        case EvGoBlockRecv:
        case EvGoBlockSelect:
        case EvGoBlockSync:
        case EvGoBlockCond:
        case EvGoBlockNet:
        case EvGoSysBlock:
        case EvGoBlockGC:
          this.lastG = 0;
          break;
        case EvGoSysExit:
        case EvGoWaiting:
        case EvGoInSyscall:
          g = a[0]!;
          break;
        case EvUserLog: {
          let id = this.inlineIdx.get(this.logMsg);
          if (id === undefined) {
            id = this.inline.length;
            this.inline.push(this.logMsg);
            this.inlineIdx.set(this.logMsg, id);
          }
          a[3] = id;
          break;
        }
        case EvSTWStart:
          if (this.ver < 10) a[0] = 0;
          break;
      }
      if (proc.n === proc.cap) proc.grow();
      const i = proc.n++;
      proc.ts[i] = ts;
      proc.g[i] = g;
      proc.a0[i] = a[0]!;
      proc.a1[i] = a[1]!;
      proc.a2[i] = a[2]!;
      proc.a3[i] = a[3]!;
      proc.stk[i] = stk;
      proc.type[i] = t;
    }
    return true;
  }

  /** Loads batches until one has events; false when the proc has none left. */
  private loadNonEmpty(proc: Proc): boolean {
    while (proc.head >= proc.n) if (!this.loadBatch(proc)) return false;
    return true;
  }

  /** Second pass: merge the batches of all Ps into one consistent stream. */
  merge(): Events {
    const out = new Events();
    out.grow(this.nEvents);
    const gs = new Map<number, { seq: number; status: number }>();
    const cpu = this.cpu.slice().sort((x, y) => x.ts - y.ts);
    const prof = new Proc(ProfileP);
    for (const s of cpu) {
      if (prof.n === prof.cap) prof.grow();
      const i = prof.n++;
      prof.ts[i] = s.ts;
      prof.g[i] = s.g;
      prof.a0[i] = 0;
      prof.a1[i] = s.p;
      prof.a2[i] = s.g;
      prof.a3[i] = 0;
      prof.stk[i] = s.stk;
      prof.type[i] = EvCPUSample;
    }
    const all = [...this.procOrder, prof];
    // Procs whose next event waits for a goroutine's state are parked under that goroutine
    // and looked at again only when its state changes.
    let check = all.slice();
    const waiting = new Map<number, Proc[]>();
    const frontier: Proc[] = [];
    const tr = { g: 0, initSeq: 0, initStatus: 0, nextSeq: 0, nextStatus: 0 };
    for (;;) {
      for (let i = 0; i < check.length; i++) {
        const proc = check[i]!;
        if (proc.head >= proc.n && (proc === prof || !this.loadNonEmpty(proc))) {
          proc.done = true;
          continue;
        }
        transition(proc, proc.head, tr);
        if (tr.g !== UNORDERED) {
          const cur = gs.get(tr.g);
          const cseq = cur ? cur.seq : 0;
          const cstatus = cur ? cur.status : gDead;
          if (!((tr.initSeq === NOSEQ || tr.initSeq === cseq) && tr.initStatus === cstatus)) {
            const w = waiting.get(tr.g);
            if (w === undefined) waiting.set(tr.g, [proc]);
            else w.push(proc);
            continue;
          }
        }
        frontierPush(frontier, proc);
      }
      check = [];
      if (frontier.length === 0) {
        for (const proc of all) {
          if (!proc.done) throw new DecodeError('no consistent ordering of events possible');
        }
        break;
      }
      const proc = frontierPop(frontier);
      const h = proc.head++;
      transition(proc, h, tr);
      let t = proc.type[h]!;
      if (t === EvGoStartLocal) t = EvGoStart;
      else if (t === EvGoUnblockLocal) t = EvGoUnblock;
      else if (t === EvGoSysExitLocal) t = EvGoSysExit;
      if (out.n === out.cap) out.grow();
      const k = out.n++;
      out.ts[k] = proc.ts[h]!;
      out.g[k] = proc.g[h]!;
      out.a0[k] = proc.a0[h]!;
      out.a1[k] = proc.a1[h]!;
      out.a2[k] = proc.a2[h]!;
      out.a3[k] = proc.a3[h]!;
      out.stk[k] = proc.stk[h]!;
      out.p[k] = proc === prof ? (proc.a1[h]! === -1 ? -1 : proc.a1[h]! | 0) : proc.pid;
      out.type[k] = t;
      check.push(proc);
      if (tr.g !== UNORDERED) {
        const cur = gs.get(tr.g);
        const cseq = cur ? cur.seq : 0;
        const cstatus = cur ? cur.status : gDead;
        if (!((tr.initSeq === NOSEQ || tr.initSeq === cseq) && tr.initStatus === cstatus)) {
          throw new DecodeError('encountered impossible goroutine state transition');
        }
        let seq = tr.nextSeq;
        if (seq === NOSEQ) seq = cseq;
        else if (seq === SEQINC) seq = cseq + 1;
        if (cur === undefined) gs.set(tr.g, { seq, status: tr.nextStatus });
        else {
          cur.seq = seq;
          cur.status = tr.nextStatus;
        }
        const w = waiting.get(tr.g);
        if (w !== undefined) {
          waiting.delete(tr.g);
          for (const q of w) check.push(q);
        }
      }
    }
    // CPU samples: their P is the sampled one, their "a" arguments are not used further
    const n = out.n;
    for (let i = 1; i < n; i++) {
      if (out.ts[i]! < out.ts[i - 1]!) throw new DecodeError('time stamps out of order');
    }
    // Syscall exits carry the real exit time; move them there.
    const lastSysBlock = new Map<number, number>();
    let moved: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const t = out.type[i]!;
      if (t === EvGoSysBlock || t === EvGoInSyscall) {
        lastSysBlock.set(out.g[i]!, out.ts[i]!);
      } else if (t === EvGoSysExit) {
        const ts = out.a2[i]!;
        if (ts === 0) continue;
        const block = lastSysBlock.get(out.g[i]!) ?? 0;
        if (block === 0) throw new DecodeError('stray syscall exit');
        if (ts < block) throw new DecodeError('time stamps out of order');
        if (ts !== out.ts[i]) (moved ??= new Uint8Array(n))[i] = 1;
        out.ts[i] = ts;
      }
    }
    if (moved !== null) stableSortByTs(out, moved);
    // ticks to ns since the first event
    if (n > 0) {
      const minTs = out.ts[0]!;
      const freq = 1e9 / this.ticksPerSec;
      for (let i = 0; i < n; i++) {
        out.ts[i] = Math.trunc((out.ts[i]! - minTs) * freq);
        const t = out.type[i]!;
        if (t === EvGoUnblock && this.timerGoids.has(out.g[i]!)) out.p[i] = TimerP;
        if (t === EvGoSysExit) out.p[i] = SyscallP;
      }
    }
    return out;
  }

  /** Validation and repairs of Go's postProcessTrace. */
  postProcess(ev: Events): void {
    const check = new PostProcessor(ev, this.ver);
    for (let i = 0; i < ev.n; i++) {
      check.event(i);
      const sid = ev.stk[i]!;
      if (sid !== 0 && !this.stackPcs.has(sid)) ev.stk[i] = 0;
    }
  }

  // ---- conversion to normalised rows ----

  private stackRows = new Map<number, number>();
  private frameRows = new Map<number | bigint, number>();

  stackRow(id: number): number {
    if (id === 0) return 0;
    let row = this.stackRows.get(id);
    if (row !== undefined) return row;
    const pcs = this.stackPcs.get(id);
    if (pcs === undefined) {
      this.stackRows.set(id, 0);
      return 0;
    }
    const frames: number[] = [];
    for (const pc of pcs) {
      let fr = this.frameRows.get(pc);
      if (fr === undefined) {
        const f = this.pcFrames.get(pc)!;
        fr = this.b.frame(pc, this.str(f.fn), this.str(f.file), f.line);
        this.frameRows.set(pc, fr);
      }
      frames.push(fr);
    }
    row = this.b.stackOf(frames);
    this.stackRows.set(id, row);
    return row;
  }

  private strRows = new Map<number, number>();

  str(id: number): number {
    if (id === 0) return 0;
    let row = this.strRows.get(id);
    if (row === undefined) {
      row = this.b.strings.intern(this.strings.get(id) ?? '');
      this.strRows.set(id, row);
    }
    return row;
  }

  convert(ev: Events): void {
    const b = this.b;
    const n = ev.n;
    b.reserve(b.n + n + (n >> 4) + 16);
    new RowConverter(b, ev, this).run();
  }
}

/** What turning v1 events into rows needs from the parser: its tables' stacks and strings as rows. */
interface V1Tables {
  readonly ver: number;
  readonly inline: string[];
  stackRow(id: number): number;
  str(id: number): number;
}

/**
 * Turns the merged, validated v1 events into the rows Go's v1→v2 converter yields, one event at
 * a time; the event being converted is in the fields below the state.
 */
class RowConverter {
  private readonly S: TraceBuilder['strings'];
  private readonly rForever: number;
  private readonly rPreempted: number;
  private readonly rGosched: number;
  private readonly rSleep: number;
  private readonly rChanSend: number;
  private readonly rChanRecv: number;
  private readonly rNetwork: number;
  private readonly rSync: number;
  private readonly rCond: number;
  private readonly rSelect: number;
  private readonly rAssistWait: number;
  private readonly stwRows: number[];
  /** Next event of the same goroutine (for GoSysCall: did the syscall block?), -1 none. */
  private readonly nextSameG: Int32Array;

  private lastTs = -1;
  private syncs = 0;
  private readonly procMs = new Map<number, number>();
  private readonly seenProcs = new Set<number>();
  /** Goroutines created before the first Gomaxprocs, not yet seen otherwise. */
  private readonly createdPreInit = new Map<number, true>();
  private readonly tasks = new Map<number, { name: number; parent: number }>();
  private preInit = true;
  private lastStw = 0;
  private futile = 0;

  // the event being converted
  private t = 0;
  private P = 0;
  private time = 0;
  private a0 = 0;
  private a1 = 0;
  private stkId = 0;
  private m = -1;
  private G = -1;

  constructor(
    private readonly b: TraceBuilder,
    private readonly ev: Events,
    private readonly tables: V1Tables,
  ) {
    const S = b.strings;
    this.S = S;
    this.rForever = S.intern('forever');
    this.rPreempted = S.intern('preempted');
    this.rGosched = S.intern('runtime.Gosched');
    this.rSleep = S.intern('sleep');
    this.rChanSend = S.intern('chan send');
    this.rChanRecv = S.intern('chan receive');
    this.rNetwork = S.intern('network');
    this.rSync = S.intern('sync');
    this.rCond = S.intern('sync.(*Cond).Wait');
    this.rSelect = S.intern('select');
    this.rAssistWait = S.intern('GC mark assist wait for work');
    this.stwRows = STW_REASONS.map((s) => S.intern(s));
    const n = ev.n;
    this.nextSameG = new Int32Array(n).fill(-1);
    const last = new Map<number, number>();
    for (let i = n - 1; i >= 0; i--) {
      const g = ev.g[i]!;
      const j = last.get(g);
      if (j !== undefined) this.nextSameG[i] = j;
      last.set(g, i);
    }
  }

  run(): void {
    const b = this.b;
    const ev = this.ev;
    const n = ev.n;
    if (n > 0) {
      this.syncs++;
      b.rowTime = ev.ts[0]! - 1;
      b.push(K.Sync, -1, -1, -1, 0, -1, 0, 0, 0, this.syncs, 1);
    }
    for (let i = 0; i < n; i++) {
      const t = ev.type[i]!;
      const P = ev.p[i]!;
      this.t = t;
      this.P = P;
      this.time = ev.ts[i]!;
      this.a0 = ev.a0[i]!;
      this.a1 = ev.a1[i]!;
      this.stkId = ev.stk[i]!;
      if (t === EvProcStart) this.procMs.set(P, this.a0);
      this.m = P !== -1 && t !== EvCPUSample ? (this.procMs.get(P) ?? -1) : -1;
      if (t === EvProcStop) this.procMs.delete(P);
      this.G = ev.g[i]! === 0 ? -1 : ev.g[i]!;
      if (this.procEvent()) continue;
      if (this.goEvent(i)) continue;
      this.otherEvent(i);
    }
    this.syncs++;
    b.rowTime = this.lastTs + 1;
    b.push(K.Sync, -1, -1, -1, 0, -1, 0, 0, 0, this.syncs, 0);
    if (this.futile > 0) b.warn(`${this.futile} futile-wakeup markers ignored`);
  }

  /** One row; times stay strictly increasing, pseudo-procs become -1. */
  private row(time: number, kind: number, g: number, p: number, m: number, stack: number, resource: number, from: number, to: number, str: number, x0: number, x1: number): void {
    if (time <= this.lastTs) time = this.lastTs + 1;
    this.lastTs = time;
    this.b.rowTime = time;
    this.b.push(kind, g, p >= 1000000 ? -1 : p, m, stack, resource, from, to, str, x0, x1);
  }

  /** GOMAXPROCS, procs, GC, stop-the-world, sweeping, heap and mark assists: true when the event is one. */
  private procEvent(): boolean {
    const { t, P, time, a0, a1, m, G } = this;
    switch (t) {
      case EvGomaxprocs:
        if (this.preInit) {
          this.preInit = false;
          for (const gid of this.createdPreInit.keys()) this.row(time, K.GoStatus, -1, -1, -1, 0, gid, GS.Undetermined, GS.Runnable, 0, -1, 0);
          this.createdPreInit.clear();
          return true;
        }
        this.row(time, K.ProcsChange, G, P, m, this.tables.stackRow(this.stkId), -1, 0, 0, 0, a0, 0);
        return true;
      case EvProcStart:
        if (this.seenProcs.has(P)) {
          this.row(time, K.ProcStart, G, P, m, 0, P, PS.Idle, PS.Running, 0, 0, 0);
        } else {
          this.seenProcs.add(P);
          this.row(time, K.ProcStatus, G, P, m, 0, P, PS.Undetermined, PS.Running, 0, 0, 0);
        }
        return true;
      case EvProcStop:
        if (this.seenProcs.has(P)) {
          this.row(time, K.ProcStop, G, P, m, 0, P, PS.Running, PS.Idle, 0, 0, 0);
        } else {
          this.seenProcs.add(P);
          this.row(time, K.ProcStatus, G, P, m, 0, P, PS.Undetermined, PS.Idle, 0, 0, 0);
        }
        return true;
      case EvGCStart:
        this.row(time, K.GCBegin, G, P, m, this.tables.stackRow(this.stkId), -1, 0, 0, 0, a0, 0);
        return true;
      case EvGCDone:
        this.row(time, K.GCEnd, G, P, m, 0, -1, 0, 0, 0, 0, 0);
        return true;
      case EvSTWStart: {
        let reason = 0;
        if (this.tables.ver < 21) reason = a0 === 0 || a0 === 1 ? a0 + 1 : 0;
        else reason = a0 >= 0 && a0 < STW_REASONS.length ? a0 : 0;
        this.lastStw = this.stwRows[reason]!;
        this.row(time, K.STWBegin, G, P, m, 0, -1, 0, 0, this.lastStw, 0, 0);
        return true;
      }
      case EvSTWDone:
        this.row(time, K.STWEnd, G, P, m, 0, -1, 0, 0, this.lastStw, 0, 0);
        return true;
      case EvGCSweepStart:
        this.row(time, K.GCSweepBegin, G, P, m, this.tables.stackRow(this.stkId), -1, 0, 0, 0, 0, 0);
        return true;
      case EvGCSweepDone:
        this.row(time, K.GCSweepEnd, G, P, m, 0, -1, 0, 0, 0, a0, a1);
        return true;
      case EvHeapAlloc:
        this.row(time, K.HeapAlloc, G, P, m, 0, -1, 0, 0, 0, a0, 0);
        return true;
      case EvHeapGoal:
        this.row(time, K.HeapGoal, G, P, m, 0, -1, 0, 0, 0, a0, 0);
        return true;
      case EvGCMarkAssistStart:
        this.row(time, K.GCMarkAssistBegin, G, P, m, this.tables.stackRow(this.stkId), -1, 0, 0, 0, 0, 0);
        return true;
      case EvGCMarkAssistDone:
        this.row(time, K.GCMarkAssistEnd, G, P, m, 0, -1, 0, 0, 0, 0, 0);
        return true;
    }
    return false;
  }

  /** Goroutine transitions and statuses: true when event i is one. */
  private goEvent(i: number): boolean {
    const { t, P, time, a0, a1, m, G } = this;
    const tables = this.tables;
    switch (t) {
      case EvGoCreate:
        if (this.preInit) {
          this.createdPreInit.set(a0, true);
          return true;
        }
        this.row(time, K.GoCreate, G, P, m, tables.stackRow(this.stkId), a0, GS.NotExist, GS.Runnable, 0, tables.stackRow(a1 >>> 0), 0);
        return true;
      case EvGoStart:
        if (this.preInit) {
          this.createdPreInit.delete(a0);
          this.row(time, K.GoStatus, G, P, m, 0, a0, GS.Undetermined, GS.Running, 0, -1, 0);
        } else {
          this.row(time, K.GoStart, G, P, m, 0, a0, GS.Runnable, GS.Running, 0, 0, 0);
        }
        return true;
      case EvGoStartLabel:
        this.row(time, K.GoStart, G, P, m, 0, a0, GS.Runnable, GS.Running, 0, 0, 0);
        this.row(time, K.GoLabel, G, P, m, 0, -1, 0, 0, tables.str(this.ev.a2[i]!), 0, 0);
        return true;
      case EvGoEnd:
        this.row(time, K.GoDestroy, G, P, m, 0, G, GS.Running, GS.NotExist, 0, 0, 0);
        return true;
      case EvGoStop:
      case EvGoSleep:
      case EvGoBlock:
      case EvGoBlockSend:
      case EvGoBlockRecv:
      case EvGoBlockSelect:
      case EvGoBlockSync:
      case EvGoBlockCond:
      case EvGoBlockNet:
      case EvGoBlockGC:
        this.row(time, K.GoBlock, G, P, m, tables.stackRow(this.stkId), G, GS.Running, GS.Waiting, this.blockReason(t), 0, 0);
        return true;
      case EvGoSched:
      case EvGoPreempt:
        this.row(time, K.GoStop, G, P, m, tables.stackRow(this.stkId), G, GS.Running, GS.Runnable, t === EvGoSched ? this.rGosched : this.rPreempted, 0, 0);
        return true;
      case EvGoUnblock:
        this.row(time, K.GoUnblock, G, P, m, tables.stackRow(this.stkId), a0, GS.Waiting, GS.Runnable, 0, 0, 0);
        return true;
      case EvGoSysCall: {
        const j = this.nextSameG[i]!;
        const blocked = j >= 0 && this.ev.type[j] === EvGoSysBlock;
        const stack = tables.stackRow(this.stkId);
        this.row(time, K.GoSyscallBegin, G, P, m, stack, G, GS.Running, GS.Syscall, 0, 0, 0);
        if (!blocked) this.row(time + 1, K.GoSyscallEnd, G, P, m, 0, G, GS.Syscall, GS.Running, 0, 0, 0);
        return true;
      }
      case EvGoSysExit:
        this.row(time, K.GoSyscallEndBlocked, G, P, m, 0, G, GS.Syscall, GS.Runnable, 0, 0, 0);
        return true;
      case EvGoSysBlock:
        return true;
      case EvGoWaiting:
        this.createdPreInit.delete(a0);
        this.row(time, K.GoStatus, G, P, m, 0, a0, GS.Undetermined, GS.Waiting, 0, -1, 0);
        return true;
      case EvGoInSyscall:
        this.createdPreInit.delete(a0);
        this.row(time, K.GoStatus, G, P, m, 0, a0, GS.Undetermined, GS.Syscall, 0, -1, 0);
        return true;
    }
    return false;
  }

  /** The block reason (a string row) of a v1 event that makes a goroutine wait. */
  private blockReason(t: number): number {
    switch (t) {
      case EvGoStop:
        return this.rForever;
      case EvGoSleep:
        return this.rSleep;
      case EvGoBlock:
        return 0;
      case EvGoBlockSend:
        return this.rChanSend;
      case EvGoBlockRecv:
        return this.rChanRecv;
      case EvGoBlockSelect:
        return this.rSelect;
      case EvGoBlockSync:
        return this.rSync;
      case EvGoBlockCond:
        return this.rCond;
      case EvGoBlockNet:
        return this.rNetwork;
      default:
        return this.rAssistWait;
    }
  }

  /** User tasks, regions and logs, CPU samples and futile-wakeup markers; any other event is an error. */
  private otherEvent(i: number): void {
    const { t, P, time, a0, a1, m, G } = this;
    const ev = this.ev;
    const tables = this.tables;
    switch (t) {
      case EvUserTaskCreate: {
        const parent = a1 === 0 ? -1 : a1;
        const name = tables.str(ev.a2[i]!);
        this.tasks.set(a0, { name, parent: a1 });
        this.row(time, K.TaskBegin, G, P, m, tables.stackRow(this.stkId), -1, 0, 0, name, a0, parent);
        break;
      }
      case EvUserTaskEnd: {
        const task = this.tasks.get(a0);
        if (task !== undefined) this.tasks.delete(a0);
        this.row(time, K.TaskEnd, G, P, m, tables.stackRow(this.stkId), -1, 0, 0, task ? task.name : 0, a0, task ? task.parent : -1);
        break;
      }
      case EvUserRegion:
        this.row(time, a1 === 0 ? K.RegionBegin : K.RegionEnd, G, P, m, tables.stackRow(this.stkId), -1, 0, 0, tables.str(ev.a2[i]!), a0, 0);
        break;
      case EvUserLog:
        this.row(time, K.Log, G, P, m, tables.stackRow(this.stkId), -1, 0, 0, tables.str(a1), a0, this.S.intern(tables.inline[ev.a3[i]!] ?? ''));
        break;
      case EvCPUSample:
        this.row(time, K.CPUSample, G, P, -1, tables.stackRow(this.stkId), -1, 0, 0, 0, 0, 0);
        break;
      case EvFutileWakeup:
        this.futile++;
        break;
      default:
        throw new DecodeError(`unexpected event type ${DESC[t]?.name ?? t}`);
    }
  }
}

/** A goroutine as Go's postProcessTrace follows it. */
interface CheckedG {
  state: number;
  evType: number; // type of the last event that made it wait (or 0)
  started: boolean;
  createStk: number; // -1 none
  assist: boolean;
}

/** A proc as Go's postProcessTrace follows it. */
interface CheckedP {
  running: boolean;
  g: number;
  sweep: boolean;
  stw: boolean;
}

/**
 * The validation and repairs of Go's postProcessTrace, one event at a time: each event must
 * find its goroutine and proc in a state that allows it; GC starts move to the GC pseudo-proc,
 * unblocks of a goroutine blocked on the network to the netpoll one, and a goroutine's first
 * start takes the stack where it was created.
 */
class PostProcessor {
  private readonly gs = new Map<number, CheckedG>();
  private readonly ps = new Map<number, CheckedP>();
  private readonly tasks = new Set<number>();
  private readonly regions = new Map<number, number[]>();
  private gc = false;
  private stw = false;

  constructor(
    private readonly ev: Events,
    private readonly ver: number,
  ) {
    this.getG(0).state = gRunning;
  }

  private getG(id: number): CheckedG {
    let g = this.gs.get(id);
    if (g === undefined) {
      g = { state: gDead, evType: 0, started: false, createStk: -1, assist: false };
      this.gs.set(id, g);
    }
    return g;
  }

  private getP(id: number): CheckedP {
    let p = this.ps.get(id);
    if (p === undefined) {
      p = { running: false, g: 0, sweep: false, stw: false };
      this.ps.set(id, p);
    }
    return p;
  }

  /** Requires goroutine G to be running on proc Pid (and not to be g 0 unless allowG0). */
  private running(p: CheckedP, g: CheckedG, allowG0: boolean, G: number, Pid: number, t: number, time: number): void {
    const name = DESC[t]!.name;
    if (g.state !== gRunning) throw new DecodeError(`g ${G} is not running while ${name} (time ${time})`);
    if (p.g !== G) throw new DecodeError(`p ${Pid} is not running g ${G} while ${name} (time ${time})`);
    if (!allowG0 && G === 0) throw new DecodeError(`g 0 did ${name} (time ${time})`);
  }

  event(i: number): void {
    const t = this.ev.type[i]!;
    if (this.procOrGCEvent(i, t)) return;
    if (this.goEvent(i, t)) return;
    this.userEvent(i, t);
  }

  /** Procs, GC, stop-the-world, sweeping and mark assists: true when event i is one. */
  private procOrGCEvent(i: number, t: number): boolean {
    const ev = this.ev;
    const G = ev.g[i]!;
    const Pid = ev.p[i]!;
    const time = ev.ts[i]!;
    switch (t) {
      case EvProcStart: {
        const p = this.getP(Pid);
        if (p.running) throw new DecodeError(`p ${Pid} is running before start (time ${time})`);
        p.running = true;
        return true;
      }
      case EvProcStop: {
        const p = this.getP(Pid);
        if (!p.running) throw new DecodeError(`p ${Pid} is not running before stop (time ${time})`);
        if (p.g !== 0) throw new DecodeError(`p ${Pid} is running a goroutine ${p.g} during stop (time ${time})`);
        p.running = false;
        return true;
      }
      case EvGCStart:
        if (this.gc) throw new DecodeError(`previous GC is not ended before a new one (time ${time})`);
        this.gc = true;
        ev.p[i] = GCP;
        return true;
      case EvGCDone:
        if (!this.gc) throw new DecodeError(`bogus GC end (time ${time})`);
        this.gc = false;
        return true;
      case EvSTWStart:
        if (this.ver < 10) {
          const p = this.getP(Pid);
          if (p.stw) throw new DecodeError(`previous STW is not ended before a new one (time ${time})`);
          p.stw = true;
        } else {
          if (this.stw) throw new DecodeError(`previous STW is not ended before a new one (time ${time})`);
          this.stw = true;
        }
        return true;
      case EvSTWDone:
        if (this.ver < 10) {
          const p = this.getP(Pid);
          if (!p.stw) throw new DecodeError(`bogus STW end (time ${time})`);
          p.stw = false;
        } else {
          if (!this.stw) throw new DecodeError(`bogus STW end (time ${time})`);
          this.stw = false;
        }
        return true;
      case EvGCSweepStart: {
        const p = this.getP(Pid);
        if (p.sweep) throw new DecodeError(`previous sweeping is not ended before a new one (time ${time})`);
        p.sweep = true;
        return true;
      }
      case EvGCSweepDone: {
        const p = this.getP(Pid);
        if (!p.sweep) throw new DecodeError(`bogus sweeping end (time ${time})`);
        p.sweep = false;
        return true;
      }
      case EvGCMarkAssistStart: {
        const g = this.getG(G);
        if (g.assist) throw new DecodeError(`previous mark assist is not ended before a new one (time ${time})`);
        g.assist = true;
        return true;
      }
      case EvGCMarkAssistDone:
        this.getG(G).assist = false;
        return true;
    }
    return false;
  }

  /** Goroutine transitions: true when event i is one. */
  private goEvent(i: number, t: number): boolean {
    const ev = this.ev;
    const G = ev.g[i]!;
    const Pid = ev.p[i]!;
    const time = ev.ts[i]!;
    switch (t) {
      case EvGoWaiting:
      case EvGoInSyscall: {
        const g = this.getG(G);
        if (g.state !== gRunnable) throw new DecodeError(`g ${G} is not runnable before ${DESC[t]!.name} (time ${time})`);
        g.state = gWaiting;
        g.evType = t;
        return true;
      }
      case EvGoCreate: {
        this.running(this.getP(Pid), this.getG(G), true, G, Pid, t, time);
        const ng = ev.a0[i]!;
        if (this.gs.has(ng)) throw new DecodeError(`g ${ng} already exists (time ${time})`);
        this.gs.set(ng, { state: gRunnable, evType: t, started: false, createStk: ev.a1[i]!, assist: false });
        return true;
      }
      case EvGoStart:
      case EvGoStartLabel:
        this.goStart(i);
        return true;
      case EvGoEnd:
      case EvGoStop: {
        const g = this.getG(G);
        const p = this.getP(Pid);
        this.running(p, g, false, G, Pid, t, time);
        g.started = false;
        g.state = gDead;
        p.g = 0;
        if (t === EvGoEnd) this.regions.delete(G);
        return true;
      }
      case EvGoSched:
      case EvGoPreempt: {
        const g = this.getG(G);
        const p = this.getP(Pid);
        this.running(p, g, false, G, Pid, t, time);
        g.state = gRunnable;
        g.started = false;
        p.g = 0;
        g.evType = t;
        return true;
      }
      case EvGoUnblock:
        this.goUnblock(i, t);
        return true;
      case EvGoSysCall: {
        const g = this.getG(G);
        this.running(this.getP(Pid), g, false, G, Pid, t, time);
        g.evType = t;
        return true;
      }
      case EvGoSysBlock: {
        const g = this.getG(G);
        const p = this.getP(Pid);
        this.running(p, g, false, G, Pid, t, time);
        g.state = gWaiting;
        g.started = false;
        p.g = 0;
        return true;
      }
      case EvGoSysExit: {
        const g = this.getG(G);
        if (g.state !== gWaiting) throw new DecodeError(`g ${G} is not waiting during syscall exit (time ${time})`);
        g.state = gRunnable;
        g.evType = t;
        return true;
      }
      case EvGoSleep:
      case EvGoBlock:
      case EvGoBlockSend:
      case EvGoBlockRecv:
      case EvGoBlockSelect:
      case EvGoBlockSync:
      case EvGoBlockCond:
      case EvGoBlockNet:
      case EvGoBlockGC: {
        const g = this.getG(G);
        const p = this.getP(Pid);
        this.running(p, g, false, G, Pid, t, time);
        g.state = gWaiting;
        g.evType = t;
        g.started = false;
        p.g = 0;
        return true;
      }
    }
    return false;
  }

  private goStart(i: number): void {
    const ev = this.ev;
    const G = ev.g[i]!;
    const Pid = ev.p[i]!;
    const time = ev.ts[i]!;
    const g = this.getG(G);
    const p = this.getP(Pid);
    if (g.state !== gRunnable) throw new DecodeError(`g ${G} is not runnable before start (time ${time})`);
    if (p.g !== 0) throw new DecodeError(`p ${Pid} is already running g ${p.g} while start g ${G} (time ${time})`);
    g.state = gRunning;
    g.started = true;
    p.g = G;
    if (g.createStk !== -1) {
      ev.stk[i] = g.createStk >>> 0;
      g.createStk = -1;
    }
    g.evType = 0;
  }

  private goUnblock(i: number, t: number): void {
    const ev = this.ev;
    const G = ev.g[i]!;
    const Pid = ev.p[i]!;
    const time = ev.ts[i]!;
    const g = this.getG(G);
    const p = this.getP(Pid);
    if (g.state !== gRunning) throw new DecodeError(`g ${G} is not running while unpark (time ${time})`);
    if (Pid !== TimerP && p.g !== G) throw new DecodeError(`p ${Pid} is not running g ${G} while unpark (time ${time})`);
    const target = ev.a0[i]!;
    const g1 = this.getG(target);
    if (g1.state !== gWaiting) throw new DecodeError(`g ${target} is not waiting before unpark (time ${time})`);
    if (g1.evType === EvGoBlockNet) ev.p[i] = NetpollP;
    g1.state = gRunnable;
    g1.evType = t;
  }

  /** User tasks and regions. */
  private userEvent(i: number, t: number): void {
    const ev = this.ev;
    switch (t) {
      case EvUserTaskCreate: {
        const id = ev.a0[i]!;
        if (this.tasks.has(id)) throw new DecodeError(`task id conflicts (id:${id})`);
        this.tasks.add(id);
        break;
      }
      case EvUserTaskEnd:
        this.tasks.delete(ev.a0[i]!);
        break;
      case EvUserRegion: {
        const G = ev.g[i]!;
        const mode = ev.a1[i]!;
        let stack = this.regions.get(G);
        if (mode === 0) {
          if (stack === undefined) this.regions.set(G, (stack = []));
          stack.push(i);
        } else if (mode === 1) {
          if (stack !== undefined && stack.length > 0) {
            const s = stack[stack.length - 1]!;
            if (ev.a0[s] !== ev.a0[i] || ev.a2[s] !== ev.a2[i]) {
              throw new DecodeError(`misuse of region in goroutine ${G}: region end does not match the inner-most active region start`);
            }
            stack.pop();
            if (stack.length === 0) this.regions.delete(G);
          }
        } else {
          throw new DecodeError(`invalid user region mode: ${mode}`);
        }
        break;
      }
    }
  }
}

/** Ordering rule of an event: which goroutine's sequence it needs and moves. */
function transition(proc: Proc, h: number, out: { g: number; initSeq: number; initStatus: number; nextSeq: number; nextStatus: number }): void {
  const t = proc.type[h]!;
  switch (t) {
    case EvGoCreate:
      out.g = proc.a0[h]!;
      out.initSeq = 0;
      out.initStatus = gDead;
      out.nextSeq = 1;
      out.nextStatus = gRunnable;
      return;
    case EvGoWaiting:
    case EvGoInSyscall:
      out.g = proc.g[h]!;
      out.initSeq = 1;
      out.initStatus = gRunnable;
      out.nextSeq = 2;
      out.nextStatus = gWaiting;
      return;
    case EvGoStart:
    case EvGoStartLabel:
      out.g = proc.g[h]!;
      out.initSeq = proc.a1[h]!;
      out.initStatus = gRunnable;
      out.nextSeq = proc.a1[h]! + 1;
      out.nextStatus = gRunning;
      return;
    case EvGoStartLocal:
      out.g = proc.g[h]!;
      out.initSeq = NOSEQ;
      out.initStatus = gRunnable;
      out.nextSeq = SEQINC;
      out.nextStatus = gRunning;
      return;
    case EvGoBlock:
    case EvGoBlockSend:
    case EvGoBlockRecv:
    case EvGoBlockSelect:
    case EvGoBlockSync:
    case EvGoBlockCond:
    case EvGoBlockNet:
    case EvGoSleep:
    case EvGoSysBlock:
    case EvGoBlockGC:
      out.g = proc.g[h]!;
      out.initSeq = NOSEQ;
      out.initStatus = gRunning;
      out.nextSeq = NOSEQ;
      out.nextStatus = gWaiting;
      return;
    case EvGoSched:
    case EvGoPreempt:
      out.g = proc.g[h]!;
      out.initSeq = NOSEQ;
      out.initStatus = gRunning;
      out.nextSeq = NOSEQ;
      out.nextStatus = gRunnable;
      return;
    case EvGoUnblock:
    case EvGoSysExit:
      out.g = proc.a0[h]!;
      out.initSeq = proc.a1[h]!;
      out.initStatus = gWaiting;
      out.nextSeq = proc.a1[h]! + 1;
      out.nextStatus = gRunnable;
      return;
    case EvGoUnblockLocal:
    case EvGoSysExitLocal:
      out.g = proc.a0[h]!;
      out.initSeq = NOSEQ;
      out.initStatus = gWaiting;
      out.nextSeq = SEQINC;
      out.nextStatus = gRunnable;
      return;
    case EvGCStart:
      out.g = GARBAGE;
      out.initSeq = proc.a0[h]!;
      out.initStatus = gDead;
      out.nextSeq = proc.a0[h]! + 1;
      out.nextStatus = gDead;
      return;
    default:
      out.g = UNORDERED;
  }
}

function frontierLess(a: Proc, b: Proc): boolean {
  return a.ts[a.head]! < b.ts[b.head]!;
}

function frontierPush(h: Proc[], p: Proc): void {
  h.push(p);
  let j = h.length - 1;
  for (;;) {
    const i = (j - 1) >> 1;
    if (j <= 0 || i === j || !frontierLess(h[j]!, h[i]!)) break;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
    j = i;
  }
}

function frontierPop(h: Proc[]): Proc {
  const n = h.length - 1;
  let t = h[0]!;
  h[0] = h[n]!;
  h[n] = t;
  let i = 0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && frontierLess(h[j2]!, h[j1]!)) j = j2;
    if (!frontierLess(h[j]!, h[i]!)) break;
    t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
    i = j;
  }
  return h.pop()!;
}

/**
 * Stable sort by time after some events moved earlier: the unmoved events are still in order,
 * so the moved ones are sorted on their own and merged in (ties keep the original order).
 */
function stableSortByTs(ev: Events, moved: Uint8Array): void {
  const n = ev.n;
  const ts = ev.ts;
  let nm = 0;
  for (let i = 0; i < n; i++) nm += moved[i]!;
  const a = new Uint32Array(n - nm);
  const m = new Uint32Array(nm);
  for (let i = 0, ia = 0, im = 0; i < n; i++) {
    if (moved[i]) m[im++] = i;
    else a[ia++] = i;
  }
  m.sort((x, y) => ts[x]! - ts[y]! || x - y);
  const idx = new Uint32Array(n);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < m.length) {
    if (j >= m.length) idx[k++] = a[i++]!;
    else if (i >= a.length) idx[k++] = m[j++]!;
    else {
      const x = a[i]!;
      const y = m[j]!;
      if (ts[x]! < ts[y]! || (ts[x] === ts[y] && x < y)) {
        idx[k++] = x;
        i++;
      } else {
        idx[k++] = y;
        j++;
      }
    }
  }
  const perm = <T extends Float64Array | Int32Array | Uint8Array>(arr: T): void => {
    const copy = arr.slice(0, n);
    for (let q = 0; q < n; q++) arr[q] = copy[idx[q]!]!;
  };
  perm(ev.ts);
  perm(ev.g);
  perm(ev.a0);
  perm(ev.a1);
  perm(ev.a2);
  perm(ev.a3);
  perm(ev.stk);
  perm(ev.p);
  perm(ev.type);
}
