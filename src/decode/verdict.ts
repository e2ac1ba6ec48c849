/**
 * The lines of a traceback that are not goroutine records: the runtime's verdict that opens it
 * (`fatal error: all goroutines are asleep - deadlock!`, `panic: …`, `SIGSEGV: segmentation
 * violation`), the race detector's `WARNING: DATA RACE`, and the other parts Go prints around
 * the goroutines (the signal line, the system stack, registers, `go test`'s own lines), which
 * are understood and not counted as skipped.
 */

import type { VerdictKind } from '../model/profile.js';

export type OtherLine =
  | { type: 'verdict'; kind: VerdictKind; message: string; glued?: boolean }
  /** `WARNING: DATA RACE`: a race report follows, up to a line of `=`. */
  | { type: 'race' }
  /** `runtime stack:`: the system stack's frames follow, up to a blank line. */
  | { type: 'system-stack' }
  /** `running tests:` of a test time-out: the tests follow, one an indented line. */
  | { type: 'running-tests' }
  | { type: 'known' }
  | null;

/** What leak checkers print before the goroutines they found (goleak, net/http's and grpc's tests). */
const LEAK_CHECK = /(?:found unexpected goroutines:|Too many goroutines running after|appears to have leaked|[Ll]eaked goroutines?:)/;

const KNOWN = [
  /^\s*\]\s*$/,
  /^\[signal /,
  /^PC=0x[0-9a-f]+/,
  /^m=\d+ sigcode=/,
  /^signal arrived during (?:cgo|external code) execution/,
  /^unexpected (?:fault address|return pc|signal)/,
  /^exit status \d+$/,
  /^=== (?:RUN|PAUSE|CONT|NAME)\b/,
  /^\s*--- (?:FAIL|PASS|SKIP):/,
  /^(?:FAIL|PASS|ok)(?:\s|$)/,
  /^\s+panic: /,
  /^\s*\[recovered\]/,
  /^Found \d+ data race\(s\)$/,
  /^\s*testing\.go:\d+: race detected/,
  /^(?:r[a-z0-9]{1,3}|[re]?(?:ax|bx|cx|dx|si|di|bp|sp|ip)|rflags|eflags|[cdefgs]s|lr|pc|sp|fault|trap|error|oldmask|r\d+|x\d+)\s+0x[0-9a-f]+$/,
  /^={10,}$/,
  /^-{10,}$/,
  /^goroutine \d+ \[[^\]]*\]:\s*$/,
  /^\s*goroutine running on other thread/,
  /^(?:SIGQUIT: quit|SIGABRT: abort)$/,
];

/**
 * A verdict glued to the end of a log line written without its newline (`…shutting downpanic:
 * boom`): after a letter, digit or sentence end, not after a quote or `=` (a log line that
 * quotes a recovered panic, `msg="panic: …"`, is not the runtime's verdict).
 */
const GLUED_VERDICT = /[\w.!)\]]((?:panic|fatal error|SIG[A-Z]{2,}): .+)$/;

/** What a line outside the goroutine records is; null when it is not part of a traceback. */
export function classifyOther(line: string): OtherLine {
  const c = classifyLine(line);
  if (c !== null) return c;
  const g = GLUED_VERDICT.exec(line);
  const v = g !== null ? classifyLine(g[1]!) : null;
  return v !== null && v.type === 'verdict' ? { ...v, glued: true } : null;
}

function classifyLine(line: string): OtherLine {
  if (line.startsWith('panic: ')) {
    const kind: VerdictKind = line.startsWith('panic: test timed out after ') ? 'test-timeout' : 'panic';
    return { type: 'verdict', kind, message: line.trim() };
  }
  if (line.startsWith('fatal error: ')) {
    const kind: VerdictKind = line.startsWith('fatal error: all goroutines are asleep') ? 'deadlock' : 'fatal-error';
    return { type: 'verdict', kind, message: line.trim() };
  }
  if (/^SIG[A-Z]+: /.test(line) && !line.startsWith('SIGQUIT') && !line.startsWith('SIGABRT')) {
    return { type: 'verdict', kind: 'signal', message: line.trim() };
  }
  if (line.startsWith('WARNING: DATA RACE')) return { type: 'race' };
  if (LEAK_CHECK.test(line)) return { type: 'verdict', kind: 'leak-check', message: line.trim() };
  if (line.startsWith('runtime stack:')) return { type: 'system-stack' };
  if (/^\s*running tests:\s*$/.test(line)) return { type: 'running-tests' };
  for (const re of KNOWN) if (re.test(line)) return { type: 'known' };
  return null;
}

/** Which verdict stands when a traceback prints several: a crash outranks a race report. */
export function outranks(next: VerdictKind, have: VerdictKind): boolean {
  const rank = (k: VerdictKind) => (k === 'data-race' || k === 'leak-check' ? 0 : k === 'signal' ? 1 : 2);
  return rank(next) > rank(have);
}
