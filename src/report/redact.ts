/**
 * Redaction for reports that leave the team: file paths, argument values, label values and host
 * names are replaced by stable placeholders (the same value gets the same placeholder throughout
 * one report: `path-1`, `arg-2`, `label-3`, `host-1`, `input-1`); function names and the Go
 * package paths in them, which are what the diagnosis is about, stay.
 *
 * `redactReport` works on what every report form reads — the analyses, the diagnosis and the
 * input errors — and returns redacted copies, the inputs left alone. The profiles inside the
 * analyses (and a trace's events) are redacted too, so that a report drawing from them (flame
 * graphs, goroutine tables) cannot show an unredacted value either.
 */

import type { Diagnosis } from '../analyze/diagnose.js';
import type { InputAnalysis } from '../analyze/index.js';
import { StringTable, type Profile } from '../model/profile.js';
import { TraceEventKind, type Trace } from '../model/trace.js';
import type { InputError } from './json.js';

export type PlaceholderKind = 'path' | 'arg' | 'label' | 'host' | 'input';

/** What a redacted report says about itself. */
export const REDACTION_NOTE =
  'Redacted: file paths, argument values, label values and host names are replaced by placeholders (path-N, arg-N, label-N, host-N, input-N; the same value has the same placeholder throughout); function names are kept.';

/** Keys whose string values are Go identifiers or fixed vocabulary, kept as they are. */
const KEEP = new Set(['function', 'signature', 'signatures', 'id', 'severity', 'kind', 'format', 'role', 'type', 'unit', 'name', 'waitReason', 'pack', 'key', 'createdBy', 'title']);
/** Keys whose values name an input. */
const INPUT_KEYS = new Set(['path', 'before', 'after', 'input']);

