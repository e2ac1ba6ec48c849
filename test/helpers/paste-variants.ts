/**
 * Pasted variants of a real goroutine dump, made mechanically: each transformation is what a
 * log pipeline, a chat, a ticket or a terminal does to the text on its way to the engineer.
 * Nothing here writes a dump; every variant is a real capture with damage applied.
 */

export type Transform = (text: string, ctx: VariantContext) => string;

export interface VariantContext {
  /** Another real dump of the same program, taken earlier (for pastes holding two dumps). */
  earlier: string;
  form: 'debug1' | 'debug2';
}

function lines(text: string): string[] {
  const ls = text.split('\n');
  if (ls[ls.length - 1] === '') ls.pop();
  return ls;
}

function eachLine(text: string, f: (l: string, i: number) => string): string {
  return lines(text).map(f).join('\n') + '\n';
}

/** Go's strconv.Quote for the characters dumps hold (JSON.stringify agrees on them). */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** A timestamp that moves on a little every line, printed as RFC 3339 with trailing zeros cut (as Go's RFC3339Nano does). */
function rfc3339(i: number): string {
  const ns = 123456789 + i * 1700;
  const frac = String(ns % 1e9).padStart(9, '0').replace(/0+$/, '');
  return `2026-12-06T20:12:${String(40 + Math.floor(i / 5000)).padStart(2, '0')}${frac ? '.' + frac : ''}Z`;
}

export const transforms: Record<string, Transform> = {
  crlf: (t) => t.replace(/\n/g, '\r\n'),
  tabsToSpaces: (t) => t.replace(/\t/g, '    '),
  tabsToOneSpace: (t) => t.replace(/\t+/g, ' '),
  leadingTabLost: (t) => eachLine(t, (l) => (l.startsWith('\t') ? l.slice(1) : l)),
  syslogTabs: (t) => t.replace(/\t/g, '#011'),
  criPrefix: (t) => eachLine(t, (l, i) => `${rfc3339(i)} stderr F ${l}`),
  journald: (t) => eachLine(t, (l, i) => `Dec 06 20:12:${String(40 + (i % 3)).padStart(2, '0')} web-1 orders[4242]: ${l}`),
  syslog: (t) => eachLine(t.replace(/\t/g, '#011'), (l, i) => `Dec  6 20:12:${String(40 + (i % 7)).padStart(2, '0')} web-1 orders[4242]: ${l}`),
  kubectlPrefix: (t) => eachLine(t, (l) => `[pod/orders-7d9f8c6b5-x2x4q/app] ${l}`),
  composePrefix: (t) => eachLine(t, (l) => `orders-1  | ${l}`),
  markdownIndent: (t) => eachLine(t, (l) => (l === '' ? '' : `    ${l}`)),
  logfmt: (t) => eachLine(t, (l, i) => `time=${rfc3339(i)} level=error msg=${quote(l)}`),
  quotedLines: (t) => eachLine(t, (l) => `${quote(l + '\r\n')} +`),
  jsonField: (t) =>
    [
      JSON.stringify({ level: 'info', ts: 1796588000.1, msg: 'request served', path: '/v1/orders' }),
      JSON.stringify({ level: 'error', ts: 1796588001.2, msg: 'stack dump requested', stack: t }),
      JSON.stringify({ level: 'info', ts: 1796588002.3, msg: 'shutting down' }),
    ].join('\n') + '\n',
  glued: (t) => `2026/12/06 20:12:40 orders: SIGQUIT received, dumping all stacks${t.replace(/^\s*\n/, '')}`,
  logAround: (t) =>
    '2026/12/06 20:12:39 orders: listening on :8080\n2026/12/06 20:12:40 orders: pool stats open=5 inuse=5 idle=0\n' +
    t +
    '\n2026/12/06 20:12:41 orders: shutting down\n',
  elisions: (t) => {
    const marks = ['[...]', '...', '<snip>', '(12 more goroutines)'];
    let k = 0;
    const blocks = t.split(/\n\n/);
    return blocks.map((b, i) => (i > 0 && i % 3 === 0 ? `${marks[k++ % marks.length]}\n\n${b}` : b)).join('\n\n');
  },
  twoDumps: (t, c) => c.earlier.replace(/\s*$/, '\n\n') + t,
  /**
   * A leak checker's listing as net/http's tests print it: the dump split at blank lines, each
   * stack without its header line, identical stacks counted (`N instances of:`).
   */
  leakListing: (t, c) => {
    if (c.form !== 'debug2') return t;
    const counts = new Map<string, number>();
    for (const g of t.split('\n\n')) {
      const nl = g.indexOf('\n');
      if (!/^goroutine \d+ \[/.test(g.trim()) || nl < 0) continue;
      const stack = g.slice(nl + 1).trim();
      counts.set(stack, (counts.get(stack) ?? 0) + 1);
    }
    let out = 'Too many goroutines running after net/http test(s).\n';
    for (const [stack, n] of counts) out += `${n} instances of:\n${stack}\n`;
    return out;
  },
  noHeader: (t, c) => (c.form === 'debug1' ? t.replace(/^\s*\w+ profile: total \d+\s*\n/, '') : t),
};

/** Combinations: the transforms run left to right. */
export const combinations: string[][] = [
  ['tabsToSpaces', 'criPrefix'],
  ['syslog', 'crlf'],
  ['noHeader', 'tabsToSpaces', 'kubectlPrefix'],
  ['leadingTabLost', 'elisions', 'journald'],
  ['twoDumps', 'logAround', 'crlf'],
  ['noHeader', 'quotedLines'],
  ['tabsToOneSpace', 'logAround', 'markdownIndent'],
  ['elisions', 'jsonField'],
  ['twoDumps', 'composePrefix', 'tabsToSpaces'],
  ['noHeader', 'logfmt'],
];

export function applyAll(names: string[], text: string, ctx: VariantContext): string {
  return names.reduce((t, n) => transforms[n]!(t, ctx), text);
}
