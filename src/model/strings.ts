/**
 * One shared string table per profile. Index 0 is always the empty string, as in profile.proto.
 * `intern` returns the existing index of a string it has seen; decoders that receive a string table
 * (pprof) adopt it whole with `StringTable.from` and intern only the strings they derive.
 */
export class StringTable {
  readonly values: string[];
  private index: Map<string, number> | null;

  constructor(values?: string[]) {
    this.values = values && values.length > 0 ? values : [''];
    if (this.values[0] !== '') this.values.unshift('');
    this.index = null;
  }

  /** Adopts an existing table (index 0 must be ""), without copying. */
  static from(values: string[]): StringTable {
    return new StringTable(values);
  }

  get length(): number {
    return this.values.length;
  }

  get(i: number): string {
    const s = this.values[i];
    return s === undefined ? '' : s;
  }

  intern(s: string): number {
    if (s === '') return 0;
    let idx = this.index;
    if (idx === null) {
      idx = new Map();
      const v = this.values;
      for (let i = v.length - 1; i >= 1; i--) idx.set(v[i]!, i);
      this.index = idx;
    }
    const found = idx.get(s);
    if (found !== undefined) return found;
    const n = this.values.length;
    const own = ownString(s);
    this.values.push(own);
    idx.set(own, n);
    return n;
  }
}

/**
 * A copy of `s` that holds its own characters. A string cut from a larger one (a line of a
 * piece of text) keeps all of that larger string alive for as long as it lives; a table that
 * keeps a few short strings of each piece of a large input would otherwise keep the input.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
