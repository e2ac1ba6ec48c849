/** The shared corpus of real profiles beside the repository, and its manifest. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corpusRoot = path.resolve(repoRoot, '..', 'shared', 'corpus');
export const goldenRoot = path.join(repoRoot, 'test', 'golden', 'corpus');

export interface ManifestRow {
  path: string;
  sourceRepo: string;
  kind: string;
  gzip: boolean;
  size: number;
  note: string;
}

export function manifest(): ManifestRow[] {
  const file = path.join(corpusRoot, 'MANIFEST.tsv');
  if (!existsSync(file)) throw new Error(`the shared corpus is missing: ${file}`);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]!.split('\t');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`MANIFEST.tsv has no ${name} column`);
    return i;
  };
  const [p, repo, kind, gz, size, note] = ['path', 'source_repo', 'kind', 'gzip', 'size_bytes', 'note'].map(col);
  return lines.slice(1).map((l) => {
    const f = l.split('\t');
    return {
      path: f[p!]!,
      sourceRepo: f[repo!]!,
      kind: f[kind!]!,
      gzip: f[gz!] === 'yes',
      size: Number(f[size!]),
      note: f[note!] ?? '',
    };
  });
}

export function corpusFile(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(corpusRoot, rel)));
}

/** Figures `go tool pprof -raw` printed for a corpus file (see test/golden/README.md). */
export interface GoldenSummary {
  sampleTypes: { type: string; unit: string }[];
  samples: number;
  totals: number[];
  periodType?: { type: string; unit: string } | null;
  period?: number;
  durationNanos?: number;
}

export function golden(rel: string): { summary: GoldenSummary } | { error: string } | null {
  const base = path.join(goldenRoot, rel);
  if (existsSync(base + '.summary.json')) {
    return { summary: JSON.parse(readFileSync(base + '.summary.json', 'utf8')) as GoldenSummary };
  }
  if (existsSync(base + '.error.txt')) return { error: readFileSync(base + '.error.txt', 'utf8') };
  return null;
}

/** Every file under `dir`, in its subfolders too, but for those whose names start with a dot (.work: builds and caches). */
export function filesUnder(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
  return out;
}
