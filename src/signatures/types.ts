/**
 * The shape of signature packs: plain data (JSON) that names what a goroutine stack looks
 * like when it waits for, holds or quietly serves something. Users add their own packs with
 * `--rules FILE` in the same shape.
 *
 * A *pattern* matches one normalised function name (generic instantiations read `[...]`):
 *   - `database/sql.(*DB).conn`   the exact name;
 *   - `github.com/lib/pq.*`       a trailing `*`: any name with that prefix;
 *   - `re:^github\.com/jackc/pgx/v[45]/pgxpool\.`  a regular expression.
 */

export type Role =
  /** Parked waiting for a shared resource: these goroutines are the symptom. */
  | 'waiter'
  /** Holding the resource the waiters want (a connection in a query, an open Tx or Rows, a lock). */
  | 'holder'
  /** Normal background work, never a finding by presence alone (openers, accept loops, idle conns). */
  | 'background'
  /** Neither: noteworthy structure a finding may count (e.g. HTTP conn pairs, context watchers). */
  | 'marker';

export interface FrameMatch {
  /**
   * Patterns that must appear in this order from the leaf side of the stack (after the runtime
   * frames at the leaf), each within `gap` frames of the previous; the first within `within`
   * frames of the leaf.
   */
  sequence?: string[];
  /** How deep the first pattern of `sequence` may be (default 1: it must be the leaf-most frame). */
  within?: number;
  /** How many frames may stand between consecutive patterns of `sequence` (default 0). */
  gap?: number;
  /** Patterns that must each appear somewhere in the stack. */
  anywhere?: string[];
  /** Patterns none of which may appear in the stack. */
  not?: string[];
}

export interface Signature {
  id: string;
  /** The library or package family the signature belongs to: database/sql, pgx, net/http, sync … */
  pack: string;
  role: Role;
  /** One line saying what a goroutine with this stack is doing. */
  description: string;
  match: FrameMatch;
  /**
   * Wait reasons (as debug=2 prints them) the goroutine must be in, when the input tells.
   * Inputs without a reason (protobuf and debug=1 whose runtime frames are hidden) match on frames alone.
   */
  waitReasons?: string[];
  /** Pattern on the `created by` function (debug=2 only; ignored where the input has none). */
  createdBy?: string;
  /** Label key → pattern on its value. */
  labels?: Record<string, string>;
  /**
   * What tells instances apart: `arg0:PATTERN` groups by the first argument of the frame
   * matching PATTERN (e.g. the *sql.DB of `(*DB).conn(0xc000…)`, debug=2 only).
   */
  groupBy?: string;
  /** A finding this signature raises by itself (user packs; the built-in findings are rules in src/analyze). */
  finding?: FindingSpec;
}

/**
 * A finding a signature raises by itself, defined as data (a user's `--rules` pack): when at
 * least `min` goroutines match, the finding is raised at `severity`; at `critical` goroutines or
 * more, or `minutes` of waiting (debug=2), it is critical. `summary` may name `{goroutines}`,
 * `{total}`, `{share}` and `{maxMinutes}`.
 */
export interface FindingSpec {
  id: string;
  title: string;
  severity?: 'info' | 'warning' | 'critical';
  summary?: string;
  remediation?: string[];
  min?: number;
  critical?: number;
  minutes?: number;
}

export interface SignaturePack {
  /** Pack format version; 1 for now. */
  version: 1;
  name: string;
  description?: string;
  signatures: Signature[];
}
