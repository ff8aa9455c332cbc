// How fresh the published list is, from the status entry: the verdict of `mxdir status`. Pure.

import type { SyncStatus } from '../directory/sync-status.js';
import { ExitCode } from '../errors.js';
import { formatDuration } from './duration.js';

export interface Freshness {
  /** ok: the last success is younger than maxAge; stale: older, or no success recorded. */
  readonly state: 'ok' | 'stale';
  readonly exitCode: number;
  /** Milliseconds since the last success, when there was one. */
  readonly ageMs?: number;
  /** First line of the report, Nagios style: `OK: ...` or `CRITICAL: ...`. */
  readonly headline: string;
}

export function assessFreshness(status: SyncStatus, now: number, maxAgeMs: number): Freshness {
  const published =
    status.addresses !== undefined && status.domains !== undefined ? `${status.addresses} addresses in ${status.domains} domains` : 'nothing';
  const lastRun =
    status.lastResult && status.lastResult !== 'ok'
      ? `; last run ${status.lastResult}${status.lastRun ? ` ${formatDuration(Math.max(0, now - status.lastRun.getTime()))} ago` : ''}: ${status.lastMessage ?? ''}`
      : '';
  if (!status.lastSuccess) {
    return { state: 'stale', exitCode: ExitCode.stale, headline: `CRITICAL: no successful sync recorded${lastRun}` };
  }
  const ageMs = Math.max(0, now - status.lastSuccess.getTime());
  const age = `last success ${formatDuration(ageMs)} ago (max ${formatDuration(maxAgeMs)})`;
  if (ageMs > maxAgeMs) {
    return { state: 'stale', exitCode: ExitCode.stale, ageMs, headline: `CRITICAL: ${age}: ${published}${lastRun}` };
  }
  return { state: 'ok', exitCode: ExitCode.ok, ageMs, headline: `OK: ${age}: ${published}${lastRun}` };
}
