/**
 * --redact on every samples/ scenario (each Go version, each goroutine form, the traces), all of a
 * scenario's inputs in one report: the values to remove are read from the unredacted analyses
 * through the model, and none of them is left in the text, JSON or Markdown report; the function
 * names and the diagnosis stay as they were.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, type Diagnosis } from '../src/analyze/diagnose.js';
import { analyzeDecoded, type InputAnalysis } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import type { Profile } from '../src/model/profile.js';
import { TraceEventKind } from '../src/model/trace.js';
import { jsonReport } from '../src/report/json.js';
import { markdownReport } from '../src/report/markdown.js';
import { redactReport } from '../src/report/redact.js';
import { plain, textReport } from '../src/report/text.js';
import { corpusFile, corpusRoot, manifest, repoRoot } from './helpers/corpus.js';
import { parseReport } from './helpers/schema.js';

const samplesDir = path.join(repoRoot, 'samples');
const INPUT = /^(goroutine|goroutineleak)(\.2)?\.(pb\.gz|debug1\.txt|debug2\.txt)$|^(heap|cpu|block|mutex|threadcreate)\.pb\.gz$|^trace\.out$/;
const HOST = 'pprof.payments-eu1.corp.example';

interface Values {
  paths: Set<string>;
  labels: Set<string>;
  args: Set<string>;
  functions: Set<string>;
}

/** What must go, and the function names that must stay, read from the model. */
function valuesOf(analyses: InputAnalysis[]): Values {
  const v: Values = { paths: new Set(), labels: new Set(), args: new Set(), functions: new Set() };
  const profile = (p: Profile) => {
    for (let i = 0; i < p.functions.length; i++) {
      v.functions.add(p.strings.get(p.functions.name[i]!));
      const f = p.strings.get(p.functions.filename[i]!);
      if (f) v.paths.add(f);
    }
    for (const m of p.mappings) if (m.filename) v.paths.add(m.filename);
    for (const s of p.samples.labelStr) if (s) v.labels.add(p.strings.get(s));
    const g = p.goroutines;
    if (g) {
      for (const s of g.createdByFile) if (s) v.paths.add(p.strings.get(s));
      for (const s of g.frameArgs) for (const m of p.strings.get(s).matchAll(/0x[0-9a-fA-F]+/g)) v.args.add(m[0]);
    }
  };
  for (const a of analyses) {
    if (!a.path.startsWith('http')) v.paths.add(a.path);
    if (a.type === 'profile') {
      profile(a.profile);
      continue;
    }
    for (const p of [a.snapshot, a.startSnapshot, ...a.blocking.map((b) => b.profile)]) profile(p);
    const t = a.trace;
    for (const f of t.frames.file) if (f) v.paths.add(t.strings.get(f));
    for (let i = 0; i < t.events.length; i++) {
      if (t.events.kind[i] === TraceEventKind.GoLabel && t.events.str[i]) v.labels.add(t.strings.get(t.events.str[i]!));
    }
  }
  return v;
}

/** Whether `value` occurs in `s` other than inside a longer word, path or function name. */
/**
 * A label value that reads as a figure the reports print themselves ("10ms", "2MiB") cannot be
 * told from those figures in the text: it is looked for where labels are written instead
 * (`key=10ms (3)`, `, 10ms (3)`, `"10ms"`).
 */
function labelShown(s: string, value: string): boolean {
  if (!/^-?[\d.]+(ns|us|ms|s|hrs|B|KiB|MiB|GiB|TiB)$/.test(value)) return standalone(s, value);
  return s.includes(`=${value}`) || s.includes(`, ${value} (`) || s.includes(`"${value}"`);
}

function standalone(s: string, value: string): boolean {
  const edge = /[\w./\\-]/;
  for (let i = s.indexOf(value); i >= 0; i = s.indexOf(value, i + 1)) {
    const before = i > 0 ? s[i - 1]! : ' ';
    const after = s[i + value.length] ?? ' ';
    if (!edge.test(before) && !edge.test(after)) return true;
  }
  return false;
}

/** The diagnosis without its words: ids, severities, counts, shares, minutes, signatures, functions. */
function skeleton(d: Diagnosis): unknown {
  const keep = new Set(['id', 'severity', 'signature', 'signatures', 'function', 'role', 'waitReason', 'createdBy', 'title', 'type']);
  const walk = (x: unknown, key: string): unknown => {
    if (typeof x === 'string') return keep.has(key) ? x : typeof x;
    if (Array.isArray(x)) return x.map((y) => walk(y, key));
    if (x instanceof Map) return [...x].map(([k, y]) => [k, walk(y, key)]);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y, k)]));
    return x;
  };
  return walk(d, '');
}

function scenarioDirs(): string[] {
  const out: string[] = [];
  for (const s of readdirSync(samplesDir).sort()) {
    const d = path.join(samplesDir, s);
    if (!existsSync(path.join(d, 'scenario.json')) && !existsSync(path.join(d, 'regen.sh'))) continue;
    for (const v of readdirSync(d).filter((x) => /^go1\.\d+$/.test(x))) out.push(path.join(s, v));
  }
  return out;
}

