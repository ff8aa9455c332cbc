import type { Config, SourceConfig } from '../config/index.js';
import { AcceptAllSource } from './accept-all.js';
import { FileSource } from './file-source.js';
import { LdapDirectorySource } from './ldap-directory.js';
import { PostfixAdminSource } from './postfixadmin.js';
import type { Source } from './records.js';
import { SqlSource } from './sql-source.js';

export { SourceError } from './errors.js';
export type { AdminRecords, Source } from './records.js';

/** The reader for one configured source, by its kind. `configPath` (`sources[1]`) names it in errors. */
export function createSource(config: SourceConfig, baseDir: string, configPath = 'source'): Source {
  switch (config.kind) {
    case 'postfixadmin':
      return new PostfixAdminSource({ name: config.name, url: config.url, tablePrefix: config.tablePrefix, baseDir, configPath });
    case 'file':
      return new FileSource({ name: config.name, path: config.path, format: config.format, domains: config.domains, baseDir });
    case 'sql':
      return new SqlSource({ name: config.name, url: config.url, queries: config.queries, baseDir, configPath });
    case 'ldap':
      return new LdapDirectorySource({ config, configPath });
  }
}

/** Every reader the config calls for, in config order, acceptAll last. */
export function createSources(config: Config): Source[] {
  const sources = config.sources.map((s, i) => createSource(s, config.baseDir, config.sourcePaths[i]));
  if (config.acceptAll.length > 0) sources.push(new AcceptAllSource(config.acceptAll));
  return sources;
}
