// What one sync run did, as plain data: the summary log line, the status entry in the directory and
// the metrics file are all written from it. Pure.

import type { LogFields } from '../cli/output.js';

/**
 * ok: the tree matches the source. refused: a safety guard refused the plan, nothing changed.
 * failed: the source, LDAP or the write failed (or a signal stopped it). skipped: another sync held
 * the tree's lock; that sync reports for itself, so a skipped run is not recorded in the directory.
 */
export type RunResult = 'ok' | 'refused' | 'failed' | 'skipped';

export interface RunCounts {
  readonly domains: number;
  readonly addresses: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
}

export interface RunReport {
  readonly result: RunResult;
  readonly startedAt: Date;
  readonly durationMs: number;
  /** One line: what was published, or why not. Never holds a secret (redacted when logged). */
  readonly message: string;
  /** The exit code a one-shot sync ends with. */
  readonly exitCode: number;
  /** Set when result is ok. */
  readonly counts?: RunCounts;
  /** sha256 of the published keys; set when result is ok. */
  readonly digest?: string;
}

/** The one summary line per run, the same facts in text and as JSON fields. */
export function summaryLine(report: RunReport): { level: 'info' | 'warn' | 'error'; msg: string; fields: LogFields } {
  const seconds = (report.durationMs / 1000).toFixed(1);
  const c = report.counts;
  const fields: LogFields = {
    event: 'sync-run',
    result: report.result,
    durationMs: report.durationMs,
    ...(c ? { domains: c.domains, addresses: c.addresses, added: c.added, modified: c.modified, deleted: c.deleted } : {}),
    ...(report.digest ? { digest: report.digest } : {}),
    ...(report.result === 'ok' ? {} : { reason: report.message }),
  };
  const what = c
    ? `${c.addresses} addresses in ${c.domains} domains published (+${c.added} ~${c.modified} -${c.deleted}), ${report.digest ?? ''}`
    : report.message;
  const level = report.result === 'ok' ? 'info' : report.result === 'failed' ? 'error' : 'warn';
  return { level, msg: `sync ${report.result} in ${seconds} s: ${what}`, fields };
}

/** The first line of a message, for places that take one line (status entry, summary). */
export function oneLine(text: string, max = 1000): string {
  const first = text.split('\n')[0] ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
