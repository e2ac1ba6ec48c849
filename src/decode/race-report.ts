/**
 * The race detector's reports (`go run -race`, `go test -race`), read into goroutine records:
 *
 *   WARNING: DATA RACE
 *   Write at 0x00c0000b4010 by goroutine 8:             an access: who, what, where
 *     main.(*hitCounter).add()
 *         /app/counter.go:21 +0x84
 *
 *   Previous read at 0x00c0000b4010 by main goroutine:  the access it races with
 *     main.main()
 *         /app/main.go:40 +0x1d4
 *
 *   Goroutine 8 (running) created at:                   where the goroutine was started
 *     main.main()
 *         /app/main.go:33 +0x12c
 *   ==================
 *
 * Each access becomes a goroutine record whose state is the access (`race: write`) and whose
 * stack is the access's stack; the `created at` block fills in its creator.
 */

import type { GoroutineHeader } from '../model/builder.js';
import { parseFileLine, splitCall, type FileLine } from './frame-lines.js';
import type { LineReader } from './goroutine-debug1.js';

/** What a race report is read from: the lines of a whole text or of one arriving in pieces. */
type Lines = Pick<LineReader, 'next' | 'peek'>;

export interface RaceFrame {
  call: string;
  fileLine: string;
  fl: FileLine;
}

export interface RaceRecord {
  header: GoroutineHeader;
  /** `Write at 0x00c0000b4010`, as printed. */
  access: string;
  frames: RaceFrame[];
}

const ACCESS = /^((?:Previous )?(?:[Aa]tomic )?(?:[Rr]ead|[Ww]rite)(?: of size \d+)? at 0x[0-9a-fA-F]+) by (?:goroutine (\d+)|(main) goroutine):\s*$/;
const CREATED = /^Goroutine (\d+) \((?:running|finished)\) created at:\s*$/;

function header(id: number, access: string): GoroutineHeader {
  const op = access.replace(/ of size \d+/, '').replace(/ at 0x[0-9a-fA-F]+$/, '').toLowerCase();
  return {
    id,
    waitReason: `race: ${op}`,
    waitMinutes: -1,
    flags: 0,
    createdByFunction: '',
    createdByFile: '',
    createdByLine: 0,
    createdByGoroutine: -1,
    framesElided: 0,
  };
}

/** The frames of one block, up to a blank line, the closing `=` line or the end. */
function readFrames(r: Lines): RaceFrame[] {
  const frames: RaceFrame[] = [];
  for (let line = r.peek(); line !== null && line.trim() !== '' && !/^={10,}$/.test(line); line = r.peek()) {
    r.next();
    const next = r.peek();
    const fl = next !== null ? parseFileLine(next) : null;
    if (fl === null) continue; // `[failed to restore the stack]` and the like
    r.next();
    frames.push({ call: line.trim(), fileLine: next!, fl });
  }
  return frames;
}

/**
 * Reads one report, from the line after `WARNING: DATA RACE` to its closing line of `=`;
 * returns its accesses in the order printed.
 */
export function readRaceReport(r: Lines): RaceRecord[] {
  const records: RaceRecord[] = [];
  for (let line = r.next(); line !== null; line = r.next()) {
    if (/^={10,}$/.test(line)) break;
    const a = ACCESS.exec(line);
    if (a !== null) {
      const id = a[3] !== undefined ? 1 : Number(a[2]);
      records.push({ header: header(id, a[1]!), access: a[1]!, frames: readFrames(r) });
      continue;
    }
    const c = CREATED.exec(line);
    if (c !== null) {
      const frames = readFrames(r);
      const top = frames[0];
      if (top === undefined) continue;
      for (const rec of records) {
        if (rec.header.id !== Number(c[1])) continue;
        rec.header.createdByFunction = splitCall(top.call).fn;
        rec.header.createdByFile = top.fl.file;
        rec.header.createdByLine = top.fl.line;
      }
      continue;
    }
    // `Mutex M1 (0x…) created at:` and other blocks: their frames are not an access
    if (line.endsWith(':')) readFrames(r);
  }
  return records;
}
