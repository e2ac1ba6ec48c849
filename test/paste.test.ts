/**
 * Dumps as people paste them: every sample's real debug=1 and debug=2 dump, damaged
 * mechanically the ways logs, chats and tickets damage text, gives the clean file's goroutine
 * groups and findings, and says what it repaired.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/analyze/diagnose.js';
import { analyzeDecoded, type ProfileAnalysis } from '../src/analyze/index.js';
import { decode } from '../src/decode/index.js';
import { corpusFile, manifest, repoRoot } from './helpers/corpus.js';
import { applyAll, combinations, transforms, type VariantContext } from './helpers/paste-variants.js';
import { reportsOf } from './helpers/reports.js';
import { jsonReport } from '../src/report/json.js';
import { mdText } from '../src/report/markdown.js';
import { plain, textReport } from '../src/report/text.js';

const samplesDir = path.join(repoRoot, 'samples');
const enc = new TextEncoder();

function analyse(name: string, text: string): { a: ProfileAnalysis; groups: string[]; findings: string[] } {
  const a = analyzeDecoded(name, decode(enc.encode(text))) as ProfileAnalysis;
  const groups = (a.buckets ?? []).map((b) => `${b.count} [${b.waitReason}] ${b.frames.map((f) => `${f.function}:${f.line}`).join(' < ')} by ${b.createdBy}`).sort();
  const findings = diagnose([a]).findings.map((f) => `${f.id}/${f.severity}/${f.goroutines}`).sort();
  return { a, groups, findings };
}

interface Dump {
  file: string;
  form: 'debug1' | 'debug2';
  text: string;
  earlier: string;
}

/** Every scenario's text dumps: the newest Go version gets every transform, the others the combinations. */
function dumps(): { newest: Dump[]; others: Dump[] } {
  const newest: Dump[] = [];
  const others: Dump[] = [];
  for (const scenario of readdirSync(samplesDir)) {
    const dir = path.join(samplesDir, scenario);
    if (!existsSync(path.join(dir, 'scenario.json')) && scenario !== 'goroutine-forms') continue;
    const versions = readdirSync(dir).filter((d) => /^go1\.\d+$/.test(d)).sort((a, b) => Number(b.slice(4)) - Number(a.slice(4)));
    versions.forEach((v, i) => {
      for (const form of ['debug1', 'debug2'] as const) {
        // every dump of the sample: the first snapshot, the second, the goroutineleak profile
        const first = path.join(dir, v, `goroutine.${form}.txt`);
        for (const name of [`goroutine.2.${form}.txt`, `goroutine.${form}.txt`, `goroutineleak.${form}.txt`]) {
          const file = path.join(dir, v, name);
          if (!existsSync(file)) continue;
          const text = readFileSync(file, 'utf8');
          const d = { file: path.relative(repoRoot, file), form, text, earlier: existsSync(first) && file !== first ? readFileSync(first, 'utf8') : text };
          // the newest Go's latest snapshot gets every transformation, every other dump the combinations
          (i === 0 && newest.every((x) => path.dirname(x.file) !== path.dirname(d.file) || x.form !== form) ? newest : others).push(d);
        }
      }
    });
  }
  return { newest, others };
}

const { newest, others } = dumps();

function check(d: Dump, names: string[]) {
  const ctx: VariantContext = { earlier: d.earlier, form: d.form };
  // only the header line tells a goroutineleak profile from a goroutine profile: without it
  // the paste is read as a goroutine profile (and says so), so its leak finding cannot stand
  if (names.includes('noHeader') && /^goroutineleak profile:/m.test(d.text)) names = names.filter((n) => n !== 'noHeader');
  const clean = analyse(d.file, d.text);
  const variant = applyAll(names, d.text, ctx);
  const pasted = analyse(d.file, variant);
  expect(pasted.groups).toEqual(clean.groups);
  expect(pasted.findings).toEqual(clean.findings);
  expect(pasted.a.goroutines).toBe(clean.a.goroutines);
  const repairs = pasted.a.profile.repairs ?? [];
  // CRLF line ends need no repair; a transformation that found nothing to change made none
  if (variant !== d.text && !(names.length === 1 && names[0] === 'crlf')) {
    expect(repairs.length, `${names.join('+')} is stated as a repair`).toBeGreaterThan(0);
  }
  return { clean, pasted, repairs };
}

/** The transformations whose result must read as the clean dump, group for group. */
const faithful = Object.keys(transforms).filter((n) => n !== 'leakListing');

