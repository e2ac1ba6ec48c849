/**
 * Findings from the runtime's own verdict: what Go printed when it stopped the program (a
 * deadlock it proved, a panic, a fatal error, a test time-out) or what the race detector
 * reported. These are facts, not patterns, so they lead the diagnosis.
 */

import { GoroutineFlag, type RaceAccess, type RuntimeVerdict } from '../model/profile.js';
import { isStandardLibrary } from '../model/names.js';
import type { EvidenceStack, Finding } from './findings.js';
import { stackEvidence } from './finding-kit.js';
import type { SnapshotMatch } from './match.js';
import type { FrameSummary, GoroutineBucket } from './summary.js';

function frameText(f: FrameSummary): string {
  const file = f.file.slice(f.file.lastIndexOf('/') + 1);
  return file ? `${f.function} (${file}:${f.line})` : f.function;
}

/** The first frame of the program's own code, else the leaf. */
function firstUserFrame(b: GoroutineBucket): FrameSummary | null {
  return b.frames.find((f) => !isStandardLibrary(f.function)) ?? b.frames[0] ?? null;
}

/** Each sample row's bucket, and each goroutine id's sample row. */
function index(m: SnapshotMatch): { bucketOf: Map<number, GoroutineBucket>; sampleOf: Map<number, number> } {
  const bucketOf = new Map<number, GoroutineBucket>();
  for (const b of m.buckets) for (const s of b.samples) bucketOf.set(s, b);
  const sampleOf = new Map<number, number>();
  const g = m.profile.goroutines;
  if (g !== null) for (let i = 0; i < g.length; i++) if (!sampleOf.has(g.id[i]!)) sampleOf.set(g.id[i]!, i);
  return { bucketOf, sampleOf };
}

function evidence(signature: string, b: GoroutineBucket, goroutines: number): EvidenceStack {
  const user = firstUserFrame(b);
  return stackEvidence(signature, b, goroutines, user ? [b.frames.indexOf(user)] : []);
}

function base(v: RuntimeVerdict, id: string, title: string, summary: string, total: number, goroutines: number): Finding {
  return {
    id,
    severity: 'critical',
    title,
    summary,
    goroutines,
    share: total ? goroutines / total : 0,
    maxMinutes: null,
    evidence: [],
    holders: [],
    remediation: [],
    signatures: [],
    runtimeVerdict: v.message,
  };
}

interface Blocked {
  id: number;
  sample: number;
  bucket: GoroutineBucket;
  minutes: number;
  /** Whether it runs a test function (testing.tRunner is on its stack). */
  test: boolean;
}

/** Goroutines parked in the program's own code (not running, not only the runtime or testing), longest wait first. */
function blockedGoroutines(m: SnapshotMatch, skip: number): Blocked[] {
  const g = m.profile.goroutines;
  if (g === null) return [];
  const { bucketOf } = index(m);
  const out: Blocked[] = [];
  for (let s = 0; s < g.length; s++) {
    const id = g.id[s]!;
    const b = bucketOf.get(s);
    if (id === skip || b === undefined || b.waitReason === 'running' || b.waitReason === 'runnable' || b.waitReason.startsWith('race: ')) continue;
    if (g.flags[s]! & GoroutineFlag.Current) continue;
    // the program's own frames; `go test`'s generated main is the framework's
    if (!b.frames.some((f) => !isStandardLibrary(f.function) && !f.file.endsWith('_testmain.go'))) continue;
    // a test's own goroutine: the frame tRunner called is the test function, and it is waiting in there
    const t = b.frames.findIndex((f) => f.function === 'testing.tRunner');
    const test = t > 0 && !isStandardLibrary(b.frames[t - 1]!.function);
    out.push({ id, sample: s, bucket: b, minutes: g.waitMinutes[s]!, test });
  }
  // a test's own goroutine first (what the test waits in), then the longest waits
  return out.sort((a, b) => Number(b.test) - Number(a.test) || b.minutes - a.minutes || (a.id === 1 ? -1 : b.id === 1 ? 1 : a.id - b.id));
}

function blockedText(x: Blocked): string {
  const f = firstUserFrame(x.bucket);
  const age = x.minutes > 0 ? `, ${x.minutes} minute${x.minutes === 1 ? '' : 's'}` : '';
  return `goroutine ${x.id} [${x.bucket.waitReason || '?'}${age}]${f ? ` in ${frameText(f)}` : ''}`;
}

