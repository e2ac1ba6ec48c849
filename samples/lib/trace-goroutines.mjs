// Reads the goroutine analysis of Go's trace tool (the /goroutines and /goroutine?name=… pages
// that `go tool trace -http=…` serves) into a JSON golden: the groups by start function with
// their counts and execution times, and for every goroutine its total time and the
// non-overlapping breakdown (execution, sched wait, syscall, block time by reason, unknown) and
// range times, each in nanoseconds, exactly as the pages print them (time.Duration.String);
// durations Go prints as 0s are left out.
//
//   node trace-goroutines.mjs --url http://127.0.0.1:PORT --tool go1.27.3 > trace.goroutines.json
//
// The tool must be serving one trace. Only for Go 1.22+ tools (the pages of older ones differ).
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const base = opt('--url');
if (!base) {
  console.error('usage: trace-goroutines.mjs --url http://127.0.0.1:PORT [--tool goX.Y.Z]');
  process.exit(2);
}

// time.Duration.String → integer nanoseconds, without floating point.
const UNIT = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, 'µs': 1e3, 'μs': 1e3, us: 1e3, ns: 1 };
export function durationNs(text) {
  const s = text.trim();
  if (s === '0s' || s === '0') return 0;
  let neg = false;
  let rest = s;
  if (rest.startsWith('-')) {
    neg = true;
    rest = rest.slice(1);
  }
  let total = 0n;
  const re = /^(\d+)(?:\.(\d+))?(h|ms|µs|μs|us|ns|m|s)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m) throw new Error(`not a Go duration: ${JSON.stringify(text)}`);
    const unit = BigInt(UNIT[m[3]]);
    const frac = m[2] ?? '';
    total += BigInt(m[1]) * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
    rest = rest.slice(m[0].length);
  }
  return Number(neg ? -total : total);
}

const unescapeHtml = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const cells = (row, tag) => [...row.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
const text = (html) => unescapeHtml(html.replace(/<[^>]*>/g, '')).trim();

async function get(path) {
  const res = await fetch(base + path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.text();
}

const groupsPage = await get('/goroutines');
const groups = [];
for (const row of groupsPage.split('<tr>').slice(1)) {
  const td = cells(row, 'td');
  if (td.length < 3) continue;
  const href = /href="\/goroutine\?name=([^"]*)"/.exec(td[0]);
  if (!href) continue;
  const name = decodeURIComponent(unescapeHtml(href[1]));
  groups.push({ name, count: Number(text(td[1])), execNs: durationNs(text(td[2])) });
}

const goroutines = [];
for (const g of groups) {
  const page = await get('/goroutine?name=' + encodeURIComponent(g.name));
  const tables = [...page.matchAll(/<table class="details">([\s\S]*?)<\/table>/g)].map((m) => m[1]);
  // first details table: Goroutine, Total, (bar), then one column per non-overlapping stat
  const parse = (table, hasBar) => {
    const rows = table.split('<tr>').slice(1);
    const header = cells(rows[0], 'th').map(text);
    const stats = header.slice(hasBar ? 3 : 2);
    const out = new Map();
    for (const row of rows.slice(1)) {
      const td = cells(row, 'td');
      const id = Number(text(td[0]));
      const values = td.slice(hasBar ? 3 : 2).map((c) => durationNs(text(c)));
      out.set(id, { totalNs: durationNs(text(td[1])), values: Object.fromEntries(stats.map((s, i) => [s, values[i]])) });
    }
    return out;
  };
  const breakdown = parse(tables[0], true);
  const ranges = tables[1] ? parse(tables[1], false) : new Map();
  for (const [id, b] of breakdown) {
    goroutines.push({ id, name: g.name, totalNs: b.totalNs, breakdown: b.values, ranges: ranges.get(id)?.values ?? {} });
  }
}
goroutines.sort((a, b) => a.id - b.id);
groups.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
// One goroutine or group per line; zero durations left out (every column of Go's table is
// printed for every goroutine, mostly "0s").
const nonZero = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
const lines = (xs) => xs.map((x) => '  ' + JSON.stringify(x)).join(',\n');
process.stdout.write(
  `{\n "tool": ${JSON.stringify(opt('--tool') ?? null)},\n "groups": [\n${lines(groups)}\n ],\n "goroutines": [\n` +
    lines(goroutines.map((g) => ({ ...g, breakdown: nonZero(g.breakdown), ranges: nonZero(g.ranges) }))) +
    '\n ]\n}\n',
);
