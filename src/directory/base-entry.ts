import { AlreadyExistsError, Attribute, type Client } from 'ldapts';
import { DirectoryError } from '../errors.js';
import { parseDn } from './dn.js';
import { directoryError } from './ldap-errors.js';
import { wantedBaseEntry } from './layout.js';
import { checkBaseParent } from './read-subtree.js';

/** Creates the base entry if it is missing (a sync needs it to hold the lock below it). */
export async function ensureBase(client: Client, baseDN: string): Promise<boolean> {
  const rdn = parseDn(baseDN)[0]?.[0];
  if (!rdn) throw new DirectoryError(`ldap.baseDN: "${baseDN}" is empty`);
  const base = wantedBaseEntry(baseDN, rdn);
  try {
    await client.search(baseDN, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    return false;
  } catch {
    // Missing (or unreadable): try to create it below.
  }
  if (typeof base === 'string') throw new DirectoryError(`ldap.baseDN: ${baseDN} does not exist and ${base}`);
  await checkBaseParent(client, baseDN);
  try {
    await client.add(baseDN, [
      new Attribute({ type: 'objectClass', values: [...base.objectClasses] }),
      new Attribute({ type: base.rdn.type, values: [base.rdn.value] }),
    ]);
    return true;
  } catch (err) {
    if (err instanceof AlreadyExistsError) return false;
    throw directoryError(`add ${baseDN}`, err);
  }
}