/** Evidence for the goroutines named, one stack per distinct group, in the order given. */
function groupEvidence(signature: string, xs: Blocked[], limit = 4): EvidenceStack[] {
  const seen = new Map<GoroutineBucket, number>();
  for (const x of xs) seen.set(x.bucket, (seen.get(x.bucket) ?? 0) + 1);
  return [...seen].slice(0, limit).map(([b, n]) => evidence(signature, b, n));
}

function deadlock(v: RuntimeVerdict, m: SnapshotMatch): Finding {
  const all = blockedGoroutines(m, -1).sort((a, b) => (a.id === 1 ? -1 : b.id === 1 ? 1 : a.id - b.id));
  const named = all.slice(0, 8).map(blockedText);
  const more = all.length > 8 ? `, and ${all.length - 8} more` : '';
    const f = base(
    v,
    'deadlock-suspect',
    'deadlock: all goroutines are asleep (proven by the runtime)',
    `Go stopped the program with "${v.message}": no goroutine can ever run again. ` +
      (all.length === 1
        ? `The program's only goroutine waits forever: ${named[0]}.`
        : `${all.length} goroutines of the program wait on each other: ${named.join('; ')}${more}.`),
    m.total,
    all.length,
  );
  f.evidence = groupEvidence('runtime.deadlock', all);
  f.remediation = [
    'Each of these goroutines waits for another one of them: follow the chain (a send nobody receives, a receive from a channel nobody closes, a lock held by a goroutine that is itself waiting, a WaitGroup whose Done never comes) and break it.',
    'Give every blocking operation a way out: close channels the receivers range over, select on ctx.Done(), defer Unlock and Done right where Lock and Add happen.',
  ];
  return f;
}

function testTimeout(v: RuntimeVerdict, m: SnapshotMatch): Finding {
  const suspects = blockedGoroutines(m, v.goroutine);
  const tests = v.tests.length ? ` while running ${v.tests.join(', ')}` : '';
  const named = suspects.slice(0, 6).map(blockedText);
  const f = base(
    v,
    'test-timeout',
    `test timed out${v.tests.length ? `: ${v.tests[0]!.replace(/\s*\(.*\)$/, '')}` : ''}`,
    `"${v.message}"${tests}. ` +
      (suspects.length
        ? `The goroutines of the program's code blocked at that moment are the suspects (the test's own first, then the longest waits): ${named.join('; ')}${suspects.length > 6 ? `, and ${suspects.length - 6} more` : ''}.`
        : 'No goroutine of the program was blocked at that moment: the test was busy, not stuck (a slow loop, or a timeout too short for it).'),
    m.total,
    suspects.length,
  );
  f.evidence = groupEvidence('testing.timeout', suspects);
  f.remediation = [
    'Start from the first suspect: what it waits for (a lock, a channel, a WaitGroup, a network reply) and which goroutine should have provided it.',
    'Give the code under test deadlines (context.WithTimeout) so a hang fails fast with its own message; `go test -timeout` only says that time ran out.',
  ];
  return f;
}

const CRASH_ADVICE: [RegExp, string][] = [
  [/nil pointer dereference|invalid memory address/, 'A nil pointer was dereferenced at the frame shown: check the value (and the error returned with it) before use.'],
  [/concurrent map (?:writes|read and map write|iteration and map write)/, 'A map was used from several goroutines without a lock: guard it with a sync.Mutex or sync.RWMutex, or use sync.Map; `go test -race` finds the other side.'],
  [/index out of range|slice bounds out of range/, 'An index or slice bound was out of range at the frame shown: check lengths before indexing.'],
  [/send on closed channel|close of closed channel|close of nil channel/, 'A channel was closed while others still used it: only the sender closes, exactly once (sync.Once), after every send is done.'],
  [/all goroutines are asleep/, 'Every goroutine is blocked: see the deadlock finding.'],
  [/out of memory|cannot allocate memory|stack overflow|goroutine stack exceeds/, 'Memory or stack ran out: look for unbounded recursion or growth (a heap profile taken before the crash shows what grows).'],
  [/sync: (?:negative WaitGroup counter|unlock of unlocked mutex|RUnlock of unlocked RWMutex)/, 'A WaitGroup or lock was used out of order: each Done matches one Add, each Unlock one Lock, on the same goroutine path.'],
];

