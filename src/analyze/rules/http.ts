/** Findings about net/http clients. */

import { SIG } from '../signature-ids.js';
import { maxMinutes, plural, holdersOf, waiterSeverity, evidenceOf, type Finding, type Thresholds } from '../finding-kit.js';
import type { SnapshotMatch } from '../match.js';
import { formatShare } from '../../model/units.js';

/** HTTP client connections held by unclosed bodies, and requests queued for a connection. */
export function httpClient(m: SnapshotMatch, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const total = m.total;
  const bodies = m.hits.get(SIG.httpClientReadloopBodyOutstanding);
  if (bodies && bodies.goroutines >= t.waitersCritical) {
    out.push({
      id: 'http-client-conn-leak',
      // without ages one snapshot cannot say since when, unless the pile is past counting
      severity: (maxMinutes(m, SIG.httpClientReadloopBodyOutstanding) ?? 0) >= t.minutesCritical || bodies.goroutines >= t.leakCritical ? 'critical' : 'warning',
      title: 'HTTP client connections held by unclosed response bodies',
      summary: `${plural(bodies.goroutines, 'HTTP client connection')} wait for their response body to be read or closed.`,
      goroutines: bodies.goroutines,
      share: total ? bodies.goroutines / total : 0,
      maxMinutes: maxMinutes(m, SIG.httpClientReadloopBodyOutstanding),
      evidence: evidenceOf(bodies),
      holders: [],
      remediation: ['Close every response body: `defer resp.Body.Close()` right after the error check, and drain it (io.Copy(io.Discard, resp.Body)) to reuse the connection.'],
      signatures: [SIG.httpClientReadloopBodyOutstanding],
    });
  }
  const getConn = m.hits.get(SIG.httpClientGetconnWait);
  if (getConn && getConn.goroutines >= t.waitersWarning) {
    const minutes = maxMinutes(m, SIG.httpClientGetconnWait);
    out.push({
      id: 'http-conn-wait',
      severity: waiterSeverity(getConn.goroutines, minutes, t),
      title: 'HTTP client requests wait for a connection',
      summary: `${plural(getConn.goroutines, 'request')} (${formatShare(getConn.goroutines, total)}) wait in Transport.getConn for a connection to the host: MaxConnsPerHost is reached or dialling is slow.`,
      goroutines: getConn.goroutines,
      share: total ? getConn.goroutines / total : 0,
      maxMinutes: minutes,
      evidence: evidenceOf(getConn),
      holders: holdersOf(m, [SIG.httpClientAwaitingResponse, SIG.httpClientReadloopBodyOutstanding, SIG.httpClientDialing]),
      remediation: [
        'Raise Transport.MaxConnsPerHost (and MaxIdleConnsPerHost, default 2) to the concurrency you need, or find why the upstream answers slowly.',
        'Give requests a deadline (http.Client.Timeout or a context) so callers do not queue without bound.',
      ],
      signatures: [SIG.httpClientGetconnWait],
    });
  }
  return out;
}
