/**
 * Decoder of v2 execution traces (headers `go 1.22 trace` … `go 1.26 trace`).
 *
 * The trace is a sequence of generations; each is read and decoded on its own (its batches,
 * then its string, stack, CPU-sample and sync tables, then its events), so working memory is
 * one generation plus the output columns. Events of different threads (Ms) are merged the way
 * Go's internal/trace reader does: a min-heap of per-M cursors by timestamp, and an event only
 * advances when the scheduler state allows it (goroutine and proc sequence numbers, GC
 * sequence numbers, goroutine and proc states: the ordering state machine of v2-order.ts);
 * otherwise the next M is tried.
 *
 * A generation that cannot be decoded (truncated, damaged, inconsistent) is dropped whole with
 * a warning when an earlier generation decoded, and is a DecodeError otherwise.
 */

import { DecodeError } from '../../model/errors.js';
import { TraceEventKind as K } from '../../model/trace.js';
import { ByteReader, MAX_EXACT, TruncatedError, decodeUtf8 } from './bytes.js';
import { TraceBuilder } from './builder.js';
import { Ev, V2_NARGS, V2_SPECS } from './v2-spec.js';
import { Ordering, evName, type OrderOutput } from './v2-order.js';
import { formatDuration } from '../../model/units.js';

/** Per-M cursor over the M's event batches of one generation. */
class Cursor {
  idx = 0;
  off = 0; // relative to the current batch payload
  lastTs = 0;
  typ = 0;
  time = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  constructor(
    readonly m: number,
    readonly batches: number[],
  ) {}
}

/** Batches of one generation, as offsets into the input. */
interface GenBatches {
  gen: number;
  start: number; // first byte of the generation
  end: number; // first byte after it
  minTs: number;
  m: number[];
  time: number[];
  exp: number[];
  pstart: number[];
  pend: number[];
}

function newGen(start: number): GenBatches {
  return { gen: 0, start, end: start, minTs: 0, m: [], time: [], exp: [], pstart: [], pend: [] };
}

/** A generation's batches sorted by what they hold (V2Decoder.sortBatches). */
interface GenerationBatches {
  freq: number;
  /** The clock snapshot (Go 1.25 on): its time in ticks, and the clocks it read. */
  clock: { ts: number; mono: number; sec: number; nsec: number } | null;
  stacks: number[];
  cpuSamples: number[];
  /** Each thread's event batches, threads in the order their first batch comes. */
  byM: Map<number, number[]>;
}

/** A generation's CPU samples as columns, and their order by time (stable). */
interface CPUSamples {
  sTime: number[];
  sM: number[];
  sP: number[];
  sG: number[];
  sStk: number[];
  order: number[];
}

/** What readGeneration* return when the bytes so far end inside the generation. */
const MORE = 'more' as const;

/** A generation being scanned: its batches so far and where the scan goes on. */
interface ScanState {
  g: GenBatches;
  n: number;
  pos: number;
}

export interface V2Options {
  /** Called after each generation that decoded, with the input offset where it ended. */
  onGeneration?: (endOffset: number) => void;
  /**
   * Called when the rows in the builder reach `partRows` inside a generation, to cut them off
   * as a part of their own (the builder is empty after it): a busy server's generation makes
   * tens of millions of rows, which would otherwise all be held until its end.
   */
  onRows?: () => void;
  partRows?: number;
}

/**
 * Incremental v2 decoder: bytes come in with push() in any pieces, each generation is decoded
 * as soon as its last batch is in (Go 1.26+: its end-of-generation byte; before: the first
 * batch of the next generation, or the end of the input), then its bytes are let go. Working
 * memory is the generation being read (plus whatever the builder keeps).
 */
export class V2Decoder implements OrderOutput {
  readonly ver: number;
  readonly b: TraceBuilder;
  private readonly opts: V2Options;

  // input: buf[genStart, len) are the bytes not yet decoded; buf[0] is at input offset `base`
  private buf: Uint8Array = new Uint8Array(0);
  /** Rows an event byte in the last generation (a guess before the first: busy servers' traces hold about 5 bytes an event). */
  private rowsPerByte = 1 / 6;
  private len = 0;
  private base: number;
  private owned = false;
  private genStart = 0;
  private scan: ScanState | null = null;
  /** Input offset of the end of the bytes pushed so far. */
  private total: number;
  /** No more decoding: the trace ended, or a generation failed. */
  private stopped = false;
  private failure: { e: DecodeError; gstart: number; gen?: number; atEnd: boolean; at: number } | null = null;
  /** Time of the trace's first row (ns, Go's clock), -1 before it. */
  private firstTs = -1;
  private readonly partRows: number;
  /** Time of the last row of the generation being decoded already cut off as a part, -1: none (between generations). */
  private partTs = -1;
  /** Rows of the generation being decoded already cut off as parts. */
  private partCut = 0;
  private ended = false;

