import type { RawConfig } from './schema.js';
import type { Secret } from './secret.js';

/** Name recorded in the provenance of `acceptAll` entries; no source may take it. */
export const ACCEPT_ALL_SOURCE = 'config';

type WithSecret<T> = Omit<T, 'bindPassword' | 'bindPasswordFile'> & { readonly bindPassword: Secret | null };

type RawSourceConfig = NonNullable<RawConfig['source']>;

/** A `kind: ldap` source with its password read (a Secret) and caFile resolved. */
export type LdapDirectorySourceConfig = WithSecret<Extract<RawSourceConfig, { kind: 'ldap' }>>;

export type SourceConfig = Exclude<RawSourceConfig, { kind: 'ldap' }> | LdapDirectorySourceConfig;

/** The validated configuration: defaults filled in, `${ENV}` expanded, secret files read. */
export interface Config {
  /** The file it was loaded from (absolute). */
  readonly file: string;
  /** Relative paths in the file (sqlite:relative.db, caFile) are resolved against this directory. */
  readonly baseDir: string;
  /** Every configured source in config order: `source:` becomes a list of one. */
  readonly sources: readonly SourceConfig[];
  /** Where each source is in the file (`source`, `sources[1]`), parallel to `sources`. */
  readonly sourcePaths: readonly string[];
  /** Domains accepted whole (`@domain`), normalised (lower case, A-labels). */
  readonly acceptAll: readonly string[];
  readonly ldap: WithSecret<RawConfig['ldap']>;
  readonly postfix: WithSecret<RawConfig['postfix']>;
  readonly guards: RawConfig['guards'];
  /** Per-domain next hops from the config (domain as an A-label -> value, null for none). */
  readonly transport: ReadonlyMap<string, string | null>;
}
