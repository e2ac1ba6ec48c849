/**
 * Findings from one goroutine snapshot: what is wrong, how sure, with the numbers, the
 * evidence (stacks and counts), the holders, and what to change. Each family of causes is a
 * module of rules under rules/; this table runs them all, one finding per cause.
 */

import { SEVERITY_RANK, defaultThresholds, type Finding, type Thresholds } from './finding-kit.js';
import type { SnapshotMatch } from './match.js';
import { dbConnectStorm, dbPoolExhausted, pgxpoolAcquireWait, sqlDbHandleLeak, sqlRowsLeak, sqlTxLeak } from './rules/database.js';
import { definedFindings } from './rules/defined.js';
import { grpcClientConnLeak } from './rules/grpc.js';
import { httpClient } from './rules/http.js';
import { chanLeak, provenLeak } from './rules/leaks.js';
import { redisPoolWait } from './rules/redis.js';
import { syncWaits, waitgroupStuck } from './rules/sync.js';

export {
  defaultThresholds,
  evidenceOf,
  severityAtLeast,
  type EvidenceStack,
  type Finding,
  type Holder,
  type Severity,
  type Thresholds,
} from './finding-kit.js';

/** A rule: from the signature hits of one snapshot to the findings they support. */
type FindingRule = (m: SnapshotMatch, t: Thresholds) => Finding[];

/** Every rule, holders' causes (pools, locks) before the leaks that follow from them. */
const SNAPSHOT_RULES: FindingRule[] = [
  dbPoolExhausted,
  sqlTxLeak,
  sqlRowsLeak,
  pgxpoolAcquireWait,
  dbConnectStorm,
  httpClient,
  redisPoolWait,
  grpcClientConnLeak,
  syncWaits,
  waitgroupStuck,
  chanLeak,
  provenLeak,
  sqlDbHandleLeak,
  definedFindings,
];

/** Findings that one goroutine snapshot supports. */
export function snapshotFindings(m: SnapshotMatch, t: Thresholds = defaultThresholds): Finding[] {
  const out = SNAPSHOT_RULES.flatMap((rule) => rule(m, t));
  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.goroutines - a.goroutines);
}
