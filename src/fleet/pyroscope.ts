/**
 * Instances and their goroutine profiles from Grafana Pyroscope's query API: Connect unary calls
 * (HTTP/1.1 POST of a binary protobuf message to /querier.v1.QuerierService/<Method>) to
 * `ProfileTypes` (which goroutine profile type the server holds), `LabelValues` (the values of
 * the `--group-by` label: one instance each) and `SelectMergeProfile` (each instance's profiles
 * in the window merged into one pprof Profile, which our decoder reads as it is).
 *
 * The few messages are written here by hand from the API's public description (field numbers
 * and types); no definition file of the project is copied. Times are milliseconds since the
 * epoch. `--tenant` sets X-Scope-OrgID, as a multi-tenant server requires.
 */

import protobuf from 'protobufjs/minimal.js';
import { messageLine, UsageError } from '../model/errors.js';
import { answerBody, httpGet } from '../cli/http-get.js';
import { collectChunks, InputError } from '../cli/inputs.js';
import type { FleetTarget } from './targets.js';

const SERVICE = 'querier.v1.QuerierService';

export interface PyroscopeOptions {
  timeoutMs: number;
  maxBytes: number;
  insecure?: boolean;
  /** X-Scope-OrgID. */
  tenant?: string;
}

export interface ProfileType {
  id: string;
  name: string;
  sampleType: string;
  sampleUnit: string;
  periodType: string;
  periodUnit: string;
}

/** One unary call: the answer's bytes, or an InputError with the server's one-line reason. */
export async function connectCall(base: string, method: string, body: Uint8Array, o: PyroscopeOptions): Promise<Uint8Array> {
  const url = new URL(`${base.replace(/\/+$/, '')}/${SERVICE}/${method}`);
  const headers: Record<string, string> = { 'content-type': 'application/proto', 'connect-protocol-version': '1' };
  if (o.tenant !== undefined) headers['x-scope-orgid'] = o.tenant;
  const get = { timeoutMs: o.timeoutMs, insecure: o.insecure === true, post: { body, headers } };
  const answer = await httpGet(url, get);
  const bytes = await collectChunks(answerBody(answer, o.maxBytes, get));
  const status = answer.res.statusCode ?? 0;
  if (status !== 200) throw new InputError(`${method}: ${connectError(status, bytes)}`);
  return bytes;
}

/** A Connect error answer ({"code": "...", "message": "..."}) as one line. */
function connectError(status: number, bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 4096));
  try {
    const e = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string') return `Pyroscope answered ${e.code}${typeof e.message === 'string' && e.message ? `: ${e.message.split('\n')[0]!.slice(0, 200)}` : ''}`;
  } catch {
    // not a Connect error: the first line of whatever it is
  }
  return `the server answered ${status}${text.trim() ? `: ${text.trim().split('\n')[0]!.slice(0, 120)}` : ''} (is this a Pyroscope server?)`;
}

/** Request messages: each field number and type as the API describes it. */
function writeTimes(w: protobuf.Writer, startField: number, start: number, end: number): void {
  w.uint32((startField << 3) | 0).int64(start);
  w.uint32(((startField + 1) << 3) | 0).int64(end);
}

export function profileTypesRequest(start: number, end: number): Uint8Array {
  const w = protobuf.Writer.create();
  writeTimes(w, 1, start, end);
  return w.finish();
}

export function labelValuesRequest(name: string, matchers: string[], start: number, end: number): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).string(name);
  for (const m of matchers) w.uint32((2 << 3) | 2).string(m);
  writeTimes(w, 3, start, end);
  return w.finish();
}

export function selectMergeProfileRequest(profileTypeId: string, selector: string, start: number, end: number): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).string(profileTypeId);
  w.uint32((2 << 3) | 2).string(selector);
  writeTimes(w, 3, start, end);
  return w.finish();
}

/** Reads a message's fields: each field's number and wire type to `on`, which reads it or skips. */
function readFields(bytes: Uint8Array, on: (r: protobuf.Reader, field: number, wire: number) => boolean): void {
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (!on(r, tag >>> 3, tag & 7)) r.skipType(tag & 7);
  }
}

