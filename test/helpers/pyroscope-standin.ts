/**
 * A STAND-IN FOR GRAFANA PYROSCOPE'S QUERY PROTOCOL, NOT PYROSCOPE: neither Pyroscope nor Parca
 * can run here, so the fleet tests talk to this small server, which answers the Connect unary
 * calls `pprof-diag fleet --pyroscope` makes — querier.v1.QuerierService/ProfileTypes,
 * LabelValues and SelectMergeProfile, binary protobuf over HTTP/1.1 POST — as the API's public
 * description says they behave: profile types and label values of the series seen between start
 * and end, and the series matching a selector in that window merged into one pprof Profile.
 * Its messages are decoded here independently of src/fleet/pyroscope.ts (field numbers from the
 * public description). The profiles it serves are real goroutine profiles captured from real Go
 * processes; merging is done with the pprof-format package.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs/minimal.js';
import { Profile } from 'pprof-format';

export interface Series {
  labels: Record<string, string>;
  /** Milliseconds since the epoch. */
  at: number;
  /** A goroutine profile as Go wrote it (gzipped protobuf). */
  profile: Uint8Array;
}

export interface SeenCall {
  method: string;
  headers: http.IncomingHttpHeaders;
  fields: Record<number, (string | number)[]>;
}

export interface StandIn {
  url: string;
  calls: SeenCall[];
  close(): Promise<void>;
}

const GOROUTINE_TYPE = { id: 'goroutines:goroutine:count:goroutine:count', name: 'goroutines', sampleType: 'goroutine', sampleUnit: 'count', periodType: 'goroutine', periodUnit: 'count' };
const CPU_TYPE = { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' };

/** Every field of a message: strings for length-delimited ones, numbers for varints. */
function fieldsOf(bytes: Uint8Array): Record<number, (string | number)[]> {
  const r = protobuf.Reader.create(bytes);
  const out: Record<number, (string | number)[]> = {};
  while (r.pos < r.len) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const v = (tag & 7) === 2 ? r.string() : (tag & 7) === 0 ? Number(r.int64().toString()) : (r.skipType(tag & 7), NaN);
    (out[f] ??= []).push(v);
  }
  return out;
}

/** `{a="b", c="d"}`: equality matchers only, which is all the tests send. */
function selectorMatches(selector: string, labels: Record<string, string>): boolean {
  const inner = selector.trim().replace(/^\{|\}$/g, '').trim();
  if (inner === '') return true;
  return inner.split(/,\s*/).every((m) => {
    const [, k, v] = /^(\w+)="(.*)"$/.exec(m.trim()) ?? [];
    if (k === undefined) throw new Error(`stand-in: cannot read matcher ${m}`);
    return (labels[k] ?? '') === v;
  });
}

/** Profiles merged as the query API does: one profile holding every sample of each. */
export function mergeProfiles(gz: Uint8Array[]): Uint8Array {
  const [first, ...rest] = gz.map((g) => Profile.decode(gunzipSync(g)));
  const base = first!;
  for (const p of rest) {
    const str = (i: unknown) => base.stringTable.dedup(p.stringTable.strings[Number(i)]!);
    const fOff = Math.max(0, ...base.function.map((f) => Number(f.id)));
    const lOff = Math.max(0, ...base.location.map((l) => Number(l.id)));
    for (const f of p.function) base.function.push(new (f.constructor as any)({ id: Number(f.id) + fOff, name: str(f.name), systemName: str(f.systemName), filename: str(f.filename), startLine: f.startLine }));
    for (const l of p.location) {
      base.location.push(new (l.constructor as any)({ id: Number(l.id) + lOff, address: l.address, line: l.line.map((ln) => ({ functionId: Number(ln.functionId) + fOff, line: ln.line })) }));
    }
    for (const s of p.sample) {
      base.sample.push(new (s.constructor as any)({ locationId: s.locationId.map((id) => Number(id) + lOff), value: s.value, label: s.label.map((lb) => ({ key: str(lb.key), str: str(lb.str), num: lb.num })) }));
    }
  }
  for (const l of base.location) l.mappingId = 0;
  base.mapping = [];
  return base.encode();
}

function writeType(w: protobuf.Writer, t: typeof GOROUTINE_TYPE): void {
  w.uint32((1 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(t.id).uint32((2 << 3) | 2).string(t.name).uint32((4 << 3) | 2).string(t.sampleType);
  w.uint32((5 << 3) | 2).string(t.sampleUnit).uint32((6 << 3) | 2).string(t.periodType).uint32((7 << 3) | 2).string(t.periodUnit);
  w.ldelim();
}

function answer(method: string, f: Record<number, (string | number)[]>, series: Series[]): Uint8Array | null {
  const w = protobuf.Writer.create();
  const inWindow = (start: number, end: number) => series.filter((s) => s.at >= start && s.at <= end);
  switch (method) {
    case 'ProfileTypes': {
      if (inWindow(Number(f[1]?.[0] ?? 0), Number(f[2]?.[0] ?? 0)).length > 0) [CPU_TYPE, GOROUTINE_TYPE].forEach((t) => writeType(w, t));
      return w.finish();
    }
    case 'LabelValues': {
      const name = String(f[1]?.[0] ?? '');
      const matchers = (f[2] ?? []).map(String);
      const values = new Set(inWindow(Number(f[3]?.[0] ?? 0), Number(f[4]?.[0] ?? 0)).filter((s) => matchers.every((m) => selectorMatches(m, s.labels))).map((s) => s.labels[name]).filter((v) => v !== undefined));
      for (const v of [...values].sort()) w.uint32((1 << 3) | 2).string(v!);
      return w.finish();
    }
    case 'SelectMergeProfile': {
      if (f[1]?.[0] !== GOROUTINE_TYPE.id) return new Profile().encode();
      const hit = inWindow(Number(f[3]?.[0] ?? 0), Number(f[4]?.[0] ?? 0)).filter((s) => selectorMatches(String(f[2]?.[0] ?? ''), s.labels));
      return hit.length === 0 ? new Profile().encode() : mergeProfiles(hit.map((s) => s.profile));
    }
  }
  return null;
}

/** Starts the stand-in on loopback; with `tenant`, calls without that X-Scope-OrgID are refused as Pyroscope refuses them. */
export async function startStandIn(series: Series[], o: { tenant?: string } = {}): Promise<StandIn> {
  const calls: SeenCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/querier\.v1\.QuerierService\/(\w+)$/.exec(req.url ?? '');
      const fail = (status: number, code: string, message: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, message }));
      if (req.method !== 'POST' || !m) return fail(404, 'unimplemented', `${req.method} ${req.url} is not a method of this stand-in`);
      if (req.headers['content-type'] !== 'application/proto') return fail(415, 'invalid_argument', 'only application/proto here');
      const fields = fieldsOf(Buffer.concat(chunks));
      calls.push({ method: m[1]!, headers: req.headers, fields });
      if (o.tenant !== undefined && req.headers['x-scope-orgid'] !== o.tenant) return fail(401, 'unauthenticated', 'no org id');
      const body = answer(m[1]!, fields, series);
      if (body === null) return fail(404, 'unimplemented', `${m[1]} is not implemented by this stand-in`);
      res.writeHead(200, { 'content-type': 'application/proto' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}
