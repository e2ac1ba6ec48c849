/**
 * The page `pprof-diag serve` answers at `/`: drop or pick the files of one incident, or paste
 * a dump; a worker decodes and diagnoses them with the command line's pipeline; the report
 * shows in the page, with the JSON, Markdown and HTML exports the command line would write.
 */
import './report.css';
import './app.css';
import type { ReportView, ViewFlame } from '../../src/report/view.js';
import type { ViewerAssets } from '../../src/report/html.js';
import { el, Report } from './report.js';
import type { Painted, PieceMessage, ToWorker } from './worker.js';
import { inflatePieces } from './inflate.js';
import { isGzip } from '../../src/decode/gzip.js';
import { formatCount } from '../../src/model/units.js';

type FromWorker =
  | { type: 'progress'; text: string }
  | { type: 'flame'; flame: ViewFlame }
  | { type: 'view'; view: ReportView }
  | { type: 'done'; json: string; md: string; html: string | null }
  | { type: 'error'; message: string }
  | { type: 'ready' };

interface Input {
  name: string;
  bytes: Uint8Array;
}

class App {
  private inputs: Input[] = [];
  private worker: Worker | null = null;
  private assets: ViewerAssets | null = null;
  private readonly status = el('p', { class: 'status', id: 'status', role: 'status' });
  private readonly list = el('ul', { class: 'inputs', id: 'inputs' });
  private readonly cancel = el('button', { type: 'button', id: 'cancel', hidden: '' }, 'Cancel');
  private readonly exportsBar = el('div', { class: 'exports', id: 'exports', hidden: '' });
  private readonly out = el('div', { id: 'app' });
  private readonly redact = el('input', { type: 'checkbox', id: 'redact' }) as HTMLInputElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly version: string,
  ) {}

  start(): void {
    const file = el('input', { type: 'file', id: 'file', multiple: '' }) as HTMLInputElement;
    file.addEventListener('change', () => void this.add([...(file.files ?? [])]));
    const drop = el('div', { class: 'drop', id: 'drop', tabindex: '0' }, 'Drop the profiles, dumps and traces of one incident here, or ', el('label', { for: 'file', class: 'pick' }, 'pick files'), file);
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      void this.add([...(e.dataTransfer?.files ?? [])]);
    });
    const text = el('textarea', { id: 'paste', placeholder: 'Or paste a goroutine dump: from a log, a chat or a terminal', spellcheck: 'false' }) as HTMLTextAreaElement;
    const pasteButton = el('button', { type: 'button', id: 'paste-go' }, 'Diagnose the pasted text');
    pasteButton.addEventListener('click', () => {
      if (text.value.trim() === '') return;
      this.inputs.push({ name: 'pasted text', bytes: new TextEncoder().encode(text.value) });
      this.run();
    });
    const clear = el('button', { type: 'button', id: 'clear' }, 'Start over');
    clear.addEventListener('click', () => {
      this.stop();
      this.inputs = [];
      this.list.replaceChildren();
      this.out.replaceChildren();
      this.exportsBar.hidden = true;
      this.status.textContent = '';
    });
    this.cancel.addEventListener('click', () => {
      this.stop();
      this.status.textContent = 'Cancelled.';
    });
    this.redact.checked = new URLSearchParams(location.hash.slice(1)).get('redact') === '1';
    this.redact.addEventListener('change', () => {
      this.saveState({ redact: this.redact.checked ? '1' : null });
      if (this.inputs.length > 0) this.run();
    });
    this.root.append(
      el('header', { class: 'intro' }, el('h1', {}, 'pprof-diag'), el('p', {}, 'Everything is read in this page: nothing is uploaded.')),
      drop,
      text,
      el('div', { class: 'controls' }, pasteButton, el('label', { class: 'check' }, this.redact, ' redact paths, values and hosts'), clear, this.cancel),
      this.list,
      this.status,
      this.exportsBar,
      this.out,
    );
    this.spare = this.warm();
    void fetch('viewer-assets.json')
      .then((r) => (r.ok ? r.json() : null))
      .then((a: ViewerAssets | null) => (this.assets = a))
      .catch(() => undefined);
  }

  private saveState(change: Record<string, string | null>): void {
    const state = new URLSearchParams(location.hash.slice(1));
    for (const [k, v] of Object.entries(change)) {
      if (v === null || v === '') state.delete(k);
      else state.set(k, v);
    }
    history.replaceState(null, '', `#${state.toString()}`);
  }

  private async add(files: File[]): Promise<void> {
    for (const f of files) this.inputs.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
    if (files.length > 0) this.run();
  }

  private spare: Worker | null = null;

  /** A worker started ahead, its script parsed while the user picks files; the page says when it is ready. */
  private warm(): Worker {
    const w = new Worker('worker.js');
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.type === 'ready') document.documentElement.dataset.ready = '1';
    };
    return w;
  }

  private stop(): void {
    this.worker?.terminate();
    this.worker = null;
    this.cancel.hidden = true;
    this.spare ??= this.warm();
  }

  private run(): void {
    this.stop();
    this.list.replaceChildren(...this.inputs.map((i) => el('li', {}, el('code', {}, i.name), ` ${formatCount(i.bytes.length)} bytes`)));
    this.status.textContent = 'Reading…';
    this.cancel.hidden = false;
    // a worker started ahead (its script parsed while the user picks files), else a new one
    const w = this.spare ?? new Worker('worker.js');
    this.spare = null;
    this.worker = w;
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === 'progress') this.status.textContent = m.text;
      else if (m.type === 'error') {
        this.status.textContent = `Could not diagnose: ${m.message}`;
        this.stop();
      } else if (m.type === 'flame') {
        this.showEarly(m.flame);
        // once the frame that shows it is out, the worker goes on to the diagnosis
        requestAnimationFrame(() => setTimeout(() => w.postMessage({ painted: true } satisfies Painted), 0));
      } else if (m.type === 'view') this.show(m.view);
      else if (m.type === 'done') this.exports(m);
    };
    const first = this.inputs[0]?.bytes;
    const firstInPieces = first !== undefined && isGzip(first) && typeof DecompressionStream !== 'undefined';
    const msg: ToWorker = { inputs: this.inputs.map((i) => ({ name: i.name, bytes: i.bytes.slice() })), firstInPieces, redact: this.redact.checked, toolVersion: this.version, assets: this.assets };
    // the copies are handed over, not cloned again: the page keeps its own for the next run
    w.postMessage(msg, msg.inputs.map((i) => i.bytes.buffer));
    // the first input inflated on this thread, its pieces handed over as they come, so that the
    // worker reads them while the rest is inflated (this thread is idle meanwhile)
    if (firstInPieces) {
      const send = (m: PieceMessage, transfer: Transferable[] = []) => w.postMessage(m, transfer);
      void inflatePieces(
        first,
        (piece) => {
          const own = piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength ? piece : piece.slice();
          send({ piece: own }, [own.buffer]);
        },
        () => this.worker !== w,
      ).then((ok) => send({ piecesEnd: true, ok }));
    }
  }

  /** The first profile's flame graph, drawn while the diagnosis runs; the report replaces it. */
  private showEarly(flame: ViewFlame): void {
    this.out.replaceChildren();
    new Report({ version: 0, toolVersion: this.version, redacted: false, verdict: '', notes: [], worst: null, findings: [], signatures: [], inputs: [], errors: [], flames: [flame], buckets: [], diffs: [], traces: [] }, this.out).renderEarly();
  }

  private show(view: ReportView): void {
    this.status.textContent = `${view.inputs.length} input${view.inputs.length === 1 ? '' : 's'} read${view.errors.length ? `, ${view.errors.length} not` : ''}; writing the exports…`;
    this.out.replaceChildren();
    this.exportsBar.hidden = true;
    const report = new Report(view, this.out);
    report.render();
    // the view's state lives in the URL's hash, so the same files show the same view elsewhere
    const state = new URLSearchParams(location.hash.slice(1));
    const chosen = state.get('finding');
    if (chosen) report.select(chosen);
    report.onSelect = (id) => this.saveState({ finding: id });
    this.shown = view;
  }

  private shown: ReportView | null = null;

  private exports(m: { json: string; md: string; html: string | null }): void {
    this.stop();
    const view = this.shown;
    if (view) this.status.textContent = `${view.inputs.length} input${view.inputs.length === 1 ? '' : 's'} read${view.errors.length ? `, ${view.errors.length} not` : ''}.`;
    const link = (name: string, type: string, body: string, id: string) => {
      const a = el('a', { id, download: name, href: URL.createObjectURL(new Blob([body], { type })) }, name);
      return a;
    };
    const copy = el('button', { type: 'button', id: 'copy-md' }, 'Copy Markdown');
    copy.addEventListener('click', () => void navigator.clipboard?.writeText(m.md));
    this.exportsBar.replaceChildren(
      'Export: ',
      link('pprof-diag.json', 'application/json', m.json, 'export-json'),
      link('pprof-diag.md', 'text/markdown', m.md, 'export-md'),
      ...(m.html ? [link('pprof-diag.html', 'text/html', m.html, 'export-html')] : []),
      copy,
    );
    this.exportsBar.hidden = false;
  }
}

const root = document.getElementById('page');
if (root) new App(root, root.dataset.version ?? '').start();