export function decodeProfileTypes(bytes: Uint8Array): ProfileType[] {
  const out: ProfileType[] = [];
  readFields(bytes, (r, field, wire) => {
    if (field !== 1 || wire !== 2) return false;
    const t: ProfileType = { id: '', name: '', sampleType: '', sampleUnit: '', periodType: '', periodUnit: '' };
    const keys: Record<number, keyof ProfileType> = { 1: 'id', 2: 'name', 4: 'sampleType', 5: 'sampleUnit', 6: 'periodType', 7: 'periodUnit' };
    readFields(r.bytes(), (m, f, w) => {
      const k = keys[f];
      if (k === undefined || w !== 2) return false;
      t[k] = m.string();
      return true;
    });
    out.push(t);
    return true;
  });
  return out;
}

export function decodeLabelValues(bytes: Uint8Array): string[] {
  const out: string[] = [];
  readFields(bytes, (r, field, wire) => {
    if (field !== 1 || wire !== 2) return false;
    out.push(r.string());
    return true;
  });
  return out;
}

/** The goroutine profile type among the server's: Go's goroutine profile, as agents name it. */
export function goroutineType(types: ProfileType[]): ProfileType | null {
  return types.find((t) => t.sampleType === 'goroutine' || t.sampleType === 'goroutines') ?? types.find((t) => /^goroutines?$/.test(t.name)) ?? null;
}

/** A selector with one more matcher: `{service_name="checkout"}` and pod, `x` → `{service_name="checkout", pod="x"}`. */
export function withMatcher(selector: string | undefined, name: string, value: string): string {
  const m = `${name}=${JSON.stringify(value)}`;
  const inner = selector?.trim().replace(/^\{/, '').replace(/\}$/, '').trim() ?? '';
  return `{${inner ? `${inner}, ` : ''}${m}}`;
}

export interface PyroscopeSource {
  base: string;
  /** A PromQL-style selector of the service, e.g. {service_name="checkout"}. */
  match?: string;
  /** The label whose values are the instances (pod, instance, hostname). */
  groupBy: string;
  /** The window, milliseconds since the epoch. */
  start: number;
  end: number;
}

/** An answer decoded, or an InputError saying it is not the message it should be (a server's fault, not ours). */
function decoded<T>(method: string, bytes: Uint8Array, decode: (b: Uint8Array) => T): T {
  try {
    return decode(bytes);
  } catch (e) {
    throw new InputError(`${method}: the answer is not the message the API describes (${messageLine(e)}; is this a Pyroscope server?)`);
  }
}

/** The profile type to ask for and one target per value of the `groupBy` label in the window. */
export async function pyroscopeTargets(s: PyroscopeSource, o: PyroscopeOptions): Promise<{ type: ProfileType; targets: FleetTarget[] }> {
  const types = decoded('ProfileTypes', await connectCall(s.base, 'ProfileTypes', profileTypesRequest(s.start, s.end), o), decodeProfileTypes);
  const type = goroutineType(types);
  if (type === null) {
    const have = types.map((t) => t.id).slice(0, 8).join(', ');
    throw new UsageError(`--pyroscope ${s.base}: no goroutine profile type between --at − --window and --at (the server has ${have || 'none'})`);
  }
  const values = decoded('LabelValues', await connectCall(s.base, 'LabelValues', labelValuesRequest(s.groupBy, s.match ? [s.match] : [], s.start, s.end), o), decodeLabelValues);
  const targets = values.map((v) => ({ instance: v, base: s.base, labels: { [s.groupBy]: v } }));
  return { type, targets };
}

/** One instance's goroutine profiles in the window, merged by the server: pprof bytes. */
export async function pyroscopeProfile(s: PyroscopeSource, type: ProfileType, value: string, o: PyroscopeOptions): Promise<{ url: string; bytes: Uint8Array }> {
  const selector = withMatcher(s.match, s.groupBy, value);
  const url = `${s.base.replace(/\/+$/, '')}/${SERVICE}/SelectMergeProfile ${selector}`;
  const bytes = await connectCall(s.base, 'SelectMergeProfile', selectMergeProfileRequest(type.id, selector, s.start, s.end), o);
  if (bytes.length === 0) throw new InputError(`Pyroscope has no ${type.id} profile of ${selector} in the window (an empty profile)`);
  return { url, bytes };
}
