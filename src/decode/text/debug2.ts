/**
 * Goroutine dumps with one header per goroutine: /debug/pprof/goroutine?debug=2,
 * runtime.Stack(buf, true), and the tracebacks a panic, a fatal error or SIGQUIT print —
 * also when they sit inside a longer log.
 *
 * Header forms, Go 1.15 – 1.27:
 *   goroutine 7 [chan receive]:
 *   goroutine 7 [select, 3 minutes, locked to thread]:
 *   goroutine 1 gp=0xc000002380 m=0 mp=0x5d3f80 [running]:          (GOTRACEBACK=system, fatal errors)
 *   goroutine 9 [chan receive (leaked)]:                            (goroutineleak dumps)
 *   goroutine 5 [select (durable), synctest bubble 2]:
 *   goroutine 82 [sync.Mutex.Lock] {endpoint: /v1/touch, tenant: "t 03"}:   (Go 1.27 labels)
 * Frames: `pkg.(*T).M(0xc000010000, 0x1?)` then `\t/path/file.go:123 +0x4f[ fp=… sp=… pc=…]`;
 * inlined calls print `(...)` and no offset; `...N frames elided...`; `created by F[ in goroutine N]`.
 */

import { GoroutineFlag, type Profile } from '../../model/profile.js';
import { ProfileBuilder, type GoroutineHeader } from '../../model/builder.js';
import { DecodeError } from '../../model/errors.js';
import { goVersionFromPaths } from '../infer.js';
import { Lines, readQuoted } from './lines.js';

const HEADER = /^goroutine (\d+)(?: gp=\S+(?: m=\S+)?(?: mp=\S+)?)? \[([^\]]*)\](.*):\s*$/;
const HEADER_ANYWHERE = /^goroutine \d+ (?:gp=\S+ (?:m=\S+ )?(?:mp=\S+ )?)?\[[^\]]*\].*:\s*$/m;
const FILE_LINE = /^\t(.*):(\d+)(?: \+0x([0-9a-fA-F]+))?(?: .*)?$/;
const ELIDED = /^\.\.\.(\d+) frames elided\.\.\.$/;

/** True when a goroutine header line appears in the text (the head of the input is enough). */
export function looksLikeGoroutineDebug2(text: string): boolean {
  return HEADER_ANYWHERE.test(text);
}

/** Parses ` {k: v, k2: "v 2"}` after the brackets into pairs. */
export function parseTracebackLabels(s: string): [string, string][] {
  const t = s.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return [];
  const out: [string, string][] = [];
  let i = 1;
  const end = t.length - 1;
  const token = (stop: string[]): string | null => {
    while (i < end && t[i] === ' ') i++;
    if (t[i] === '"') {
      const q = readQuoted(t, i);
      if (!q) return null;
      i = q.end;
      return q.value;
    }
    let j = i;
    while (j < end && !stop.some((x) => t.startsWith(x, j))) j++;
    const v = t.slice(i, j);
    i = j;
    return v;
  };
  while (i < end) {
    const k = token([': ']);
    if (k === null || !t.startsWith(': ', i)) break;
    i += 2;
    const v = token([', ']);
    if (v === null) break;
    out.push([k, v]);
    if (t.startsWith(', ', i)) i += 2;
    else break;
  }
  return out;
}

/** Splits `pkg.(*T).M[...](0xc0, 0x1?)` into the function and its printed arguments. */
function splitCall(line: string): { fn: string; args: string } | null {
  if (!line.endsWith(')')) return null;
  let depth = 0;
  for (let i = line.length - 1; i >= 0; i--) {
    const c = line[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) {
        const fn = line.slice(0, i);
        if (fn === '' || /\s/.test(fn)) return null;
        return { fn, args: line.slice(i + 1, -1) };
      }
    }
  }
  return null;
}

interface Pending {
  header: GoroutineHeader;
  labels: [string, string][];
  frames: { loc: number; args: string }[];
}

function parseBracket(inner: string): Pick<GoroutineHeader, 'waitReason' | 'waitMinutes' | 'flags'> & { labels: [string, string][] } {
  let flags = 0;
  let minutes = -1;
  let labels: [string, string][] = [];
  // Go 1.26's GODEBUG=tracebacklabels=1 form keeps labels inside the brackets
  const li = inner.indexOf(' labels:{');
  if (li >= 0) {
    labels = parseTracebackLabels(inner.slice(li + 8));
    inner = inner.slice(0, li);
  }
  const parts = inner.split(', ');
  let reason = parts[0] ?? '';
  if (reason.includes(' (leaked)')) {
    flags |= GoroutineFlag.Leaked;
    reason = reason.replace(' (leaked)', '');
  }
  reason = reason.replace(' (scan)', '');
  if (reason.endsWith(' (durable)')) {
    flags |= GoroutineFlag.Durable;
    reason = reason.slice(0, -10);
  }
  for (const p of parts.slice(1)) {
    const m = /^(\d+) minutes$/.exec(p);
    if (m) minutes = Number(m[1]);
    else if (p === 'locked to thread') flags |= GoroutineFlag.LockedToThread;
  }
  return { waitReason: reason, waitMinutes: minutes, flags, labels };
}

