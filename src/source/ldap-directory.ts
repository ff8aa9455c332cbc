import { NoSuchObjectError, SizeLimitExceededError, type Client, type Entry } from 'ldapts';
import type { LdapDirectorySourceConfig } from '../config/config.js';
import { connect, redactUrl } from '../directory/connect.js';
import { directoryError } from '../directory/ldap-errors.js';
import { MxdirError } from '../errors.js';
import { normalizeDomain } from '../model/domain-name.js';
import { SourceError } from './errors.js';
import { NO_RECORDS, type AddressRecord, type AdminRecords, type MailboxRecord, type Origin, type Source, type UnreadableRow } from './records.js';

// A corporate directory as a source of accepted addresses.
//
// Active Directory: every `SMTP:` (primary) and `smtp:` (secondary) value of proxyAddresses, the
// prefix compared case-insensitively; X500:, SIP:, X400:, EUM: and other address types are not mail
// and are ignored. An account with userAccountControl bit 0x2 (ACCOUNTDISABLE) is skipped, except
// Exchange shared, room and equipment mailboxes (msExchRecipientTypeDetails 4, 16, 32), which are
// disabled accounts by design and do receive mail. Groups and contacts have no userAccountControl.
// Plain LDAP: every value of the mail attribute and the alternate-address attributes.
//
// Relay domains come from the config (`domains:`), never from the addresses: AD's accepted domains
// live in Exchange's configuration, not in user entries, and every hybrid tenant gives users
// addresses at tenant.onmicrosoft.com that the MX must not relay for. Addresses outside `domains`
// are left out and reported as one line per domain with a count.

/** ACCOUNTDISABLE in userAccountControl. */
const ACCOUNT_DISABLE = 0x2;
/** msExchRecipientTypeDetails: SharedMailbox, RoomMailbox, EquipmentMailbox. */
const DISABLED_BY_DESIGN = new Set([4, 16, 32]);

export interface LdapDirectoryOptions {
  readonly config: LdapDirectorySourceConfig;
  /** Where the source is in the config (`sources[1]`), for messages. */
  readonly configPath: string;
}

export class LdapDirectorySource implements Source {
  readonly name: string;
  readonly description: string;
  readonly #c: LdapDirectorySourceConfig;
  readonly #path: string;
  readonly #domains: ReadonlySet<string>;

