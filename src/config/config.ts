import type { RawConfig } from './schema.js';
import type { Secret } from './secret.js';

type WithSecret<T> = Omit<T, 'bindPassword' | 'bindPasswordFile'> & { readonly bindPassword: Secret | null };

/** The validated configuration: defaults filled in, `${ENV}` expanded, secret files read. */
export interface Config {
  /** The file it was loaded from (absolute). */
  readonly file: string;
  /** Relative paths in the file (sqlite:relative.db, caFile) are resolved against this directory. */
  readonly baseDir: string;
  readonly source: RawConfig['source'];
  readonly ldap: WithSecret<RawConfig['ldap']>;
  readonly postfix: WithSecret<RawConfig['postfix']>;
  readonly guards: RawConfig['guards'];
}
