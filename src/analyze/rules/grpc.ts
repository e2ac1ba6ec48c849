/** Findings about gRPC ClientConns. */

import { SIG } from '../signature-ids.js';
import { count, plural, evidenceOf, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';
import { formatShare } from '../../model/units.js';

/** Many gRPC ClientConns, counted by the goroutines each runs. */
export function grpcClientConnLeak(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const serializers = count(m, SIG.grpcClientconnSerializer);
  const watchers = count(m, SIG.grpcBalancerWatcher);
  const clientConns = Math.ceil(serializers / 3) + watchers;
  if (clientConns >= t.leakCount) {
    const transports = count(m, SIG.grpcTransportReader);
    const ids = [SIG.grpcClientconnSerializer, SIG.grpcBalancerWatcher, SIG.grpcTransportReader, SIG.grpcClientLoopyWriter, SIG.grpcKeepalive];
    const goroutines = count(m, ...ids);
    out.push({
      id: 'grpc-clientconn-leak',
      severity: 'critical',
      title: 'many gRPC ClientConns (grpc.NewClient or Dial without Close?)',
      summary:
        `At least ${plural(clientConns, 'grpc.ClientConn')} ${clientConns === 1 ? 'is' : 'are'} open` +
        ` (${[serializers ? plural(serializers, 'callback serializer') : '', watchers ? plural(watchers, 'balancer watcher') : ''].filter(Boolean).join(' and ')}` +
        `${transports ? `, ${plural(transports, 'client transport')}` : ''}), ${plural(goroutines, 'goroutine')} in all (${formatShare(goroutines, total)}): a service normally holds one per backend it calls.`,
      goroutines,
      share: total ? goroutines / total : 0,
      maxMinutes: null,
      evidence: ids.flatMap((id) => (m.hits.has(id) ? evidenceOf(m.hits.get(id)!, 1) : [])).slice(0, 3),
      holders: [],
      remediation: [
        'Create one grpc.ClientConn per target at start-up and share it (it is safe for concurrent use and reconnects by itself); Close the ones you are done with.',
        'Look for grpc.NewClient / grpc.Dial in request paths: every call there without a matching conn.Close() leaves a ClientConn, its transport and a TCP connection behind. (A client that keeps one ClientConn per shard or store by design shows this many too.)',
      ],
      signatures: [SIG.grpcClientconnSerializer, SIG.grpcBalancerWatcher],
    });
  }
  return out;
}
