import type { Config } from '../config/index.js';
import { PostfixAdminSource } from './postfixadmin.js';
import type { Source } from './records.js';

export { SourceError } from './errors.js';
export type { AdminRecords, Source } from './records.js';

/** The reader for the configured source kind. */
export function createSource(config: Config['source'], baseDir: string): Source {
  switch (config.kind) {
    case 'postfixadmin':
      return new PostfixAdminSource({ name: config.name, url: config.url, tablePrefix: config.tablePrefix, baseDir });
  }
}