function crash(v: RuntimeVerdict, m: SnapshotMatch): Finding {
  const { bucketOf, sampleOf } = index(m);
  const sample = v.goroutine >= 0 ? sampleOf.get(v.goroutine) : undefined;
  const b = sample !== undefined ? bucketOf.get(sample) : undefined;
  const user = b ? firstUserFrame(b) : null;
  const what = v.kind === 'signal' ? 'The program was killed by a signal' : v.kind === 'panic' ? 'The program panicked' : 'The runtime stopped the program';
  const where = v.goroutine >= 0 ? ` in goroutine ${v.goroutine}${user ? `, at ${frameText(user)}` : ''}` : '';
  const msg = v.message.length > 160 ? v.message.slice(0, 160) + '…' : v.message;
  const f = base(v, 'crash', msg, `${what}: "${msg}"${where}.`, m.total, 1);
  if (b) f.evidence = [evidence('runtime.crash', b, 1)];
  const advice = CRASH_ADVICE.find(([re]) => re.test(v.message));
  f.remediation = [
    advice ? advice[1] : 'Read the stack from the first frame of your own code: that is where the panic started.',
    'A panic in a goroutine of its own takes the whole process down: recover in long-lived goroutines only where the program can carry on safely, and log the stack.',
  ];
  return f;
}

function accessText(a: RaceAccess, bucketOf: Map<number, GoroutineBucket>): string {
  const b = bucketOf.get(a.sample);
  const user = b ? firstUserFrame(b) : null;
  const who = a.goroutine === 1 ? 'the main goroutine' : `goroutine ${a.goroutine}`;
  return `${a.access.replace(/ at 0x[0-9a-fA-F]+$/, '').toLowerCase()} by ${who}${user ? ` in ${frameText(user)}` : ''}`;
}

function races(v: RuntimeVerdict, m: SnapshotMatch): Finding {
  const { bucketOf } = index(m);
  const n = v.races.length;
  const described = v.races.slice(0, 3).map((accesses) => {
    const [first, ...rest] = accesses.map((a) => accessText(a, bucketOf));
    return rest.length ? `${first} races with the ${rest.join(' and ')}` : first!;
  });
  const goroutines = new Set(v.races.flat().map((a) => a.goroutine)).size;
  const f = base(
    { ...v, message: 'WARNING: DATA RACE' },
    'data-race',
    `data race${n === 1 ? '' : 's'} found by the race detector`,
    `The race detector reported ${n === 1 ? 'a data race' : `${n} data races`}: ${described.join('; ')}${n > 3 ? `; and ${n - 3} more` : ''}.`,
    m.total,
    goroutines,
  );
  const stacks: EvidenceStack[] = [];
  for (const a of v.races[0] ?? []) {
    const b = bucketOf.get(a.sample);
    if (b) stacks.push(evidence('race', b, 1));
  }
  f.evidence = stacks;
  f.remediation = [
    'The goroutines shown touch the same memory without synchronisation: guard it with a sync.Mutex, use sync/atomic, or hand the value over through a channel.',
    'Races corrupt data silently and only sometimes: keep `-race` in CI for the tests that exercise this path.',
  ];
  return f;
}

function leakCheck(v: RuntimeVerdict, m: SnapshotMatch): Finding {
  const left = blockedGoroutines(m, -1);
  const named = left.slice(0, 6).map((x) => blockedText(x) + (x.bucket.createdBy ? `, started by ${x.bucket.createdBy}` : ''));
  const f = base(
    v,
    'goroutine-leak',
    'goroutines left running after a test (found by the leak checker)',
    `The leak checker failed the test ("${v.message.replace(/^.*?((?:found unexpected|Too many|Leaked).*)$/, '$1')}"): ${left.length} goroutine${left.length === 1 ? '' : 's'} of the program outlived it: ${named.join('; ')}${left.length > 6 ? `, and ${left.length - 6} more` : ''}.`,
    m.total,
    left.length,
  );
  f.evidence = groupEvidence('leakcheck', left);
  f.remediation = [
    'Each goroutine shown waits for something the finished test will never provide: give it a way out (a context cancelled when the caller returns, a buffered channel for a result nobody may read, a Close that stops it).',
    'Wait for the goroutines a function starts before it returns (errgroup, a WaitGroup), so tests and callers do not leave them behind.',
  ];
  return f;
}

/** The findings a snapshot's runtime verdict gives (none when the runtime said nothing). */
export function verdictFindings(m: SnapshotMatch): Finding[] {
  const v = m.profile.verdict;
  if (v === null || v === undefined) return [];
  const out: Finding[] = [];
  if (v.kind === 'deadlock') out.push(deadlock(v, m));
  else if (v.kind === 'test-timeout') out.push(testTimeout(v, m));
  else if (v.kind === 'leak-check') out.push(leakCheck(v, m));
  else if (v.kind !== 'data-race') out.push(crash(v, m));
  if (v.races.length > 0) out.push(races(v, m));
  return out;
}

