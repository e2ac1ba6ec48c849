/**
 * Lines a lenient text decoder passed over: counted, the first one named, never silent. A
 * reporter's elision (`[...]`, `...`, `<snip>`, `(1234 more goroutines)`) is told apart from
 * text that is simply not part of a dump, because it means records are missing.
 */

import { formatCount } from '../model/units.js';
const ELISION =
  /^\s*(?:\[\s*(?:\.{2,}|…|snip(?:ped)?|truncated|elided)[^\]]*\]|\.{3,}|…|<\s*(?:snip(?:ped)?|truncated|elided)[^>]*>|\(?\s*(?:\.{3}|…)?\s*\d[\d,]*\s+(?:more\s+)?(?:goroutines?|lines?|frames?|records?)(?:\s+\w+)*\s*\)?)\s*$/i;

export function isElision(line: string): boolean {
  return ELISION.test(line);
}

function quoted(line: string, max = 60): string {
  const s = line.trim();
  return JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s);
}

export class SkippedLines {
  count = 0;
  private firstLine = 0;
  private firstText = '';
  elisions = 0;
  /** Lines where a record's first line was glued to the end of other text. */
  readonly glued: number[] = [];
  private firstElision = 0;
  private elisionText = '';

  /** Records line `lineNo` (1-based) as passed over. */
  note(lineNo: number, line: string): void {
    if (isElision(line)) {
      if (this.elisions++ === 0) {
        this.firstElision = lineNo;
        this.elisionText = line;
      }
      return;
    }
    if (this.count++ === 0) {
      this.firstLine = lineNo;
      this.firstText = line;
    }
  }

  /** The sentences a report shows: what was skipped, where, and what an elision means. */
  sentences(): string[] {
    const out: string[] = [];
    if (this.glued.length > 0) out.push(`a header glued to the end of other text at line ${this.glued[0]}: read from the header on`);
    if (this.elisions > 0) {
      out.push(
        `${this.elisions === 1 ? 'an elision' : `${this.elisions} elisions`} by whoever copied the dump (first at line ${this.firstElision}: ${quoted(this.elisionText)}): goroutines were left out there, so counts are lower bounds`,
      );
    }
    if (this.count > 0) {
      out.push(
        `${formatCount(this.count)} line${this.count === 1 ? '' : 's'} not understood, skipped (first at line ${this.firstLine}: ${quoted(this.firstText)})`,
      );
    }
    return out;
  }
}
