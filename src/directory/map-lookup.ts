// The LDAP side of `mxdir verify`: the same search a Postfix ldap: table makes for a key (for hosts
// without postmap), and a count of the entries holding each key (two entries for one key make
// Postfix answer with two values, or fail with size_limit = 1).
import type { Client } from 'ldapts';
import { expandFilter, presenceFilter, type QuerySettings } from '../postfix/query-settings.js';
import { directoryError } from './ldap-errors.js';

const values = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const resultValues = (entry: Record<string, unknown>, attribute: string): string[] => {
  const name = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  return name ? values(entry[name]) : [];
};

/**
 * Looks each key up with the query config's search_base, scope, query_filter and result_attribute,
 * a few searches in flight at once. Values of several entries are joined by commas, as Postfix does.
 */
export async function ldapLookup(client: Client, q: QuerySettings, keys: readonly string[]): Promise<Map<string, string | null>> {
  const answers = new Map<string, string | null>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        const { searchEntries } = await client.search(q.searchBase, { scope: q.scope, filter: expandFilter(q.queryFilter, key), attributes: [q.resultAttribute] });
        const found = searchEntries.flatMap((e) => resultValues(e, q.resultAttribute));
        answers.set(key, found.length > 0 ? found.join(',') : null);
      } catch (err) {
        throw directoryError(`look up ${key} under ${q.searchBase}`, err);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return answers;
}

/** How many entries the map's filter finds for each key (lower case), listing the whole search base in pages. */
export async function countKeyHolders(client: Client, q: QuerySettings): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const pages = client.searchPaginated(q.searchBase, { scope: q.scope, filter: presenceFilter(q.queryFilter), attributes: [q.resultAttribute], paged: { pageSize: 500 } });
  for await (const page of pages) {
    for (const entry of page.searchEntries) {
      for (const key of new Set(resultValues(entry, q.resultAttribute).map((v) => v.toLowerCase()))) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}
