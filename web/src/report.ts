/**
 * The report page: renders a ReportView (src/report/view.ts) — verdict, findings, a flame graph
 * per profile with the frames of the matched signatures coloured, the goroutine groups, the
 * diffs of snapshots and the blocking breakdown of traces.
 *
 * Every string of the view came from a profile and is untrusted: it only ever reaches the page
 * as a text node or an attribute value set through the DOM, never as markup.
 */

import { select } from 'd3-selection';
import flamegraph from 'd3-flame-graph';
import type { FlameNode } from '../../src/report/flame.js';
import type { ReportView, ViewFlame } from '../../src/report/view.js';
import type { EvidenceStack, Finding } from '../../src/analyze/findings.js';
import { foldedLine, framesThatMatter } from '../../src/report/frames.js';
import { formatLabels } from '../../src/report/labels.js';
import { formatCount, formatDuration, formatPercent, formatValue } from '../../src/model/units.js';

type Child = Node | string | null | undefined | false;

/** An element with attributes and children; strings become text nodes. */
export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

/** Distinct colours for signatures (the legend), colour-blind friendly first. */
const PALETTE = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#aec7e8', '#ffbb78'];
const SEARCH_COLOUR = '#e600e6';
const PLAIN_COLOUR = '#d9d4cc';
/** Frames no signature matched, by whose code they are (FlameNode.k): muted, so signatures stand out. */
const CLASS_COLOURS = ['#cdd5e0', '#e6dcc6', '#cfe3c8', '#f5c9a0'] as const;
const CLASS_NAMES = ['Go runtime', 'Go standard library', 'libraries', "the program's own code"] as const;
/** The "… N more" frames: grey, so pruned children never pass for a function's own time. */
const FOLDED_COLOUR = '#d5d8dd';
const DIM_COLOUR = '#eeeae4';
/** Where the selected finding's holder shows in another profile. */
const HOLDER_COLOUR = '#b22222';

/** Where a finding shows in other profiles' graphs: its holders' places and its own. */
function placesOf(f: Finding): { input: string; function: string }[] {
  return [...f.holders.flatMap((h) => (h.at ? [h.at] : [])), ...(f.at ?? [])];
}

/** A wait figure, `≥ ` before it when waits cut by the trace's window make it a lower bound. */
function bound(ns: number | null, lower: boolean): string {
  return ns === null ? '–' : `${lower ? '≥ ' : ''}${formatNs(ns)}`;
}

function formatNs(ns: number | null): string {
  return ns === null ? '–' : formatDuration(ns);
}

interface FlameDatum {
  data: FlameNode;
  highlight?: boolean;
  x0: number;
  x1: number;
}

export class Report {
  private readonly colour = new Map<string, string>();
  /** Signatures of the selected finding; null: all findings' signatures. */
  private selected: Set<string> | null = null;
  private selectedFinding: string | null = null;
  private readonly charts: { flame: ViewFlame; chart: ReturnType<typeof flamegraph>; host: HTMLElement }[] = [];

  constructor(private readonly v: ReportView, private readonly root: HTMLElement) {
    v.signatures.forEach((s, i) => this.colour.set(s.id, PALETTE[i % PALETTE.length]!));
  }

