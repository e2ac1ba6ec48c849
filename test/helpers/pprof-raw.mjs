// Reads the figures tests compare out of `go tool pprof -raw` output.
export function summarizeRaw(text) {
  const lines = text.split('\n');
  let periodType = null;
  let period = null;
  const si = lines.indexOf('Samples:');
  if (si < 0) throw new Error('no Samples: section in go tool pprof -raw output');
  for (const l of lines.slice(0, si)) {
    const pt = /^PeriodType: (\S*) (\S*)$/.exec(l);
    if (pt) periodType = { type: pt[1], unit: pt[2] };
    const p = /^Period: (-?\d+)$/.exec(l);
    if (p) period = Number(p[1]);
  }
  const sampleTypes = lines[si + 1]
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => {
      const clean = t.replace(/\[dflt\]$/, '');
      const slash = clean.lastIndexOf('/');
      return { type: clean.slice(0, slash), unit: clean.slice(slash + 1) };
    });
  const totals = sampleTypes.map(() => 0);
  let samples = 0;
  for (let i = si + 2; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l)) break; // the Locations / Mappings sections
    const m = /^\s+(-?\d+(?:\s+-?\d+)*):/.exec(l);
    if (!m) continue; // label lines under a sample
    m[1]
      .trim()
      .split(/\s+/)
      .forEach((v, j) => {
        totals[j] += Number(v);
      });
    samples++;
  }
  return { sampleTypes, samples, totals, periodType, period };
}
