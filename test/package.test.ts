/**
 * The package as a user installs it: the packed tarball installed into a new project, its
 * command line run, `import { analyze } from 'pprof-diag'` in Node, and a TypeScript consumer
 * type-checked against the shipped declarations.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/corpus.js';

const work = path.join(repoRoot, 'test-output', `package-${process.pid}`);
const project = path.join(work, 'consumer');
const sample = path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27', 'goroutine.pb.gz');

afterAll(() => {
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
});

beforeAll(() => {
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  mkdirSync(project, { recursive: true });
  // dist/ is built by `npm test` before the suites run
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: repoRoot, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'pprof-diag': `file:../${tarball}` } }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, stdio: 'pipe', timeout: 300_000 });
}, 360_000);

describe('the packed package', () => {
  it('ships the command line', () => {
    const r = spawnSync(path.join(project, 'node_modules', '.bin', 'pprof-diag'), ['analyze', sample], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^CRITICAL: database\/sql connection pool exhausted\./);
  });

  it('is imported by name in Node, and its pipeline gives what the command line gives', () => {
    writeFileSync(
      path.join(project, 'use.mjs'),
      `import { readFileSync } from 'node:fs';
import { analyze, render } from 'pprof-diag';
const r = analyze([{ name: 'goroutine.pb.gz', bytes: new Uint8Array(readFileSync(process.argv[2])) }]);
process.stdout.write(JSON.stringify({ verdict: r.diagnosis.verdict, ids: r.diagnosis.findings.map((f) => f.id), md: render(r, 'md', { toolVersion: 't' }).split('\\n')[2] }));`,
    );
    const out = JSON.parse(execFileSync('node', ['use.mjs', sample], { cwd: project, encoding: 'utf8' }));
    expect(out.ids).toContain('db-pool-exhausted');
    const cli = spawnSync(path.join(project, 'node_modules', '.bin', 'pprof-diag'), ['analyze', '--format', 'json', sample], { encoding: 'utf8' });
    expect(JSON.parse(cli.stdout).verdict).toBe(out.verdict);
    expect(out.md.startsWith('**CRITICAL: database/sql connection pool exhausted')).toBe(true);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(
      path.join(project, 'consumer.ts'),
      `import { analyze, render, type PipelineResult, type Finding, DecodeError } from 'pprof-diag';
const r: PipelineResult = analyze([{ name: 'x', bytes: new Uint8Array(0) }], { redact: true });
const f: Finding | undefined = r.diagnosis.findings[0];
const s: string = render(r, 'json', { toolVersion: '1' }) + (f?.id ?? '') + String(new DecodeError('x') instanceof Error);
// @ts-expect-error: not a report format
render(r, 'pdf', { toolVersion: '1' });
export { s };`,
    );
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['consumer.ts'] }));
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync('node', [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(project, 'node_modules', 'pprof-diag', 'package.json'), 'utf8')).types).toBe('./dist/index.d.ts');
  });

  it('bundles for a browser page and runs there', async () => {
    writeFileSync(
      path.join(project, 'page.js'),
      `import { analyze, render } from 'pprof-diag';
globalThis.diagnoseBytes = (name, bytes) => {
  const r = analyze([{ name, bytes }]);
  return { verdict: r.diagnosis.verdict, md: render(r, 'md', { toolVersion: 'page' }) };
};`,
    );
    const { build } = await import('vite');
    await build({
      root: project,
      logLevel: 'silent',
      configFile: false,
      build: { outDir: path.join(project, 'bundle'), emptyOutDir: true, minify: false, lib: { entry: path.join(project, 'page.js'), formats: ['iife'], name: 'consumer', fileName: () => 'page.js' } },
    });
    const bundle = readFileSync(path.join(project, 'bundle', 'page.js'), 'utf8');
    // the browser build pulls in no Node module
    expect(bundle).not.toMatch(/require\(["']node:|from ["']node:/);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await (await browser.newContext({ offline: true })).newPage();
      await page.setContent('<!doctype html><title>consumer</title>');
      await page.addScriptTag({ content: bundle });
      const bytes = [...readFileSync(sample)];
      const out = await page.evaluate((b) => (globalThis as unknown as { diagnoseBytes: (n: string, b: Uint8Array) => { verdict: string; md: string } }).diagnoseBytes('goroutine.pb.gz', new Uint8Array(b)), bytes);
      expect(out.verdict).toMatch(/^CRITICAL: database\/sql connection pool exhausted/);
      expect(out.md).toContain('# pprof-diag report');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
