/** `pprof-diag rules`: the signatures goroutine stacks are matched against. */

import { signatureSet } from '../analyze/diagnose.js';
import { loadPacks } from './setup.js';
import { type Io } from './terminal.js';

export function rulesCommand(flags: { rules: string[]; format: 'text' | 'json' }, io: Io): number {
  const set = signatureSet({ packs: loadPacks(flags.rules) });
  if (flags.format === 'json') {
    io.out(JSON.stringify(set.compiled.map((c) => c.sig), null, 2) + '\n');
    return 0;
  }
  let pack = '';
  for (const c of set.compiled) {
    if (c.sig.pack !== pack) {
      pack = c.sig.pack;
      io.out(`\n${pack}\n`);
    }
    io.out(`  ${c.sig.id.padEnd(40)} ${c.sig.role.padEnd(10)} ${c.sig.description}\n`);
  }
  return 0;
}
