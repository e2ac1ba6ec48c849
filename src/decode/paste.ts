/**
 * Goroutine dumps as people paste them: copied out of a log, a chat, a ticket or a terminal.
 * On the way the text picks up damage of a few known kinds, each undone here by a small step
 * that says what it did, so that the decoders see the dump Go printed:
 *
 *   quoted      "goroutine 1 [running]:\r\n"                     every line a quoted string
 *               {"stack":"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d\n"}
 *   syslog      #011/app/main.go:12 +0x1d                        rsyslog writes a tab as #011
 *   prefixes    2026-12-01T10:00:00.123Z stderr F goroutine 1 [running]:   (container runtimes,
 *               journald, kubectl --prefix, logfmt `level=… msg=`, Markdown indentation)
 *   symbols     #   0x4416e9    runtime.gopark+0xc9    /usr/lib/go/src/runtime/proc.go:435
 *               (debug=1 `#` lines whose tabs became spaces)
 *   file lines  /app/main.go:12 +0x1d                            the leading tab lost
 *
 * CRLF line ends need no step: every line reader drops a trailing \r. Each step first checks
 * the head of the text for its damage, so a clean dump is handed on untouched and unread.
 */

import { parseSymbolLine, readGoQuoted } from './goroutine-debug1.js';
import { formatCount } from '../model/units.js';

export interface Unpasted {
  text: string;
  /** One sentence per repair made, for every output format. */
  repairs: string[];
}

const HEAD = 64 * 1024;

/** A goroutine record's first line anywhere in a line: the text before it is a prefix. */
const ANCHOR =
  /(goroutine \d+ (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[[^\]]*\](?: \{.*\})?:|goroutine profile: total \d+|\d+ @(?: 0x[0-9a-fA-F]+)+|\[Goroutine \d+ in state [^,]+, with \S+ on top of the stack:|WARNING: DATA RACE)[ \t]*"?$/;

interface Step {
  /** Whether the head of the text shows this damage. */
  detect(head: string): boolean;
  /** The repaired text and what was done, or null when nothing changed. */
  repair(text: string): { text: string; repair: string } | null;
}

/** Undoes the damage of pasting; a clean dump comes back as it was, with no repairs. */
export function unpaste(text: string): Unpasted {
  const repairs: string[] = [];
  for (const step of STEPS) {
    const head = text.length > HEAD ? text.slice(0, HEAD) : text;
    if (!step.detect(head)) continue;
    const r = step.repair(text);
    if (r === null) continue;
    text = r.text;
    repairs.push(r.repair);
  }
  return { text, repairs };
}

/** Whether any step would change the text (the decoders' fast path asks this first). */
export function needsUnpaste(head: string): boolean {
  return STEPS.some((s) => s.detect(head));
}

function mapLines(text: string, f: (line: string) => string | null): { text: string; changed: number } {
  const lines = text.split('\n');
  let changed = 0;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    const r = f(l);
    if (r !== null && r !== l) {
      lines[i] = r;
      changed++;
    }
  }
  return { text: lines.join('\n'), changed };
}

// ---------------------------------------------------------------------------------------------
// quoted: a dump inside string literals (JSON log fields, Go's %q, quoted lines with \r\n)

