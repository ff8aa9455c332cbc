import type { Client } from 'ldapts';
import { DirectoryError } from '../errors.js';
import { directoryError } from './ldap-errors.js';
import { ObjectClass } from './layout.js';

/** What the server's root DSE says mxdir can use. */
export interface ServerFeatures {
  /** RFC 5805 transactions (`1.3.6.1.1.21.1` in supportedExtension). */
  readonly transactions: boolean;
}

const TXN_OID = '1.3.6.1.1.21.1';

/**
 * Reads the root DSE and the subschema, and fails with a one-line fix when the server does not know
 * mxdir's object classes (every add would otherwise fail entry by entry).
 */
export async function checkServer(client: Client, where: string): Promise<ServerFeatures> {
  let subschema = 'cn=Subschema';
  let transactions = false;
  try {
    const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['subschemaSubentry', 'supportedExtension'] });
    const dse = searchEntries[0];
    if (dse) {
      const sub = dse['subschemaSubentry'];
      if (typeof sub === 'string' && sub) subschema = sub;
      const ext = dse['supportedExtension'];
      transactions = (Array.isArray(ext) ? ext : [ext]).some((v) => String(v) === TXN_OID);
    }
    const { searchEntries: schema } = await client.search(subschema, { scope: 'base', filter: '(objectClass=subschema)', attributes: ['objectClasses'] });
    const classes = schema[0]?.['objectClasses'];
    const text = (Array.isArray(classes) ? classes : [classes ?? '']).map(String).join('\n');
    const missing = Object.values(ObjectClass).filter((name) => !text.includes(`'${name}'`));
    if (missing.length > 0) {
      throw new DirectoryError(
        `${where} does not know the mxdir schema (object class ${missing.join(', ')} missing): load schema/mxdir.schema (slapd.conf) or schema/mxdir.ldif (cn=config) on the server`,
      );
    }
  } catch (err) {
    if (err instanceof DirectoryError) throw err;
    throw directoryError(`read the schema of ${where}`, err);
  }
  return { transactions };
}
