/**
 * The finding rules: every signature id they read exists in the built-in packs, and the rules
 * that judge one snapshot, snapshots in time order, and one cause per finding.
 */
import { describe, expect, it } from 'vitest';
import { SIG } from '../src/analyze/signature-ids.js';
import { builtinPacks } from '../src/signatures/builtin.js';

describe('signature ids the rules read', () => {
  const ids = new Set(builtinPacks.flatMap((p) => p.signatures.map((s) => s.id)));
  for (const [name, id] of Object.entries(SIG)) {
    it(`${name} = ${id} is a built-in signature`, () => {
      expect(ids.has(id)).toBe(true);
    });
  }
});
