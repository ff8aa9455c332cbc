import type Database from 'better-sqlite3';
import type mysql from 'mysql2/promise';
import { redactSecrets } from '../config/secret.js';
import { redactUrl, type DatabaseTarget } from './database-url.js';
import { SourceError } from './errors.js';

/** Row objects as the driver returns them. */
export type Row = Record<string, unknown>;

/** A read-only view of one consistent snapshot of the database. */
export interface Snapshot {
  query(sql: string): Promise<Row[]>;
  /** Hands each row to `onRow` as the driver produces it (SQLite: without holding every row). */
  each(sql: string, onRow: (row: Row) => void): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the database, runs `read` inside one read-only transaction (so every table is read at the
 * same instant, even while PostfixAdmin writes), and closes it. Any failure is a SourceError whose
 * one line names the redacted URL and the driver's reason; nothing is returned part-way. An abort
 * (SIGTERM) closes the connection, so a query in hand fails at once instead of running on.
 */
export async function withSnapshot<T>(target: DatabaseTarget, signal: AbortSignal | undefined, read: (s: Snapshot) => Promise<T>): Promise<T> {
  switch (target.kind) {
    case 'sqlite':
      return sqliteSnapshot(target.path, read);
    case 'postgres':
      return postgresSnapshot(target.url, signal, read);
    case 'mysql':
      return mysqlSnapshot(target.url, signal, read);
  }
}

async function sqliteSnapshot<T>(path: string, read: (s: Snapshot) => Promise<T>): Promise<T> {
  // Drivers load on first use: reading SQLite never pays for loading pg and mysql2, and back.
  const { default: SQLite } = await import('better-sqlite3');
  let db: Database.Database;
  try {
    db = new SQLite(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new SourceError(`open SQLite database ${path}: ${reason(err)}`, undefined, { cause: err });
  }
  try {
    db.exec('BEGIN');
    const result = await read({
      query: async (sql) => db.prepare(sql).all() as Row[],
      each: async (sql, onRow) => {
        for (const row of db.prepare(sql).iterate()) onRow(row as Row);
      },
    });
    db.exec('COMMIT');
    return result;
  } finally {
    db.close();
  }
}

async function postgresSnapshot<T>(url: string, signal: AbortSignal | undefined, read: (s: Snapshot) => Promise<T>): Promise<T> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: 300_000 });
  // An error event after connect (server restart) must not crash the process: queries then fail.
  client.on('error', () => undefined);
  const abandon = (): void => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', abandon, { once: true });
  try {
    await client.connect();
  } catch (err) {
    throw new SourceError(`connect to ${redactUrl(url)}: ${reason(err)}`, undefined, { cause: err });
  }
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const query = async (sql: string): Promise<Row[]> => (await client.query(sql)).rows as Row[];
    const result = await read({ query, each: async (sql, onRow) => (await query(sql)).forEach((row) => onRow(row)) });
    await client.query('COMMIT');
    return result;
  } finally {
    signal?.removeEventListener('abort', abandon);
    await client.end().catch(() => undefined);
  }
}

async function mysqlSnapshot<T>(url: string, signal: AbortSignal | undefined, read: (s: Snapshot) => Promise<T>): Promise<T> {
  const { default: mysql } = await import('mysql2/promise');
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ uri: url, connectTimeout: CONNECT_TIMEOUT_MS, supportBigNumbers: true, dateStrings: true });
  } catch (err) {
    throw new SourceError(`connect to ${redactUrl(url)}: ${reason(err)}`, undefined, { cause: err });
  }
  conn.on('error', () => undefined);
  const abandon = (): void => conn.destroy();
  signal?.addEventListener('abort', abandon, { once: true });
  try {
    await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const query = async (sql: string): Promise<Row[]> => (await conn.query(sql))[0] as Row[];
    const result = await read({ query, each: async (sql, onRow) => (await query(sql)).forEach((row) => onRow(row)) });
    await conn.query('COMMIT');
    return result;
  } finally {
    signal?.removeEventListener('abort', abandon);
    await conn.end().catch(() => undefined);
  }
}

/** The driver's reason in one line, without secrets. */
export function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' && e.message ? e.message.split('\n')[0]! : String(err);
  const code = typeof e?.code === 'string' && !message.includes(e.code) ? ` (${e.code})` : '';
  return redactSecrets(message + code);
}
