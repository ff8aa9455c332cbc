// `${NAME}` in any string value is replaced by the environment variable NAME, so that secrets can be
// kept out of the file. An unset variable is a problem reported with the key's path.

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface ExpandResult {
  readonly value: unknown;
  readonly problems: readonly string[];
}

export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path: readonly (string | number)[] = []): ExpandResult {
  const problems: string[] = [];
  const walk = (v: unknown, at: readonly (string | number)[]): unknown => {
    if (typeof v === 'string') {
      return v.replace(REFERENCE, (_match, name: string) => {
        const found = env[name];
        if (found === undefined) {
          problems.push(`${formatPath(at)}: environment variable ${name} is not set`);
          return '';
        }
        return found;
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, i]));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...at, k])]));
    }
    return v;
  };
  return { value: walk(value, path), problems };
}

/** `ldap.bindDN`, `postfix.servers[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? '(top level)' : out;
}