  constructor(options: LdapDirectoryOptions) {
    this.#c = options.config;
    this.#path = options.configPath;
    this.name = this.#c.name;
    this.description = `${this.#c.flavor === 'activedirectory' ? 'Active Directory' : 'LDAP directory'} ${redactUrl(this.#c.url)} ${this.#c.base}`;
    this.#domains = new Set(this.#c.domains.flatMap((d) => {
      const checked = normalizeDomain(d);
      return checked.ok ? [checked.value] : [];
    }));
  }

  /** The attributes read: nothing else is fetched. */
  get attributes(): string[] {
    if (this.#c.flavor === 'activedirectory') return ['proxyAddresses', 'userAccountControl', 'msExchRecipientTypeDetails'];
    return [this.#c.mailAttribute ?? 'mail', ...(this.#c.alternateAttributes ?? [])];
  }

  get filter(): string {
    if (this.#c.filter) return this.#c.filter;
    if (this.#c.flavor === 'activedirectory') return '(proxyAddresses=*)';
    const present = this.attributes.map((a) => `(${a}=*)`);
    return present.length === 1 ? present[0]! : `(|${present.join('')})`;
  }

  async read(): Promise<AdminRecords> {
    const where = redactUrl(this.#c.url);
    let client: Client;
    try {
      client = await connect({ ...this.#c, configKey: this.#path });
    } catch (err) {
      throw this.#error(err);
    }
    try {
      const addresses: AddressRecord[] = [];
      const mailboxes: MailboxRecord[] = [];
      const unreadable: UnreadableRow[] = [];
      const outside = new Map<string, { count: number; first: string }>();
      const pages = client.searchPaginated(this.#c.base, {
        scope: 'sub',
        filter: this.filter,
        attributes: this.attributes,
        paged: { pageSize: this.#c.pageSize },
      });
      for await (const page of pages) {
        for (const entry of page.searchEntries) {
          const found = this.#c.flavor === 'activedirectory' ? this.#fromActiveDirectory(entry, unreadable) : this.#fromPlain(entry);
          for (const record of found) {
            const domain = domainOf(record.address);
            if (domain !== null && !this.#domains.has(domain)) {
              const seen = outside.get(domain);
              if (seen) seen.count++;
              else outside.set(domain, { count: 1, first: `${record.address} (${entry.dn})` });
            } else if (this.#c.flavor === 'activedirectory') {
              mailboxes.push(record);
            } else {
              addresses.push(record);
            }
          }
        }
      }
      for (const [domain, { count, first }] of outside) {
        unreadable.push({
          origin: { source: this.name, table: 'domains', row: domain, where: `addresses under ${this.#c.base} in` },
          value: domain,
          reason: `${count} address${count === 1 ? '' : 'es'} (first: ${first}) left out: the domain is not in ${this.#path}.domains`,
        });
      }
      const domains = this.#c.domains.map((domain) => ({
        domain,
        active: true,
        transport: this.#c.transport ?? null,
        origin: { source: this.name, table: 'domains', row: domain, where: `${this.#path}.domains` },
      }));
      return { ...NO_RECORDS, domains, mailboxes, addresses, unreadable };
    } catch (err) {
      if (err instanceof NoSuchObjectError) {
        throw new SourceError(`source ${this.name}: ${this.#path}.base ${this.#c.base} does not exist on ${where}`, undefined, { cause: err });
      }
      const hint = err instanceof SizeLimitExceededError
        ? `the server caps what this account may read, even page by page: on OpenLDAP give it "limits dn.exact=<bindDN> size.prtotal=unlimited", on Active Directory keep ${this.#path}.pageSize at or below MaxPageSize`
        : '';
      throw this.#error(err, `search ${this.#c.base} on ${where} with ${this.filter}`, hint);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** SMTP:/smtp: values of proxyAddresses; active unless the account is disabled (and not a shared mailbox). */
  #fromActiveDirectory(entry: Entry, unreadable: UnreadableRow[]): MailboxRecord[] {
    const uac = Number(first(entry, 'userAccountControl') ?? '0');
    const type = Number(first(entry, 'msExchRecipientTypeDetails') ?? '0');
    const active = (uac & ACCOUNT_DISABLE) === 0 || DISABLED_BY_DESIGN.has(type);
    const records: MailboxRecord[] = [];
    for (const value of values(entry, 'proxyAddresses')) {
      const origin = this.#origin(entry.dn, 'proxyAddresses');
      const colon = value.indexOf(':');
      if (colon <= 0) {
        unreadable.push({ origin, value, reason: 'no address type prefix (SMTP:, smtp:, X500:, ...)' });
        continue;
      }
      if (value.slice(0, colon).toLowerCase() !== 'smtp') continue;
      records.push({ address: value.slice(colon + 1), active, origin });
    }
    return records;
  }

  #fromPlain(entry: Entry): AddressRecord[] {
    return this.attributes.flatMap((attribute) =>
      values(entry, attribute).map((address) => ({ address, active: true, origin: this.#origin(entry.dn, attribute) })),
    );
  }

  /** Provenance `name attribute DN`; reports show `DN attribute`. */
  #origin(dn: string, attribute: string): Origin {
    return { source: this.name, table: attribute, row: dn, where: `${dn} ${attribute}` };
  }

  #error(err: unknown, what?: string, hint = ''): MxdirError {
    const inner = what ? directoryError(what, err, hint, this.#path) : err;
    const message = inner instanceof Error ? inner.message : String(inner);
    return new SourceError(`source ${this.name}: ${message}`, undefined, { cause: err });
  }
}

/** Values of an attribute whatever the case the server names it in, as text. */
function values(entry: Entry, attribute: string): string[] {
  const lower = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === lower);
  if (key === undefined || key === 'dn') return [];
  const raw = entry[key];
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

const first = (entry: Entry, attribute: string): string | undefined => values(entry, attribute)[0];

/** The normalised domain of an address, or null when the model should judge it (no @, bad domain). */
function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return null;
  const checked = normalizeDomain(address.slice(at + 1).trim());
  return checked.ok ? checked.value : null;
}
