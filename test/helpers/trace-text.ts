/**
 * Go's trace test files (`*.test`, txtar archives from internal/trace/testdata/tests and
 * golang.org/x/exp/trace/testdata/tests) hold a trace in a text form: a first line
 * `Trace Go1.22`, then one wire event per line (`EventBatch gen=1 m=… time=… size=…`,
 * `GoStart dt=1 g=4 g_seq=1`), arguments in the order the event defines them, stack frames
 * on the lines after a `Stack` event, string data on a `data="…"` line after a `String`
 * event, `#` comments. An `expect` file says `SUCCESS` or `FAILURE "regexp"`.
 *
 * This converts the text form to the wire format the way Go's own test harness does (its
 * text reader, then its writer): the event byte, each argument as a minimal uvarint, stack
 * frames, then data length and bytes. Arguments are written as they stand, so a batch's
 * `size` is taken as written, not recomputed.
 */

import { V2_SPECS, v2SpecsByName } from '../../src/decode/trace/v2-spec.js';

export interface TraceTest {
  version: number;
  bytes: Uint8Array;
  expect: { success: true } | { success: false; pattern: string; regexp: RegExp };
}

/** Splits a txtar archive into its files. */
export function parseTxtar(text: string): Map<string, string> {
  const files = new Map<string, string>();
  const lines = text.split('\n');
  let name: string | null = null;
  let body: string[] = [];
  const flush = () => {
    if (name !== null) files.set(name, body.join('\n'));
  };
  for (const line of lines) {
    const m = /^-- (.+?) --$/.exec(line.replace(/\r$/, ''));
    if (m) {
      flush();
      name = m[1]!;
      body = [];
    } else if (name !== null) {
      body.push(line);
    }
  }
  flush();
  return files;
}

/** Go's strconv.Unquote for a double-quoted literal, to bytes. */
export function goUnquote(lit: string): Uint8Array {
  const s = lit.trim();
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') throw new Error(`not a quoted string: ${lit}`);
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 1; i < s.length - 1; ) {
    const c = s[i]!;
    if (c !== '\\') {
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const e = s[i + 1]!;
    i += 2;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34 };
    if (e in simple) {
      out.push(simple[e]!);
    } else if (e === 'x') {
      out.push(parseInt(s.slice(i, i + 2), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      out.push(...enc.encode(String.fromCodePoint(parseInt(s.slice(i, i + n), 16))));
      i += n;
    } else if (e >= '0' && e <= '7') {
      out.push(parseInt(s.slice(i - 1, i + 2), 8));
      i += 2;
    } else {
      throw new Error(`bad escape \\${e} in ${lit}`);
    }
  }
  return new Uint8Array(out);
}

function pushUvarint(out: number[], v: bigint): void {
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Removes a `#` comment and splits on white space. */
function tokens(line: string): string[] {
  const hash = line.indexOf('#');
  const s = hash >= 0 ? line.slice(0, hash) : line;
  return s.split(/\s+/).filter((t) => t !== '');
}

function readArgs(toks: string[], names: readonly string[], line: string): bigint[] {
  if (toks.length !== names.length) throw new Error(`expected ${names.length} arguments (${names.join(' ')}): ${line}`);
  return toks.map((tok, i) => {
    const eq = tok.indexOf('=');
    if (eq < 0) throw new Error(`malformed argument ${tok}: ${line}`);
    const k = tok.slice(0, eq);
    if (k !== names[i]) throw new Error(`expected argument ${names[i]}, got ${k}: ${line}`);
    const v = tok.slice(eq + 1);
    if (!/^\d+$/.test(v)) throw new Error(`bad value ${v}: ${line}`);
    const n = BigInt(v);
    if (n >= 1n << 64n) throw new Error(`value out of range ${v}: ${line}`);
    return n;
  });
}

/**
 * Converts the text form of a trace (the `trace` file) to wire bytes. With recomputeSizes,
 * each batch's `size` is replaced by the length of what follows it up to the next batch (for
 * traces written by hand; Go's files are consistent already).
 */
export function textTraceToBytes(text: string, opts: { recomputeSizes?: boolean } = {}): { version: number; bytes: Uint8Array } {
  const lines = text.split('\n').filter((l) => tokens(l).length > 0);
  const head = tokens(lines[0] ?? '');
  if (head.length !== 2 || head[0] !== 'Trace' || !/^Go1\.\d+$/.test(head[1]!)) throw new Error(`bad header line: ${lines[0]}`);
  const version = Number(head[1]!.slice(4));
  const byName = v2SpecsByName(version);
  const out: number[] = [];
  const header = `go 1.${version} trace`;
  for (let i = 0; i < 16; i++) out.push(i < header.length ? header.charCodeAt(i) : 0);
  let open: { args: bigint[] } | null = null; // batch whose size is to be fixed
  const out0 = out;
  let body: number[] = out;
  const close = () => {
    if (open === null) return;
    open.args[3] = BigInt(body.length);
    for (const a of open.args) pushUvarint(out0, a);
    out0.push(...body);
    open = null;
    body = out0;
  };
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    const toks = tokens(line);
    const id = byName.get(toks[0]!);
    if (id === undefined) throw new Error(`unidentified event ${toks[0]} for Go1.${version}: ${line}`);
    const spec = V2_SPECS[id]!;
    const args = readArgs(toks.slice(1), spec.args, line);
    if (opts.recomputeSizes && (spec.name === 'EventBatch' || spec.name === 'EndOfGeneration')) close();
    if (opts.recomputeSizes && spec.name === 'EventBatch') {
      out0.push(id);
      open = { args };
      body = [];
      continue;
    }
    const out = body;
    out.push(id);
    for (const a of args) pushUvarint(out, a);
    if (spec.isStack) {
      const n = Number(args[1]!);
      for (let f = 0; f < n; f++) {
        const fl = lines[++li];
        if (fl === undefined) throw new Error(`unexpected end of text in stack: ${line}`);
        for (const a of readArgs(tokens(fl), ['pc', 'func', 'file', 'line'], fl)) pushUvarint(out, a);
      }
    }
    if (spec.hasData) {
      const dl = lines[++li];
      if (dl === undefined) throw new Error(`unexpected end of text before data: ${line}`);
      const eq = dl.indexOf('=');
      if (eq < 0 || dl.slice(0, eq).trim() !== 'data') throw new Error(`malformed data: ${dl}`);
      const data = goUnquote(dl.slice(eq + 1));
      pushUvarint(out, BigInt(data.length));
      for (const x of data) out.push(x);
    }
  }
  close();
  return { version, bytes: new Uint8Array(out0) };
}

/** Parses a whole `.test` file: the expectation and the trace bytes. */
export function parseTraceTest(text: string): TraceTest {
  const files = parseTxtar(text);
  const exp = files.get('expect');
  const tr = files.get('trace');
  if (exp === undefined || tr === undefined) throw new Error('a trace test needs an expect and a trace file');
  const first = exp.split('\n')[0]!.trim();
  let expect: TraceTest['expect'];
  if (first === 'SUCCESS') {
    expect = { success: true };
  } else if (first.startsWith('FAILURE ')) {
    const pattern = new TextDecoder().decode(goUnquote(first.slice('FAILURE '.length)));
    expect = { success: false, pattern, regexp: new RegExp(pattern) };
  } else {
    throw new Error(`bad expectation: ${first}`);
  }
  const { version, bytes } = textTraceToBytes(tr);
  return { version, bytes, expect };
}
