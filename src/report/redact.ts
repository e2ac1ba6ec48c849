/**
 * Redaction for reports that leave the team: file paths, argument values, label values and host
 * names are replaced by stable placeholders (the same value gets the same placeholder throughout
 * one report: `path-1`, `arg-2`, `label-3`, `host-1`, `input-1`); function names, which are
 * what the diagnosis is about, stay. Works on what the reports read — the analyses and the
 * diagnosis — and returns redacted copies; the input objects are left alone.
 */

import type { Diagnosis } from '../analyze/diagnose.js';
import type { InputAnalysis } from '../analyze/index.js';
import type { Profile } from '../model/profile.js';
import type { InputError } from './json.js';

type Kind = 'path' | 'arg' | 'label' | 'host' | 'input';

/** Keys whose string values are Go identifiers or fixed vocabulary, kept as they are. */
const KEEP = new Set(['function', 'signature', 'signatures', 'id', 'severity', 'kind', 'format', 'role', 'type', 'unit', 'name', 'waitReason', 'pack', 'key', 'createdBy', 'title']);

const HEX = /\b0x[0-9a-fA-F]{4,}\b/g;
const URL_HOST = /\b([a-z][a-z0-9+.-]*:\/\/)(\[[^\]]+\]|[^\s/:?#]+)(:\d+)?/gi;
const ABS_PATH = /(^|[\s("'=])((?:\/[\w.@+~-]+){2,}\/?|[A-Za-z]:\\[^\s"']+)/g;

export class Redactor {
  private readonly placeholders = new Map<string, string>();
  private readonly counters: Record<Kind, number> = { path: 0, arg: 0, label: 0, host: 0, input: 0 };
  /** Known values to find inside free text, longest first once frozen. */
  private known: [string, string][] | null = null;

  placeholder(kind: Kind, value: string): string {
    const key = `${kind}\u0000${value}`;
    let p = this.placeholders.get(key);
    if (p === undefined) {
      p = `${kind}-${++this.counters[kind]}`;
      this.placeholders.set(key, p);
      this.known = null;
    }
    return p;
  }

  /** Learn the sensitive values of a profile: its file paths, label values and argument values. */
  learnProfile(p: Profile): void {
    const files = p.functions.filename;
    for (let i = 0; i < p.functions.length; i++) {
      const f = p.strings.get(files[i]!);
      if (f) this.placeholder('path', f);
    }
    const s = p.samples;
    for (let i = 0; i < s.labelStr.length; i++) {
      const v = p.strings.get(s.labelStr[i]!);
      if (v) this.placeholder('label', v);
    }
    const g = p.goroutines;
    if (g) {
      for (let i = 0; i < g.frameArgs.length; i++) {
        for (const m of p.strings.get(g.frameArgs[i]!).matchAll(HEX)) this.placeholder('arg', m[0]);
      }
      for (let i = 0; i < g.createdByFile.length; i++) {
        const f = p.strings.get(g.createdByFile[i]!);
        if (f) this.placeholder('path', f);
      }
    }
  }

  /** An input's name: a URL loses its host, a file path becomes a placeholder. */
  inputName(name: string): string {
    if (name === '<stdin>' || name === '-') return name;
    const url = /^([a-z][a-z0-9+.-]*:\/\/)(\[[^\]]+\]|[^\s/:?#]+)(:\d+)?(.*)$/i.exec(name);
    if (url) return `${url[1]}${this.placeholder('host', url[2]!)}${url[3] ?? ''}${url[4]!.replace(/([?&][^=&#]+=)[^&#]*/g, (_, k: string) => `${k}…`)}`;
    return this.placeholder('input', name);
  }

  /** Free text: every known value, host and hex value in it replaced. */
  text(s: string): string {
    if (this.known === null) {
      this.known = [...this.placeholders]
        .map(([k, p]) => [k.slice(k.indexOf('\u0000') + 1), p] as [string, string])
        .filter(([v]) => v.length >= 3)
        .sort((a, b) => b[0].length - a[0].length);
    }
    let out = s;
    for (const [v, p] of this.known) if (out.includes(v)) out = out.split(v).join(p);
    out = out.replace(URL_HOST, (_, scheme: string, host: string, port: string | undefined) => `${scheme}${this.placeholder('host', host)}${port ?? ''}`);
    out = out.replace(HEX, (h) => this.placeholder('arg', h));
    out = out.replace(ABS_PATH, (_, pre: string, p: string) => `${pre}${this.placeholder('path', p)}`);
    return out;
  }

  file(f: string): string {
    return f ? this.placeholder('path', f) : f;
  }

  /** A copy of a plain JSON-like value with its strings redacted by key. */
  value<T>(v: T, key = ''): T {
    if (typeof v === 'string') {
      if (key === 'file') return this.file(v) as T;
      if (key === 'path' || key === 'before' || key === 'after') return this.inputName(v) as T;
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

/**
 * Redacted copies of the analyses and the diagnosis, for every report form. Profiles stay as
 * they are (reports read only their function names); what reports print of them is redacted.
 */
export function redactReport(
  analyses: InputAnalysis[],
  diagnosis: Diagnosis,
  errors: InputError[] = [],
): { analyses: InputAnalysis[]; diagnosis: Diagnosis; errors: InputError[] } {
  const r = new Redactor();
  for (const a of analyses) {
    if (a.type === 'profile') r.learnProfile(a.profile);
    else r.learnProfile(a.snapshot);
  }
  for (const a of analyses) r.inputName(a.path);
  const out: InputAnalysis[] = analyses.map((a) => {
    const path = r.inputName(a.path);
    const warnings = a.warnings.map((w) => r.text(w));
    if (a.type === 'profile') {
      return {
        ...a,
        path,
        warnings,
        comments: a.comments.map((c) => r.text(c)),
        buckets: a.buckets ? r.value(a.buckets.map((b) => ({ ...b, samples: [] as number[] }))).map((b, i) => ({ ...b, samples: a.buckets![i]!.samples })) : null,
      };
    }
    return {
      ...a,
      path,
      warnings,
      buckets: r.value(a.buckets.map((b) => ({ ...b, samples: [] as number[] }))).map((b, i) => ({ ...b, samples: a.buckets[i]!.samples })),
      waitLatency: a.waitLatency ? r.value(a.waitLatency) : null,
    };
  });
  return { analyses: out, diagnosis: r.value(diagnosis), errors: errors.map((e) => ({ path: r.inputName(e.path), message: r.text(e.message) })) };
}
