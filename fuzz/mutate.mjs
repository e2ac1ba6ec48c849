// Mutations of real captures, described as plain data ("recipes") so that a failing input can be
// printed, stored and regenerated from its seed: byte edits, truncation, splices between seeds,
// inserted and deleted ranges, field-aware edits of protocol buffers, line edits of text, and the
// damage pasting does to a dump (quoting, log prefixes, tabs turned to spaces, CRLF).
import fc from 'fast-check';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

/** Values that break parsers more often than random ones (varint and length edges, zero, -1). */
const INTERESTING = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x3fffn, 0x4000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 53n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];

/** Lines pasted in from elsewhere in Go's dumps: headers, markers, frames in odd shapes. */
const TOKENS = [
  'goroutine 1 [running]:',
  'goroutine 18446744073709551615 [chan receive, 99999999 minutes]:',
  'goroutine 7 gp=0xc000007c00 m=nil [select, locked to thread]:',
  'goroutine profile: total 4294967296',
  '1 @ 0x4416e9 0x40a2f5 0x0',
  '#\t0x4416e9\truntime.gopark+0xc9\t/usr/lib/go/src/runtime/proc.go:435',
  'created by main.main in goroutine 1',
  'created by main.main',
  '...additional frames elided...',
  'main.(*T).m(0xc000010000, {0x0, 0x0}, ...)',
  '\t/app/main.go:12 +0x1d',
  '\t/app/main.go:99999999999999999999 +0xffffffffffffffffff',
  'panic: runtime error: index out of range [5] with length 3',
  'fatal error: all goroutines are asleep - deadlock!',
  '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a4f2c]',
  'runtime stack:',
  'heap profile: 1: 2 [3: 4] @ heap/1048576',
  '--- contention:',
  'cycles/second=2000000000',
  'sampling period=1',
  '1: 2 [3: 4] @ 0x1 0x2',
  '0x0 0x1 @ 0x2',
  '# runtime.MemStats',
  '[Goroutine 3 in state chan receive, with runtime.gopark on top of the stack:',
  'WARNING: DATA RACE',
  '',
  '"',
  '\\',
  '{"stack":"goroutine 1 [running]:\\nmain.main()\\n"}',
];

const nat = (max = 0x7fffffff) => fc.nat({ max });

