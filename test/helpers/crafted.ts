/**
 * A hostile goroutine profile: the real mutex-hot capture (Go 1.27) with the contended
 * function, a file path and the label values renamed to markup, Markdown and control
 * characters — what an attacker who controls identifiers, build paths or labels could make a
 * profile say.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { repoRoot } from './corpus.js';

export const PAYLOADS = {
  function: 'main.(*priceCache).<script>window.__pwned=1</script>|`x`',
  file: '/src/"><img src=x onerror="window.__pwned=2">/main.go',
  label: '[click](javascript:window.__pwned=3) | <b>bold</b> \u001b[31mred',
};

export function craftedGoroutineProfile(): Uint8Array {
  const file = path.join(repoRoot, 'samples', 'mutex-hot', 'go1.27', 'goroutine.pb.gz');
  const p = Profile.decode(gunzipSync(readFileSync(file)));
  const strings = p.stringTable.strings;
  let renamed = 0;
  for (const f of p.function) {
    const name = strings[Number(f.name)];
    if (name === 'main.(*priceCache).price') {
      f.name = f.systemName = p.stringTable.dedup(PAYLOADS.function);
      f.filename = p.stringTable.dedup(PAYLOADS.file);
      renamed++;
    }
  }
  for (const s of p.sample) for (const l of s.label) if (Number(l.str) !== 0) l.str = p.stringTable.dedup(PAYLOADS.label);
  if (renamed === 0) throw new Error('the mutex-hot capture no longer has main.(*priceCache).price');
  return p.encode();
}
