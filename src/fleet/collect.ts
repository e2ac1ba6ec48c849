/**
 * Profiling a fleet: every target's profiles fetched by a bounded pool of workers (fetching a
 * goroutine profile stops the target's world for a moment, so the fan-out is never unbounded),
 * each with its own timeout, all within one overall deadline, each answer held to a size cap.
 * A connection refused or cut is tried once more; nothing else is. Each instance is decoded and
 * diagnosed as soon as it answers and only its summary is kept, so memory grows with the
 * number of instances by their summaries alone.
 */

import { diagnoseAnalyses, analyzeInput } from '../pipeline.js';
import { groupStacks, instanceFindings, type InstanceResult } from '../analyze/fleet.js';
import type { InputAnalysis } from '../analyze/index.js';
import type { DecodeLimits } from '../model/errors.js';
import { errorLine, UsageError } from '../model/errors.js';
import type { ProfileKind } from '../model/profile.js';
import type { SignaturePack } from '../signatures/types.js';
import { gunzipNode } from '../cli/gunzip-node.js';
import { ConnectionError } from '../cli/http-get.js';
import { readInput } from '../cli/inputs.js';
import type { InstanceStacks } from '../report/fleet-pprof.js';
import { profileUrl, type FleetTarget } from './targets.js';

export interface CollectOptions {
  /** Targets profiled at once. */
  concurrency: number;
  /** Milliseconds one profile may take. */
  timeoutMs: number;
  /** Milliseconds the whole fleet may take; targets not started by then are not asked. */
  deadlineMs: number;
  /** Largest answer, in bytes (and largest decompressed profile). */
  maxBytes: number;
  limits: DecodeLimits;
  /** The profiles asked of each target: goroutine, mutex, block. */
  profiles: ProfileKind[];
  /** The goroutine profile's debug level (0: protobuf, 2: text with waits' ages). */
  debug: number;
  insecure?: boolean;
  packs?: SignaturePack[];
  ignore?: string[];
  /** Milliseconds before the second try of a refused or cut connection. */
  retryDelayMs?: number;
  /** How a profile of a target is fetched (default: GET of its /debug/pprof/ endpoint). */
  fetch?: ProfileFetch;
  /** Given each answering instance's goroutine groups (for a profile of the whole fleet). */
  onStacks?: (index: number, stacks: InstanceStacks['stacks']) => void;
  /** Told of each instance as it is done. */
  onDone?: (r: InstanceResult, done: number, total: number) => void;
}

/** One profile of a target, within a timeout: where it came from and its bytes. */
export type ProfileFetch = (t: FleetTarget, kind: ProfileKind, timeoutMs: number) => Promise<{ url: string; bytes: Uint8Array }>;

/** The default fetch: GET of the target's /debug/pprof/ endpoint. */
function pprofEndpoint(o: CollectOptions): ProfileFetch {
  return async (t, kind, timeoutMs) => {
    const url = profileUrl(t, kind, kind === 'goroutine' ? o.debug : 0);
    return { url, bytes: (await readInput(url, { timeoutMs, maxBytes: o.maxBytes, insecure: o.insecure === true })).bytes };
  };
}

/** Every target's result, in target order. */
export async function collectFleet(targets: FleetTarget[], o: CollectOptions): Promise<InstanceResult[]> {
  const results: InstanceResult[] = new Array(targets.length);
  const deadlineAt = Date.now() + o.deadlineMs;
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= targets.length) return;
      const t = targets[i]!;
      const left = deadlineAt - Date.now();
      results[i] =
        left <= 0
          ? failed(t, t.base, `not asked: the overall deadline of ${Math.round(o.deadlineMs / 1000)} s had passed (raise --deadline)`)
          : await profileTarget(t, o, Math.min(o.timeoutMs, left), i);
      o.onDone?.(results[i]!, ++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, targets.length)) }, worker));
  return results;
}

function failed(t: FleetTarget, url: string, reason: string): InstanceResult {
  const down = t.down !== undefined ? `; Prometheus reports it down (${t.down.split('\n')[0]!.slice(0, 160)})` : '';
  return { answered: false, instance: t.instance, labels: t.labels, url, reason: reason + down };
}

/** One target: its profiles fetched and analysed, then diagnosed together; or why not. */
async function profileTarget(t: FleetTarget, o: CollectOptions, timeoutMs: number, index: number): Promise<InstanceResult> {
  const analyses: InputAnalysis[] = [];
  const fetch = o.fetch ?? pprofEndpoint(o);
  const endAt = Date.now() + timeoutMs;
  let url = o.fetch ? t.base : profileUrl(t, 'goroutine', o.debug);
  for (const kind of o.profiles) {
    try {
      // one timeout for the whole target: its profiles and a second try share it
      const got = await withRetry(() => fetch(t, kind, Math.max(1, endAt - Date.now())), o.retryDelayMs ?? 250);
      if (kind === 'goroutine') url = got.url;
      const a = analyzeInput({ name: t.instance, bytes: got.bytes }, { maxSize: o.maxBytes, limits: o.limits, gunzip: gunzipNode, kind: kind, top: 0 });
      // a Go process has at least one goroutine: none means no data, not health
      if (a.type === 'profile' && kind === 'goroutine' && !a.goroutines) throw new UsageError('the goroutine profile holds no goroutine (nothing was profiled)');
      analyses.push(a);
    } catch (e) {
      return failed(t, url, (o.profiles.length > 1 ? `${kind}: ` : '') + errorLine(e));
    }
  }
  const d = diagnoseAnalyses(analyses, [], { packs: o.packs ?? [], ignore: o.ignore ?? [] }).diagnosis;
  const g = analyses.find((a) => a.type === 'profile' && a.kind === 'goroutine');
  if (o.onStacks && g?.type === 'profile') o.onStacks(index, groupStacks(g.profile, g.buckets ?? []));
  return {
    answered: true,
    instance: t.instance,
    labels: t.labels,
    url,
    goVersion: g?.type === 'profile' ? g.goVersion : null,
    goroutines: g?.type === 'profile' ? (g.goroutines ?? 0) : 0,
    findings: instanceFindings(d),
  };
}

/** The fetch, once more when the connection was refused or cut. */
async function withRetry<T>(f: () => Promise<T>, delayMs: number): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof ConnectionError)) throw e;
    await new Promise((r) => setTimeout(r, delayMs));
    return f();
  }
}