const byteOp = fc.oneof(
  fc.record({ op: fc.constant('flip'), at: nat(), bit: nat(7) }),
  fc.record({ op: fc.constant('set'), at: nat(), byte: nat(255) }),
  fc.record({ op: fc.constant('truncate'), at: nat() }),
  fc.record({ op: fc.constant('insert'), at: nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete'), at: nat(), len: nat(4096) }),
  fc.record({ op: fc.constant('copy'), at: nat(), from: nat(), len: nat(4096) }),
  fc.record({ op: fc.constant('splice'), at: nat(), other: nat(), from: nat(), len: nat(4096) }),
  fc.record({ op: fc.constant('interesting'), at: nat(), value: nat(INTERESTING.length - 1), width: fc.constantFrom(1, 2, 4, 8) }),
);

const pbOp = fc.record({
  op: fc.constant('pb'),
  field: nat(),
  edit: fc.constantFrom('varint', 'length', 'drop', 'dup', 'wire', 'tag'),
  value: nat(INTERESTING.length + 255),
});

// a varint somewhere in a stream of them (a trace's events): replaced by an edge value
const varintOp = fc.record({ op: fc.constant('varint'), at: nat(), value: nat(INTERESTING.length + 255) });

const lineOp = fc.record({
  op: fc.constant('line'),
  line: nat(),
  edit: fc.constantFrom('drop', 'dup', 'swap', 'cut', 'number', 'token', 'splice', 'indent', 'untab'),
  arg: nat(),
});

const gzOp = fc.record({ op: fc.constant('gz'), edit: fc.constantFrom('member', 'garbage', 'fname', 'fextra', 'fcomment', 'fhcrc', 'crc', 'isize'), arg: nat() });

const jsonOp = fc.record({ op: fc.constant('json'), node: nat(), value: nat(), key: fc.boolean() });

const wrapOp = fc.record({ op: fc.constant('wrap'), how: fc.constantFrom('json', 'quoted-lines', 'prefix', 'syslog', 'spaces', 'crlf', 'markdown', 'logfmt') });

/** The arbitrary of recipes for a target: which seed, what to do to it, and how to run it. */
export function recipeArbitrary(target) {
  const ops = [byteOp];
  if (target.mutations.includes('pb')) ops.push(pbOp, pbOp);
  if (target.mutations.includes('varint')) ops.push(varintOp, varintOp);
  if (target.mutations.includes('line')) ops.push(lineOp, lineOp);
  if (target.mutations.includes('wrap')) ops.push(wrapOp);
  if (target.mutations.includes('gz')) ops.push(gzOp, gzOp, gzOp);
  if (target.mutations.includes('json')) ops.push(jsonOp, jsonOp, jsonOp);
  return fc.record({
    seed: nat(),
    ops: fc.array(fc.oneof(...ops), { minLength: 1, maxLength: 6 }),
    gzip: target.mutations.includes('regzip') ? fc.boolean() : fc.constant(false),
    entry: fc.constantFrom('cli', 'page'),
  });
}

function clampAt(at, n) {
  return n === 0 ? 0 : at % (n + 1);
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function littleEndian(value, width) {
  const out = new Uint8Array(width);
  let v = value;
  for (let i = 0; i < width; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function applyByteOp(b, o, others) {
  const n = b.length;
  switch (o.op) {
    case 'flip': {
      if (n === 0) return b;
      const c = b.slice();
      c[o.at % n] ^= 1 << o.bit;
      return c;
    }
    case 'set': {
      if (n === 0) return b;
      const c = b.slice();
      c[o.at % n] = o.byte;
      return c;
    }
    case 'truncate':
      return b.subarray(0, clampAt(o.at, n));
    case 'insert': {
      const at = clampAt(o.at, n);
      return concat(b.subarray(0, at), o.bytes, b.subarray(at));
    }
    case 'delete': {
      const at = clampAt(o.at, n);
      return concat(b.subarray(0, at), b.subarray(Math.min(n, at + o.len)));
    }
    case 'copy': {
      const at = clampAt(o.at, n);
      const from = clampAt(o.from, n);
      return concat(b.subarray(0, at), b.subarray(from, from + o.len), b.subarray(at));
    }
    case 'splice': {
      const other = others[o.other % others.length];
      const at = clampAt(o.at, n);
      const from = clampAt(o.from, other.length);
      return concat(b.subarray(0, at), other.subarray(from, from + o.len), b.subarray(at));
    }
    case 'interesting': {
      const at = clampAt(o.at, n);
      const c = b.slice();
      const bytes = littleEndian(INTERESTING[o.value], o.width);
      c.set(bytes.subarray(0, Math.max(0, n - at)), at);
      return c;
    }
  }
  return b;
}

// ---- protocol buffers --------------------------------------------------------------------------

function readVarint(b, i) {
  let v = 0n;
  let shift = 0n;
  for (let k = 0; k < 10; k++) {
    if (i >= b.length) return null;
    const c = b[i++];
    v |= BigInt(c & 0x7f) << shift;
    if (c < 0x80) return { v, end: i };
    shift += 7n;
  }
  return null;
}

function varint(v) {
  const out = [];
  v = BigInt.asUintN(64, v);
  do {
    let c = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) c |= 0x80;
    out.push(c);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** Fields of a message and, where a length-delimited field parses as one, of its sub-messages. */
export function protoFields(b, start = 0, end = b.length, depth = 0, out = []) {
  let i = start;
  const mine = [];
  while (i < end) {
    const key = readVarint(b, i);
    if (!key || key.end > end) return null;
    const wire = Number(key.v & 7n);
    const f = { start: i, keyEnd: key.end, wire, tag: key.v >> 3n };
    if (f.tag === 0n) return null;
    if (wire === 0) {
      const v = readVarint(b, key.end);
      if (!v || v.end > end) return null;
      f.valueStart = key.end;
      f.end = v.end;
    } else if (wire === 2) {
      const len = readVarint(b, key.end);
      if (!len || len.end + Number(len.v) > end) return null;
      f.lenEnd = len.end;
      f.valueStart = len.end;
      f.end = len.end + Number(len.v);
    } else if (wire === 1 || wire === 5) {
      f.valueStart = key.end;
      f.end = key.end + (wire === 1 ? 8 : 4);
      if (f.end > end) return null;
    } else return null;
    mine.push(f);
    i = f.end;
  }
  for (const f of mine) {
    out.push(f);
    if (f.wire === 2 && depth < 3 && f.end > f.valueStart) protoFields(b, f.valueStart, f.end, depth + 1, out);
  }
  return out;
}

function applyVarintOp(b, o) {
  if (b.length === 0) return b;
  let at = o.at % b.length;
  // back up to the start of the varint the position falls in
  while (at > 0 && b[at - 1] >= 0x80) at--;
  const v = readVarint(b, at);
  const end = v ? v.end : Math.min(b.length, at + 1);
  const value = o.value < INTERESTING.length ? INTERESTING[o.value] : BigInt(o.value - INTERESTING.length);
  return concat(b.subarray(0, at), varint(value), b.subarray(end));
}

function applyPbOp(b, o, fields) {
  if (!fields || fields.length === 0) return b;
  const f = fields[o.field % fields.length];
  const value = o.value < INTERESTING.length ? INTERESTING[o.value] : BigInt(o.value - INTERESTING.length);
  switch (o.edit) {
    case 'varint':
      if (f.wire !== 0) return b;
      return concat(b.subarray(0, f.valueStart), varint(value), b.subarray(f.end));
    case 'length':
      if (f.wire !== 2) return b;
      return concat(b.subarray(0, f.keyEnd), varint(value), b.subarray(f.lenEnd));
    case 'drop':
      return concat(b.subarray(0, f.start), b.subarray(f.end));
    case 'dup':
      return concat(b.subarray(0, f.end), b.subarray(f.start, f.end), b.subarray(f.end));
    case 'wire':
      return concat(b.subarray(0, f.start), varint((f.tag << 3n) | (value & 7n)), b.subarray(f.keyEnd));
    case 'tag':
      return concat(b.subarray(0, f.start), varint(((value % 32n) << 3n) | BigInt(f.wire)), b.subarray(f.keyEnd));
  }
  return b;
}

// ---- gzip streams ------------------------------------------------------------------------------

/** Edits of a gzip stream's framing that keep it readable or break it where readers differ. */
function applyGzOp(b, o, others) {
  const plainHeader = b.length >= 18 && b[0] === 0x1f && b[1] === 0x8b && b[3] === 0;
  const withFlag = (flag, extra) => {
    const head = b.slice(0, 10);
    head[3] |= flag;
    return concat(head, extra, b.subarray(10));
  };
  const name = enc.encode(`profile-${o.arg % 1000}.pb\0`);
  switch (o.edit) {
    case 'member':
      // a second gzip member: Go's gzip reader reads a multistream file whole
      return concat(b, others[o.arg % others.length]);
    case 'garbage':
      return concat(b, littleEndian(BigInt(o.arg), 1 + (o.arg % 8)));
    case 'fname':
      return plainHeader ? withFlag(8, name) : b;
    case 'fcomment':
      return plainHeader ? withFlag(16, name) : b;
    case 'fextra': {
      const len = o.arg % 64;
      return plainHeader ? withFlag(4, concat(littleEndian(BigInt(len), 2), new Uint8Array(len).fill(0x41))) : b;
    }
    case 'fhcrc':
      return plainHeader ? withFlag(2, littleEndian(BigInt(o.arg & 0xffff), 2)) : b;
    case 'crc':
    case 'isize': {
      if (b.length < 18) return b;
      const c = b.slice();
      c.set(littleEndian(BigInt(o.arg), 4), b.length - (o.edit === 'crc' ? 8 : 4));
      return c;
    }
  }
  return b;
}

// ---- JSON documents ----------------------------------------------------------------------------

const JSON_VALUES = [null, true, 0, -1, 0.5, 1e308, -1e308, 2 ** 53, '', '(', '[a-', '(?<x>', '.*.*.*.*.*$', 'a'.repeat(10000), '\u0000', [], [[]], {}, { id: '' }, ['x'], { x: 1 }];
const JSON_KEYS = ['id', 'role', 'match', 'finding', 'frames', 'leaf', 'state', 'signatures', 'version', 'name', 'headroom', 'minOpenConns', '__proto__', 'constructor', 'toString', 'extra'];

/** Every object, array and value of a document, in order, with how to replace it. */
function jsonNodes(wrapper) {
  const out = [];
  const walk = (holder, key) => {
    const v = holder[key];
    out.push({ holder, key });
    if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk(v, k);
  };
  walk(wrapper, 'root');
  return out;
}

function applyJsonOp(text, o) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  const wrapper = { root: doc };
  const nodes = jsonNodes(wrapper);
  const n = nodes[o.node % nodes.length];
  if (o.key && n.holder[n.key] !== null && typeof n.holder[n.key] === 'object' && !Array.isArray(n.holder[n.key])) {
    // a key added to an object (a typo's unknown field, or one that names a prototype's member)
    Object.defineProperty(n.holder[n.key], JSON_KEYS[o.value % JSON_KEYS.length], { value: JSON_VALUES[(o.value >>> 5) % JSON_VALUES.length], enumerable: true, writable: true, configurable: true });
  } else {
    n.holder[n.key] = JSON_VALUES[o.value % JSON_VALUES.length];
  }
  return JSON.stringify(wrapper.root, null, 2);
}

// ---- text --------------------------------------------------------------------------------------

function applyLineOp(text, o, others) {
  const lines = text.split('\n');
  const n = lines.length;
  const i = o.line % n;
  const line = lines[i];
  switch (o.edit) {
    case 'drop':
      lines.splice(i, 1);
      break;
    case 'dup':
      lines.splice(i, 0, line);
      break;
    case 'swap': {
      const j = o.arg % n;
      [lines[i], lines[j]] = [lines[j], lines[i]];
      break;
    }
    case 'cut':
      lines[i] = line.slice(0, o.arg % (line.length + 1));
      break;
    case 'number': {
      // replace one number in the line (an id, a count, an offset, an address) by an edge value
      const nums = [...line.matchAll(/0x[0-9a-fA-F]+|\d+/g)];
      if (nums.length === 0) break;
      const m = nums[o.arg % nums.length];
      const v = INTERESTING[(o.arg >>> 4) % INTERESTING.length];
      const repl = m[0].startsWith('0x') ? `0x${v.toString(16)}` : (o.arg & 8 ? '-' : '') + v.toString();
      lines[i] = line.slice(0, m.index) + repl + line.slice(m.index + m[0].length);
      break;
    }
    case 'token':
      lines.splice(i, 0, TOKENS[o.arg % TOKENS.length]);
      break;
    case 'splice': {
      const other = dec.decode(others[o.arg % others.length]).split('\n');
      const from = (o.arg >>> 3) % other.length;
      lines.splice(i, 0, ...other.slice(from, from + 1 + ((o.arg >>> 10) % 8)));
      break;
    }
    case 'indent':
      lines[i] = '    ' + line;
      break;
    case 'untab':
      lines[i] = line.replace(/\t/g, ' ');
      break;
  }
  return lines.join('\n');
}

function applyWrap(text, how) {
  const lines = text.split('\n');
  switch (how) {
    case 'json':
      return JSON.stringify({ level: 'error', msg: 'stuck', stack: text });
    case 'quoted-lines':
      return lines.map((l) => JSON.stringify(l + '\n')).join('\n');
    case 'prefix':
      return lines.map((l, k) => `2026-12-01T10:00:${String(k % 60).padStart(2, '0')}.123Z stderr F ${l}`).join('\n');
    case 'syslog':
      return lines.map((l) => `Dec  1 10:00:00 host app[42]: ${l.replace(/\t/g, '#011')}`).join('\n');
    case 'spaces':
      return text.replace(/\t/g, '        ');
    case 'crlf':
      return lines.join('\r\n');
    case 'markdown':
      return '```\n' + lines.map((l) => '    ' + l).join('\n') + '\n```\n';
    case 'logfmt':
      return lines.map((l) => `level=error msg=${JSON.stringify(l)}`).join('\n');
  }
  return text;
}

/** Edits applied in turn; splices take their bytes from `others` (the target's real seeds). */
export function applyOps(b, ops, others) {
  for (const o of ops) {
    if (o.op === 'pb') b = applyPbOp(b, o, protoFields(b));
    else if (o.op === 'line') b = enc.encode(applyLineOp(dec.decode(b), o, others));
    else if (o.op === 'varint') b = applyVarintOp(b, o);
    else if (o.op === 'gz') b = applyGzOp(b, o, others);
    else if (o.op === 'json') b = enc.encode(applyJsonOp(dec.decode(b), o));
    else if (o.op === 'wrap') b = enc.encode(applyWrap(dec.decode(b), o.how));
    else b = applyByteOp(b, o, others);
  }
  return b;
}

/**
 * The input a recipe makes: its start picked from `pool` (the target's seeds, then inputs kept
 * for reaching new code, each { path, bytes, chain } with the edits that made it from its seed),
 * the recipe's edits applied, gzipped when the recipe says so.
 */
export function applyRecipe(target, recipe, gzip, pool = target.seeds) {
  target.seedBytes ??= target.seeds.map((s) => s.bytes);
  const b = applyOps(pool[recipe.seed % pool.length].bytes, recipe.ops, target.seedBytes);
  return recipe.gzip ? gzip(b) : b;
}

const opsJson = (ops) => JSON.stringify(ops, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v));

/** Where a recipe came from, in words: the seed's path, the edits that made its start, its own. */
export function describeRecipe(target, recipe, pool = target.seeds) {
  const start = pool[recipe.seed % pool.length];
  const chain = (start.chain ?? []).map((ops) => `; then ${opsJson(ops)}`).join('');
  return `${target.name}: seed ${start.path}${chain}; ops ${opsJson(recipe.ops)}${recipe.gzip ? '; gzipped' : ''}; entry ${recipe.entry}`;
}
