// Prometheus metrics for the node_exporter textfile collector. Pure: rendering and reading back the
// previous file; metrics-file.ts does the atomic write.
//
// Gauges describe the last run and the last success. Counters (*_total) count over the life of the
// metrics file, not of one process: each run reads the previous file and adds to it, so they keep
// counting across the one-shot runs of a systemd timer or cron job as well as in `--every`. Deleting
// the file resets them, which Prometheus' rate() and increase() handle as a counter reset.

import type { RunReport, RunResult } from './run-report.js';

export interface MetricsState {
  readonly lastRunSeconds: number;
  readonly lastRunDurationSeconds: number;
  readonly lastRunSuccess: boolean;
  /** 0 when no run has succeeded yet (so `time() - x > threshold` alerts fire). */
  readonly lastSuccessSeconds: number;
  readonly publishedDomains: number;
  readonly publishedAddresses: number;
  readonly operations: { readonly add: number; readonly modify: number; readonly delete: number };
  readonly runs: Readonly<Record<RunResult, number>>;
  readonly errors: number;
}

export const EMPTY_METRICS: MetricsState = {
  lastRunSeconds: 0,
  lastRunDurationSeconds: 0,
  lastRunSuccess: false,
  lastSuccessSeconds: 0,
  publishedDomains: 0,
  publishedAddresses: 0,
  operations: { add: 0, modify: 0, delete: 0 },
  runs: { ok: 0, refused: 0, failed: 0, skipped: 0 },
  errors: 0,
};

/** The state after `report`, given the state of the previous file. */
export function nextMetrics(previous: MetricsState, report: RunReport): MetricsState {
  const runs = { ...previous.runs, [report.result]: previous.runs[report.result] + 1 };
  if (report.result === 'skipped') return { ...previous, runs };
  const ok = report.result === 'ok' && report.counts !== undefined;
  const c = report.counts;
  return {
    lastRunSeconds: report.startedAt.getTime() / 1000,
    lastRunDurationSeconds: report.durationMs / 1000,
    lastRunSuccess: ok,
    lastSuccessSeconds: ok ? report.startedAt.getTime() / 1000 : previous.lastSuccessSeconds,
    publishedDomains: ok && c ? c.domains : previous.publishedDomains,
    publishedAddresses: ok && c ? c.addresses : previous.publishedAddresses,
    operations: ok && c
      ? { add: previous.operations.add + c.added, modify: previous.operations.modify + c.modified, delete: previous.operations.delete + c.deleted }
      : previous.operations,
    runs,
    errors: previous.errors + (ok ? 0 : 1),
  };
}

interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly samples: readonly (readonly [labels: string, value: number])[];
}

function families(m: MetricsState): Family[] {
  return [
    { name: 'mxdir_last_run_timestamp_seconds', type: 'gauge', help: 'Start time of the last sync run (Unix time).', samples: [['', m.lastRunSeconds]] },
    { name: 'mxdir_last_run_duration_seconds', type: 'gauge', help: 'Duration of the last sync run.', samples: [['', m.lastRunDurationSeconds]] },
    { name: 'mxdir_last_run_success', type: 'gauge', help: '1 when the last sync run succeeded, 0 when it was refused or failed.', samples: [['', m.lastRunSuccess ? 1 : 0]] },
    { name: 'mxdir_last_success_timestamp_seconds', type: 'gauge', help: 'Start time of the last successful sync run (Unix time; 0: none yet).', samples: [['', m.lastSuccessSeconds]] },
    { name: 'mxdir_published_domains', type: 'gauge', help: 'Relay domains published by the last successful sync.', samples: [['', m.publishedDomains]] },
    { name: 'mxdir_published_addresses', type: 'gauge', help: 'Recipient keys published by the last successful sync.', samples: [['', m.publishedAddresses]] },
    {
      name: 'mxdir_operations_total',
      type: 'counter',
      help: 'LDAP entries changed by successful sync runs, by operation.',
      samples: (['add', 'modify', 'delete'] as const).map((op) => [`{op="${op}"}`, m.operations[op]] as const),
    },
    {
      name: 'mxdir_runs_total',
      type: 'counter',
      help: 'Sync runs by result (skipped: another sync held the lock).',
      samples: (['ok', 'refused', 'failed', 'skipped'] as const).map((r) => [`{result="${r}"}`, m.runs[r]] as const),
    },
    { name: 'mxdir_errors_total', type: 'counter', help: 'Sync runs that were refused or failed.', samples: [['', m.errors]] },
  ];
}

/** The text exposition format (version 0.0.4): HELP and TYPE lines, then the samples. */
export function renderMetrics(m: MetricsState): string {
  const lines: string[] = [];
  for (const f of families(m)) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const [labels, value] of f.samples) lines.push(`${f.name}${labels} ${formatValue(value)}`);
  }
  return lines.join('\n') + '\n';
}

const formatValue = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/** Reads back a file written by renderMetrics; anything missing or unreadable starts from zero. */
export function parseMetrics(text: string): MetricsState {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(mxdir_[a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && Number.isFinite(Number(m[3]))) samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  const get = (key: string): number => samples.get(key) ?? 0;
  return {
    lastRunSeconds: get('mxdir_last_run_timestamp_seconds'),
    lastRunDurationSeconds: get('mxdir_last_run_duration_seconds'),
    lastRunSuccess: get('mxdir_last_run_success') === 1,
    lastSuccessSeconds: get('mxdir_last_success_timestamp_seconds'),
    publishedDomains: get('mxdir_published_domains'),
    publishedAddresses: get('mxdir_published_addresses'),
    operations: {
      add: get('mxdir_operations_total{op="add"}'),
      modify: get('mxdir_operations_total{op="modify"}'),
      delete: get('mxdir_operations_total{op="delete"}'),
    },
    runs: {
      ok: get('mxdir_runs_total{result="ok"}'),
      refused: get('mxdir_runs_total{result="refused"}'),
      failed: get('mxdir_runs_total{result="failed"}'),
      skipped: get('mxdir_runs_total{result="skipped"}'),
    },
    errors: get('mxdir_errors_total'),
  };
}