  /** The scheduler's state machine, which lives across generations (v2-order.ts). */
  private readonly order: Ordering = new Ordering(this);

  // output state
  lastTs = 0;
  syncs = 0;
  generations = 0;
  firstFreq = 0;
  clock: { absNs: number; wallSec: number; wallNsec: number; monoNs: number } | null = null;
  unknownSampleStacks = 0;

  // current generation
  nsPerTick = 0;
  strMap = new Map<number, number>();
  stackMap = new Map<number, number>();
  rd: ByteReader = new ByteReader(new Uint8Array(0), 0, 0);
  gb: GenBatches = newGen(0);

  /** `offset`: where in the input the first pushed byte is (16, after the header). */
  constructor(ver: number, b: TraceBuilder, offset: number, opts: V2Options = {}) {
    this.ver = ver;
    this.b = b;
    this.base = offset;
    this.total = offset;
    this.opts = opts;
    this.partRows = opts.onRows !== undefined && opts.partRows !== undefined ? Math.max(1, opts.partRows) : Infinity;
  }

  /**
   * More input. Decodes every generation it completes. The decoder may keep a reference to
   * `chunk` until its bytes are decoded: do not reuse it. A DecodeError here means no
   * generation could be decoded.
   */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('push() after end()');
    this.total += chunk.length;
    if (this.stopped || chunk.length === 0) return;
    this.append(chunk);
    this.pump(false);
  }

  /**
   * Input bytes kept, not yet decoded: the generation being read (its buffer doubles when full,
   * from 64 KiB: a generation of a busy server's trace is tens of megabytes, read a piece at a
   * time, and each growth copies what is held).
   */
  get heldBytes(): number {
    return this.len - this.genStart;
  }

  /** The end of the input: decodes what is left, then closes the trace (final sync, warnings). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.stopped) this.pump(true);
    const f = this.failure;
    if (f !== null) this.fail(f.e, f.gstart, this.total, f.gen, f.atEnd, f.at);
    this.buf = new Uint8Array(0);
    this.rd = new ByteReader(this.buf, 0, 0);
    this.len = this.genStart = 0;
    if (this.unknownSampleStacks > 0) {
      this.b.warn(`${this.unknownSampleStacks} CPU samples referred to stacks missing from their generation (kept without a stack)`);
    }
    // final sync
    this.syncs++;
    this.b.rowTime = this.lastTs;
    this.emitRow(K.Sync, -1, -1, -1, 0, -1, 0, 0, 0, this.syncs, 0);
  }

  private append(chunk: Uint8Array): void {
    const shift = this.genStart;
    const rem = this.len - shift;
    if (rem === 0) {
      // nothing kept: read the chunk in place
      this.buf = chunk;
      this.len = chunk.length;
      this.owned = false;
    } else if (this.owned && shift === 0 && this.buf.length - this.len >= chunk.length) {
      this.buf.set(chunk, this.len);
      this.len += chunk.length;
      return;
    } else {
      const need = rem + chunk.length;
      if (this.owned && this.buf.length >= need && this.buf.length <= 4 * need) {
        this.buf.copyWithin(0, shift, this.len);
      } else {
        const nb = new Uint8Array(Math.max(need * 2, 1 << 16));
        nb.set(this.buf.subarray(shift, this.len));
        this.buf = nb;
        this.owned = true;
      }
      this.buf.set(chunk, rem);
      this.len = need;
    }
    this.base += shift;
    this.genStart = 0;
    const st = this.scan;
    if (st !== null && shift !== 0) {
      st.pos -= shift;
      const g = st.g;
      g.start -= shift;
      g.end -= shift;
      for (let i = 0; i < g.pstart.length; i++) {
        g.pstart[i]! -= shift;
        g.pend[i]! -= shift;
      }
    }
  }

  /** Decodes the generations the bytes so far complete; `eof`: there are no more. */
  private pump(eof: boolean): void {
    for (;;) {
      const gstart = this.base + this.genStart;
      let g: GenBatches | null | typeof MORE;
      try {
        g = this.ver >= 26 ? this.readGeneration126(eof) : this.readGenerationSpill(eof);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.stop(e, gstart);
        return;
      }
      if (g === MORE) return;
      if (g === null) {
        this.stopped = true; // clean end of trace
        return;
      }
      const startRows = this.b.n;
      const startTs = this.lastTs;
      try {
        this.processGeneration(g);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        // the last event that was in order, or the generation's start
        const at = this.lastTs;
        // rows already cut off as parts were analysed: the generation is kept up to them
        this.b.truncate(this.partTs >= 0 ? 0 : startRows);
        this.lastTs = this.partTs >= 0 ? this.partTs : startTs;
        // inside a generation, data ending early means a damaged batch, not a cut file
        const err = e instanceof TruncatedError ? new DecodeError(`damaged batch: ${e.message}`) : e;
        this.stop(err, gstart, g.gen, this.ver < 26 && eof && g.end >= this.len, at);
        return;
      }
      this.partTs = -1; // (the generation is whole: its parts are no longer a part of one)
      if (this.generations++ === 0) this.firstTs = Math.trunc(g.minTs * this.nsPerTick);
      this.genStart = g.end;
      this.scan = null;
      this.opts.onGeneration?.(this.base + g.end);
      if (eof && g.end >= this.len) {
        this.stopped = true;
        return;
      }
    }
  }

  /** A generation could not be used: the error now when none decoded, else a warning at the end. */
  private stop(e: DecodeError, gstart: number, gen?: number, atEnd = false, at = -1): void {
    this.stopped = true;
    this.buf = new Uint8Array(0);
    this.len = this.genStart = 0;
    this.scan = null;
    if (this.generations === 0) this.fail(e, gstart, this.total, gen, atEnd);
    this.failure = { e, gstart, gen, atEnd, at };
  }

  /**
   * A generation could not be used: a warning when earlier ones decoded, else the error. The
   * warning says where the consistent part ends, what was analysed and what was dropped; `at`
   * is the time of the last event in order before the failure (-1: none read).
   */
  private fail(e: DecodeError, gstart: number, total: number, gen?: number, atEnd = false, at = -1): void {
    const dropped = total - gstart;
    if (this.generations === 0) {
      if (e instanceof TruncatedError) {
        throw new DecodeError(`truncated trace: no complete generation (${e.message})`);
      }
      throw new DecodeError(e.message);
    }
    const which = gen !== undefined && gen !== 0 ? `generation ${gen}` : 'last generation';
    const n = this.generations;
    const upTo = this.partTs >= 0 ? `, and ${which} up to ${seconds(this.partTs - this.firstTs)}` : '';
    const kept = `analysed the first ${n === 1 ? 'generation' : `${n} generations`} (${seconds(this.lastTs - this.firstTs)})${upTo}`;
    const share = `${dropped} bytes dropped (${Math.max(1, Math.round((100 * dropped) / Math.max(1, total)))}% of the input)`;
    const from = at > this.lastTs ? ` (at ${seconds(at - this.firstTs)})` : '';
    if (atEnd && !(e instanceof TruncatedError)) {
      // Before Go 1.26 nothing marks a generation's end: a trace cut between two batches
      // shows up as a last generation that does not decode.
      this.b.warn(`truncated or damaged: ${which} (the last) unusable${from}: ${e.message}; ${kept}, ${share}`);
      return;
    }
    if (e instanceof TruncatedError) {
      this.b.warn(`truncated: ${which} incomplete (${e.message}); ${kept}, ${share}`);
    } else {
      this.b.warn(`trace inconsistent from ${which} on${from}: ${e.message}; ${kept}, not ${this.partTs >= 0 ? `the rest of ${which}` : which} or later: ${share}`);
    }
  }

  // ---- reading batches ----

  /**
   * Reads one batch header at r.pos. Returns 'eog' for an end-of-generation byte; otherwise
   * fills the out fields. TruncatedError when the data ends inside the batch.
   */
  private readBatch(r: ByteReader, out: { gen: number; m: number; ts: number; exp: number; pstart: number; pend: number }): 'eog' | 'batch' {
    const at = r.base + r.pos;
    out.gen = -2; // not read yet
    const t = r.byte();
    if (t === Ev.EndOfGeneration) return 'eog';
    if (t !== Ev.EventBatch && t !== Ev.ExperimentalBatch) {
      throw new DecodeError(`expected batch event, got event ${t} at byte ${at}`);
    }
    out.exp = t === Ev.ExperimentalBatch ? r.byte() : 0;
    out.gen = r.u();
    out.m = r.u();
    out.ts = r.u();
    const size = r.u();
    if (size > 65536 || size < 0) throw new DecodeError(`invalid batch size ${size} at byte ${at}, maximum is 65536`);
    if (out.m > MAX_EXACT) throw new DecodeError(`thread id ${out.m} at byte ${at} is too large`);
    if (out.ts > MAX_EXACT || out.ts < 0) throw new DecodeError(`batch timestamp at byte ${at} is too large`);
    out.pstart = r.pos;
    r.skip(size);
    out.pend = r.pos;
    return 'batch';
  }

  private addBatch(g: GenBatches, x: { m: number; ts: number; exp: number; pstart: number; pend: number }): void {
    if (g.minTs === 0 || x.ts < g.minTs) g.minTs = x.ts;
    g.m.push(x.m);
    g.time.push(x.ts);
    g.exp.push(x.exp);
    g.pstart.push(x.pstart);
    g.pend.push(x.pend);
  }

  private scanState(): ScanState {
    return (this.scan ??= { g: newGen(this.genStart), n: 0, pos: this.genStart });
  }

  /**
   * Go 1.22–1.25: a generation ends where a batch of the next generation starts (or the input
   * does). MORE when the bytes so far do not tell yet.
   */
  private readGenerationSpill(eof: boolean): GenBatches | null | typeof MORE {
    const st = this.scanState();
    const g = st.g;
    const r = new ByteReader(this.buf, st.pos, this.len, this.base);
    const x = { gen: 0, m: 0, ts: 0, exp: 0, pstart: 0, pend: 0 };
    let next = false;
    while (r.pos < r.end) {
      const at = r.pos;
      let kind: 'eog' | 'batch';
      try {
        kind = this.readBatch(r, x);
      } catch (e) {
        if (!eof && e instanceof TruncatedError) {
          st.pos = at;
          return MORE;
        }
        // A batch that cannot be read after complete ones: when it is (or may be) the first
        // batch of the next generation, this generation ends here and the next one fails.
        if (st.n > 0 && e instanceof DecodeError && (x.gen === -2 || x.gen === g.gen + 1)) {
          r.pos = at;
          next = true;
          break;
        }
        throw e;
      }
      const abs = this.base + at;
      if (kind === 'eog') throw new DecodeError(`invalid generation number 0 at byte ${abs}`);
      if (x.gen === 0) throw new DecodeError(`invalid generation number 0 at byte ${abs}`);
      if (g.gen === 0) g.gen = x.gen;
      if (x.gen === g.gen + 1 && st.n > 0) {
        r.pos = at;
        next = true;
        break;
      }
      if (x.gen !== g.gen) throw new DecodeError(`generations out of order at byte ${abs} (generation ${x.gen} inside ${g.gen})`);
      this.addBatch(g, x);
      st.n++;
    }
    if (!next && !eof) {
      st.pos = r.pos;
      return MORE;
    }
    g.end = r.pos;
    return st.n === 0 ? null : g;
  }

  /** Go 1.26+: a generation ends with an EndOfGeneration byte. MORE when it is not in yet. */
  private readGeneration126(eof: boolean): GenBatches | null | typeof MORE {
    const st = this.scanState();
    const g = st.g;
    const r = new ByteReader(this.buf, st.pos, this.len, this.base);
    const x = { gen: 0, m: 0, ts: 0, exp: 0, pstart: 0, pend: 0 };
    let ended = false;
    while (r.pos < r.end) {
      const at = r.pos;
      let kind: 'eog' | 'batch';
      try {
        kind = this.readBatch(r, x);
      } catch (e) {
        if (!eof && e instanceof TruncatedError) {
          st.pos = at;
          return MORE;
        }
        throw e;
      }
      if (kind === 'eog') {
        ended = true;
        break;
      }
      const abs = this.base + at;
      if (x.gen === 0) throw new DecodeError(`invalid generation number 0 at byte ${abs}`);
      if (g.gen === 0) g.gen = x.gen;
      if (x.gen !== g.gen) {
        throw new DecodeError(`missing end-of-generation event before byte ${abs}, or generations are interleaved`);
      }
      this.addBatch(g, x);
      st.n++;
    }
    if (!ended && !eof) {
      st.pos = r.pos;
      return MORE;
    }
    g.end = r.pos;
    if (!ended) {
      if (st.n === 0) return null;
      throw new TruncatedError(`generation ${g.gen} has no end-of-generation event (trace cut at byte ${this.base + r.pos})`);
    }
    return g;
  }

  // ---- one generation ----

  /**
   * One generation: its tables first (strings, stacks, CPU samples, the clock), then its
   * threads' events merged in time order by the ordering state machine, with the CPU samples
   * in between.
   */
  private processGeneration(g: GenBatches): void {
    this.rd = new ByteReader(this.buf, 0, 0, this.base);
    this.order.gen = g.gen;
    this.gb = g;
    const strMap = (this.strMap = new Map());
    const stackMap = (this.stackMap = new Map());
    const sorted = this.sortBatches(g, strMap);
    const nsPerTick = (this.nsPerTick = 1.0 / (sorted.freq / 1e9));
    if (this.firstFreq === 0) this.firstFreq = sorted.freq;

    for (const i of sorted.stacks) this.readStacks(g.pstart[i]! + 1, g.pend[i]!, strMap, stackMap);
    const samples = this.readCPUSamples(g, sorted.cpuSamples, nsPerTick);

    const snap = sorted.clock;
    if (snap !== null && this.clock === null) {
      this.clock = { absNs: Math.trunc(snap.ts * nsPerTick), wallSec: snap.sec, wallNsec: snap.nsec, monoNs: snap.mono };
    }

    // Room for this generation's rows, as many a byte as the last generation had (the columns
    // are kept for the next part where they are reused, so an estimate far above is memory held)
    let evBytes = 0;
    for (const batches of sorted.byM.values()) for (const i of batches) evBytes += g.pend[i]! - g.pstart[i]!;
    const rowsBefore = this.b.n;
    this.partCut = 0;
    const ns = samples.order.length;
    // (cut off in parts past partRows: room for a part, and the few rows one event may add)
    this.b.reserve(rowsBefore + Math.min(Math.ceil(evBytes * this.rowsPerByte * 1.0625) + ns + 2, this.partRows + 64), true);

    // Sync at the generation start.
    this.syncs++;
    this.b.rowTime = Math.trunc(g.minTs * nsPerTick);
    this.emitRow(K.Sync, -1, -1, -1, 0, -1, 0, 0, 0, this.syncs, g.gen);

    const frontier: Cursor[] = [];
    for (const [m, batches] of sorted.byM) {
      const c = new Cursor(m, batches);
      if (this.nextEvent(c)) heapInsert(frontier, c);
    }
    this.mergeEvents(g, frontier, samples);
    // (an event takes at least 2 bytes: a generation that made more rows, synthesised ones, is no guide)
    if (evBytes > 0) this.rowsPerByte = Math.min(0.5, (this.partCut + this.b.n - rowsBefore - ns) / evBytes);
  }

  /**
   * A generation's batches by what they hold: its strings (read here, as the other tables name
   * them), stacks, CPU samples, its frequency and clock snapshot (the sync batch), and the events
   * of each thread (M), in the order the threads first appear.
   */
  private sortBatches(g: GenBatches, strMap: Map<number, number>): GenerationBatches {
    const buf = this.buf;
    const syncType = this.ver >= 25 ? Ev.Sync : Ev.Frequency;
    const out: GenerationBatches = { freq: 0, clock: null, stacks: [], cpuSamples: [], byM: new Map() };
    for (let i = 0; i < g.m.length; i++) {
      const ps = g.pstart[i]!;
      const pe = g.pend[i]!;
      if (g.exp[i] !== 0) continue; // experimental data: not events
      const first = ps < pe ? buf[ps]! : -1;
      if (first === Ev.Strings) this.readStrings(ps + 1, pe, strMap);
      else if (first === Ev.Stacks) out.stacks.push(i);
      else if (first === Ev.CPUSamples) out.cpuSamples.push(i);
      else if (first === syncType) this.readSync(new ByteReader(buf, this.ver >= 25 ? ps + 1 : ps, pe, this.base), g.time[i]!, out);
      else if (first === Ev.EndOfGeneration) throw new DecodeError('batch starting with an end-of-generation event');
      else {
        const m = g.m[i]!;
        let list = out.byM.get(m);
        if (list === undefined) out.byM.set(m, (list = []));
        list.push(i);
      }
    }
    if (out.freq === 0) throw new DecodeError('no frequency event found');
    if (this.ver >= 25 && out.clock === null) throw new DecodeError('no clock snapshot event found');
    return out;
  }

  /** The sync batch: the generation's frequency and (Go 1.25 on) its clock snapshot, once each. */
  private readSync(r: ByteReader, batchTime: number, out: GenerationBatches): void {
    let last = batchTime;
    while (r.pos < r.end) {
      const t = r.byte();
      if (t === Ev.Frequency) {
        if (out.freq !== 0) throw new DecodeError('found multiple frequency events');
        out.freq = r.u();
        if (out.freq <= 0 || out.freq > MAX_EXACT) throw new DecodeError(`invalid trace clock frequency ${out.freq}`);
      } else if (t === Ev.ClockSnapshot && this.ver >= 25) {
        if (out.clock !== null) throw new DecodeError('found multiple clock snapshot events');
        last += r.u();
        out.clock = { ts: last, mono: r.u(), sec: r.u(), nsec: r.u() };
      } else {
        throw new DecodeError(`expected frequency or clock snapshot event, got ${t}`);
      }
    }
  }

  /**
   * The threads' events in time order, each when the ordering lets it advance (the earliest
   * thread first, the others in time order when it has to wait), with the CPU samples at their
   * times in between.
   */
  private mergeEvents(g: GenBatches, frontier: Cursor[], samples: CPUSamples): void {
    const { sTime, sM, sP, sG, sStk, order } = samples;
    const ns = order.length;
    let si = 0;
    for (;;) {
      if (this.b.n >= this.partRows) this.cutPart();
      if (si < ns && (frontier.length === 0 || sTime[order[si]!]! < frontier[0]!.time)) {
        const k = order[si++]!;
        let stk = 0;
        const id = sStk[k]!;
        if (id !== 0) {
          const row = this.stackMap.get(id);
          if (row === undefined) this.unknownSampleStacks++;
          else stk = row;
        }
        this.b.rowTime = sTime[k]!;
        this.emitRow(K.CPUSample, sG[k]!, sP[k]!, sM[k]!, stk, -1, 0, 0, 0, 0, 0);
        continue;
      }
      if (frontier.length === 0) break;
      if (this.tryAdvance(frontier, 0)) continue;
      // Rare: try the other Ms in timestamp order.
      sortFrontier(frontier);
      let ok = false;
      for (let i = 1; i < frontier.length; i++) {
        if (this.tryAdvance(frontier, i)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        const c = frontier[0]!;
        throw new DecodeError(
          `broken trace: no thread can advance in generation ${g.gen} (first waiting: ${evName(c.typ)} on thread ${c.m} at ${c.time} ns)`,
        );
      }
    }
  }

  /** The rows so far handed out as a part, inside a generation. */
  private cutPart(): void {
    this.partCut += this.b.n;
    this.opts.onRows!();
    this.partTs = this.lastTs;
  }

  /** The CPU samples of a generation's sample batches, and their order by time (stable). */
  private readCPUSamples(g: GenBatches, cpuBatches: number[], nsPerTick: number): CPUSamples {
    const sTime: number[] = [];
    const sM: number[] = [];
    const sP: number[] = [];
    const sG: number[] = [];
    const sStk: number[] = [];
    for (const i of cpuBatches) {
      const r = new ByteReader(this.buf, g.pstart[i]! + 1, g.pend[i]!, this.base);
      while (r.pos < r.end) {
        const t = r.byte();
        if (t !== Ev.CPUSample) throw new DecodeError(`expected CPU sample event, got ${t}`);
        const ts = r.u();
        const m = r.u();
        const p = r.u();
        const gg = r.u();
        const stk = r.u();
        if (ts < 0 || ts > MAX_EXACT || m > MAX_EXACT || p > MAX_EXACT || gg > MAX_EXACT) {
          throw new DecodeError('CPU sample with an out-of-range value');
        }
        sTime.push(Math.trunc(ts * nsPerTick));
        sM.push(m);
        sP.push(p);
        sG.push(gg === 0 ? -1 : gg);
        sStk.push(stk);
      }
    }
    const order = new Array<number>(sTime.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => sTime[a]! - sTime[b]! || a - b);
    return { sTime, sM, sP, sG, sStk, order };
  }

  private readStrings(start: number, end: number, strMap: Map<number, number>): void {
    const buf = this.buf;
    const r = new ByteReader(buf, start, end, this.base);
    const strings = this.b.strings;
    while (r.pos < end) {
      const t = r.byte();
      if (t !== Ev.String) throw new DecodeError(`expected string event, got ${t}`);
      const id = r.u();
      const len = r.u();
      if (len > 1024 || len < 0) throw new DecodeError(`invalid string size ${len}, maximum is 1024`);
      if (end - r.pos < len) throw new DecodeError(`failed to read full string: read ${end - r.pos} but wanted ${len}`);
      if (id < 0 || id > MAX_EXACT) throw new DecodeError(`string ID ${id < 0 ? '2^64-1' : id} is too large (2^53 or more)`);
      if (id === 0 || strMap.has(id)) throw new DecodeError(`multiple strings with the same ID: id=${id}`);
      const s = decodeUtf8(buf, r.pos, r.pos + len);
      r.pos += len;
      strMap.set(id, strings.intern(s));
    }
  }

  private readStacks(start: number, end: number, strMap: Map<number, number>, stackMap: Map<number, number>): void {
    const r = new ByteReader(this.buf, start, end, this.base);
    // First the raw stacks, with the generation's PC table (the first frame seen for a PC wins).
    const pcInfo = new Map<number | bigint, number>(); // pc -> index into info arrays
    const infoFunc: number[] = [];
    const infoFile: number[] = [];
    const infoLine: number[] = [];
    const ids: number[] = [];
    const starts: number[] = [];
    const pcs: (number | bigint)[] = [];
    const seen = new Set<number>();
    while (r.pos < end) {
      const t = r.byte();
      if (t !== Ev.Stack) throw new DecodeError(`expected stack event, got ${t}`);
      const id = r.u();
      const n = r.u();
      if (n > 128 || n < 0) throw new DecodeError(`invalid stack size ${n}, maximum is 128`);
      if (id < 0 || id > MAX_EXACT) throw new DecodeError(`stack ID ${id < 0 ? '2^64-1' : id} is too large (2^53 or more)`);
      if (id === 0 || seen.has(id)) throw new DecodeError(`multiple stacks with the same ID: id=${id}`);
      seen.add(id);
      ids.push(id);
      starts.push(pcs.length);
      for (let i = 0; i < n; i++) {
        const at = r.pos;
        let pc: number | bigint = r.u();
        if (pc < 0 || pc > MAX_EXACT) {
          r.pos = at;
          pc = r.big();
        }
        const fn = r.u();
        const file = r.u();
        const line = r.u();
        pcs.push(pc);
        if (!pcInfo.has(pc)) {
          pcInfo.set(pc, infoFunc.length);
          infoFunc.push(fn);
          infoFile.push(file);
          infoLine.push(line);
        }
      }
    }
    starts.push(pcs.length);
    // Then resolve against the string table and intern globally.
    const frameOf = new Map<number | bigint, number>();
    const rows: number[] = [];
    for (let s = 0; s < ids.length; s++) {
      rows.length = 0;
      for (let k = starts[s]!; k < starts[s + 1]!; k++) {
        const pc = pcs[k]!;
        let row = frameOf.get(pc);
        if (row === undefined) {
          const j = pcInfo.get(pc)!;
          const fn = infoFunc[j]!;
          const file = infoFile[j]!;
          const gfn = fn === 0 ? 0 : strMap.get(fn);
          if (gfn === undefined) throw new DecodeError(`found invalid func string ID ${fn} for stack ${ids[s]}`);
          const gfile = file === 0 ? 0 : strMap.get(file);
          if (gfile === undefined) throw new DecodeError(`found invalid file string ID ${file} for stack ${ids[s]}`);
          row = this.b.frame(pc, gfn, gfile, infoLine[j]!);
          frameOf.set(pc, row);
        }
        rows.push(row);
      }
      stackMap.set(ids[s]!, this.b.stackOf(rows));
    }
  }

  /** Reads the cursor's next event; false when its batches are exhausted. */
  private nextEvent(c: Cursor): boolean {
    const g = this.gb;
    const batches = c.batches;
    while (c.idx < batches.length && g.pstart[batches[c.idx]!]! + c.off === g.pend[batches[c.idx]!]!) {
      c.idx++;
      c.off = 0;
      c.lastTs = 0;
    }
    if (c.idx === batches.length) return false;
    const bi = batches[c.idx]!;
    const nsPerTick = this.nsPerTick;
    if (c.lastTs === 0) c.lastTs = Math.trunc(g.time[bi]! * nsPerTick);
    const r = this.rd;
    r.pos = g.pstart[bi]! + c.off;
    r.end = g.pend[bi]!;
    const typ = r.byte();
    const nargs = V2_NARGS[typ]!;
    if (nargs < 0) {
      if (V2_SPECS[typ] === undefined) throw new DecodeError(`found invalid event type: ${typ} (thread ${c.m})`);
      throw new DecodeError(`found event without a timestamp: type=${typ} (thread ${c.m})`);
    }
    let dt: number;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    try {
      dt = r.u();
      if (nargs > 0) a0 = r.u();
      if (nargs > 1) a1 = r.u();
      if (nargs > 2) a2 = r.u();
      if (nargs > 3) a3 = r.u();
    } catch (e) {
      if (e instanceof DecodeError) throw new DecodeError(`found invalid uvarint in ${evName(typ)} event of thread ${c.m}`);
      throw e;
    }
    if (dt < 0 || dt > MAX_EXACT || a0 > MAX_EXACT || a1 > MAX_EXACT || a2 > MAX_EXACT || a3 > MAX_EXACT) {
      throw new DecodeError(`${evName(typ)} event of thread ${c.m} has a value of 2^53 or more`);
    }
    c.typ = typ;
    c.a0 = a0;
    c.a1 = a1;
    c.a2 = a2;
    c.a3 = a3;
    c.time = Math.trunc(dt * nsPerTick) + c.lastTs;
    c.lastTs = c.time;
    c.off = r.pos - g.pstart[bi]!;
    return true;
  }

  private tryAdvance(frontier: Cursor[], i: number): boolean {
    const c = frontier[i]!;
    if (!this.order.advance(c)) return false;
    if (this.nextEvent(c)) heapUpdate(frontier, i);
    else heapRemove(frontier, i);
    return true;
  }

  // ---- emitting ----

  /**
   * A row at the builder's rowTime (set before: a time past 2^31 ns passed from call to call as
   * an argument would be a number boxed for every row), bumped past the last row's time if it is
   * not after it (times strictly increase, as Go makes them).
   */
  emitRow(kind: number, g: number, p: number, m: number, stack: number, resource: number, from: number, to: number, str: number, arg0: number, arg1: number): void {
    const b = this.b;
    if (b.rowTime <= this.lastTs) b.rowTime = this.lastTs + 1;
    this.lastTs = b.rowTime;
    b.push(kind, g, p, m, stack, resource, from, to, str, arg0, arg1);
  }

  stk(id: number): number {
    if (id === 0) return 0;
    const row = this.stackMap.get(id);
    if (row === undefined) throw new DecodeError(`found invalid stack ID ${id} for event ${evName(this.order.ev!.typ)}`);
    return row;
  }

  sid(id: number): number {
    if (id === 0) return 0;
    const s = this.strMap.get(id);
    if (s === undefined) throw new DecodeError(`found invalid string ID ${id} for event ${evName(this.order.ev!.typ)}`);
    return s;
  }
}

