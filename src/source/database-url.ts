import { isAbsolute, resolve } from 'node:path';
import { SourceError } from './errors.js';

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'mysql'; readonly url: string };

/** The URL with any password replaced by `***`, for every message and log line. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

/**
 * `sqlite:///abs/path.db`, `sqlite:relative.db` (relative to `baseDir`, the config file's folder),
 * `postgres://` or `postgresql://`, `mysql://` or `mariadb://`.
 */
export function parseDatabaseUrl(url: string, baseDir: string, configKey = 'source.url'): DatabaseTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const rest = decodeURIComponent(url.slice('sqlite:'.length));
      const path = rest.startsWith('//') ? rest.slice(2) : rest;
      if (path === '') throw new SourceError(`${configKey}: "${redactUrl(url)}" names no SQLite file`);
      return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(baseDir, path) };
    }
    case 'postgres':
    case 'postgresql':
      return { kind: 'postgres', url };
    case 'mysql':
    case 'mariadb':
      return { kind: 'mysql', url: url.replace(/^mariadb:/i, 'mysql:') };
    default:
      throw new SourceError(
        `${configKey}: "${redactUrl(url)}" is not a database URL mxdir reads (sqlite:///path, postgres://user@host/db, mysql://user@host/db)`,
      );
  }
}
