/**
 * Count profiles in text, as /debug/pprof/goroutine?debug=1 (and threadcreate, goroutineleak)
 * print them:
 *
 *   goroutine profile: total 10
 *   2 @ 0x103b125 0x106cd1f 0x13ac44a 0x106fd81
 *   # labels: {"test_label":"test_value"}
 *   #	0x106cd1e	time.Sleep+0xbe		/usr/local/go/src/runtime/time.go:188
 *   #	0x13ac449	main.shortSleepLoop+0x29	/src/main.go:165
 *
 * The `#` lines are the symbolised frames (runtime frames at the leaf and runtime.goexit are
 * not printed); consecutive lines with the same PC are calls inlined at that PC and become
 * one location with several lines, as in the protobuf form. The `# labels:` line, which
 * `go tool pprof` drops, is kept as sample labels.
 */

import type { Profile, ProfileKind } from '../../model/profile.js';
import { ProfileBuilder } from '../../model/builder.js';
import { DecodeError } from '../../model/errors.js';
import { goVersionFromPaths } from '../infer.js';
import { Lines, readQuoted } from './lines.js';

const HEADER = /^(goroutine|goroutineleak|threadcreate) profile: total (\d+)\s*$/;
const BUCKET = /^(\d+) @(?: 0x[0-9a-fA-F]+)*\s*$/;
const FRAME = /^#\t(0x[0-9a-fA-F]+)\t(.*)\+0x([0-9a-fA-F]+)\t+(.*):(\d+)\s*$/;
const BARE_PC = /^#\t(0x[0-9a-fA-F]+)\s*$/;

export function looksLikeGoroutineDebug1(head: string): boolean {
  return HEADER.test(head.trimStart().split('\n', 1)[0] ?? '');
}

/** Parses `{"k":"v", "k2":"v2"}` (Go %q quoting) into pairs. */
function parseLabels(s: string): [string, string][] {
  const out: [string, string][] = [];
  let i = s.indexOf('{') + 1;
  while (i > 0 && i < s.length) {
    while (s[i] === ' ' || s[i] === ',') i++;
    const k = readQuoted(s, i);
    if (!k) break;
    i = k.end;
    if (s[i] !== ':') break;
    i++;
    const v = readQuoted(s, i);
    if (!v) break;
    i = v.end;
    out.push([k.value, v.value]);
  }
  return out;
}

export function decodeGoroutineDebug1(text: string): Profile {
  const lines = new Lines(text);
  let first = lines.next();
  while (first !== null && first.trim() === '') first = lines.next();
  const h = first !== null ? HEADER.exec(first) : null;
  if (!h) throw new DecodeError('not a debug=1 count profile: expected "goroutine profile: total N"');
  const kind: ProfileKind = h[1] === 'threadcreate' ? 'threadcreate' : h[1] === 'goroutineleak' ? 'goroutineleak' : 'goroutine';
  const type = kind === 'threadcreate' ? 'threadcreate' : kind;
  const b = new ProfileBuilder({
    format: 'goroutine-debug1',
    kind,
    sampleTypes: [{ type, unit: 'count' }],
    periodType: { type, unit: 'count' },
    period: 1,
    statedTotal: Number(h[2]),
  });
  const files: string[] = [];
  let count = -1;
  let pcs: string[] = []; // the bucket's `@` list, leaf first
  let symbolized = false;
  let lastPc = '';
  let pending: { fn: number; line: number }[] = [];
  let pendingOffset = -1;
  const flushLocation = () => {
    if (lastPc === '') return;
    const loc = b.locationId(lastPc, BigInt(lastPc), pending.map((x) => ({ function: x.fn, line: x.line })), pendingOffset);
    b.frame(loc);
    lastPc = '';
    pending = [];
  };
  /**
   * The runtime frames debug=1 does not print at the leaf are still in the `@` list: keep them
   * as locations with an address and no lines, so a reader can tell the goroutine is parked
   * in the runtime. `firstShown` is the PC of the first printed frame (a return address - 1).
   */
  const hiddenLeaf = (firstShown: string) => {
    const shown = BigInt(firstShown);
    for (let k = 0; k < pcs.length; k++) {
      const raw = BigInt(pcs[k]!);
      if (raw === shown || raw - 1n === shown) break;
      const pc = k > 0 ? raw - 1n : raw;
      const key = '0x' + pc.toString(16);
      b.frame(b.locationId(key, pc, []));
    }
  };
  const endBucket = () => {
    if (count < 0) return;
    flushLocation();
    b.endSample([count]);
    count = -1;
  };
  for (let line = lines.next(); line !== null; line = lines.next()) {
    if (line.trim() === '') {
      endBucket();
      continue;
    }
    const bm = BUCKET.exec(line);
    if (bm) {
      endBucket();
      count = Number(bm[1]);
      pcs = line.slice(line.indexOf('@') + 1).trim().split(/\s+/).filter((x) => x !== '');
      symbolized = false;
      continue;
    }
    if (count < 0) {
      if (line.startsWith('# ')) continue; // trailing comments
      throw new DecodeError(`debug=1 profile: line ${lines.lineNo}: expected "N @ 0x…", found "${line.slice(0, 60)}"`);
    }
    if (line.startsWith('# labels:')) {
      for (const [k, v] of parseLabels(line.slice(9))) b.label(k, v);
      continue;
    }
    const fm = FRAME.exec(line);
    if (fm) {
      const pc = fm[1]!.toLowerCase();
      if (!symbolized) {
        hiddenLeaf(pc);
        symbolized = true;
      }
      const fnId = b.functionId(fm[2]!, fm[4]!);
      const last = pending[pending.length - 1];
      // the same PC again with the same function and line is recursion, not inlining
      if (pc !== lastPc || (last !== undefined && last.fn === fnId && last.line === Number(fm[5]))) {
        flushLocation();
        lastPc = pc;
        pendingOffset = parseInt(fm[3]!, 16);
      }
      const file = fm[4]!;
      if (files.length < 64 && file.includes('/src/')) files.push(file);
      pending.push({ fn: fnId, line: Number(fm[5]) });
      continue;
    }
    const bare = BARE_PC.exec(line);
    if (bare) {
      flushLocation();
      lastPc = bare[1]!.toLowerCase();
      pendingOffset = -1;
      continue;
    }
    if (line.startsWith('#')) continue;
    throw new DecodeError(`debug=1 profile: line ${lines.lineNo}: unexpected "${line.slice(0, 60)}"`);
  }
  endBucket();
  b.header.goVersion = goVersionFromPaths(files);
  return b.finish();
}