/** A span of trace time for a message: `1.23s`. */
function seconds(ns: number): string {
  return formatDuration(Math.max(0, ns));
}

// ---- min-heap of cursors by event time (same shape as Go's, so ties break alike) ----

function heapInsert(h: Cursor[], c: Cursor): void {
  h.push(c);
  siftUp(h, h.length - 1);
}

function heapUpdate(h: Cursor[], i: number): void {
  if (siftUp(h, i) !== i) return;
  siftDown(h, i);
}

function heapRemove(h: Cursor[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    const t = h[p]!;
    h[p] = h[i]!;
    h[i] = t;
    i = p;
  }
  const last = h.length - 1;
  const t = h[0]!;
  h[0] = h[last]!;
  h[last] = t;
  h.pop();
  siftDown(h, 0);
}

function siftUp(h: Cursor[], i: number): number {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!(h[p]!.time > h[i]!.time)) break;
    const t = h[p]!;
    h[p] = h[i]!;
    h[i] = t;
    i = p;
  }
  return i;
}

function siftDown(h: Cursor[], i: number): void {
  for (;;) {
    let m = i;
    let mt = i < h.length ? h[i]!.time : Infinity;
    const l = 2 * i + 1;
    const r = l + 1;
    if (l < h.length && h[l]!.time < mt) {
      mt = h[l]!.time;
      m = l;
    }
    if (r < h.length && h[r]!.time < mt) m = r;
    if (m === i) return;
    const t = h[i]!;
    h[i] = h[m]!;
    h[m] = t;
    i = m;
  }
}

/** Stable insertion sort by time (what Go's sort does for the usual small frontiers). */
function sortFrontier(h: Cursor[]): void {
  for (let i = 1; i < h.length; i++) {
    const c = h[i]!;
    let j = i - 1;
    while (j >= 0 && h[j]!.time > c.time) {
      h[j + 1] = h[j]!;
      j--;
    }
    h[j + 1] = c;
  }
}
