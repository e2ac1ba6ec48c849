// Prints the scenario table of samples/README.md from every samples/*/scenario.json and the
// Go versions actually captured (the go1.* folders present).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const rows = ['| scenario | what goes wrong | captured with | expected diagnosis |', '| --- | --- | --- | --- |'];
for (const d of readdirSync(root).sort()) {
  const f = path.join(root, d, 'scenario.json');
  if (!existsSync(f)) continue;
  const s = JSON.parse(readFileSync(f, 'utf8'));
  const versions = readdirSync(path.join(root, d))
    .filter((v) => /^go1\.\d+$/.test(v))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  const expected = s.expected.findings.length
    ? s.expected.findings.map((x) => `\`${x.id}\` (${x.severity})`).join(', ')
    : 'no warning or critical finding';
  const cell = (t) => String(t).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  rows.push(`| ${d} | ${cell(s.whatGoesWrong)} | ${versions.join(', ') || 'not captured yet'} | ${expected} |`);
}
console.log(rows.join('\n'));
