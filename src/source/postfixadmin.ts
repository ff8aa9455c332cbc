import { parseDatabaseUrl, redactUrl, type DatabaseTarget } from './database-url.js';
import { isTrue, text } from './boolean.js';
import { SourceError } from './errors.js';
import type { AdminRecords, AliasRecord, MailboxRecord, Origin, Source } from './records.js';
import { reason, withSnapshot, type Row, type Snapshot } from './sql-client.js';

export interface PostfixAdminOptions {
  readonly name: string;
  readonly url: string;
  /** PostfixAdmin's `$CONF['database_prefix']`. */
  readonly tablePrefix: string;
  /** The config file's folder, for relative SQLite paths. */
  readonly baseDir: string;
  /** Where the source is in the config (`source`, `sources[1]`), for error messages. */
  readonly configPath?: string;
}

const IDENTIFIER = /^[A-Za-z0-9_]*$/;

/**
 * A mailbox or alias row that is its own origin (the row key is the address): one small object per
 * row holding only the address, its source, table and state being its class's (see `rowClass`). At a
 * million rows that is a few dozen bytes each instead of a record, an origin and their fields.
 */
abstract class AddressRow implements MailboxRecord, AliasRecord, Origin {
  abstract readonly source: string;
  abstract readonly table: string;
  abstract readonly active: boolean;
  constructor(readonly row: string) {}
  get address(): string {
    return this.row;
  }
  get origin(): Origin {
    return this;
  }
  /** As an origin, it serialises like one. */
  toJSON(): Origin {
    return { source: this.source, table: this.table, row: this.row };
  }
}

type AddressRowClass = new (row: string) => AddressRow;

/** The row classes of one table, active and inactive. */
function rowClasses(source: string, table: string): { readonly active: AddressRowClass; readonly inactive: AddressRowClass } {
  const make = (active: boolean): AddressRowClass =>
    class extends AddressRow {
      get source(): string {
        return source;
      }
      get table(): string {
        return table;
      }
      get active(): boolean {
        return active;
      }
    };
  return { active: make(true), inactive: make(false) };
}

/**
 * Reads PostfixAdmin's domain, mailbox, alias and alias_domain tables in one snapshot and returns
 * them as plain records: no filtering, no validation (the model does that, for every source alike).
 */
export class PostfixAdminSource implements Source {
  readonly name: string;
  readonly description: string;
  readonly #target: DatabaseTarget;

  constructor(private readonly options: PostfixAdminOptions) {
    const at = options.configPath ?? 'source';
    if (!IDENTIFIER.test(options.tablePrefix)) {
      throw new SourceError(`${at}.tablePrefix: "${options.tablePrefix}" may hold only letters, digits and _`);
    }
    this.name = options.name;
    this.#target = parseDatabaseUrl(options.url, options.baseDir, `${at}.url`);
    this.description = `PostfixAdmin database ${redactUrl(options.url)}`;
  }

  read(signal?: AbortSignal): Promise<AdminRecords> {
    return withSnapshot(this.#target, signal, async (db) => {
      const t = (name: string): string => `${this.options.tablePrefix}${name}`;
      const origin = (table: string, row: unknown): Origin => ({ source: this.options.name, table, row: text(row) });
      const domains = await this.#select(db, t('domain'), 'domain, active, transport', 'domain, active');
      // The two big tables become records row by row, never held twice (rows, then records).
      const mailboxes: MailboxRecord[] = [];
      const mailboxRow = rowClasses(this.options.name, t('mailbox'));
      await this.#each(db, t('mailbox'), 'username, active', (r) => {
        mailboxes.push(new (isTrue(r['active']) ? mailboxRow.active : mailboxRow.inactive)(text(r['username'])));
      });
      const aliases: AliasRecord[] = [];
      const aliasRow = rowClasses(this.options.name, t('alias'));
      await this.#each(db, t('alias'), 'address, active', (r) => {
        aliases.push(new (isTrue(r['active']) ? aliasRow.active : aliasRow.inactive)(text(r['address'])));
      });
      const aliasDomains = await this.#select(db, t('alias_domain'), 'alias_domain, target_domain, active');
      return {
        domains: domains.map((r) => ({
          domain: text(r['domain']),
          active: isTrue(r['active']),
          transport: r['transport'] === undefined || r['transport'] === null ? null : text(r['transport']),
          origin: origin(t('domain'), r['domain']),
        })),
        mailboxes,
        aliases,
        aliasDomains: aliasDomains.map((r) => ({
          aliasDomain: text(r['alias_domain']),
          targetDomain: text(r['target_domain']),
          active: isTrue(r['active']),
          origin: origin(t('alias_domain'), r['alias_domain']),
        })),
        addresses: [],
      };
    });
  }

  /** SELECT columns FROM table, row by row. */
  async #each(db: Snapshot, table: string, columns: string, onRow: (row: Row) => void): Promise<void> {
    try {
      await db.each(`SELECT ${columns} FROM ${table}`, onRow);
    } catch (err) {
      throw new SourceError(`read table ${table} of ${redactUrl(this.options.url)}: ${reason(err)}`, undefined, { cause: err });
    }
  }

  /** SELECT columns FROM table; `fallback` columns when an optional column is missing. */
  async #select(db: Snapshot, table: string, columns: string, fallback?: string): Promise<Row[]> {
    try {
      return await db.query(`SELECT ${columns} FROM ${table}`);
    } catch (err) {
      if (fallback && /transport/i.test(reason(err)) && this.#target.kind !== 'postgres') {
        return this.#select(db, table, fallback);
      }
      throw new SourceError(`read table ${table} of ${redactUrl(this.options.url)}: ${reason(err)}`, undefined, { cause: err });
    }
  }
}
