/**
 * --redact: after redaction no file path, host name, label value or argument value of the inputs
 * appears in any report form, function names stay, and the diagnosis is the same.
 */
import { viewMarks } from '../src/analyze/sample-marks.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, signatureSet } from '../src/analyze/diagnose.js';
import { analyzeDecoded, type InputAnalysis } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import type { Profile } from '../src/model/profile.js';
import { htmlReport } from '../src/report/html.js';
import { jsonReport } from '../src/report/json.js';
import { markdownReport } from '../src/report/markdown.js';
import { Redactor, redactReport } from '../src/report/redact.js';
import { textReport, plain } from '../src/report/text.js';
import { reportView } from '../src/report/view.js';
import { repoRoot } from './helpers/corpus.js';
import { viewerAssets } from './helpers/reports.js';
import { parseReport } from './helpers/schema.js';
import { framesThatMatter } from '../src/report/frames.js';

const HOST = 'db-7.prod.internal';
const dir = path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27');
const inputs: [string, string][] = [
  [path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'goroutine.pb.gz')],
  [`http://${HOST}:6060/debug/pprof/goroutine?debug=2`, path.join(dir, 'goroutine.debug2.txt')],
  [path.join(dir, 'mutex.pb.gz'), path.join(dir, 'mutex.pb.gz')],
  [path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'trace.out'), path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'trace.out')],
];

/** The values redaction must remove, read from the unredacted analyses. */
function secrets(analyses: InputAnalysis[]): { paths: Set<string>; labels: Set<string>; args: Set<string> } {
  const paths = new Set<string>();
  const labels = new Set<string>();
  const args = new Set<string>();
  const learn = (p: Profile) => {
    for (let i = 0; i < p.functions.length; i++) {
      const f = p.strings.get(p.functions.filename[i]!);
      if (f.startsWith('/')) paths.add(f);
    }
    for (let i = 0; i < p.samples.labelStr.length; i++) {
      const v = p.strings.get(p.samples.labelStr[i]!);
      if (v.length >= 3) labels.add(v);
    }
    if (p.goroutines) for (let i = 0; i < p.goroutines.frameArgs.length; i++) for (const m of p.strings.get(p.goroutines.frameArgs[i]!).matchAll(/0x[0-9a-f]{6,}/g)) args.add(m[0]);
  };
  for (const a of analyses) {
    learn(a.type === 'profile' ? a.profile : a.snapshot);
    if (!a.path.startsWith('http')) paths.add(a.path);
  }
  return { paths, labels, args };
}

function reports(analyses: InputAnalysis[], d: ReturnType<typeof diagnose>, redacted: boolean): string[] {
  const view = reportView(analyses, [], d, { toolVersion: 't', marks: viewMarks(analyses, d, signatureSet()), redacted });
  return [
    jsonReport(analyses, [], { toolVersion: 't', diagnosis: d, redacted }),
    markdownReport(analyses, [], { toolVersion: 't', diagnosis: d, redacted }),
    htmlReport(view, viewerAssets()),
    textReport(analyses, [], { paint: plain, buckets: 50, frames: 50, diagnosis: d }),
  ];
}

