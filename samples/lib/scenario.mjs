// Prints what samples/capture.sh needs from a scenario.json as shell assignments (KEY='value').
//   node scenario.mjs samples/<scenario>/scenario.json
import { readFileSync } from 'node:fs';

const s = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const c = s.captures ?? {};
const servers = s.servers ?? {};
const q = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;
const num = (v, d) => (Number.isFinite(Number(v)) && v !== undefined && v !== null ? Number(v) : d);
const out = {
  S_NAME: s.name ?? '',
  S_GO_VERSIONS: (s.goVersions ?? []).join(' '),
  S_CPU_SECONDS: num(c.cpuSeconds, 0),
  S_TRACE_SECONDS: num(c.traceSeconds, 0),
  S_BLOCK: c.block ? 1 : 0,
  S_MUTEX: c.mutex ? 1 : 0,
  S_GOROUTINELEAK: c.goroutineleak ? 1 : 0,
  S_GAP_SECONDS: num(c.snapshotGapSeconds, 0),
  S_READY2: c.ready2 ? 1 : 0,
  // One more goroutine snapshot (goroutine.aged.*) this many seconds after the others.
  S_AGED_SECONDS: num(c.agedSeconds, 0),
  // One more heap profile right after goroutine.2.* (heap.2.pb.gz) and after goroutine.aged.*
  // (heap.aged.pb.gz).
  S_HEAP2: c.heap2 ? 1 : 0,
  // GET /debug/vars (expvar) right after each goroutine snapshot: vars.json, vars.2.json,
  // vars.aged.json.
  S_EXPVAR: c.expvar ? 1 : 0,
  S_READY_TIMEOUT: num(c.readyTimeoutSeconds, 90),
  S_PG: servers.postgres ? 1 : 0,
  S_PG_MAX: num(servers.postgres?.maxConnections, 100),
  S_MYSQL: servers.mariadb ? 1 : 0,
  S_MYSQL_MAX: num(servers.mariadb?.maxConnections, 151),
  S_REDIS: servers.redis ? 1 : 0,
  S_REDIS_MAX: num(servers.redis?.maxClients, 1000),
  // Extra environment for the program: "K=V" words.
  S_ENV: Object.entries(s.env ?? {}).map(([k, v]) => `${k}=${v}`).join('\n'),
};
for (const [k, v] of Object.entries(out)) console.log(`${k}=${q(v)}`);
