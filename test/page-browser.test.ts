/**
 * The page `serve` answers at / in a real headless Chromium (Debian's chromium): files given
 * through the file input and through a drop, a pasted dump, the snapshots of one incident, a
 * broken file beside good ones, a finding's click, and the exports the command line would write.
 * Everything is read in the page: the only requests are the page's own files. Screenshots go to
 * test-output/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/corpus.js';
import { applyAll } from './helpers/paste-variants.js';

const BIN = path.join(repoRoot, 'bin', 'pprof-diag.js');
const out = path.join(repoRoot, 'test-output', 'page');
const dir = (s: string) => path.join(repoRoot, 'samples', s, 'go1.27');
let child: ChildProcess;
let base = '';
let browser: Browser;

beforeAll(async () => {
  mkdirSync(out, { recursive: true });
  child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  base = await new Promise<string>((resolve, reject) => {
    let s = '';
    child.stdout!.on('data', (c: Buffer) => {
      s += c.toString();
      const m = /serving on (http:\/\/[^\s/]+\/)/.exec(s);
      if (m) resolve(m[1]!);
    });
    setTimeout(() => reject(new Error(`serve did not start: ${s}`)), 30_000);
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  child?.kill('SIGTERM');
});

async function open(hash = ''): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(base + hash);
  return { page, errors, requests };
}

async function verdict(page: Page): Promise<string> {
  await page.waitForSelector('#verdict', { timeout: 60_000 });
  return (await page.textContent('#verdict')) ?? '';
}

/** Clicks an export link and reads what the browser downloads. */
async function download(page: Page, id: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
  return readFileSync((await d.path())!, 'utf8');
}

function cli(files: string[], format: string, cwd: string): string {
  return spawnSync(process.execPath, [BIN, 'analyze', '--format', format, ...files], { cwd, encoding: 'utf8' }).stdout;
}