describe('pasted dumps read as the clean ones', () => {
  it('has dumps of every form', () => {
    expect(newest.filter((d) => d.form === 'debug1').length).toBeGreaterThanOrEqual(15);
    expect(newest.filter((d) => d.form === 'debug2').length).toBeGreaterThanOrEqual(15);
  });
  for (const d of newest) {
    it(`${d.file}: every transformation`, () => {
      for (const name of faithful) {
        try {
          check(d, [name]);
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`);
        }
      }
    });
  }
  for (const d of [...newest, ...others]) {
    it(`${d.file}: combinations`, () => {
      for (const names of combinations) {
        try {
          check(d, names);
        } catch (e) {
          throw new Error(`${names.join('+')}: ${(e as Error).message}`);
        }
      }
    });
  }
});

describe('what the repairs say', () => {
  const d1 = newest.find((d) => d.form === 'debug1' && d.file.includes('db-pool-pq'))!;
  const d2 = newest.find((d) => d.form === 'debug2' && d.file.includes('db-pool-pq'))!;

  it('a debug=1 paste without its header keeps the total', () => {
    const { clean, repairs, pasted } = check(d1, ['noHeader']);
    expect(pasted.a.statedTotal).toBeNull();
    expect(repairs.join('\n')).toMatch(new RegExp(`no "goroutine profile: total N" line .*read as a goroutine profile .*the total, ${clean.a.goroutines!.toLocaleString('en-US')}, is the sum`));
  });

  it('names the prefix it removed and how many lines', () => {
    const { repairs } = check(d2, ['criPrefix']);
    expect(repairs.join('\n')).toMatch(/a prefix like "2026-12-06T20:12:40\.123456789Z stderr F " removed from [\d,]+ lines/);
  });

  it('says that several dumps were pasted and which one is analysed', () => {
    const { repairs } = check(d2, ['twoDumps']);
    expect(repairs.join('\n')).toMatch(/^2 dumps in one text: the last \([\d,]+ goroutines from line \d+\) is analysed; earlier: [\d,]+ goroutines from line 1/m);
  });

  it('counts the elisions and lines it did not understand, naming the first', () => {
    const { repairs } = check(d1, ['elisions', 'logAround']);
    expect(repairs.join('\n')).toMatch(/elisions by whoever copied the dump \(first at line \d+: "\[\.\.\.\]"\)/);
    expect(repairs.join('\n')).toMatch(/3 lines not understood, skipped \(first at line 1: "2026\/12\/06 20:12:39 orders: listening on :8080"\)/);
  });

  it('never reads a debug=1 paste as stacks without frames', () => {
    for (const names of [['tabsToSpaces'], ['tabsToOneSpace'], ['syslogTabs']]) {
      const { pasted } = check(d1, names);
      for (const b of pasted.a.buckets!) expect(b.frames.length).toBeGreaterThan(0);
    }
  });
});

describe("a leak checker's listing of stacks without headers", () => {
  for (const d of newest.filter((x) => x.form === 'debug2').slice(0, 6)) {
    it(d.file, () => {
      const clean = analyse(d.file, d.text);
      const listing = transforms.leakListing!(d.text, { earlier: d.text, form: 'debug2' });
      const a = analyzeDecoded(d.file, decode(enc.encode(listing))) as ProfileAnalysis;
      // the same goroutines, stack for stack (the headers, and so the states, are gone)
      const stacks = (x: ProfileAnalysis) => {
        const m = new Map<string, number>();
        for (const b of x.buckets ?? []) {
          const k = b.frames.map((f) => `${f.function}:${f.line}`).join(' < ');
          m.set(k, (m.get(k) ?? 0) + b.count);
        }
        return [...m].sort();
      };
      expect(a.goroutines).toBe(clean.a.goroutines);
      expect(stacks(a)).toEqual(stacks(clean.a));
      expect(a.repairs.join(' ')).toMatch(/stacks without a "goroutine N \[state\]:" header read as goroutines of unknown state/);
      const lead = diagnose([a]).findings[0]!;
      expect(lead.id).toBe('goroutine-leak');
      expect(lead.runtimeVerdict).toBe('Too many goroutines running after net/http test(s).');
    });
  }
});

describe('repairs are stated in every output format', () => {
  it('text, Markdown, HTML and JSON', () => {
    const d = newest.find((x) => x.form === 'debug1' && x.file.includes('db-pool-pq'))!;
    const text = applyAll(['noHeader', 'criPrefix'], d.text, { earlier: d.earlier, form: 'debug1' });
    const r = reportsOf([{ name: 'pasted.txt', bytes: enc.encode(text) }]);
    const repairs = (r.analyses[0] as ProfileAnalysis).repairs;
    expect(repairs.length).toBe(2);
    for (const w of repairs) {
      expect(r.md).toContain(`- ${mdText(`read leniently: ${w}`)}`);
      expect(r.view.inputs[0]!.warnings).toContain(`read leniently: ${w}`);
      expect(r.html).toContain(JSON.stringify(`read leniently: ${w}`).slice(1, -1).replace(/</g, '\\u003c'));
      expect(textReport(r.analyses, [], { paint: plain, buckets: 5, frames: 5, diagnosis: r.diagnosis })).toContain(`read leniently: ${w}`);
      expect(JSON.parse(jsonReport(r.analyses, [], { toolVersion: 'test', diagnosis: r.diagnosis })).inputs[0].repairs).toContain(w);
    }
  });
});

describe("the corpus's text dumps, pasted, read as the clean ones", () => {
  const rows = manifest().filter((r) => r.kind === 'text-goroutine-debug1' || r.kind === 'text-goroutine-debug2' || r.kind === 'text-panic');
  it('has text dumps of both forms', () => {
    expect(rows.filter((r) => r.kind === 'text-goroutine-debug1').length).toBeGreaterThanOrEqual(4);
    expect(rows.length).toBeGreaterThanOrEqual(25);
  });
  for (const r of rows) {
    it(r.path, () => {
      const text = new TextDecoder().decode(corpusFile(r.path));
      const d: Dump = { file: r.path, form: r.kind === 'text-goroutine-debug1' ? 'debug1' : 'debug2', text, earlier: text };
      for (const name of faithful) {
        // text around a dump stays around it; a dump that is itself a log keeps its own lines
        try {
          check(d, [name]);
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`);
        }
      }
    });
  }
});
