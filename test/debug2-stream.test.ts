/**
 * The debug=2 reader fed its text in pieces gives the same profile as the whole text, over every
 * goroutine dump and traceback the samples and the shared corpus hold: pieces of 1 byte (only for
 * the smaller files, it is slow), 7 bytes and 64 KiB, so that lines, CRLF ends and multi-byte
 * characters are split between pieces.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeGoroutineDebug2, GoroutineDebug2Stream } from '../src/decode/goroutine-debug2.js';
import { firstRecordForm } from '../src/decode/goroutine-text.js';
import { needsUnpaste, unpaste } from '../src/decode/paste.js';
import type { Profile } from '../src/model/profile.js';
import { corpusFile, manifest, repoRoot } from './helpers/corpus.js';

function sampleTexts(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) sampleTexts(p, out);
    else if (e.endsWith('.txt')) out.push(p);
  }
  return out;
}

/** Every text input read by the debug=2 reader, as it reads it (after any paste repair). */
function inputs(): { name: string; text: string }[] {
  const all: { name: string; bytes: Uint8Array }[] = [];
  for (const f of sampleTexts(path.join(repoRoot, 'samples'), [])) all.push({ name: path.relative(repoRoot, f), bytes: readFileSync(f) });
  for (const row of manifest()) {
    if (row.kind.startsWith('text-') && !row.gzip) all.push({ name: row.path, bytes: corpusFile(row.path) });
  }
  const out: { name: string; text: string }[] = [];
  for (const { name, bytes } of all) {
    let text = new TextDecoder().decode(bytes);
    if (needsUnpaste(text.slice(0, 65536))) text = unpaste(text).text;
    if (firstRecordForm(text) === 'debug2') out.push({ name, text });
  }
  return out;
}

function decodeInPieces(text: string, size: number): Profile {
  const s = new GoroutineDebug2Stream();
  for (let at = 0; at < text.length; at += size) s.push(text.slice(at, at + size));
  return s.end();
}

function outcome(f: () => Profile): Profile | string {
  try {
    return f();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

const texts = inputs();

describe('the debug=2 reader in pieces', () => {
  it('has real dumps to read: samples and corpus, with panics, races and several dumps in one text', () => {
    expect(texts.length).toBeGreaterThan(90);
    expect(texts.some((t) => t.name.startsWith('samples/runtime-verdicts/data-race'))).toBe(true);
    expect(texts.some((t) => !t.name.startsWith('samples/'))).toBe(true);
    const several = texts.filter((t) => (decodeGoroutineDebug2(t.text).repairs ?? []).some((r) => /dumps/.test(r)));
    expect(several.length).toBeGreaterThan(0);
  });

  for (const { name, text } of texts) {
    it(`${name}: the same profile from pieces of 1, 7 and 65,536 characters`, () => {
      const whole = outcome(() => decodeGoroutineDebug2(text));
      const sizes = text.length <= 40_000 ? [1, 7, 65536] : [7, 65536];
      for (const size of sizes) expect(outcome(() => decodeInPieces(text, size)), `pieces of ${size}`).toEqual(whole);
    });
  }
});