describe('--redact', () => {
  const analyses = inputs.map(([name, file]) => analyzeDecoded(name, decode(new Uint8Array(readFileSync(file)))));
  const d = diagnose(analyses);
  const s = secrets(analyses);
  const r = redactReport(analyses, d);
  const before = reports(analyses, d, false);
  const after = reports(r.analyses, r.diagnosis, true);

  it('has secrets to remove: the unredacted reports show paths, arguments and the host', () => {
    expect(s.paths.size).toBeGreaterThan(10);
    expect(s.args.size).toBeGreaterThan(10);
    expect(s.labels.size).toBeGreaterThan(0);
    const all = before.join('\n');
    expect([...s.paths].some((p) => all.includes(p))).toBe(true);
    expect([...s.args].some((a) => all.includes(a))).toBe(true);
    expect(all).toContain(HOST);
  });

  it('leaves no path, host, label value or argument value in any form', () => {
    for (const out of after) {
      expect(out).not.toContain(HOST);
      expect(out).not.toContain(repoRoot);
      for (const p of s.paths) expect(out.includes(p), p).toBe(false);
      for (const a of s.args) expect(out.includes(a), a).toBe(false);
      for (const l of s.labels) expect(out.includes(l), l).toBe(false);
    }
  });

  it('keeps the function names and the diagnosis, and says it is redacted', () => {
    const shape = (x: typeof d) => x.findings.map((f) => [f.id, f.severity, f.goroutines, f.evidence.map((e) => e.frames.map((fr) => fr.function))]);
    expect(shape(r.diagnosis)).toEqual(shape(d));
    // the first frames the Markdown shows of each stack (Go's own between the program's are folded)
    for (const f of d.findings) for (const e of f.evidence.slice(0, 2)) for (const x of framesThatMatter(e.frames).shown.slice(0, 4)) if ('frame' in x) expect(after[1]).toContain(x.frame.function);
    expect(after[2]).toContain('main.(*priceCache).price');
    const doc = parseReport(after[0]!);
    expect(doc.redacted).toBe(true);
    expect(after[1]).toMatch(/\*\*Redacted:\*\*/);
    expect(after[2]).toContain('"redacted":true');
  });

  it('gives the same value the same placeholder everywhere', () => {
    const doc = parseReport(after[0]!);
    const files = new Map<string, Set<string>>();
    for (const f of doc.findings) for (const e of f.evidence) for (const fr of e.frames) (files.get(fr.function) ?? files.set(fr.function, new Set()).get(fr.function)!).add(fr.file);
    const sync = files.get('sync.(*Mutex).Lock');
    expect(sync && [...sync].every((x) => /^path-\d+$/.test(x))).toBe(true);
    expect(doc.inputs.map((i: { path: string }) => i.path)).toEqual(['input-1', 'http://host-1:6060/debug/pprof/goroutine?debug=…', 'input-2', 'input-3']);
  });
});

describe('Redactor text rules', () => {
  // values as the samples carry them: a label value, a host, a file and an input name
  const analyses = [analyzeDecoded('samples/db-pool-pq/go1.27/goroutine.debug1.txt', decode(new Uint8Array(readFileSync(path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'goroutine.debug1.txt')))))];
  const d = diagnose(analyses);

  it('replaces a label value where it stands alone, never inside a function name', () => {
    const r = new Redactor();
    const label = r.placeholder('label', 'http');
    expect(r.text('tenant http waits in net/http.(*conn).serve')).toBe(`tenant ${label} waits in net/http.(*conn).serve`);
  });

  it('takes the host, user and query values out of a URL, and keeps the derived names of an input', () => {
    const r = new Redactor();
    expect(r.inputName('http://ops:s3cret@pprof.corp.example:6060/debug/pprof/goroutine?debug=2&token=abc')).toBe('http://host-1:6060/debug/pprof/goroutine?debug=…&token=…');
    expect(r.text('nothing listens at pprof.corp.example:6060; see https://pprof.corp.example/x')).toBe('nothing listens at host-1:6060; see https://host-1/x');
    const name = r.inputName('/srv/incident/trace.out');
    expect(r.inputName('/srv/incident/trace.out (end)')).toBe(`${name} (end)`);
    expect(r.text('The trace /srv/incident/trace.out agrees')).toBe(`The trace ${name} agrees`);
    expect(r.text('C:\\Users\\ops\\main.go:12 and /home/ops/svc/db.go')).toBe('path-1:12 and path-2');
  });

  it('leaves the inputs alone and redacts a copy', () => {
    const path0 = analyses[0]!.path;
    const file0 = JSON.stringify(d.findings[0]!.evidence[0]!.frames[0]!.file);
    const r = redactReport(analyses, d);
    expect(analyses[0]!.path).toBe(path0);
    expect(JSON.stringify(d.findings[0]!.evidence[0]!.frames[0]!.file)).toBe(file0);
    expect(r.diagnosis.findings[0]!.evidence[0]!.frames[0]!.file).toMatch(/^path-\d+$/);
    const p = r.analyses[0]!.type === 'profile' ? r.analyses[0]!.profile : null;
    const labels = new Set([...p!.samples.labelStr].filter((s) => s !== 0).map((s) => p!.strings.get(s)));
    expect(labels.size).toBeGreaterThan(3); // endpoint and tenant values
    for (const l of labels) expect(l).toMatch(/^label-\d+$/);
  });
});
