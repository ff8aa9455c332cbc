import { randomInt } from 'node:crypto';
import { SizeLimitExceededError, type Client } from 'ldapts';
import { loadConfig, type Config } from '../../config/index.js';
import { connect, redactUrl } from '../../directory/connect.js';
import { reasonOf } from '../../directory/ldap-errors.js';
import { countKeyHolders, ldapLookup } from '../../directory/map-lookup.js';
import { DirectoryError, ExitCode, MxdirError } from '../../errors.js';
import { findPostmap, parseQueryConfig, postmapLookup, queryConfigOptions, renderQueryConfig } from '../../postfix/index.js';
import { answerKey, compareAnswers, planProbes, renderVerdict, verdictOk, type ServerVerdict, type VerifiedMap } from '../../verify/index.js';
import type { Output } from '../output.js';
import { readWanted } from './sync.js';

export type VerifyVia = 'auto' | 'postmap' | 'ldap';

export interface VerifyOptions {
  readonly config?: string | undefined;
  /** Look up only this many published addresses and domains (each), drawn at random. */
  readonly sample?: number | undefined;
  readonly via: VerifyVia;
}

const MAPS: readonly VerifiedMap[] = ['relay-recipients', 'relay-domains', 'transport'];
/** Random keys that must not exist, per map and server. */
const NEGATIVES = 10;

/**
 * Looks the published keys up as each MX does (the generated query configs, through postmap when it
 * is installed) against every configured server, and compares the answers with the admin database.
 */
export async function verifyCommand(options: VerifyOptions, out: Output): Promise<number> {
  const config = await loadConfig({ file: options.config });
  const state = await readWanted(config, out);
  const postmap = options.via === 'ldap' ? null : await findPostmap();
  if (options.via === 'postmap' && !postmap) throw new MxdirError('--via postmap: postmap not found on PATH or in /usr/sbin (install Postfix), or use --via ldap');
  const servers = queryConfigOptions(config).servers;
  let mismatches = 0;
  let errors = 0;
  for (const server of servers) {
    try {
      const verdict = await verifyServer(config, server, postmap, out, {
        addresses: [...state.addresses.keys()],
        domains: [...state.domains.keys()],
        transports: new Map([...state.domains.values()].map((d) => [d.name, d.transport])),
        sample: options.sample,
      });
      out.result(renderVerdict(verdict));
      if (!verdictOk(verdict)) mismatches++;
    } catch (err) {
      errors++;
      const why = err instanceof MxdirError ? err.message : reasonOf(err);
      out.result(`${redactUrl(server)} (via ${postmap ? 'postmap' : 'ldap'}): ERROR: ${why}\n`);
    }
  }
  const failed = mismatches + errors;
  out.info(failed === 0 ? `verify: all ${servers.length} servers answer as the admin database says` : `verify: ${failed} of ${servers.length} servers failed (${mismatches} with mismatches, ${errors} with errors)`);
  return errors > 0 ? ExitCode.error : mismatches > 0 ? ExitCode.verifyFailed : ExitCode.ok;
}

interface Wanted {
  readonly addresses: readonly string[];
  readonly domains: readonly string[];
  readonly transports: ReadonlyMap<string, string | null>;
  readonly sample: number | undefined;
}

async function verifyServer(config: Config, server: string, postmap: string | null, out: Output, wanted: Wanted): Promise<ServerVerdict> {
  const options = { ...queryConfigOptions(config), servers: [server] };
  const texts = Object.fromEntries(MAPS.map((m) => [m, renderQueryConfig(m, options)])) as Record<VerifiedMap, string>;
  const settings = Object.fromEntries(MAPS.map((m) => [m, parseQueryConfig(texts[m])])) as Record<VerifiedMap, ReturnType<typeof parseQueryConfig>>;
  const client = await lookupClient(config, server);
  try {
    const holders = await listHolders(config, server, client, settings, out);
    const probes = planProbes({
      addresses: wanted.addresses,
      domains: wanted.domains,
      listedAddresses: [...holders['relay-recipients'].keys()],
      listedDomains: [...holders['relay-domains'].keys()],
      transports: wanted.transports,
      sample: wanted.sample,
      negatives: NEGATIVES,
      random: () => randomInt(2 ** 47) / 2 ** 47,
    });
    const answers = new Map<string, string | null>();
    for (const map of MAPS) {
      const keys = probes.probes.filter((p) => p.map === map).map((p) => p.key);
      if (keys.length === 0) continue;
      const found = postmap ? await postmapLookup(postmap, texts[map], keys) : await ldapLookup(client, settings[map], keys);
      for (const [key, value] of found) answers.set(answerKey(map, key), value);
    }
    return compareAnswers({ server: redactUrl(server), via: postmap ? 'postmap' : 'ldap', probes, answers, holders });
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** A connection as Postfix makes it: the lookup account of `postfix:`, or anonymous. */
function lookupClient(config: Config, server: string): Promise<Client> {
  const o = queryConfigOptions(config);
  return connect({ url: server, bindDN: o.bindDN, bindPassword: config.postfix.bindPassword, startTLS: o.startTLS, caFile: o.caFile, timeout: o.timeout, configKey: 'postfix' });
}

/**
 * The entries holding each key, listed as the lookup account; where that account meets a size limit
 * (slapd's default is 500 entries), listed again as mxdir's own account.
 */
async function listHolders(config: Config, server: string, client: Client, settings: Record<VerifiedMap, ReturnType<typeof parseQueryConfig>>, out: Output) {
  const list = async (c: Client) => ({
    'relay-recipients': await countKeyHolders(c, settings['relay-recipients']),
    'relay-domains': await countKeyHolders(c, settings['relay-domains']),
  });
  try {
    return await list(client);
  } catch (err) {
    if (!(err instanceof SizeLimitExceededError)) throw new DirectoryError(`list the keys under ${config.ldap.baseDN} on ${redactUrl(server)}: ${reasonOf(err)}`);
  }
  let publisher: Client;
  try {
    publisher = await connect({ ...config.ldap, url: server });
  } catch (err) {
    throw new DirectoryError(
      `list the keys under ${config.ldap.baseDN} on ${redactUrl(server)}: the lookup account meets a size limit, and ldap.bindDN cannot bind there (${reasonOf(err)}); give the lookup account "limits ... size.prtotal=unlimited" (see schema/replication/consumer.conf)`,
    );
  }
  out.info(`${redactUrl(server)}: the lookup account stops at a size limit; listing the keys as ${config.ldap.bindDN} instead`);
  try {
    return await list(publisher);
  } finally {
    await publisher.unbind().catch(() => undefined);
  }
}