export function decodeGoroutineDebug2(text: string): Profile {
  const b = new ProfileBuilder({
    format: 'goroutine-debug2',
    kind: 'goroutine',
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    periodType: { type: 'goroutine', unit: 'count' },
    period: 1,
  });
  const lines = new Lines(text);
  let cur: Pending | null = null;
  let other = false; // text outside goroutine blocks: a traceback in a log
  let inRuntimeStack = false;
  let leakWriter = false;
  let truncatedAt = -1;
  const files: string[] = [];

  const flush = () => {
    if (!cur) return;
    if (cur.frames.length === 0) cur.header.flags |= GoroutineFlag.NoStack;
    b.addGoroutine(cur.header);
    for (const f of cur.frames) b.frame(f.loc, f.args === '' ? 0 : b.strings.intern(f.args));
    for (const [k, v] of cur.labels) b.label(k, v);
    b.endSample([1]);
    cur = null;
  };

  for (let line = lines.next(); line !== null; line = lines.next()) {
    const h = line.startsWith('goroutine ') ? HEADER.exec(line) : null;
    if (h) {
      flush();
      inRuntimeStack = false;
      const br = parseBracket(h[2]!);
      const rest = h[3]!.trim();
      const labels = rest.startsWith('{') ? parseTracebackLabels(rest) : br.labels;
      cur = {
        header: {
          id: Number(h[1]),
          waitReason: br.waitReason,
          waitMinutes: br.waitMinutes,
          flags: br.flags,
          createdByFunction: '',
          createdByFile: '',
          createdByLine: 0,
          createdByGoroutine: -1,
          framesElided: 0,
        },
        labels,
        frames: [],
      };
      continue;
    }
    if (cur === null) {
      if (line === 'runtime stack:') inRuntimeStack = true;
      if (line.trim() !== '' && !inRuntimeStack) other = true;
      continue;
    }
    if (line === '') {
      flush();
      continue;
    }
    const el = ELIDED.exec(line);
    if (el) {
      cur.header.framesElided += Number(el[1]);
      continue;
    }
    if (line === '...additional frames elided...') {
      cur.header.framesElided = Math.max(cur.header.framesElided, 1);
      continue;
    }
    if (line.startsWith('created by ')) {
      let fn = line.slice(11);
      const gi = fn.lastIndexOf(' in goroutine ');
      if (gi >= 0) {
        cur.header.createdByGoroutine = Number(fn.slice(gi + 14));
        fn = fn.slice(0, gi);
      }
      cur.header.createdByFunction = fn;
      const next = lines.peek();
      const fl = next !== null ? FILE_LINE.exec(next) : null;
      if (fl) {
        lines.next();
        cur.header.createdByFile = fl[1]!;
        cur.header.createdByLine = Number(fl[2]);
      }
      continue;
    }
    if (line.includes('stack unavailable')) continue;
    const call = splitCall(line);
    if (call) {
      const next = lines.peek();
      const fl = next !== null ? FILE_LINE.exec(next) : null;
      if (!fl) {
        if (lines.atLastLine()) {
          // the dump stops mid-goroutine: debug=2 output is capped at 64 MB by the runtime
          truncatedAt = cur.header.id;
          cur = null;
          break;
        }
        throw new DecodeError(`goroutine dump: line ${lines.lineNo + 1}: expected the file:line of ${call.fn}`);
      }
      lines.next();
      const file = fl[1]!;
      const lineNo = Number(fl[2]);
      const off = fl[3] !== undefined ? parseInt(fl[3], 16) : -1;
      if (files.length < 64 && file.includes('/src/runtime/')) files.push(file);
      if (call.fn === 'runtime/pprof.writeGoroutineLeak') leakWriter = true;
      cur.frames.push({ loc: b.frameLocation(call.fn, file, lineNo, off), args: call.args === '...' ? '' : call.args });
      continue;
    }
    // anything else ends the block (a log line glued after the dump)
    flush();
    other = true;
  }
  flush();
  if (b.sampleCount === 0) throw new DecodeError('no goroutine found in the text');
  if (truncatedAt >= 0) {
    b.warnings.push(
      `the dump ends inside goroutine ${truncatedAt}; ${b.sampleCount} complete goroutines were read (Go stops debug=2 output at 64 MB: use debug=0 or debug=1 for the full count)`,
    );
  }
  if (other) b.header.format = 'traceback';
  // written by the goroutineleak profile (a full dump in which the leaked ones are marked)
  b.header.kind = leakWriter ? 'goroutineleak' : 'goroutine';
  b.header.goVersion = goVersionFromPaths(files);
  return b.finish();
}
