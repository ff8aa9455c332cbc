import { isTrue, text } from './boolean.js';
import { parseDatabaseUrl, redactUrl, type DatabaseTarget } from './database-url.js';
import { SourceError } from './errors.js';
import { NO_RECORDS, type AdminRecords, type Origin, type Source } from './records.js';
import { reason, withSnapshot, type Row, type Snapshot } from './sql-client.js';

/**
 * The queries of a generic SQL source and the columns each must return (names compare
 * case-insensitively; alias them with AS). Every query may also return `active`: rows where it is
 * false are inactive (a domain so declared switches this source's addresses there off). Which rows
 * count is the query's business: filter disabled, expired and deleted rows in its WHERE clause.
 */
export interface SqlQueries {
  /** Relay domains: column `domain`, optionally `transport` (a next hop, as PostfixAdmin's domain.transport). */
  readonly domains: string;
  /** Accepted addresses: column `address` (`local@domain`, or `@domain` for a catch-all). */
  readonly addresses: string;
  /** Alias domains: columns `alias_domain`, `target_domain`. */
  readonly aliasDomains?: string | undefined;
  /** Domains that accept every recipient: column `domain` (published as `@domain`). */
  readonly catchAlls?: string | undefined;
}

/** Columns each query must return, by query key. */
export const SQL_COLUMNS: Readonly<Record<keyof SqlQueries, readonly string[]>> = {
  domains: ['domain'],
  addresses: ['address'],
  aliasDomains: ['alias_domain', 'target_domain'],
  catchAlls: ['domain'],
};

export interface SqlSourceOptions {
  readonly name: string;
  readonly url: string;
  readonly queries: SqlQueries;
  /** The config file's folder, for relative SQLite paths. */
  readonly baseDir: string;
  /** Where the source is in the config (`sources[1]`), for error messages. */
  readonly configPath: string;
}

/**
 * Any admin database (PostgreSQL, MySQL/MariaDB, SQLite) through the admin's own queries, all run in
 * one read-only snapshot. Rows become plain records, origin `<name> <query> <value>`; the model
 * validates them like every other source's.
 */
export class SqlSource implements Source {
  readonly name: string;
  readonly description: string;
  readonly #target: DatabaseTarget;

  constructor(private readonly options: SqlSourceOptions) {
    this.name = options.name;
    this.#target = parseDatabaseUrl(options.url, options.baseDir, `${options.configPath}.url`);
    this.description = `SQL database ${redactUrl(options.url)}`;
  }

  read(signal?: AbortSignal): Promise<AdminRecords> {
    const q = this.options.queries;
    return withSnapshot(this.#target, signal, async (db) => {
      const origin = (key: string, row: string): Origin => ({ source: this.name, table: key, row });
      const domains = await this.#run(db, 'domains', q.domains);
      const addresses = await this.#run(db, 'addresses', q.addresses);
      const catchAlls = q.catchAlls ? await this.#run(db, 'catchAlls', q.catchAlls) : [];
      const aliasDomains = q.aliasDomains ? await this.#run(db, 'aliasDomains', q.aliasDomains) : [];
      return {
        ...NO_RECORDS,
        domains: domains.map((r) => ({
          domain: r.get('domain'),
          active: r.active,
          transport: r.optional('transport'),
          origin: origin('domains', r.get('domain')),
        })),
        addresses: [
          ...addresses.map((r) => ({ address: r.get('address'), active: r.active, origin: origin('addresses', r.get('address')) })),
          ...catchAlls.map((r) => ({ address: `@${r.get('domain')}`, active: r.active, origin: origin('catchAlls', r.get('domain')) })),
        ],
        aliasDomains: aliasDomains.map((r) => ({
          aliasDomain: r.get('alias_domain'),
          targetDomain: r.get('target_domain'),
          active: r.active,
          origin: origin('aliasDomains', `${r.get('alias_domain')}->${r.get('target_domain')}`),
        })),
      };
    });
  }

  /** Runs one query and checks it returns the columns its key calls for. */
  async #run(db: Snapshot, key: keyof SqlQueries, sql: string): Promise<ResultRow[]> {
    const where = `source ${this.name}: ${this.options.configPath}.queries.${key}`;
    let rows: Row[];
    try {
      rows = await db.query(sql);
    } catch (err) {
      throw new SourceError(`${where}: ${reason(err)}`, undefined, { cause: err });
    }
    const first = rows[0];
    if (!first) return [];
    const byName = new Map(Object.keys(first).map((k) => [k.toLowerCase(), k]));
    for (const column of SQL_COLUMNS[key]) {
      if (!byName.has(column)) {
        throw new SourceError(
          `${where}: the query returns no column "${column}" (it returns ${Object.keys(first).join(', ') || 'none'}); name it with AS ${column}`,
        );
      }
    }
    const activeColumn = byName.get('active');
    return rows.map((row) => ({
      get: (column: string) => text(row[byName.get(column)!]),
      optional: (column: string) => {
        const name = byName.get(column);
        return name === undefined || row[name] === null || row[name] === undefined ? null : text(row[name]);
      },
      active: activeColumn === undefined ? true : isTrue(row[activeColumn]),
    }));
  }
}

interface ResultRow {
  get(column: string): string;
  /** An optional column's value; null when the query has no such column or the value is NULL. */
  optional(column: string): string | null;
  readonly active: boolean;
}
