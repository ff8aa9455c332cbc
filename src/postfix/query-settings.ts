// Reading back a generated ldap_table(5) query configuration, and expanding its query_filter for a
// key the way Postfix does (dict_ldap.c). Pure: `mxdir verify --via ldap` looks keys up with exactly
// the settings in the text Postfix reads, not with a second copy of them.

export interface QuerySettings {
  readonly serverHost: readonly string[];
  readonly searchBase: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly queryFilter: string;
  readonly resultAttribute: string;
}

/** `name = value` lines of a query config (comments and blank lines skipped). */
export function parseQueryConfig(text: string): QuerySettings {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) values.set(m[1]!, m[2]!);
  }
  const need = (name: string): string => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`query config without ${name}`);
    return v;
  };
  const scope = values.get('scope') ?? 'sub';
  if (scope !== 'base' && scope !== 'one' && scope !== 'sub') throw new Error(`query config scope ${scope}: not base, one or sub`);
  return {
    serverHost: need('server_host').split(/[\s,]+/).filter(Boolean),
    searchBase: unescapePercent(need('search_base')),
    scope,
    queryFilter: need('query_filter'),
    resultAttribute: need('result_attribute'),
  };
}

/** RFC 4515 escaping of an assertion value: Postfix escapes `*`, `(`, `)`, `\` and NUL in `%s`. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The LDAP filter Postfix sends for `key`: `%s` is the whole key (escaped), `%%` a literal `%`.
 * Only `%s` is supported: mxdir's query configs use nothing else.
 */
export function expandFilter(filter: string, key: string): string {
  return filter.replace(/%(.)/g, (whole, c: string) => {
    if (c === '%') return '%';
    if (c === 's') return escapeFilterValue(key);
    throw new Error(`query_filter expansion %${c} is not supported`);
  });
}

/** The filter matching every entry the map can answer for: `%s` becomes a presence test. */
export function presenceFilter(filter: string): string {
  return filter.replace(/%(.)/g, (whole, c: string) => (c === 's' ? '*' : c === '%' ? '%' : whole));
}

const unescapePercent = (value: string): string => value.replace(/%%/g, '%');
