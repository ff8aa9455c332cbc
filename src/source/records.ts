// Plain records as an admin database holds them. Sources fill these in and do nothing else: no
// validation, no lower-casing, no expansion. That is the model's job (src/model), so every source is
// judged by the same rules.

/** Where a record came from, for skip reports and provenance: `mailbox` table, row key `a@b`. */
export interface Origin {
  /** The source's name from the config, such as `postfixadmin`. */
  readonly source: string;
  /** Table (or LDAP base, or file) the record was read from. */
  readonly table: string;
  /** The row's key as stored (primary key, DN or line number), for people to find it. */
  readonly row: string;
  /** Where a person finds it when `table row` is not enough, e.g. `/etc/postfix/relay_recipients:3`. */
  readonly where?: string;
}

export interface DomainRecord {
  readonly domain: string;
  readonly active: boolean;
  /** Postfix transport next hop (PostfixAdmin `domain.transport`), when the source has one. */
  readonly transport?: string | null;
  readonly origin: Origin;
}

/** A mailbox: the address itself is accepted. */
export interface MailboxRecord {
  readonly address: string;
  readonly active: boolean;
  readonly origin: Origin;
}

/** An alias: its address (or `@domain`, a catch-all) is accepted, whatever it forwards to. */
export interface AliasRecord {
  readonly address: string;
  readonly active: boolean;
  readonly origin: Origin;
}

/**
 * An accepted address without mailbox or alias meaning (a directory's `mail`, a line of a
 * relay_recipients file, a generic SQL query's row); `@domain` is a catch-all.
 */
export interface AddressRecord {
  readonly address: string;
  readonly active: boolean;
  readonly origin: Origin;
  /** The source lists no domains: this address's domain is a relay domain because it is listed. */
  readonly declaresDomain?: boolean;
}

/** Something a source found but could not read as a record (a malformed line), reported and skipped. */
export interface UnreadableRow {
  readonly origin: Origin;
  readonly value: string;
  readonly reason: string;
}

/** Every address accepted at `targetDomain` is accepted at `aliasDomain` too. */
export interface AliasDomainRecord {
  readonly aliasDomain: string;
  readonly targetDomain: string;
  readonly active: boolean;
  readonly origin: Origin;
}

export interface AdminRecords {
  readonly domains: readonly DomainRecord[];
  readonly mailboxes: readonly MailboxRecord[];
  readonly aliases: readonly AliasRecord[];
  readonly aliasDomains: readonly AliasDomainRecord[];
  /** Accepted addresses of sources that know no mailbox/alias distinction. */
  readonly addresses: readonly AddressRecord[];
  /** What the source could not read (reported by the model among the skipped rows). */
  readonly unreadable?: readonly UnreadableRow[];
}

/** Records with nothing in them, to spread a source's own lists over. */
export const NO_RECORDS: AdminRecords = { domains: [], mailboxes: [], aliases: [], aliasDomains: [], addresses: [], unreadable: [] };

/** An admin-database reader. `read` loads everything at once or throws: never a partial result. */
export interface Source {
  /** The source's unique name from the config (recorded in every Origin it returns). */
  readonly name: string;
  /** A short description for logs, free of secrets (no passwords in URLs). */
  readonly description: string;
  /** `signal` abandons the read (SIGTERM): its connection is closed and the promise rejects. */
  read(signal?: AbortSignal): Promise<AdminRecords>;
}
