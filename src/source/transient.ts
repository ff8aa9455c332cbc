// Which admin-database failures are worth another attempt: the server is down, starting up, shutting
// down, out of connections, or the connection broke. A query error (a missing table, bad SQL) is not.

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
/** MySQL/MariaDB driver codes. */
const MYSQL = new Set(['PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
/** PostgreSQL SQLSTATEs: admin/crash shutdown, cannot connect now (starting), too many connections, serialization. */
const POSTGRES = new Set(['57P01', '57P02', '57P03', '53300', '40001']);
/** SQLite: another process holds a write lock for too long. */
const SQLITE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

export function isTransientSourceError(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK.has(code) || MYSQL.has(code) || POSTGRES.has(code) || SQLITE.has(code) || code.startsWith('08'))) return true;
    const message = e instanceof Error ? e.message : '';
    if (/^Connection terminated|^timeout expired|connect ECONNREFUSED|read ECONNRESET/.test(message)) return true;
  }
  return false;
}