describe('--redact on every scenario', () => {
  const dirs = scenarioDirs();
  it('finds the scenarios', () => expect(dirs.length).toBeGreaterThanOrEqual(30));

  for (const rel of dirs) {
    it(`leaves no path, host, label or argument value of ${rel}`, () => {
      const dir = path.join(samplesDir, rel);
      const files = readdirSync(dir).filter((f) => INPUT.test(f)).sort();
      expect(files.length).toBeGreaterThan(0);
      // one input under a URL, as if fetched from a live endpoint
      const analyses = files.map((f, i) =>
        analyzeDecoded(i === 0 ? `http://${HOST}:6060/debug/pprof/${f}` : path.join(dir, f), decode(new Uint8Array(readFileSync(path.join(dir, f))))),
      );
      const d = diagnose(analyses);
      const v = valuesOf(analyses);
      expect(v.paths.size).toBeGreaterThan(files.length);
      const before = jsonReport(analyses, [], { toolVersion: 't', diagnosis: d, buckets: 1000 });
      // the unredacted report does show them
      expect(before).toContain(HOST);
      expect(before).toContain(repoRoot);
      expect(before).toMatch(/"file": "\//);

      const r = redactReport(analyses, d, [{ path: path.join(dir, 'missing.pb.gz'), message: `no such file ${path.join(dir, 'missing.pb.gz')}` }]);
      const json = jsonReport(r.analyses, r.errors, { toolVersion: 't', diagnosis: r.diagnosis, buckets: 1000, redacted: true });
      const text = textReport(r.analyses, r.errors, { paint: plain, buckets: 1000, frames: 1000, diagnosis: r.diagnosis });
      const md = markdownReport(r.analyses, r.errors, { toolVersion: 't', diagnosis: r.diagnosis, redacted: true });
      for (const [form, out] of [['json', json], ['text', text], ['md', md]] as const) {
        expect(out.includes(HOST), `${form}: host`).toBe(false);
        expect(out.includes(repoRoot), `${form}: repository path`).toBe(false);
        expect(out.match(/0x[0-9a-fA-F]+/)?.[0] ?? null, `${form}: argument value`).toBe(null);
        for (const p of v.paths) expect(out.includes(p), `${form}: path ${p}`).toBe(false);
        // a label value is looked for where it stands alone: "mail" inside main.(*mailer).send is
        // a function name, which stays; values under 3 characters ("de", "2") cannot be told from
        // words and counts in text, and are checked in the profiles below
        for (const l of v.labels) if (l.length >= 3) expect(labelShown(out, l), `${form}: label value ${l}`).toBe(false);
      }
      // the profiles a report could still draw from carry no such value either
      for (const a of r.analyses) {
        const p = a.type === 'profile' ? a.profile : a.snapshot;
        for (const f of p.functions.filename) if (f) expect(p.strings.get(f)).toMatch(/^path-\d+$/);
        for (const l of p.samples.labelStr) if (l) expect(p.strings.get(l)).toMatch(/^label-\d+$/);
        if (p.goroutines) for (const s of p.goroutines.frameArgs) expect(p.strings.get(s)).not.toMatch(/0x/);
      }

      const doc = parseReport(json);
      expect(doc.redacted).toBe(true);
      expect(doc.redactionNote).toMatch(/placeholders/);
      expect(doc.inputs[0].path).toBe(`http://host-1:6060/debug/pprof/${files[0]}`);
      // the same value, the same placeholder: the message quotes the input's name
      expect(doc.errors[0].path).toMatch(/^input-\d+$/);
      expect(doc.errors[0].message).toBe(`no such file ${doc.errors[0].path}`);
      // the diagnosis is the same, and so are the function names everywhere
      expect(skeleton(r.diagnosis)).toEqual(skeleton(d));
      expect(r.diagnosis.verdict.split(/\s+/).length).toBe(d.verdict.split(/\s+/).length);
      const functions = new Set<string>();
      JSON.parse(before, (k, x) => {
        if (k === 'function' && typeof x === 'string') functions.add(x);
        return x;
      });
      expect(functions.size).toBeGreaterThan(0);
      for (const f of functions) {
        expect(v.functions.has(f), f).toBe(true);
        expect(json.includes(JSON.stringify(f)), `json: function ${f}`).toBe(true);
      }
      for (const b of doc.inputs.flatMap((i: { buckets?: { frames: { function: string }[] }[] }) => i.buckets ?? [])) {
        for (const fr of b.frames) expect(text.includes(fr.function), `text: function ${fr.function}`).toBe(true);
      }
    });
  }
});

describe('--redact on the corpus', () => {
  it('leaves no path, label or argument value of any real third-party input that decodes', () => {
    let n = 0;
    let paths = 0;
    let shown = 0; // inputs whose unredacted report shows an absolute path
    for (const e of manifest()) {
      let decoded;
      try {
        decoded = decode(corpusFile(e.path));
      } catch {
        continue; // broken on purpose: the corpus tests check their errors
      }
      const analyses = [analyzeDecoded(path.join(corpusRoot, e.path), decoded)];
      const d = diagnose(analyses);
      const v = valuesOf(analyses);
      const before = jsonReport(analyses, [], { toolVersion: 't', diagnosis: d });
      if ([...v.paths].some((p) => p.startsWith('/') && before.includes(p))) shown++;
      const r = redactReport(analyses, d);
      const json = jsonReport(r.analyses, [], { toolVersion: 't', diagnosis: r.diagnosis, redacted: true });
      const text = textReport(r.analyses, [], { paint: plain, buckets: 50, frames: 50, diagnosis: r.diagnosis });
      for (const out of [json, text]) {
        expect(out.includes(corpusRoot), e.path).toBe(false);
        expect(out.match(/0x[0-9a-fA-F]+/)?.[0] ?? null, e.path).toBe(null);
        for (const p of v.paths) if (p.length >= 3) expect(out.includes(p), `${e.path}: path ${p}`).toBe(false);
        for (const l of v.labels) if (l.length >= 3) expect(labelShown(out, l), `${e.path}: label value ${l}`).toBe(false);
      }
      expect(skeleton(r.diagnosis), e.path).toEqual(skeleton(d));
      n++;
      paths += v.paths.size;
    }
    expect(n).toBeGreaterThan(50);
    expect(paths).toBeGreaterThan(1000);
    expect(shown).toBeGreaterThan(20);
  });
});
