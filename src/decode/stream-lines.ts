/**
 * Lines of a text that arrives in pieces. A reader asks for the next line, peeks at the one
 * after it, or asks whether only blank lines are left; when the text held cannot answer yet
 * (the line is not complete, the blank lines may go on) the question throws NEED_MORE, and the
 * reader rewinds to the start of its line and tries again once the next piece has come. Each
 * piece is appended to what is still held; what lies before `keepFrom` is let go.
 *
 * Offsets are counted from the start of the whole text, so a reader can return to a line it
 * read before, as long as it asked for it to be kept.
 */

/** Thrown when the text held cannot answer until more of it comes (never escapes a reader). */
export const NEED_MORE: unique symbol = Symbol('need more text');

export class StreamLines {
  /** The text held: the whole text's characters from `base` on. */
  private text = '';
  private base = 0;
  /** Position in `text` after the line last returned by `next()`. */
  private pos = 0;
  private peeked: string | null = null;
  private peekedEnd = 0;
  private lastChar = -1;
  private anyText = false;
  /** True once the last piece has come. */
  ended = false;
  /** 1-based number of the line last returned by `next()`. */
  lineNo = 0;

  /** Appends a piece, letting go of the text before offset `keepFrom` (and before the reader's own line). */
  push(piece: string, keepFrom: number): void {
    if (piece.length === 0) return;
    const keep = Math.min(Math.max(keepFrom, this.base), this.offset);
    const drop = keep - this.base;
    this.text = drop === 0 ? this.text + piece : this.text.slice(drop) + piece;
    this.base = keep;
    this.pos -= drop;
    this.peeked = null;
    this.lastChar = piece.charCodeAt(piece.length - 1);
    if (!this.anyText && piece.trim() !== '') this.anyText = true;
  }

  /** Offset just after the line last returned by `next()`. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Whether some piece held more than white space. */
  get hasText(): boolean {
    return this.anyText;
  }

  /** The text ended without a final newline (cut short). */
  get endsCut(): boolean {
    return this.ended && this.lastChar >= 0 && this.lastChar !== 0x0a;
  }

  /** Goes to `offset` (which must still be held), the start of line `lineNo + 1`. */
  seek(offset: number, lineNo: number): void {
    this.pos = offset - this.base;
    this.lineNo = lineNo;
    this.peeked = null;
  }

  /** The next line without its terminator (a trailing \r dropped), or null at the end of the text. */
  next(): string | null {
    if (this.peeked !== null) {
      const l = this.peeked;
      this.peeked = null;
      this.pos = this.peekedEnd;
      this.lineNo++;
      return l;
    }
    const t = this.text;
    const p = this.pos;
    let end = t.indexOf('\n', p);
    if (end < 0) {
      if (!this.ended) throw NEED_MORE;
      if (p >= t.length) return null;
      end = t.length;
    }
    this.pos = end + 1;
    this.lineNo++;
    return t.slice(p, end > p && t.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
  }

  /**
   * Passes over the lines that open with the characters `a`, `b` (after the line last returned,
   * none peeked), leaving a last one without its newline to `next()`.
   */
  skipLinesOpening(a: number, b: number): void {
    if (this.peeked !== null) return;
    const t = this.text;
    let p = this.pos;
    let n = 0;
    // (every index looked at is below the text's length: one past it undoes the optimised loop)
    while (p + 1 < t.length && t.charCodeAt(p) === a && t.charCodeAt(p + 1) === b) {
      const end = t.indexOf('\n', p);
      if (end < 0) break;
      p = end + 1;
      n++;
    }
    this.pos = p;
    this.lineNo += n;
  }

  /**
   * The text held, for a reader that scans a run of whole lines itself from `scanAt` and then
   * moves past them (`passScanned`); null while a line is peeked.
   */
  get scanText(): string | null {
    return this.peeked === null ? this.text : null;
  }

  /** Where the next line starts in `scanText`. */
  get scanAt(): number {
    return this.pos;
  }

  /** Whether every whole line held has been read (none peeked): the text reader waits for more. */
  get idle(): boolean {
    return this.peeked === null && this.pos === this.text.length;
  }

  /**
   * Counts `chars` characters in `lines` whole lines that a reader read itself after all the
   * text held (`idle`), as if they had been pushed and read; `text`: some of them held more than
   * white space.
   */
  passOutside(chars: number, lines: number, text: boolean): void {
    if (chars === 0) return;
    this.base = this.offset + chars;
    this.text = '';
    this.pos = 0;
    this.lineNo += lines;
    this.lastChar = 0x0a;
    if (text) this.anyText = true;
  }

  /** Moves past `lines` whole lines a reader scanned in `scanText`, to its position `to`. */
  passScanned(to: number, lines: number): void {
    this.pos = to;
    this.lineNo += lines;
  }

  /** The line `next()` would return, without consuming it. */
  peek(): string | null {
    if (this.peeked !== null) return this.peeked;
    const save = this.pos;
    const line = this.lineNo;
    const l = this.next();
    this.peekedEnd = this.pos;
    this.pos = save;
    this.lineNo = line;
    this.peeked = l;
    return l;
  }

  /** True when nothing but blank lines follows the line last returned by `next()`. */
  restIsBlank(): boolean {
    return this.blankFrom(this.pos);
  }

  /** True when nothing but blank lines follows the line `peek()` returned. */
  restAfterPeekIsBlank(): boolean {
    return this.peeked === null || this.blankFrom(this.peekedEnd);
  }

  private blankFrom(from: number): boolean {
    const t = this.text;
    for (let i = from; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
    }
    if (!this.ended) throw NEED_MORE;
    return true;
  }
}
