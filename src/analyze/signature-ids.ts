/**
 * The ids of the built-in signatures that finding rules read, named once: a test checks each
 * against the packs in src/signatures/packs, so a renamed signature cannot silence a rule.
 */
export const SIG = {
  chanNilOrEmptySelect: 'chan.nil-or-empty-select',
  chanReceive: 'chan.receive',
  chanSend: 'chan.send',
  grpcBalancerWatcher: 'grpc.balancer-watcher',
  grpcClientLoopyWriter: 'grpc.client-loopy-writer',
  grpcClientStream: 'grpc.client-stream',
  grpcClientconnSerializer: 'grpc.clientconn-serializer',
  grpcKeepalive: 'grpc.keepalive',
  grpcTransportReader: 'grpc.transport-reader',
  httpClientAwaitingResponse: 'http.client-awaiting-response',
  httpClientDialing: 'http.client-dialing',
  httpClientGetconnWait: 'http.client-getconn-wait',
  httpClientReadloopBodyOutstanding: 'http.client-readloop-body-outstanding',
  httpClientReadloopIdle: 'http.client-readloop-idle',
  httpClientWriteloop: 'http.client-writeloop',
  mysqlConnect: 'mysql.connect',
  mysqlRead: 'mysql.read',
  mysqlWatcher: 'mysql.watcher',
  pgconnConnect: 'pgconn.connect',
  pgconnContextWatcher: 'pgconn.context-watcher',
  pgconnRead: 'pgconn.read',
  pgxpoolAcquireWait: 'pgxpool.acquire-wait',
  pgxpoolHealthCheck: 'pgxpool.health-check',
  pqConnect: 'pq.connect',
  pqRead: 'pq.read',
  redisCommandRead: 'redis.command-read',
  redisPoolWait: 'redis.pool-wait',
  sqlConnWait: 'sql.conn-wait',
  sqlConnectionOpener: 'sql.connection-opener',
  sqlRowsOpen: 'sql.rows-open',
  sqlTxOpen: 'sql.tx-open',
  syncMutexWait: 'sync.mutex-wait',
  syncRwmutexLockWait: 'sync.rwmutex-lock-wait',
  syncRwmutexRlockWait: 'sync.rwmutex-rlock-wait',
  syncRwmutexWriterBehindReaders: 'sync.rwmutex-writer-behind-readers',
  syncWaitgroupWait: 'sync.waitgroup-wait',
} as const;

export type SignatureId = (typeof SIG)[keyof typeof SIG];
