import { statSync } from 'node:fs';
import { formatPath } from './expand-env.js';

// A password written into the config file itself is only as private as the file. mxdir accepts one
// (a test setup, a file kept 0600), but refuses to use a file that every local user can read: the
// fix is one chmod, or moving the password to ${ENV} or a *File key.

const SECRET_KEYS = new Set(['bindPassword', 'password']);
/** scheme://user:password@host: the password part, if any. */
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/i;

/** Dotted paths of values in `raw` (before ${ENV} expansion) that hold a password as written. */
export function literalSecretPaths(raw: unknown, at: readonly (string | number)[] = []): string[] {
  if (typeof raw === 'string') {
    const key = at[at.length - 1];
    const literal = (text: string) => text !== '' && !text.includes('${');
    if (typeof key === 'string' && SECRET_KEYS.has(key)) return literal(raw) ? [formatPath(at)] : [];
    const inUrl = URL_PASSWORD.exec(raw)?.[1];
    return inUrl !== undefined && literal(inUrl) ? [formatPath(at)] : [];
  }
  if (Array.isArray(raw)) return raw.flatMap((v, i) => literalSecretPaths(v, [...at, i]));
  if (raw !== null && typeof raw === 'object') return Object.entries(raw).flatMap(([k, v]) => literalSecretPaths(v, [...at, k]));
  return [];
}

/** One problem per literal password when `file` can be read by every user on this host. */
export function worldReadableSecretProblems(raw: unknown, file: string): string[] {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return []; // not a file on disk (tests, package.json lookups already read): nothing to check
  }
  if ((mode & 0o004) === 0) return [];
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return literalSecretPaths(raw).map(
    (path) => `${path}: a password written in a config file every user can read (mode ${octal}): use \${ENV} or bindPasswordFile, or chmod o-r ${file}`,
  );
}