  render(): void {
    const v = this.v;
    const worst = v.worst ?? 'none';
    this.root.append(
      el('header', { class: `verdict ${worst}` }, el('h1', {}, 'pprof-diag report'), el('p', { class: 'verdict-text', id: 'verdict' }, v.verdict), ...(v.notes ?? []).map((n) => el('p', { class: 'verdict-note' }, n))),
    );
    if (v.redacted) {
      this.root.append(el('p', { class: 'redacted', id: 'redacted' }, 'Redacted: file paths, argument values, label values and host names are replaced by placeholders; function names are kept.'));
    }
    if (v.errors.length) {
      this.root.append(el('section', { class: 'errors' }, el('h2', {}, 'Inputs not read'), el('ul', {}, ...v.errors.map((e) => el('li', {}, el('code', {}, e.path), `: ${e.message}`)))));
    }
    this.root.append(this.findingsSection());
    if (this.v.flames.length) this.root.append(this.flameSection());
    for (const b of v.buckets) this.root.append(this.bucketsSection(b));
    for (const d of v.diffs) this.root.append(this.diffSection(d));
    for (const t of v.traces) this.root.append(this.traceSection(t));
    this.root.append(this.inputsSection());
    this.root.append(el('footer', {}, `pprof-diag ${v.toolVersion}${v.redacted ? ', redacted' : ''}`));
    this.drawCharts();
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => this.drawCharts(), 200);
    });
  }

  /** While the diagnosis runs: the flame graphs alone, under a line saying that the findings follow. */
  renderEarly(): void {
    this.root.append(
      el('header', { class: 'verdict pending' }, el('h1', {}, 'pprof-diag report'), el('p', { class: 'verdict-text', id: 'diagnosing' }, 'Diagnosing… The flame graph below is the profile as read; the findings, and the frames they rest on, follow.')),
    );
    if (this.v.flames.length) this.root.append(this.flameSection());
    this.drawCharts();
  }

  private findingsSection(): HTMLElement {
    const s = el('section', { id: 'findings' }, el('h2', {}, `Findings (${this.v.findings.length})`));
    if (this.v.findings.length === 0) {
      s.append(el('p', {}, 'Nothing matched a known failure signature.'));
      return s;
    }
    s.append(el('p', { class: 'hint' }, 'Click a finding to highlight the frames it rests on in the flame graphs.'));
    for (const f of this.v.findings) s.append(this.findingCard(f));
    return s;
  }

  private findingCard(f: Finding): HTMLElement {
    const swatches = el('span', { class: 'swatches' }, ...f.signatures.filter((id) => this.colour.has(id)).map((id) => el('span', { class: 'swatch', style: `background:${this.colour.get(id)}`, title: id })));
    const card = el(
      'article',
      { class: `finding ${f.severity}`, 'data-finding': f.id, tabindex: '0', role: 'button', 'aria-pressed': 'false' },
      el('h3', {}, el('span', { class: `sev ${f.severity}` }, f.severity), ' ', el('code', {}, f.id), ' ', f.title, ' ', swatches),
      el('p', { class: 'summary' }, f.summary),
    );
    const details = el('div', { class: 'details' });
    for (const e of f.evidence.slice(0, 2)) details.append(this.evidence(e));
    if (f.holders.length) {
      details.append(el('h4', {}, 'Held by'), el('ul', {}, ...f.holders.map((h) => el('li', {}, `${h.goroutines > 0 ? `${formatCount(h.goroutines)} × ` : ''}${h.description}`))));
    }
    const lat = (f.latency ?? []).filter((l) => l.count + l.begunBefore + l.stillWaiting > 0);
    if (lat.length) {
      details.append(
        el('h4', {}, 'Wait latency in the trace'),
        table(
          ['signature', 'waits seen', 'p50 (≥: a lower bound)', 'p99', 'max', 'begun before', 'still waiting'],
          lat.map((l) => [el('code', {}, l.signature), formatCount(l.all.count), bound(l.all.p50Ns, l.all.p50IsLowerBound), bound(l.all.p99Ns, l.all.p99IsLowerBound), bound(l.all.maxNs, l.all.maxIsLowerBound), formatCount(l.begunBefore), formatCount(l.stillWaiting)]),
        ),
      );
    }
    if (f.remediation.length) details.append(el('h4', {}, 'What to do'), el('ul', {}, ...f.remediation.map((r) => el('li', {}, r))));
    card.append(details);
    const toggle = (): void => this.selectFinding(this.selectedFinding === f.id ? null : f);
    card.addEventListener('click', (ev) => {
      if ((ev.target as HTMLElement).closest('.details') && this.selectedFinding === f.id) return;
      toggle();
    });
    card.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        toggle();
      }
    });
    return card;
  }

  private evidence(e: EvidenceStack): HTMLElement {
    const { shown, more } = framesThatMatter(e.frames);
    const minutes = e.maxMinutes !== null && e.maxMinutes > 0 ? (e.minMinutes === e.maxMinutes ? `, ${e.maxMinutes} min` : `, ${e.minMinutes ?? 0}–${e.maxMinutes} min`) : '';
    const pre = el('pre', { class: 'stack' });
    for (const x of shown) {
      if (!('frame' in x)) {
        pre.append(el('span', { class: 'file' }, `${foldedLine(x.folded)}\n`));
        continue;
      }
      const f = x.frame;
      pre.append(el('span', { class: f.matched ? 'frame matched' : 'frame' }, f.function), el('span', { class: 'file' }, f.file ? `  ${f.file}:${f.line}` : ''), '\n');
    }
    if (more > 0) pre.append(el('span', { class: 'file' }, `… ${more} more frames\n`));
    if (e.createdBy) pre.append(el('span', { class: 'file' }, `created by ${e.createdBy}`));
    if (e.labels && e.labels.length > 0) pre.append(el('span', { class: 'file' }, `\nlabels: ${formatLabels(e.labels)}`));
    return el('div', { class: 'evidence' }, el('p', {}, `${formatCount(e.goroutines)} × [${e.waitReason || 'wait reason not in this form'}${minutes}] `, el('code', {}, e.signature)), pre);
  }

  /** Called with the finding id (or null) whenever the selection changes. */
  onSelect: ((id: string | null) => void) | null = null;

  /** Selects the finding with this id, as a click on it would. */
  select(id: string): void {
    const f = this.v.findings.find((x) => x.id === id);
    if (f) this.selectFinding(f);
  }

  private selectFinding(f: Finding | null): void {
    this.selectedFinding = f?.id ?? null;
    this.onSelect?.(this.selectedFinding);
    this.selected = f ? new Set([...f.signatures, ...f.holders.map((h) => h.signature)]) : null;
    for (const card of this.root.querySelectorAll<HTMLElement>('article.finding')) {
      const on = card.dataset.finding === this.selectedFinding;
      card.classList.toggle('selected', on);
      card.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    for (const li of this.root.querySelectorAll<HTMLElement>('#legend li[data-signature]')) {
      li.classList.toggle('dim', this.selected !== null && !this.selected.has(li.dataset.signature ?? ''));
    }
    // show the flame graph where the finding's frames are, if the current one has none
    if (f) {
      const sel = this.root.querySelector<HTMLSelectElement>('#flame-select');
      const current = sel ? Number(sel.value) : 0;
      if (!this.flameHas(current, f) && sel) {
        const i = this.v.flames.findIndex((_, k) => this.flameHas(k, f));
        if (i >= 0) {
          sel.value = String(i);
          this.showFlame(i);
        }
      }
    }
    this.recolour();
    if (f) this.root.querySelector('#flames')?.scrollIntoView({ block: 'nearest' });
  }

  /** Whether flame i shows the finding: frames its signatures matched, or the function its holder is at in that profile. */
  private flameHas(i: number, f: Finding): boolean {
    const g = this.v.flames[i];
    if (g === undefined) return false;
    if (g.signatures.some((s) => f.signatures.includes(s) || f.holders.some((h) => h.signature === s))) return true;
    const at = new Set(placesOf(f).filter((x) => x.input === g.input).map((x) => x.function));
    if (at.size === 0) return false;
    const walk = (n: FlameNode): boolean => at.has(n.n) || (n.c ?? []).some(walk);
    return walk(g.root);
  }

  private flameSection(): HTMLElement {
    const sel = el('select', { id: 'flame-select', 'aria-label': 'profile and sample type' }) as HTMLSelectElement;
    this.v.flames.forEach((g, i) => sel.append(el('option', { value: String(i) }, `${g.input} — ${g.title}`)));
    sel.addEventListener('change', () => this.showFlame(Number(sel.value)));
    const search = el('input', { id: 'flame-search', type: 'search', placeholder: 'search functions', 'aria-label': 'search functions' }) as HTMLInputElement;
    search.addEventListener('input', () => this.search(search.value));
    const reset = el('button', { type: 'button', id: 'flame-reset' }, 'reset zoom');
    reset.addEventListener('click', () => {
      for (const c of this.charts) c.chart.resetZoom();
    });
    const legend = el('ul', { id: 'legend' });
    legend.append(
      el('li', { class: 'classes' }, ...CLASS_NAMES.flatMap((name, k) => [el('span', { class: 'swatch', style: `background:${CLASS_COLOURS[k]}` }), ` ${name} `]), el('span', { class: 'swatch', style: `background:${FOLDED_COLOUR}` }), ' folded small frames'),
    );
    for (const s of this.v.signatures) {
      legend.append(el('li', { 'data-signature': s.id }, el('span', { class: 'swatch', style: `background:${this.colour.get(s.id)}` }), el('code', {}, s.id), ` ${s.description} (${s.findings.join(', ')})`));
    }
    const hosts = el('div', { id: 'flame-hosts' });
    this.v.flames.forEach((g, i) => {
      const note =
        g.pruned.nodes > 0
          ? `${formatCount(g.nodes)} frames drawn; ${formatCount(g.pruned.nodes)} frames under ${(g.pruned.minShare * 100).toFixed(2)}% of the total each were left out (${((g.pruned.value / Math.max(g.total, 1)) * 100).toFixed(2)}% of ${g.sampleType.type}, drawn as grey “… N more” frames under their callers, holding what they called merged by function).`
          : `${formatCount(g.nodes)} frames.`;
      const host = el(
        'div',
        { class: 'flame', 'data-flame': String(i), hidden: '' },
        el('p', { class: 'flame-meta' }, `${g.input} — ${g.title}: ${formatValue(g.total, g.sampleType.unit)} ${g.sampleType.type}. ${note}`),
        el('div', { class: 'flame-chart' }),
        el('p', { class: 'flame-details' }),
        g.top?.length ? topTable(g) : null,
      );
      hosts.append(host);
    });
    return el('section', { id: 'flames' }, el('h2', {}, 'Flame graphs'), el('div', { class: 'toolbar' }, sel, search, reset), legend, hosts);
  }

  private drawCharts(): void {
    for (const c of this.charts) c.chart.destroy?.();
    this.charts.length = 0;
    const hosts = this.root.querySelectorAll<HTMLElement>('#flame-hosts .flame');
    hosts.forEach((host, i) => {
      const flame = this.v.flames[i]!;
      const target = host.querySelector<HTMLElement>('.flame-chart')!;
      target.replaceChildren();
      const width = Math.max(400, (this.root.querySelector('#flames') as HTMLElement).clientWidth - 8);
      const chart = flamegraph()
        .width(width)
        .cellHeight(18)
        .transitionDuration(0)
        .minFrameSize(1)
        .sort(false)
        .selfValue(false)
        .setSearchMatch((d: FlameDatum, term: string) => term !== '' && d.data.n.toLowerCase().includes(term.toLowerCase()))
        .setLabelHandler(
          (d: FlameDatum) =>
            `${d.data.n}: ${formatValue(d.data.v, flame.sampleType.unit)} (${formatPercent(d.data.v, Math.max(flame.total, 1))})${flame.differential ? `, ${(d.data.d ?? 0) >= 0 ? '+' : ''}${d.data.d ?? 0} since the earlier snapshot` : ''}${signatureNote(flame, d.data)}`,
        )
        .setColorMapper((d: FlameDatum) => this.colourOf(flame, d))
        .setDetailsElement(host.querySelector('.flame-details'));
      this.charts.push({ flame, chart, host });
      const visible = !host.hidden;
      host.hidden = false;
      select(target).datum(flame.root).call(chart);
      settleFrames(target, width, chart.getName());
      host.hidden = !visible;
    });
    const sel = this.root.querySelector<HTMLSelectElement>('#flame-select');
    this.showFlame(sel ? Number(sel.value) : 0);
    this.recolour();
  }

  private showFlame(i: number): void {
    this.root.querySelectorAll<HTMLElement>('#flame-hosts .flame').forEach((h, k) => {
      h.hidden = k !== i;
    });
  }

  private search(term: string): void {
    for (const c of this.charts) {
      if (term) c.chart.search(term);
      else c.chart.clear();
    }
    this.recolour();
  }

  private colourOf(flame: ViewFlame, d: FlameDatum): string {
    if (d.highlight) return SEARCH_COLOUR;
    if (flame.differential) {
      // red where goroutines appeared, blue where they went, by the change's share of the node
      const delta = d.data.d ?? 0;
      const k = Math.min(1, Math.abs(delta) / Math.max(d.data.v, 1));
      if (delta > 0) return `rgb(255, ${Math.round(220 - 150 * k)}, ${Math.round(210 - 150 * k)})`;
      if (delta < 0) return `rgb(${Math.round(210 - 150 * k)}, ${Math.round(220 - 120 * k)}, 255)`;
      return PLAIN_COLOUR;
    }
    if (d.data.o !== undefined) return FOLDED_COLOUR; // the frame that stands for pruned children
    const sigs = (d.data.s ?? []).map((k) => flame.signatures[k]!);
    const shown = sigs.filter((s) => this.colour.has(s) && (this.selected === null || this.selected.has(s)));
    if (shown.length) return this.colour.get(shown[0]!)!;
    if (this.heldAt(flame, d.data)) return HOLDER_COLOUR;
    if (this.selected !== null) return DIM_COLOUR;
    return d.data.k !== undefined ? CLASS_COLOURS[d.data.k] : PLAIN_COLOUR;
  }

  /** Whether a frame is where the selected finding shows in this profile: its holder (a mutex profile's releasing function), or its site (a block profile's). */
  private heldAt(flame: ViewFlame, n: FlameNode): boolean {
    const f = this.selectedFinding === null ? undefined : this.v.findings.find((x) => x.id === this.selectedFinding);
    return f !== undefined && placesOf(f).some((at) => at.input === flame.input && at.function === n.n);
  }

  /** Recolour the frames, and mark those of the selected finding for the eye and for tests. */
  private recolour(): void {
    for (const { flame, chart, host } of this.charts) {
      chart.setColorMapper((d: FlameDatum) => this.colourOf(flame, d));
      select(host)
        .selectAll<SVGRectElement, FlameDatum>('g rect')
        .attr('fill', (d) => this.colourOf(flame, d));
      select(host)
        .selectAll<SVGGElement, FlameDatum>('g')
        .classed('signature-frame', (d) => d?.data?.s !== undefined && d.data.s.some((k) => this.colour.has(flame.signatures[k]!)))
        .classed('selected-frame', (d) => this.selected !== null && d?.data !== undefined && ((d.data.s ?? []).some((k) => this.selected!.has(flame.signatures[k]!)) || this.heldAt(flame, d.data)));
    }
  }

  private bucketsSection(b: ReportView['buckets'][number]): HTMLElement {
    const rows = b.rows.map((r) => {
      const minutes = r.maxMinutes !== null && r.maxMinutes > 0 ? (r.minMinutes === r.maxMinutes ? `${r.maxMinutes} min` : `${r.minMinutes ?? 0}–${r.maxMinutes} min`) : '';
      const stack = el('details', {}, el('summary', {}, r.name), el('pre', { class: 'stack' }, r.frames.map((f) => `${f.function}  ${f.file}:${f.line}`).join('\n') + (r.createdBy ? `\ncreated by ${r.createdBy}` : '') + (r.labels && r.labels.length > 0 ? `\nlabels: ${formatLabels(r.labels)}` : '')));
      const badges = el(
        'span',
        { class: 'badges' },
        ...r.signatures.map((s) => el('span', { class: 'badge', style: this.colour.has(s) ? `border-color:${this.colour.get(s)}` : '' }, s)),
        r.background ? el('span', { class: 'badge background' }, 'background') : null,
      );
      return [formatCount(r.count), r.waitReason || '–', minutes, stack, badges];
    });
    const more = b.more > 0 ? el('p', { class: 'hint' }, `${formatCount(b.more)} more groups in the JSON report.`) : null;
    const grid = table(['goroutines', 'wait reason', 'waiting', 'group (its stack, leaf first)', 'signatures'], rows, 'buckets-table');
    // filter the groups by any text of theirs: a function, a wait reason, a signature, a label
    const filter = el('input', { type: 'search', class: 'group-filter', placeholder: 'filter groups (function, wait reason, signature, label)', 'aria-label': 'filter goroutine groups' }) as HTMLInputElement;
    filter.addEventListener('input', () => {
      const q = filter.value.trim().toLowerCase();
      for (const tr of grid.querySelectorAll<HTMLTableRowElement>('tbody tr')) tr.hidden = q !== '' && !(tr.textContent ?? '').toLowerCase().includes(q);
    });
    return el(
      'section',
      { class: 'buckets' },
      el('h2', {}, `Goroutine groups — ${b.input}`),
      el('p', { class: 'hint' }, `${formatCount(b.total)} goroutines in groups of identical stacks, largest first.`),
      filter,
      grid,
      more,
    );
  }

  private diffSection(d: ReportView['diffs'][number]): HTMLElement {
    const x = d.diff;
    const sigs = x.signatures.filter((s) => s.delta !== 0 && s.role !== 'background').slice(0, 20);
    const groups = x.buckets.filter((g) => g.delta !== 0).slice(0, 20);
    return el(
      'section',
      { class: 'diff' },
      el('h2', {}, `Between ${d.before} and ${d.after}`),
      el('p', {}, `${formatCount(x.before)} → ${formatCount(x.after)} goroutines (${x.delta >= 0 ? '+' : ''}${formatCount(x.delta)})${x.seconds !== null ? ` in ${formatDuration(x.seconds * 1e9)}` : ''}.`),
      sigs.length ? table(['signature', 'before', 'after', 'change'], sigs.map((s) => [el('code', {}, s.signature), formatCount(s.before), formatCount(s.after), `${s.delta >= 0 ? '+' : ''}${formatCount(s.delta)}`])) : null,
      groups.length
        ? table(
            ['group', 'wait reason', 'before', 'after', 'change'],
            groups.map((g) => [el('code', {}, g.name), g.waitReason || '–', formatCount(g.before), formatCount(g.after), `${g.delta >= 0 ? '+' : ''}${formatCount(g.delta)}`]),
          )
        : null,
    );
  }

  private traceSection(t: ReportView['traces'][number]): HTMLElement {
    const blocking = table(
      ['waits', 'intervals', 'total', 'top functions'],
      t.blocking.map((b) => [b.type, formatCount(b.count), formatNs(b.delayNs), b.top.slice(0, 3).map((e) => `${e.function} (${formatNs(e.flat)})`).join('; ') || '–']),
      'trace-blocking',
    );
    const reasons = new Set<string>();
    for (const g of t.groups) for (const r of Object.keys(g.blockNs)) reasons.add(r);
    const rs = [...reasons].sort();
    const groups = table(
      ['start function', 'goroutines', 'ended', 'blocked at end', 'execution', 'scheduler wait', 'syscall', 'GC assist', ...rs.map((r) => `blocked: ${r || 'other'}`)],
      t.groups
        .slice(0, 50)
        .map((g) => [el('code', {}, g.name || '(unknown)'), formatCount(g.count), formatCount(g.ended), formatCount(g.blockedAtEnd), formatNs(g.execNs), formatNs(g.schedWaitNs), formatNs(g.syscallNs), formatNs(g.gcAssistNs), ...rs.map((r) => formatNs(g.blockNs[r] ?? 0))]),
      'trace-groups',
    );
    const lat = (t.latency ?? []).filter((l) => l.count + l.begunBefore + l.stillWaiting > 0 && l.role !== 'background');
    return el(
      'section',
      { class: 'trace' },
      el('h2', {}, `Execution trace — ${t.path}`),
      el('p', {}, `${t.goVersion ?? ''}: ${formatCount(t.events)} events, ${formatCount(t.goroutines)} goroutines, ${formatNs(t.durationNs)}.`),
      el('h3', {}, 'Blocking by kind'),
      blocking,
      lat.length ? el('h3', {}, 'Wait latency by signature') : null,
      lat.length
        ? table(
            ['signature', 'waits ended', 'p50', 'p90', 'p99', 'max', 'begun before', 'still waiting', 'goroutines'],
            lat.map((l) => [el('code', {}, l.signature), formatCount(l.count), formatNs(l.p50Ns), formatNs(l.p90Ns), formatNs(l.p99Ns), formatNs(l.maxNs), formatCount(l.begunBefore), formatCount(l.stillWaiting), formatCount(l.goroutines)]),
          )
        : null,
      el('h3', {}, 'Goroutines by start function'),
      groups,
    );
  }

  private inputsSection(): HTMLElement {
    return el(
      'section',
      { id: 'inputs' },
      el('h2', {}, 'Inputs'),
      table(
        ['file', 'kind', 'format', 'Go', 'captured', 'contents', 'notes'],
        this.v.inputs.map((a) => [el('code', {}, a.path), a.kind, `${a.format}${a.compressed ? ' (gzip)' : ''}`, a.goVersion ?? '–', a.timeNanos > 0 ? new Date(a.timeNanos / 1e6).toISOString() : '–', a.description, a.warnings.join('; ')]),
      ),
    );
  }
}

