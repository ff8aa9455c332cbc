import { NoSuchObjectError, type Client, type Entry } from 'ldapts';
import { DirectoryError } from '../errors.js';
import { parentDn } from './dn.js';
import { directoryError } from './ldap-errors.js';
import { READ_ATTRIBUTES, type ExistingEntry } from './layout.js';

/** Page size for reading the managed subtree: slapd's default size limit for non-root binds is 500. */
const PAGE_SIZE = 500;

/**
 * Reads every entry under `baseDN` (the base included) with paged search, fetching only the
 * attributes the diff needs, and hands each entry to `onEntry` as its page arrives, so the whole tree
 * is never held in memory. Returns false when the base entry does not exist.
 */
export async function readSubtree(client: Client, baseDN: string, onEntry: (entry: ExistingEntry) => void): Promise<boolean> {
  try {
    const pages = client.searchPaginated(baseDN, {
      scope: 'sub',
      filter: '(objectClass=*)',
      attributes: [...READ_ATTRIBUTES],
      paged: { pageSize: PAGE_SIZE },
    });
    // Ask for the next page before working through this one, so the server prepares it meanwhile.
    let next = pages.next();
    for (;;) {
      const page = await next;
      if (page.done) break;
      next = pages.next();
      next.catch(() => undefined); // awaited above on the next turn; never an unhandled rejection
      for (const entry of page.value.searchEntries) onEntry(toExisting(entry));
    }
  } catch (err) {
    if (err instanceof NoSuchObjectError) return false;
    throw directoryError(`read ${baseDN}`, err);
  }
  return true;
}

function toExisting(entry: Entry): ExistingEntry {
  const attributes: Record<string, string[]> = {};
  for (const name in entry) {
    if (name === 'dn') continue;
    const value = entry[name];
    attributes[name.toLowerCase()] = Array.isArray(value) ? value.map(text) : [text(value as string | Buffer)];
  }
  return { dn: entry.dn, attributes };
}

const text = (v: string | Buffer): string => (typeof v === 'string' ? v : v.toString('utf8'));

/**
 * When the base entry is missing, mxdir creates it; its parent must exist. Checked before planning,
 * so the error names the DN and what the server does hold instead of failing at the first write.
 */
export async function checkBaseParent(client: Client, baseDN: string): Promise<void> {
  const parent = parentDn(baseDN);
  if (parent === '') return;
  try {
    await client.search(parent, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
  } catch (err) {
    let held = '';
    try {
      const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['namingContexts'] });
      const contexts = searchEntries[0]?.['namingContexts'];
      held = ` (the server holds ${[contexts ?? []].flat().map(String).join(', ') || 'no naming contexts'})`;
    } catch {
      // The hint is optional.
    }
    throw new DirectoryError(`ldap.baseDN: ${baseDN} does not exist and neither does its parent ${parent}${held}: create the parent first or fix ldap.baseDN`, undefined, { cause: err });
  }
}
