import type { Config } from '../config/index.js';
import type { QueryConfigOptions } from './query-config.js';

/** The query config settings a configuration asks for: postfix.* first, then the ldap.* defaults. */
export function queryConfigOptions(config: Config): QueryConfigOptions {
  const p = config.postfix;
  return {
    servers: p.servers ?? [config.ldap.url],
    baseDN: config.ldap.baseDN,
    bindDN: p.bindDN,
    bindPassword: p.bindPassword?.reveal(),
    startTLS: p.startTLS ?? config.ldap.startTLS,
    caFile: p.caFile ?? config.ldap.caFile,
    timeout: p.timeout,
  };
}