/**
 * d3-flame-graph gives each new frame its width and its label through a transition, even one of
 * no duration: two a frame, run on the next animation frame, where they cost about as much again
 * as making the frames did. They are stopped, and each frame given its width and label at once.
 */
function settleFrames(target: HTMLElement, width: number, name: (d: FlameDatum) => string): void {
  const root = select<HTMLElement, FlameDatum>(target).datum();
  const kx = width / (root.x1 - root.x0);
  const rects = select(target).selectAll<SVGRectElement, FlameDatum>('g rect');
  const labels = select(target).selectAll<HTMLDivElement, FlameDatum>('g foreignObject div');
  // selection.interrupt, which d3-transition (d3-flame-graph's) adds to every selection
  for (const s of [rects, labels]) (s as unknown as { interrupt(): void }).interrupt();
  rects.attr('width', (d) => (d.x1 - d.x0) * kx);
  labels.text(name);
}

function signatureNote(flame: ViewFlame, n: FlameNode): string {
  return n.s?.length ? ` — ${n.s.map((k) => flame.signatures[k]).join(', ')}` : '';
}

/** The heaviest functions of a flame graph's profile, in the columns of `go tool pprof -top`. */
function topTable(g: ViewFlame): HTMLElement {
  const total = Math.max(g.total, 1);
  const pct = (v: number): string => formatPercent(v, total);
  let sum = 0;
  const rows = g.top!.map((e) => {
    sum += e.flat;
    return [formatValue(e.flat, g.sampleType.unit), pct(e.flat), pct(sum), formatValue(e.cum, g.sampleType.unit), pct(e.cum), el('code', {}, e.function)];
  });
  return el('details', { class: 'flame-top', open: '' }, el('summary', {}, `Top ${g.top!.length} functions by own ${g.sampleType.type}, as go tool pprof -top`), table(['flat', 'flat%', 'sum%', 'cum', 'cum%', 'function'], rows, 'top-table'));
}

function table(head: string[], rows: Child[][], cls = ''): HTMLElement {
  return el(
    'table',
    cls ? { class: cls } : {},
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))),
  );
}

export function start(): void {
  const data = document.getElementById('report-data');
  const app = document.getElementById('app');
  if (!data || !app) return;
  const view = JSON.parse(data.textContent ?? '{}') as ReportView;
  new Report(view, app).render();
}
