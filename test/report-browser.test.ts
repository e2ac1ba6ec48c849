/**
 * The HTML report opened from disk in a real headless Chromium (Debian's chromium, installed by
 * .ci/run), offline: no console errors, no request but the file itself, the flame graph drawn,
 * a finding's frames highlighted after a click; the top functions as `go tool pprof -top` lists
 * them, and pruned callees as one grey frame; and a hostile profile's report runs nothing and
 * shows its text literally. Screenshots go to test-output/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusRoot, goldenRoot, repoRoot } from './helpers/corpus.js';
import { PAYLOADS, craftedGoroutineProfile } from './helpers/crafted.js';
import { reportsOf, reportsOfFiles } from './helpers/reports.js';

const out = path.join(repoRoot, 'test-output');
let browser: Browser;

beforeAll(async () => {
  mkdirSync(out, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function open(html: string, name: string): Promise<{ page: Page; errors: string[]; requests: string[]; dialogs: string[] }> {
  const file = path.join(out, `${name}.html`);
  writeFileSync(file, html);
  const context = await browser.newContext({ offline: true, viewport: { width: 1300, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#flame-hosts .flame:not([hidden]) svg g rect', { timeout: 20_000 });
  return { page, errors, requests: requests.filter((u) => u !== pathToFileURL(file).href), dialogs };
}

describe('the HTML report in Chromium', () => {
  it('shows each view of an incident of several inputs: verdict, findings, flame graphs, groups, growth, trace, inputs', async () => {
    const dir = path.join(repoRoot, 'samples', 'quiet-controls', 'go1.27');
    const r = reportsOfFiles(['goroutine.pb.gz', 'goroutine.2.pb.gz', 'heap.pb.gz', 'mutex.pb.gz', 'trace.out'].map((f) => path.join(dir, f)));
    const { page, errors, requests } = await open(r.html, 'views');
    const views: [string, string][] = [
      ['header.verdict', 'verdict'],
      ['#findings', 'findings'],
      ['#flames', 'flames'],
      ['section.buckets', 'groups'],
      ['section.diff', 'growth'],
      ['section.trace', 'trace'],
      ['#inputs', 'inputs'],
    ];
    for (const [selector, name] of views) {
      const view = page.locator(selector).first();
      expect(await view.count(), selector).toBe(1);
      expect((await view.innerText()).length, selector).toBeGreaterThan(20);
      await view.screenshot({ path: path.join(out, `view-${name}.png`) });
    }
    // the groups table names each group once
    const groups = await page.locator('section.buckets').first().locator('tbody tr summary').allInnerTexts();
    expect(groups.length).toBeGreaterThan(3);
    expect(new Set(groups).size).toBe(groups.length);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  }, 60_000);

  it('gives every frame its width and label in the task that draws the graph, with no transition left for a later frame', async () => {
    const dir = path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27');
    const { page, errors } = await open(reportsOfFiles([path.join(dir, 'goroutine.pb.gz')]).html, 'frames-at-once');
    // the graph drawn again (as on a resize), looked at in the microtask right after the task that drew it
    const seen = await page.evaluate(
      () =>
        new Promise<{ rects: number; widthless: number; labels: number; unlabelled: number; pending: number }>((resolve) => {
          const host = document.querySelector('#flame-hosts')!;
          const o = new MutationObserver(() => {
            const rects = [...host.querySelectorAll('.flame:not([hidden]) svg g rect')];
            if (rects.length === 0) return;
            o.disconnect();
            const labels = [...host.querySelectorAll('.flame:not([hidden]) svg g foreignObject div')];
            resolve({
              rects: rects.length,
              widthless: rects.filter((r) => !(Number(r.getAttribute('width')) > 0)).length,
              labels: labels.length,
              unlabelled: labels.filter((d) => (d.textContent ?? '') === '').length,
              pending: [...host.querySelectorAll('svg *')].filter((e) => (e as Element & { __transition?: unknown }).__transition !== undefined).length,
            });
          });
          o.observe(host, { subtree: true, childList: true });
          window.dispatchEvent(new Event('resize'));
        }),
    );
    expect(seen.rects).toBeGreaterThan(10);
    expect(seen.labels).toBe(seen.rects);
    expect(seen).toMatchObject({ widthless: 0, unlabelled: 0, pending: 0 });
    expect(errors).toEqual([]);
  }, 60_000);

  it('draws the flame graph and highlights a finding’s frames on click', async () => {
    const dir = path.join(repoRoot, 'samples', 'db-pool-pq', 'go1.27');
    const r = reportsOfFiles([path.join(dir, 'goroutine.pb.gz'), path.join(dir, 'trace.out')]);
    expect(r.diagnosis.findings[0]!.id).toBe('db-pool-exhausted');
    const { page, errors, requests } = await open(r.html, 'db-pool-pq');
    const visible = '#flame-hosts .flame:not([hidden])';
    expect(await page.locator(`${visible} svg g`).count()).toBeGreaterThan(20);
    expect(await page.locator('#verdict').innerText()).toBe(r.diagnosis.verdict);
    expect(await page.locator(`${visible} g.selected-frame`).count()).toBe(0);
    const colour = await page.locator('#legend li[data-signature="sql.conn-wait"] .swatch').evaluate((e) => getComputedStyle(e).backgroundColor);
    await page.locator('article.finding[data-finding="db-pool-exhausted"] h3').click();
    expect(await page.locator('article.finding[data-finding="db-pool-exhausted"]').getAttribute('aria-pressed')).toBe('true');
    const selected = page.locator(`${visible} g.selected-frame`);
    expect(await selected.count()).toBeGreaterThan(0);
    // the highlighted frames are the waiters' signature's frame and the holders' (lib/pq reading
    // the server's answer), each in its legend colour
    const holder = await page.locator('#legend li[data-signature="pq.read"] .swatch').evaluate((e) => getComputedStyle(e).backgroundColor);
    const names = await selected.evaluateAll((gs) => gs.map((g) => g.getAttribute('name')));
    expect(names).toContain('database/sql.(*DB).conn');
    expect(names.some((n) => n?.startsWith('github.com/lib/pq.'))).toBe(true);
    const fills = await selected.locator('rect').evaluateAll((rs) => rs.map((r) => getComputedStyle(r).fill));
    expect(new Set(fills)).toEqual(new Set([colour, holder]));
    // other frames are dimmed
    const others = await page.locator(`${visible} g:not(.selected-frame) rect`).evaluateAll((rs) => [...new Set(rs.map((r) => r.getAttribute('fill')))]);
    expect(others).toEqual(['#eeeae4']);
    // search colours matching frames
    await page.fill('#flame-search', 'selectgo');
    expect(await page.locator(`${visible} rect[fill="#e600e6"]`).count()).toBeGreaterThan(0);
    await page.fill('#flame-search', '');
    await page.screenshot({ path: path.join(out, 'report-db-pool-pq.png'), fullPage: true });
    // the trace's blocking breakdown and the goroutine groups are there
    expect(await page.locator('table.trace-blocking tbody tr').count()).toBe(4);
    expect(await page.locator('table.buckets-table tbody tr').count()).toBeGreaterThan(3);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  }, 60_000);

  it('lists the top functions as go tool pprof -top does, and draws pruned callees as "… N more"', async () => {
    const file = path.join(corpusRoot, 'google-pprof/internal/proftest/testdata/large.cpu');
    const r = reportsOfFiles([file]);
    const { page, errors } = await open(r.html, 'large-cpu');
    const visible = '#flame-hosts .flame:not([hidden])';
    // go tool pprof -top's rows: flat% and function, heaviest first
    const golden = readFileSync(path.join(goldenRoot, 'google-pprof/internal/proftest/testdata/large.cpu.top.txt'), 'utf8')
      .split('\n')
      .map((l) => /^\s*\S+\s+([\d.]+)%\s+[\d.]+%\s+\S+\s+[\d.]+%\s+(.+)$/.exec(l))
      .filter((m) => m !== null)
      .slice(0, 3)
      .map((m) => [m[2]!.trim(), Number(m[1])]);
    expect(golden.length).toBe(3);
    const rows = await page.locator(`${visible} table.top-table tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    for (const [k, [fn, flatPct]] of golden.entries()) {
      expect(rows[k]![5]).toBe(fn);
      expect(Math.abs(parseFloat(rows[k]![1]!) - (flatPct as number))).toBeLessThan(0.01);
    }
    // the callees pruned under main.next are one grey frame, not main.next's own time
    const more = page.locator(`${visible} svg g[name^="… "]`);
    expect(await more.count()).toBeGreaterThan(0);
    expect(await more.first().locator('rect').getAttribute('fill')).toBe('#d5d8dd');
    await page.screenshot({ path: path.join(out, 'report-large-cpu.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  it('runs nothing from a hostile profile and shows its text literally', async () => {
    const r = reportsOf([{ name: 'crafted/"><svg onload=window.__pwned=4>.pb.gz', bytes: craftedGoroutineProfile() }]);
    const { page, errors, requests, dialogs } = await open(r.html, 'hostile');
    await page.locator('article.finding[data-finding="mutex-contention"] h3').click();
    expect(await page.locator('#flame-hosts .flame:not([hidden]) g.selected-frame').count()).toBeGreaterThan(0);
    await page.locator('table.buckets-table details').first().click();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img, iframe, object, embed, a[href]').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    const text = await page.locator('#app').innerText();
    expect(text).toContain(PAYLOADS.function);
    expect(await page.locator('#flame-hosts g[name]').evaluateAll((gs) => gs.map((g) => g.getAttribute('name')))).toContain(PAYLOADS.function);
    await page.screenshot({ path: path.join(out, 'report-hostile.png'), fullPage: false });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  }, 60_000);
});
