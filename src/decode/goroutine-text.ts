/**
 * Goroutine text in whatever shape it arrives: a clean `?debug=1` or `?debug=2` dump goes
 * straight to its decoder; anything else is first repaired (paste.ts) and then read from its
 * first goroutine record on, whatever surrounds it. Only text that holds no goroutine record at
 * all is refused.
 */

import { DecodeError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { decodeGoroutineDebug1, isDebug1Record } from './goroutine-debug1.js';
import { decodeGoroutineDebug2, leakCheckerHeader, parseGoroutineHeader } from './goroutine-debug2.js';
import { needsUnpaste, unpaste } from './paste.js';
import { classifyOther } from './verdict.js';

export type TextForm = 'debug1' | 'debug2';

const HEAD = 64 * 1024;

/** Which kind of record comes first in the text: debug=1 records or debug=2 / traceback headers. */
export function firstRecordForm(text: string): TextForm | null {
  for (let i = 0; i < text.length; ) {
    let nl = text.indexOf('\n', i);
    if (nl < 0) nl = text.length;
    const line = text.slice(i, nl);
    i = nl + 1;
    if (/^\s*(?:goroutine|goroutineleak|threadcreate) profile: total \d+\s*$/.test(line) || isDebug1Record(line)) return 'debug1';
    if (line.startsWith('WARNING: DATA RACE') || leakCheckerHeader(line.trim()) !== null) return 'debug2';
    if (/^\d+ instances? of:\s*$/.test(line) || classifyOther(line)?.type === 'verdict') return 'debug2';
    const g = line.indexOf('goroutine ');
    if (g >= 0 && parseGoroutineHeader(line.trimEnd(), g) !== null) return 'debug2';
  }
  return null;
}

function describeText(text: string): string {
  const head = text.slice(0, 4096).trim();
  const nl = head.indexOf('\n');
  const first = nl < 0 ? head : head.slice(0, nl);
  const shown = first.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
  if (/^[[{]/.test(first)) return 'JSON, not a Go profile (and no goroutine dump inside it)';
  return shown ? `text that is not a Go profile: no goroutine record in it ("${shown}")` : 'text that is not a Go profile';
}

/**
 * Decodes goroutine text; `clean` names the form when the head already showed a clean dump of
 * it (the fast path, untouched by any repair).
 */
export function decodeGoroutineText(text: string, clean: TextForm | null): Profile {
  let repairs: string[] = [];
  let form = clean;
  if (needsUnpaste(text.length > HEAD ? text.slice(0, HEAD) : text)) {
    const u = unpaste(text);
    text = u.text;
    repairs = u.repairs;
    form = null;
  }
  form ??= firstRecordForm(text);
  if (form === null) throw new DecodeError(describeText(text));
  const p = form === 'debug1' ? decodeGoroutineDebug1(text) : decodeGoroutineDebug2(text);
  p.repairs = [...repairs, ...(p.repairs ?? [])];
  return p;
}