/** Numbers as Go prints argument words: hex (0xc000123000) and, in structs, decimals. */
const ARG_WORD = /\b0x[0-9a-fA-F]+\b|\b\d+\b/g;
const HEX = /\b0x[0-9a-fA-F]+\b/g;
const URL = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?(\[[^\]\s]+\]|[^\s/:?#\]]+)(:\d+)?/gi;
const ABS_PATH = /(^|[\s("'=,])((?:\/[\w.@+~-]+){2,}\/?|[A-Za-z]:\\[^\s"',;):]+)/g;
/** Where a value quoted in text ends: not inside a longer identifier, path or function name. */
const WORDISH = /[\w./\\-]/;
/** Trace events whose string is user data rather than runtime vocabulary. */
const USER_STRING_EVENTS: ReadonlySet<number> = new Set([TraceEventKind.GoLabel, TraceEventKind.Log]);

export class Redactor {
  private readonly placeholders = new Map<string, string>();
  private readonly counters: Record<PlaceholderKind, number> = { path: 0, arg: 0, label: 0, host: 0, input: 0 };
  private readonly inputs = new Map<string, string>();
  /** Known values to find inside free text (longest first), rebuilt when one is added. */
  private known: { value: string; placeholder: string; anywhere: boolean }[] | null = null;

  placeholder(kind: PlaceholderKind, value: string): string {
    const key = `${kind}\u0000${value}`;
    let p = this.placeholders.get(key);
    if (p === undefined) {
      p = `${kind}-${++this.counters[kind]}`;
      this.placeholders.set(key, p);
      if (kind !== 'arg') this.known = null; // argument words are found by pattern
    }
    return p;
  }

  /** A file path; "" (unknown) stays "". */
  file(f: string): string {
    return f ? this.placeholder('path', f) : f;
  }

  /** Argument values as printed (`0xc000123000, 0x1?`, `{0x4, 0x10}`): every word a placeholder, the shape kept. */
  args(s: string): string {
    return s.replace(ARG_WORD, (w) => this.placeholder('arg', w));
  }

  /**
   * An input's name: a URL keeps its scheme, port and path and loses its host (and any user or
   * query values); a file path becomes `input-N`. A derived name such as `x.out (end)` keeps
   * its suffix.
   */
  inputName(name: string): string {
    if (name === '<stdin>' || name === '-' || name === '') return name;
    const derived = /^(.*) (\([^()]*\))$/.exec(name);
    if (derived && this.inputs.has(derived[1]!)) return `${this.inputs.get(derived[1]!)!} ${derived[2]!}`;
    let out = this.inputs.get(name);
    if (out !== undefined) return out;
    const url = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?(\[[^\]\s]+\]|[^\s/:?#\]]+)(:\d+)?(.*)$/i.exec(name);
    if (url) {
      const rest = url[4]!.replace(/([?&][^=&#]+=)[^&#]*/g, (_, k: string) => `${k}…`);
      out = `${url[1]}${this.placeholder('host', url[2]!)}${url[3] ?? ''}${rest}`;
    } else {
      out = this.placeholder('input', name);
    }
    this.inputs.set(name, out);
    this.known = null;
    return out;
  }

  /** Free text: every known path, label value, host and input name in it, every URL's host, absolute path and hex word replaced. */
  text(s: string): string {
    if (s === '') return s;
    if (this.known === null) {
      const known: { value: string; placeholder: string; anywhere: boolean }[] = [];
      for (const [k, placeholder] of this.placeholders) {
        const kind = k.slice(0, k.indexOf('\u0000')) as PlaceholderKind;
        const value = k.slice(kind.length + 1);
        if (kind === 'arg' || value.length < 3) continue;
        // paths and input names are specific enough to replace wherever they occur; a label
        // value or host name only where it stands alone (a label "http" is no part of net/http)
        known.push({ value, placeholder, anywhere: kind === 'path' || kind === 'input' });
      }
      for (const [value, placeholder] of this.inputs) if (value.length >= 3) known.push({ value, placeholder, anywhere: true });
      known.sort((a, b) => b.value.length - a.value.length);
      this.known = known;
    }
    let out = s;
    for (const k of this.known) {
      if (!out.includes(k.value)) continue;
      out = k.anywhere ? out.split(k.value).join(k.placeholder) : replaceStandalone(out, k.value, k.placeholder);
    }
    out = out.replace(URL, (_, scheme: string, host: string, port: string | undefined) => `${scheme}${this.placeholder('host', host)}${port ?? ''}`);
    out = out.replace(HEX, (h) => this.placeholder('arg', h));
    out = out.replace(ABS_PATH, (_, pre: string, p: string) => `${pre}${this.placeholder('path', p)}`);
    return out;
  }

  /** A redacted copy of a profile: file names, mapping files, label values, frame arguments, created-by files, comments. */
  profile(p: Profile): Profile {
    const strings = new StringTable(p.strings.values.slice());
    const remap = (col: Uint32Array, f: (s: string) => string): Uint32Array => {
      const memo = new Map<number, number>();
      const out = new Uint32Array(col.length);
      for (let i = 0; i < col.length; i++) {
        const idx = col[i]!;
        if (idx === 0) continue;
        let r = memo.get(idx);
        if (r === undefined) {
          r = strings.intern(f(p.strings.get(idx)));
          memo.set(idx, r);
        }
        out[i] = r;
      }
      return out;
    };
    const g = p.goroutines;
    return {
      ...p,
      strings,
      comments: p.comments.map((c) => this.text(c)),
      warnings: p.warnings.map((w) => this.text(w)),
      repairs: (p.repairs ?? []).map((w) => this.text(w)),
      verdict: p.verdict && {
        ...p.verdict,
        message: this.text(p.verdict.message),
        tests: p.verdict.tests.map((t) => this.text(t)),
        races: p.verdict.races.map((race) => race.map((x) => ({ ...x, access: this.text(x.access) }))),
      },
      mappings: p.mappings.map((m) => ({ ...m, filename: this.file(m.filename) })),
      functions: { ...p.functions, filename: remap(p.functions.filename, (f) => this.file(f)) },
      samples: { ...p.samples, labelStr: remap(p.samples.labelStr, (v) => this.placeholder('label', v)) },
      goroutines: g && {
        ...g,
        createdByFile: remap(g.createdByFile, (f) => this.file(f)),
        frameArgs: remap(g.frameArgs, (a) => (a === '...' ? a : this.args(a))),
      },
    };
  }

  /** A redacted copy of a trace: frame files, goroutine label and log strings. */
  trace(t: Trace): Trace {
    const strings = new StringTable(t.strings.values.slice());
    const memo = new Map<string, number>();
    const put = (s: string): number => {
      let r = memo.get(s);
      if (r === undefined) memo.set(s, (r = strings.intern(s)));
      return r;
    };
    const file = t.frames.file.map((i) => (i === 0 ? 0 : put(this.file(t.strings.get(i)))));
    const { kind, str } = t.events;
    const eventStr = new Uint32Array(str.length);
    for (let i = 0; i < str.length; i++) {
      const s = str[i]!;
      eventStr[i] = s !== 0 && USER_STRING_EVENTS.has(kind[i]!) ? put(this.placeholder('label', t.strings.get(s))) : s;
    }
    return { ...t, strings, frames: { ...t.frames, file }, events: { ...t.events, str: eventStr }, warnings: t.warnings.map((w) => this.text(w)) };
  }

  /** A copy of a plain JSON-like value with its strings redacted by the key they stand under. */
  value<T>(v: T, key = ''): T {
    if (typeof v === 'string') {
      if (key === 'file') return this.file(v) as T;
      if (INPUT_KEYS.has(key)) return this.inputName(v) as T;
      if (KEEP.has(key)) return v;
      return this.text(v) as T;
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x, key)) as T;
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, this.value(x, key)])) as T;
    if (v !== null && typeof v === 'object' && (v as object).constructor === Object) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = this.value(x, k);
      return out as T;
    }
    return v;
  }
}

function replaceStandalone(s: string, value: string, placeholder: string): string {
  let out = '';
  let from = 0;
  for (let i = s.indexOf(value); i >= 0; i = s.indexOf(value, i + value.length)) {
    const before = i > 0 ? s[i - 1]! : ' ';
    const after = i + value.length < s.length ? s[i + value.length]! : ' ';
    if (WORDISH.test(before) || WORDISH.test(after)) continue;
    out += s.slice(from, i) + placeholder;
    from = i + value.length;
  }
  return out + s.slice(from);
}

/** The analysis's profiles (and trace), redacted: done for every input before any text is, so text finds every value. */
function redactData(r: Redactor, a: InputAnalysis) {
  if (a.type === 'profile') return { type: 'profile' as const, profile: r.profile(a.profile) };
  const trace = r.trace(a.trace);
  return {
    type: 'trace' as const,
    trace,
    snapshot: r.profile(a.snapshot),
    startSnapshot: r.profile(a.startSnapshot),
    endKnownSnapshot: r.profile(a.endKnownSnapshot),
    blocking: a.blocking.map((b) => r.profile(b.profile)),
  };
}

function rows<T extends { samples: number[] }>(r: Redactor, b: T[]): T[] {
  // sample rows are numbers, kept as they are (and not copied)
  return r.value(b.map((x) => ({ ...x, samples: [] as number[] }))).map((x, i) => ({ ...x, samples: b[i]!.samples }));
}

/**
 * Redacted copies of the analyses, the diagnosis and the input errors: the one entry point every
 * report form goes through. Counts, severities, finding ids and function names are unchanged.
 */
export function redactReport(
  analyses: InputAnalysis[],
  diagnosis: Diagnosis,
  errors: InputError[] = [],
): { analyses: InputAnalysis[]; diagnosis: Diagnosis; errors: InputError[] } {
  const r = new Redactor();
  // input names and the profiles' values first: text that quotes one (`The trace x.out shows these waits too`,
  // a file name in a holder's description) then finds its placeholder
  for (const a of analyses) r.inputName(a.path);
  for (const e of errors) r.inputName(e.path);
  const data = analyses.map((a) => redactData(r, a));
  const out: InputAnalysis[] = analyses.map((a, i) => {
    const d = data[i]!;
    const path = r.inputName(a.path);
    const warnings = a.warnings.map((w) => r.text(w));
    if (a.type === 'profile' && d.type === 'profile') {
      // again now that every value is known
      const comments = a.profile.comments.map((c) => r.text(c));
      const repairs = a.repairs.map((w) => r.text(w));
      const profile = { ...d.profile, comments, warnings: a.profile.warnings.map((w) => r.text(w)), repairs };
      return { ...a, path, warnings, repairs, profile, comments: a.comments.map((c) => r.text(c)), buckets: a.buckets ? rows(r, a.buckets) : null };
    }
    if (a.type !== 'trace' || d.type !== 'trace') throw new Error('unreachable');
    return {
      ...a,
      path,
      warnings,
      trace: d.trace,
      goroutineSummary: { ...a.goroutineSummary, trace: a.goroutineSummary.trace === null ? null : d.trace },
      snapshot: d.snapshot,
      startSnapshot: d.startSnapshot,
      endKnownSnapshot: d.endKnownSnapshot,
      buckets: rows(r, a.buckets),
      blocking: a.blocking.map((b, j) => ({ ...b, profile: d.blocking[j]! })),
      waitLatency: a.waitLatency ? r.value(a.waitLatency) : null,
    };
  });
  return {
    analyses: out,
    diagnosis: r.value(diagnosis),
    errors: errors.map((e) => ({ path: r.inputName(e.path), message: r.text(e.message) })),
  };
}
