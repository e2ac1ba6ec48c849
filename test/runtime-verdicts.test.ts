/**
 * The runtime's own verdicts lead the diagnosis: real outputs of samples/runtime-verdicts
 * (a deadlock, a test time-out, a data race, concurrent map writes, a nil dereference, a leak
 * checker's failure), the same outputs pasted through logs and chats, and the corpus's crash
 * dumps.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, type Diagnosis } from '../src/analyze/diagnose.js';
import { analyzeDecoded, type ProfileAnalysis } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import { corpusFile, manifest, repoRoot } from './helpers/corpus.js';
import { applyAll } from './helpers/paste-variants.js';

const dir = path.join(repoRoot, 'samples', 'runtime-verdicts');
const enc = new TextEncoder();

function diagnoseText(name: string, text: string): { d: Diagnosis; a: ProfileAnalysis } {
  const a = analyzeDecoded(name, decode(enc.encode(text))) as ProfileAnalysis;
  return { d: diagnose([a]), a };
}

interface Case {
  /** The finding that must lead. */
  id: string;
  /** What the leading finding's summary must name, read off the program's source. */
  names: RegExp[];
  /** The remediation must speak to the cause. */
  remedy?: RegExp;
}

const cases: Record<string, Case> = {
  deadlock: {
    id: 'deadlock-suspect',
    // main first, then every goroutine stuck in the warehouse program, each with what it waits on
    names: [/wait on each other: goroutine 1 \[(?:sync\.WaitGroup\.Wait|semacquire)\] in main\.main \(main\.go:\d+\)/, /main\.\(\*warehouse\)\.reserve/, /\[chan send\] in main\.priceWorker/, /\[chan receive\] in main\.ledgerWriter/],
  },
  'test-timeout': {
    id: 'test-timeout',
    // the test's own goroutine, stuck on the cache's lock, is the first suspect
    names: [/are the suspects \(the test's own first, then the longest waits\): goroutine \d+ \[(?:sync\.Mutex\.Lock|semacquire)\] in shop\/cartcache\.\(\*Cache\)\.Get \(cache\.go:\d+\)/, /shop\/cartcache\.\(\*Store\)\.Load/],
  },
  'data-race': {
    id: 'data-race',
    names: [/^The race detector reported (?:a data race|\d+ data races): (?:read|write) by goroutine \d+ in main\.\w+/, /races with the previous (?:read|write) by (?:goroutine \d+|the main goroutine)/],
    remedy: /sync\.Mutex/,
  },
  'concurrent-map-writes': {
    id: 'crash',
    names: [/^The runtime stopped the program: "fatal error: concurrent map writes" in goroutine \d+, at main\.\w+/],
    remedy: /sync\.Mutex or sync\.RWMutex, or use sync\.Map/,
  },
  panic: {
    id: 'crash',
    names: [/^The program panicked: "panic: runtime error: invalid memory address or nil pointer dereference" in goroutine \d+, at main\.\(\*invoiceWorker\)\.render \(main\.go:\d+\)/],
    remedy: /nil pointer was dereferenced/,
  },
  goleak: {
    id: 'goroutine-leak',
    names: [/found unexpected goroutines/, /goroutine \d+ \[chan send\] in shop\/notify\.Send\.func1 \(notify\.go:\d+\), started by shop\/notify\.Send/],
  },
};

const captures = readdirSync(dir)
  .filter((c) => existsSync(path.join(dir, c)) && c in cases)
  .flatMap((c) =>
    readdirSync(path.join(dir, c))
      .filter((v) => /^go1\.\d+/.test(v) && existsSync(path.join(dir, c, v, 'output.txt')))
      .map((v) => ({ c, v, file: path.join(dir, c, v, 'output.txt') })),
  );

function expectLead(d: Diagnosis, want: Case, what: string): void {
  const lead = d.findings[0]!;
  expect(lead.id, `${what}: ${d.findings.map((f) => f.id).join(', ')}`).toBe(want.id);
  expect(lead.severity).toBe('critical');
  expect(lead.runtimeVerdict).toBeTruthy();
  expect(d.verdict.startsWith(`CRITICAL: ${lead.title}.`)).toBe(true);
  for (const re of want.names) expect(lead.summary, what).toMatch(re);
  if (want.remedy) expect(lead.remediation.join(' ')).toMatch(want.remedy);
  expect(lead.evidence.length).toBeGreaterThan(0);
}

describe('runtime verdicts lead', () => {
  it('has a capture of every case', () => {
    for (const c of Object.keys(cases)) expect(captures.some((x) => x.c === c), c).toBe(true);
    expect(captures.filter((x) => x.c === 'deadlock').length).toBeGreaterThanOrEqual(2);
  });
  for (const { c, v, file } of captures) {
    it(`${c} ${v}`, () => {
      const text = readFileSync(file, 'utf8');
      const { d, a } = diagnoseText(file, text);
      expectLead(d, cases[c]!, `${c} ${v}`);
      const verdictLine = a.profile.verdict!.message;
      expect(text).toContain(verdictLine);
    });
    it(`${c} ${v}, pasted`, () => {
      const text = readFileSync(file, 'utf8');
      const clean = diagnoseText(file, text).d.findings[0]!;
      for (const names of [['criPrefix'], ['jsonField'], ['quotedLines'], ['syslog', 'crlf'], ['tabsToSpaces', 'kubectlPrefix'], ['glued'], ['logfmt']]) {
        const { d, a } = diagnoseText(file, applyAll(names, text, { earlier: text, form: 'debug2' }));
        expectLead(d, cases[c]!, `${c} ${v} ${names.join('+')}`);
        expect(d.findings[0]!.summary, names.join('+')).toBe(clean.summary);
        expect(a.repairs.length, names.join('+')).toBeGreaterThan(0);
      }
    });
  }
});

describe("the corpus's crash dumps lead with their crash", () => {
  const rows = manifest().filter((r) => r.kind === 'text-panic' || r.kind === 'text-goroutine-debug2');
  const crashes = rows.filter((r) => /^(?:panic: |fatal error: |SIG[A-Z]+: |WARNING: DATA RACE)/m.test(new TextDecoder().decode(corpusFile(r.path))));
  it('has crash dumps of every kind', () => {
    expect(crashes.length).toBeGreaterThanOrEqual(15);
  });
  for (const r of crashes) {
    it(r.path, () => {
      const text = new TextDecoder().decode(corpusFile(r.path));
      const { d, a } = diagnoseText(r.path, text);
      const lead = d.findings[0]!;
      expect(['crash', 'deadlock-suspect', 'test-timeout', 'data-race']).toContain(lead.id);
      expect(lead.severity).toBe('critical');
      // the message leads, as the runtime printed it
      const v = a.profile.verdict!;
      expect(text).toContain(v.message);
      if (v.kind === 'data-race') expect(text).toContain('WARNING: DATA RACE');
      else expect(d.verdict).toContain(v.message.includes('deadlock') ? 'deadlock' : v.message.slice(0, 60));
    });
  }
});
