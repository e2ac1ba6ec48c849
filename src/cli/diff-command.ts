/** `pprof-diag diff`: growth between two goroutine snapshots, the earlier one first. */

import { signatureSet } from '../analyze/diagnose.js';
import { errorLine } from '../model/errors.js';
import { diffSnapshots } from '../analyze/diff.js';
import { matchSnapshot } from '../analyze/match.js';
import { severityAtLeast, type Severity } from '../analyze/findings.js';
import { differentPrograms, inTimeOrder } from '../analyze/snapshot-order.js';
import { analyzeInput } from '../pipeline.js';
import { gunzipNode } from './gunzip-node.js';
import { limitsOf, loadPacks, type LimitFlags } from './setup.js';
import { InputError, readInput } from './inputs.js';
import { painter, colorWanted, type Io } from './terminal.js';
import { formatSeconds } from '../model/units.js';

export interface DiffFlags extends LimitFlags {
  format: 'text' | 'json';
  rules: string[];
  ignore: string[];
  top: number;
  timeout: number;
  maxSize: number;
  insecure?: boolean;
  failOn?: Severity;
  color: boolean;
}

export async function diffCommand(before: string, after: string, flags: DiffFlags, io: Io): Promise<number> {
  let set;
  try {
    set = signatureSet({ packs: loadPacks(flags.rules), ignore: flags.ignore });
  } catch (e) {
    io.err(`pprof-diag: ${errorLine(e)}\n`);
    return 2;
  }
  const ignored = new Set(flags.ignore);
  const matched = [];
  for (const spec of [before, after]) {
    try {
      const raw = await readInput(spec, { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize, insecure: flags.insecure === true });
      const a = analyzeInput(raw, { maxSize: flags.maxSize, limits: limitsOf(flags), gunzip: gunzipNode });
      if (a.type !== 'profile' || (a.kind !== 'goroutine' && a.kind !== 'goroutineleak')) {
        throw new InputError(`${a.type === 'trace' ? 'an execution trace' : `a ${a.kind} profile`}, but diff compares goroutine snapshots`);
      }
      matched.push({ path: spec, profile: a.profile, m: matchSnapshot(a.profile, set, a.buckets ?? undefined) });
    } catch (e) {
      io.err(`pprof-diag: ${spec}: ${errorLine(e)}\n`);
      return 2;
    }
  }
  // the earlier snapshot first, whatever the command line's order
  const ordered = inTimeOrder(matched);
  if (ordered.note !== null) io.err(`pprof-diag: note: ${ordered.note}\n`);
  const [x, y] = ordered.items as [(typeof matched)[number], (typeof matched)[number]];
  const other = differentPrograms(x.profile, y.profile);
  if (other !== null) io.err(`pprof-diag: note: ${x.path} and ${y.path} are ${other}: the growth below compares two programs, not one process over time\n`);
  before = x.path;
  after = y.path;
  const d = diffSnapshots(x.m, y.m);
  d.findings = d.findings.filter((f) => !ignored.has(f.id));
  if (flags.format === 'json') {
    io.out(JSON.stringify({ schemaVersion: 1, inputs: { before, after }, ...d, buckets: d.buckets.slice(0, flags.top) }, null, 2) + '\n');
  } else {
    const paint = painter(colorWanted(flags.color, process.stdout));
    io.out(paint.bold(`${d.before} → ${d.after} goroutines (${d.delta >= 0 ? '+' : ''}${d.delta})${d.seconds ? ` over ${formatSeconds(d.seconds)}` : ''}\n`));
    for (const f of d.findings) io.out(`\n${paint.red(f.severity.toUpperCase())} ${paint.bold(f.id)}: ${f.title}\n  ${f.summary}\n`);
    io.out(`\n${paint.bold('groups, most growth first')}\n`);
    for (const g of d.buckets.slice(0, flags.top)) {
      const sign = g.delta > 0 ? '+' : '';
      io.out(`  ${String(g.before).padStart(6)} → ${String(g.after).padStart(6)}  ${(sign + g.delta).padStart(7)}  [${g.waitReason || '?'}] ${g.name}\n`);
    }
  }
  if (flags.failOn && d.findings.some((f) => severityAtLeast(f.severity, flags.failOn!))) return 1;
  return 0;
}