/** Watches the report's host from before the files are given: what the page drew, in order. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => {
      const now = document.querySelector('#diagnosing') ? `early:${document.querySelectorAll('#flames svg g rect').length}` : document.querySelector('#verdict') ? 'report' : null;
      if (now && seen[seen.length - 1] !== now) seen.push(now);
    }).observe(document.body, { childList: true, subtree: true });
  });
}

describe('the page', () => {
  it("draws the first profile's flame graph as soon as it is read, then the report in its place", async () => {
    const { page, errors } = await open();
    await watch(page);
    await page.setInputFiles('#file', [path.join(dir('db-pool-pq'), 'heap.pb.gz'), path.join(dir('db-pool-pq'), 'goroutine.pb.gz')]);
    await verdict(page);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen[0]).toMatch(/^early:\d+$/);
    expect(Number(seen.find((x) => x.startsWith('early:') && x !== 'early:0')?.slice(6) ?? 0)).toBeGreaterThan(10);
    expect(seen[seen.length - 1]).toBe('report');
    expect(await page.$('#diagnosing')).toBeNull();
    // the report's own flame graph of the same profile is drawn in its place, with the same frames
    expect(await page.$$eval('#flame-select option', (o) => o.map((x) => x.textContent))).toContain('heap.pb.gz — heap (inuse_space)');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('draws nothing before the report when redacting (the early graph would carry the real names)', async () => {
    const { page, errors } = await open('#redact=1');
    await watch(page);
    await page.setInputFiles('#file', [path.join(dir('db-pool-pq'), 'goroutine.pb.gz')]);
    await verdict(page);
    expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toEqual(['report']);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reads files given through the file input, and exports what the command line writes', async () => {
    const { page, errors, requests } = await open();
    await page.setInputFiles('#file', [path.join(dir('db-pool-pq'), 'goroutine.pb.gz')]);
    expect(await verdict(page)).toMatch(/^CRITICAL: database\/sql connection pool exhausted/);
    await page.screenshot({ path: path.join(out, 'file-input.png'), fullPage: false });
    const json = await download(page, 'export-json');
    expect(json).toBe(cli(['goroutine.pb.gz'], 'json', dir('db-pool-pq')));
    expect(await download(page, 'export-md')).toBe(cli(['goroutine.pb.gz'], 'md', dir('db-pool-pq')));
    const html = await download(page, 'export-html');
    expect(html).toContain('<script type="application/json" id="report-data">');
    expect(html).toBe(cli(['goroutine.pb.gz'], 'html', dir('db-pool-pq')));
    // a finding's click highlights the frames it rests on
    await page.click('[data-finding="db-pool-exhausted"]');
    expect(await page.getAttribute('[data-finding="db-pool-exhausted"]', 'aria-pressed')).toBe('true');
    expect(await page.$$eval('.selected-frame', (n) => n.length)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    // nothing left the page: its own files only
    for (const r of requests) expect(r.startsWith(base) || r.startsWith('blob:')).toBe(true);
    expect(requests.filter((r) => r.includes('/api/'))).toEqual([]);
  }, 120_000);

  it("reads a gzip'd dump or trace first as the command line does (the page inflates the first input, the worker reads its pieces)", async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'pprof-diag-page-gz-'));
    // gzip'd copies of real captures: a debug=2 dump and a trace, each given first beside a profile
    for (const [name, source] of [
      ['goroutine.debug2.txt.gz', path.join(dir('db-pool-pq'), 'goroutine.debug2.txt')],
      ['trace.out.gz', path.join(dir('mutex-hot'), 'trace.out')],
    ] as const) {
      writeFileSync(path.join(work, name), gzipSync(readFileSync(source)));
      writeFileSync(path.join(work, 'goroutine.pb.gz'), readFileSync(path.join(dir('mutex-hot'), 'goroutine.pb.gz')));
      const { page, errors } = await open();
      await page.setInputFiles('#file', [name, 'goroutine.pb.gz'].map((f) => path.join(work, f)));
      await verdict(page);
      expect(await download(page, 'export-json'), name).toBe(cli([name, 'goroutine.pb.gz'], 'json', work));
      expect(errors).toEqual([]);
      await page.context().close();
    }
  }, 120_000);

  it('reads files dropped on it: two snapshots of one incident give their growth', async () => {
    const { page, errors } = await open();
    const files = ['goroutine.2.pb.gz', 'goroutine.pb.gz'].map((f) => ({ name: f, data: [...readFileSync(path.join(dir('chan-leak'), f))] }));
    await page.evaluate((fs) => {
      const dt = new DataTransfer();
      for (const f of fs) dt.items.add(new File([new Uint8Array(f.data)], f.name));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
    expect(await verdict(page)).toMatch(/^CRITICAL: goroutines blocked forever on a channel/);
    expect(await page.textContent('body')).toMatch(/out of time order/);
    // the growth as a differential flame graph: where the new goroutines are, in red
    const options = await page.$$eval('#flame-select option', (o) => o.map((x) => x.textContent ?? ''));
    const k = options.findIndex((o) => /growth since goroutine\.pb\.gz/.test(o));
    expect(k).toBeGreaterThanOrEqual(0);
    await page.selectOption('#flame-select', String(k));
    await page.waitForFunction((i) => {
      const host = document.querySelector<HTMLElement>(`#flames .flame[data-flame="${i}"]`);
      return host !== null && !host.hidden && [...host.querySelectorAll('rect')].some((r) => (r.getAttribute('fill') ?? '').startsWith('rgb(255'));
    }, k);
    await page.screenshot({ path: path.join(out, 'drop-two-snapshots.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('reads a pasted dump, and says what it repaired', async () => {
    const { page, errors } = await open();
    const dump = readFileSync(path.join(dir('db-pool-pq'), 'goroutine.debug2.txt'), 'utf8');
    // as a paste puts it in the box (typing a dump of this size key by key would take minutes)
    await page.$eval('#paste', (t, text) => ((t as HTMLTextAreaElement).value = text), applyAll(['kubectlPrefix', 'tabsToSpaces'], dump, { earlier: dump, form: 'debug2' }));
    await page.click('#paste-go');
    expect(await verdict(page)).toMatch(/^CRITICAL: database\/sql connection pool exhausted/);
    expect(await page.textContent('body')).toMatch(/read leniently: a prefix like .* removed/);
    await page.screenshot({ path: path.join(out, 'paste.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('shows a broken file’s one-line error and reads the others', async () => {
    const { page, errors } = await open();
    const broken = path.join(out, 'broken.pb.gz');
    writeFileSync(broken, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    await page.setInputFiles('#file', [broken, path.join(dir('mutex-hot'), 'goroutine.pb.gz')]);
    expect(await verdict(page)).toMatch(/^CRITICAL: goroutines queue on a sync\.Mutex/);
    expect(await page.textContent('.errors')).toMatch(/broken\.pb\.gz: .*gzip/);
    await page.screenshot({ path: path.join(out, 'broken-beside-good.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('keeps its state in the URL, filters groups, and answers the keyboard', async () => {
    const { page, errors } = await open('#finding=db-pool-exhausted&redact=1');
    expect(await page.isChecked('#redact')).toBe(true);
    await page.setInputFiles('#file', [path.join(dir('db-pool-pq'), 'goroutine.pb.gz')]);
    await verdict(page);
    // the same files under the same URL show the same view: the finding selected, redacted
    expect(await page.getAttribute('[data-finding="db-pool-exhausted"]', 'aria-pressed')).toBe('true');
    expect(await page.textContent('body')).toMatch(/Redacted: file paths/);
    // the groups filter to what is typed
    const all = await page.$$eval('.buckets-table tbody tr', (rows) => rows.length);
    await page.fill('.group-filter', 'database/sql.(*DB).conn');
    const shown = await page.$$eval('.buckets-table tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).length);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(all);
    // a finding is chosen from the keyboard too, and the URL follows
    await page.focus('[data-finding="db-pool-exhausted"]');
    await page.keyboard.press('Enter');
    expect(page.url()).toMatch(/#.*finding=db-pool-exhausted|#redact=1$/);
    await page.screenshot({ path: path.join(out, 'state-filter.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('reads the profiles of one incident together: goroutine, mutex, block, heap and a trace', async () => {
    const { page, errors } = await open();
    await page.setInputFiles('#file', ['goroutine.pb.gz', 'mutex.pb.gz', 'block.pb.gz', 'heap.pb.gz', 'trace.out'].map((f) => path.join(dir('mutex-hot'), f)));
    expect(await verdict(page)).toMatch(/^CRITICAL: goroutines queue on a sync\.Mutex/);
    const body = (await page.textContent('body')) ?? '';
    expect(body).toMatch(/The trace shows who holds it: main\.\(\*priceCache\)\.price releases it/);
    expect(body).toMatch(/mutex profile puts 100% of the waiting on the lock released in main\.\(\*priceCache\)\.price/);
    expect(await page.$$eval('#inputs li', (l) => l.length)).toBe(5);
    const incident = ['goroutine.pb.gz', 'mutex.pb.gz', 'block.pb.gz', 'heap.pb.gz', 'trace.out'];
    for (const format of ['json', 'md', 'html']) expect(await download(page, `export-${format}`)).toBe(cli(incident, format, dir('mutex-hot')));
    // on the mutex profile's graph, the finding lights the function that releases the lock there
    const options = await page.$$eval('#flame-select option', (o) => o.map((x) => [(x as HTMLOptionElement).value, x.textContent ?? '']));
    const mutex = options.find(([, t]) => t.startsWith('mutex.pb.gz'))![0]!;
    await page.selectOption('#flame-select', mutex);
    await page.click('[data-finding="mutex-contention"]');
    expect(await page.inputValue('#flame-select')).toBe(mutex);
    const lit = await page.$$eval('#flame-hosts .flame:not([hidden]) .selected-frame', (n) => n.map((g) => g.textContent ?? ''));
    expect(lit.some((t) => t.includes('main.(*priceCache).price'))).toBe(true);
    await page.screenshot({ path: path.join(out, 'mutex-holder.png') });
    await page.screenshot({ path: path.join(out, 'one-incident.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('lights a block profile finding on the block profile’s own graph', async () => {
    const { page, errors } = await open();
    await page.setInputFiles('#file', [path.join(dir('mutex-hot'), 'block.pb.gz')]);
    await verdict(page);
    const before = await page.inputValue('#flame-select');
    await page.click('[data-finding="mutex-contention"]');
    expect(await page.inputValue('#flame-select')).toBe(before);
    const lit = await page.$$eval('#flame-hosts .flame:not([hidden]) .selected-frame', (n) => n.map((g) => g.getAttribute('name') ?? ''));
    expect(lit).toContain('main.(*priceCache).price');
    await page.screenshot({ path: path.join(out, 'block-site.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('switches a profile between its sample types', async () => {
    const { page, errors } = await open();
    await page.setInputFiles('#file', [path.join(dir('mutex-hot'), 'heap.pb.gz')]);
    await verdict(page);
    const options = await page.$$eval('#flame-select option', (o) => o.map((x) => x.textContent));
    expect(options).toEqual(['heap.pb.gz — heap (inuse_space)', 'heap.pb.gz — heap (alloc_objects)', 'heap.pb.gz — heap (alloc_space)', 'heap.pb.gz — heap (inuse_objects)']);
    await page.selectOption('#flame-select', '2');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('#flames .flame')].some((h) => !h.hidden && h.querySelector('svg')));
    await page.screenshot({ path: path.join(out, 'sample-type.png') });
    expect(errors).toEqual([]);
  }, 120_000);
});
