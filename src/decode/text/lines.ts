/** Line-by-line reading of large text inputs without splitting them into an array first. */

export class Lines {
  private pos = 0;
  /** 1-based number of the line last returned by next(). */
  lineNo = 0;
  constructor(private readonly text: string) {}

  /** The next line without its terminator (a trailing \r is dropped), or null at the end. */
  next(): string | null {
    const t = this.text;
    if (this.pos >= t.length) return null;
    let end = t.indexOf('\n', this.pos);
    if (end < 0) end = t.length;
    let line = t.slice(this.pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.pos = end + 1;
    this.lineNo++;
    return line;
  }

  /** True when at most one (possibly unterminated) line is left. */
  atLastLine(): boolean {
    const nl = this.text.indexOf('\n', this.pos);
    return nl < 0 || nl >= this.text.length - 1;
  }

  /** Looks at the next line without consuming it. */
  peek(): string | null {
    const save = this.pos;
    const saveNo = this.lineNo;
    const l = this.next();
    this.pos = save;
    this.lineNo = saveNo;
    return l;
  }
}

/** Reads a Go double-quoted string starting at s[i] === '"'; returns the value and the index after it. */
export function readQuoted(s: string, i: number): { value: string; end: number } | null {
  if (s[i] !== '"') return null;
  let out = '';
  let j = i + 1;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '"') return { value: out, end: j + 1 };
    if (c === '\\' && j + 1 < s.length) {
      const e = s[j + 1]!;
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
      if (e in simple) {
        out += simple[e];
        j += 2;
        continue;
      }
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hex > 0) {
        const code = parseInt(s.slice(j + 2, j + 2 + hex), 16);
        if (Number.isFinite(code) && code <= 0x10ffff) out += String.fromCodePoint(code);
        j += 2 + hex;
        continue;
      }
      if (/[0-7]/.test(e)) {
        out += String.fromCharCode(parseInt(s.slice(j + 1, j + 4), 8));
        j += 4;
        continue;
      }
      out += e;
      j += 2;
      continue;
    }
    out += c;
    j++;
  }
  return null;
}