const ESCAPED_RECORD =
  /goroutine \d+ [^\n"]*\]:(?:\\r)?\\n|\d+ @(?: 0x[0-9a-fA-F]+)+(?:\\r)?\\n|\\n\\t\/|\\n\\t[A-Za-z]:[\\/]|\\n(?:\\t| )+[^"\n]*\.go:\d+|\.go:\d+[^"\n]*\\n"/;

const quoted: Step = {
  detect: (head) => head.includes('\\n') && ESCAPED_RECORD.test(head),
  repair(text) {
    let strings = 0;
    const out = mapLines(text, (line) => {
      if (!line.includes('\\n') && !line.includes('\\t')) return null;
      const parts: string[] = [];
      for (let i = line.indexOf('"'); i >= 0 && i < line.length; ) {
        const q = readGoQuoted(line, i);
        if (q === null) break;
        const raw = line.slice(i + 1, q.end - 1);
        if (raw.includes('\\n') || raw.includes('\\t')) parts.push(q.value);
        i = line.indexOf('"', q.end);
      }
      if (parts.length === 0) return null;
      strings += parts.length;
      const joined = parts.join('');
      // a string that ends in its own newline is one line of many; the file's newline follows
      return joined.endsWith('\n') ? joined.slice(0, -1).replace(/\r$/, '') : joined;
    });
    if (out.changed === 0) return null;
    return { text: out.text, repair: `the dump was inside ${strings === 1 ? 'a quoted string' : `${strings} quoted strings`} (a log field or quoted lines): unescaped` };
  },
};

// ---------------------------------------------------------------------------------------------
// syslog: control characters written as #ooo

const syslog: Step = {
  detect: (head) => head.includes('#011'),
  repair(text) {
    const n = text.split('#011').length - 1;
    // one `#011` is syslog's only where it stands for a file line's tab
    if (n < 2 && !/(?:^|\s)#011(?:\/|[A-Za-z]:[\\/])/m.test(text)) return null;
    return { text: text.replace(/#011/g, '\t').replace(/#015/g, ''), repair: `${n} tabs written by syslog as "#011" restored` };
  },
};

// ---------------------------------------------------------------------------------------------
// prefixes: the same shape of text (a timestamp, a stream name, a pod) before every line

/** Where a goroutine record's first line starts after other text, for up to `max` lines. */
function anchoredPrefixes(text: string, max: number): string[] {
  const out: string[] = [];
  let seen = 0;
  for (let i = 0; i < text.length && seen < 4000 && out.length < max; seen++) {
    let nl = text.indexOf('\n', i);
    if (nl < 0) nl = text.length;
    let line = text.slice(i, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    i = nl + 1;
    const m = ANCHOR.exec(line);
    if (m === null) continue;
    const before = line.slice(0, m.index);
    // a record's first line must start the line's message: a word glued to it is a log line
    if (before !== '' && /[A-Za-z0-9_]$/.test(before)) continue;
    out.push(before);
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A pattern for prefixes of the shape of `p`: digits stand for any digits, inner white space
 * for any run of it, and (when `loose`) letters for any letters. The white space that ends the
 * prefix is kept exact, so the tab that starts a frame's file line survives.
 */
function prefixPattern(p: string, loose: boolean): RegExp {
  if (/^[ \t]+$/.test(p)) return new RegExp('^' + escapeRe(p));
  const tail = /[ \t]*$/.exec(p)![0];
  const body = p.slice(0, p.length - tail.length);
  let re = '';
  for (const tok of body.match(/\d+|[A-Za-z]+|[ \t]+|[^\dA-Za-z \t]/g) ?? []) {
    if (/^\d/.test(tok)) re += '\\d+';
    else if (/^[ \t]/.test(tok)) re += '[ \\t]+';
    else if (loose && /^[A-Za-z]/.test(tok)) re += '[A-Za-z]+';
    else re += escapeRe(tok);
  }
  return new RegExp('^' + re + escapeRe(tail));
}

function shareMatching(text: string, re: RegExp): number {
  let lines = 0;
  let hits = 0;
  for (let i = 0; i < text.length && lines < 2000; ) {
    let nl = text.indexOf('\n', i);
    if (nl < 0) nl = text.length;
    const line = text.slice(i, nl);
    i = nl + 1;
    if (line.trim() === '') continue;
    lines++;
    if (re.test(line)) hits++;
  }
  return lines === 0 ? 0 : hits / lines;
}

/** Turns a logfmt / JSON-ish `msg="…"` value back into the line it quoted. */
function unquoteRest(rest: string): string {
  if (!rest.endsWith('"')) return rest;
  const q = readGoQuoted('"' + rest, 0);
  return q !== null && q.end === rest.length + 1 ? q.value : rest.slice(0, -1);
}

/**
 * The prefixes to try for one found before a record: itself, and (a log prefix followed by
 * the indentation of a test's output) the same with one character of its trailing white space.
 */
function candidates(found: string[]): string[] {
  const out = new Set<string>();
  for (const p of found.slice(0, 4)) {
    out.add(p);
    const m = /[ \t]{2,}$/.exec(p);
    if (m !== null && m.index > 0) out.add(p.slice(0, m.index + 1));
    // `msg="` then the indented line it quotes
    const q = /"[ \t]+$/.exec(p);
    if (q !== null) out.add(p.slice(0, q.index + 1));
  }
  return [...out];
}

/** Strips a log prefix, then (a second pass) an indentation left under it. */
const prefixes: Step = {
  detect: (head) => anchoredPrefixes(head, 8).some((p) => p !== ''),
  repair(text) {
    const first = stripPrefix(text);
    if (first === null) return null;
    const head = first.text.length > HEAD ? first.text.slice(0, HEAD) : first.text;
    const second = anchoredPrefixes(head, 8).some((p) => p !== '') ? stripPrefix(first.text) : null;
    return second === null ? first : { text: second.text, repair: `${first.repair}; then ${second.repair}` };
  },
};

function stripPrefix(text: string): { text: string; repair: string } | null {
  const found = anchoredPrefixes(text.length > HEAD ? text.slice(0, HEAD) : text, 8).filter((p) => p !== '');
  // the pattern that fits the most lines wins: a log prefix stands before nearly every line,
  // an indentation only before the dump's
  let best: { p: string; re: RegExp; share: number } | null = null;
  for (const p of candidates(found)) {
    for (const loose of [false, true]) {
      const re = prefixPattern(p, loose);
      const share = shareMatching(text, re);
      if (share < (/^[ \t]+$/.test(p) ? 0.3 : 0.6)) continue;
      if (best === null || share > best.share) best = { p, re, share };
    }
  }
  if (best === null) return null;
  const { p, re } = best;
  const quotedRest = p.endsWith('"');
  const out = mapLines(text, (line) => {
    const m = re.exec(line);
    if (m === null) return null;
    const rest = line.slice(m[0].length);
    return quotedRest ? unquoteRest(rest) : rest;
  });
  if (out.changed === 0) return null;
  const shown = p.length > 48 ? p.slice(0, 48) + '…' : p;
  return { text: out.text, repair: `a prefix like ${JSON.stringify(shown)} removed from ${formatCount(out.changed)} lines` };
}

// ---------------------------------------------------------------------------------------------
// symbols: debug=1 `#` lines whose tabs became spaces

const SPACED_SYMBOL = /^#[ \t]+(0x[0-9a-fA-F]+)(?:[ \t]+(\S.*?\+0x[0-9a-fA-F]+)[ \t]+(\S.*:\d+))?[ \t]*$/;

const symbols: Step = {
  detect: (head) => /^#\t* +[ \t]*0x[0-9a-fA-F]+|^#\t0x[0-9a-fA-F]+ +\S/m.test(head),
  repair(text) {
    const out = mapLines(text, (line) => {
      if (line.charCodeAt(0) !== 0x23 || parseSymbolLine(line) !== null) return null;
      const m = SPACED_SYMBOL.exec(line);
      if (m === null) return null;
      return m[2] === undefined ? `#\t${m[1]}` : `#\t${m[1]}\t${m[2]}\t${m[3]}`;
    });
    if (out.changed === 0) return null;
    return { text: out.text, repair: `${formatCount(out.changed)} "#" frame lines had spaces for tabs: re-aligned` };
  },
};

// ---------------------------------------------------------------------------------------------
// file lines: `/path/file.go:123 +0x4f` at the start of a line, its tab lost

const BARE_FILE_LINE = /^(?:[A-Za-z]:[\\/]|\/|\.{1,2}\/)?[^\s()]*\.[A-Za-z]+:\d+(?: \+0x[0-9a-fA-F]+)?(?: fp=0x[0-9a-fA-F]+ sp=0x[0-9a-fA-F]+ pc=0x[0-9a-fA-F]+)?$/;

const FRAME_SUFFIX = '(?: \\+0x[0-9a-fA-F]+)?(?: fp=0x[0-9a-fA-F]+ sp=0x[0-9a-fA-F]+ pc=0x[0-9a-fA-F]+)?$';
const AUTOGENERATED = new RegExp('^<autogenerated>:\\d+' + FRAME_SUFFIX);
/** A path with spaces: a Windows drive's (C:/Program Files/Go/…), or any with its pc offset. */
const BARE_SPACED_FILE_LINE = new RegExp('^(?:[A-Za-z]:[\\\\/][^()]*\\.[A-Za-z]+:\\d+' + FRAME_SUFFIX + '|\\/[^()]*\\.[A-Za-z]+:\\d+ \\+0x[0-9a-fA-F]+$)');

function isBareFileLine(line: string): boolean {
  const c = line.charCodeAt(0);
  if (c === 0x09 || c === 0x20 || c === 0x23) return false;
  // a bare name (main.go:12) only with its pc offset: `main.go:12` alone reads like a log line
  if (line.startsWith('<autogenerated>:')) return AUTOGENERATED.test(line);
  if (BARE_FILE_LINE.test(line)) return line.includes('/') || line.includes('\\') || line.includes(' +0x');
  // a path with spaces (C:/Program Files/Go/…) only with its pc offset
  return BARE_SPACED_FILE_LINE.test(line);
}

const fileLines: Step = {
  detect: (head) =>
    /^[^\s#][^()\n]*\.go:\d+ \+0x[0-9a-fA-F]+/m.test(head) || /^(?:\/|[A-Za-z]:[\\/])[^()\n]*\.go:\d+\r?$/m.test(head) || /^<autogenerated>:\d+/m.test(head),
  repair(text) {
    const out = mapLines(text, (line) => (isBareFileLine(line) ? '\t' + line : null));
    if (out.changed === 0) return null;
    return { text: out.text, repair: `${formatCount(out.changed)} frame file lines had lost their leading tab: restored` };
  },
};

const STEPS: Step[] = [quoted, syslog, prefixes, symbols, fileLines];
