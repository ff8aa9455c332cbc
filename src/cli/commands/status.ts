import { loadConfig } from '../../config/index.js';
import { connect, redactUrl } from '../../directory/connect.js';
import { readStatus, statusDn, type SyncStatus } from '../../directory/sync-status.js';
import { ExitCode, MxdirError } from '../../errors.js';
import { formatDuration } from '../../service/duration.js';
import { assessFreshness } from '../../service/freshness.js';
import type { Output } from '../output.js';

export interface StatusOptions {
  readonly config?: string | undefined;
  /** Read from this server (a replica) instead of ldap.url, with the same credentials. */
  readonly server?: string | undefined;
  readonly maxAgeMs: number;
  readonly format: 'text' | 'json';
}

/**
 * Reads the status entry the syncs write and says how fresh the published list is. Exit 0 when the
 * last success is younger than --max-age, 2 when it is older or there was none, 1 when the status
 * cannot be read (no entry, server down): the codes Nagios-style checks expect.
 */
export async function statusCommand(options: StatusOptions, out: Output): Promise<number> {
  const config = await loadConfig({ file: options.config });
  const url = options.server ?? config.ldap.url;
  const where = redactUrl(url);
  const client = await connect({ ...config.ldap, url });
  let status: SyncStatus | null;
  try {
    status = await readStatus(client, config.ldap.baseDN, config.ldap.owner);
  } finally {
    await client.unbind().catch(() => undefined);
  }
  if (!status) {
    throw new MxdirError(
      `no sync status on ${where}: ${statusDn(config.ldap.baseDN, config.ldap.owner)} does not exist (no sync of owner ${config.ldap.owner} has run yet, or the tree is not replicated here)`,
    );
  }
  const now = Date.now();
  const verdict = assessFreshness(status, now, options.maxAgeMs);
  if (options.format === 'json') {
    out.result(
      JSON.stringify(
        {
          state: verdict.state,
          server: where,
          dn: status.dn,
          maxAgeSeconds: options.maxAgeMs / 1000,
          lastSuccessAgeSeconds: verdict.ageMs === undefined ? null : Math.round(verdict.ageMs / 1000),
          lastRun: status.lastRun?.toISOString() ?? null,
          lastResult: status.lastResult ?? null,
          lastMessage: status.lastMessage ?? null,
          lastDurationMs: status.lastDurationMs ?? null,
          lastHost: status.lastHost ?? null,
          lastSuccess: status.lastSuccess?.toISOString() ?? null,
          domains: status.domains ?? null,
          addresses: status.addresses ?? null,
          added: status.added ?? null,
          modified: status.modified ?? null,
          deleted: status.deleted ?? null,
          digest: status.digest ?? null,
        },
        null,
        2,
      ) + '\n',
    );
    return verdict.exitCode;
  }
  const ago = (d: Date | undefined): string => (d ? `${d.toISOString()} (${formatDuration(Math.max(0, now - d.getTime()))} ago)` : 'never');
  // Nagios plugin performance data after the `|`: age against the critical threshold, and the counts.
  const perf = [
    ...(verdict.ageMs !== undefined ? [`age=${Math.round(verdict.ageMs / 1000)}s;;${Math.round(options.maxAgeMs / 1000)};0`] : []),
    ...(status.addresses !== undefined ? [`addresses=${status.addresses};;;0`] : []),
    ...(status.domains !== undefined ? [`domains=${status.domains};;;0`] : []),
  ];
  const lines = [
    perf.length > 0 ? `${verdict.headline} | ${perf.join(' ')}` : verdict.headline,
    `server:        ${where}`,
    `status entry:  ${status.dn}`,
    `last run:      ${ago(status.lastRun)}${status.lastHost ? ` on ${status.lastHost}` : ''}: ${status.lastResult ?? '?'}` +
      (status.lastDurationMs !== undefined ? ` in ${(status.lastDurationMs / 1000).toFixed(1)} s` : '') +
      (status.lastResult && status.lastResult !== 'ok' && status.lastMessage ? `: ${status.lastMessage}` : ''),
    `last success:  ${ago(status.lastSuccess)}`,
    `published:     ${status.addresses ?? '?'} addresses in ${status.domains ?? '?'} domains` +
      (status.added !== undefined ? ` (last successful run +${status.added} ~${status.modified ?? 0} -${status.deleted ?? 0})` : ''),
    `digest:        ${status.digest ?? 'none'}`,
  ];
  out.result(lines.join('\n') + '\n');
  return verdict.exitCode === ExitCode.ok ? ExitCode.ok : verdict.exitCode;
}
