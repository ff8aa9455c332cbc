import type { Client } from 'ldapts';
import { loadConfig, type Config } from '../../config/index.js';
import { connect, redactUrl } from '../../directory/connect.js';
import { readStatus, statusDn, type SyncStatus } from '../../directory/sync-status.js';
import { MxdirError } from '../../errors.js';
import { formatDuration } from '../../service/duration.js';
import { queryConfigOptions } from '../../postfix/index.js';
import { assessFreshness } from '../../service/freshness.js';
import type { Output } from '../output.js';

export interface StatusOptions {
  readonly config?: string | undefined;
  /** Read from this server (a replica) instead of ldap.url, as Postfix binds there, else as ldap.bindDN. */
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
  const status = options.server ? await readOnServer(config, options.server, out) : await readAs(() => connect({ ...config.ldap }), config);
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
  return verdict.exitCode;
}

async function readAs(open: () => Promise<Client>, config: Config): Promise<SyncStatus | null> {
  const client = await open();
  try {
    return await readStatus(client, config.ldap.baseDN, config.ldap.owner);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Another server (a replica on an MX): read as Postfix does there (the lookup account of `postfix:`,
 * or anonymously), since a replica holding only the mxdir subtree has no publisher account. Where
 * that identity may not read the status attributes (the provider's ACLs), read as ldap.bindDN.
 */
async function readOnServer(config: Config, server: string, out: Output): Promise<SyncStatus | null> {
  const o = queryConfigOptions(config);
  const lookup = await readAs(
    () => connect({ url: server, bindDN: o.bindDN, bindPassword: config.postfix.bindPassword, startTLS: o.startTLS, caFile: o.caFile, timeout: o.timeout, configKey: 'postfix' }),
    config,
  ).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  if (!(lookup instanceof Error) && lookup?.lastRun) return lookup;
  try {
    const status = await readAs(() => connect({ ...config.ldap, url: server }), config);
    out.debug(`${redactUrl(server)}: read the status as ${config.ldap.bindDN}`);
    return status;
  } catch (err) {
    if (lookup instanceof Error) throw lookup;
    if (lookup) return lookup;
    throw err;
  }
}
