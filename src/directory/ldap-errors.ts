import {
  BusyError,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  ResultCodeError,
  SizeLimitExceededError,
  UnavailableError,
} from 'ldapts';
import { DirectoryError } from '../errors.js';

// One place turns a failure of the LDAP library or the network into a one-line DirectoryError that
// says what was being done, where, and why. Callers branch on the ldapts error class, never on text.

/**
 * Transient failures worth a retry: the server is busy (51), unavailable (52), or the connection
 * broke or could not be made. Looks through wrapped errors (a DirectoryError's cause).
 */
export function isTransient(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isTransientItself(e)) return true;
  }
  return false;
}

function isTransientItself(err: unknown): boolean {
  if (err instanceof BusyError || err instanceof UnavailableError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) {
    return true;
  }
  const message = err instanceof Error ? err.message : '';
  return /^(Connection timeout|Socket error|Connection closed before message response|Connection closed|read ECONNRESET|write EPIPE)/.test(message);
}

const TLS_REASONS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'not signed by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'not signed by a trusted CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'not signed by a trusted CA (self-signed certificate in chain)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed and not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'issued for another host name',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not yet valid',
};

/** A one-line reason for `err`, without the stack and without any multi-line driver detail. */
export function reasonOf(err: unknown, configKey = 'ldap'): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && TLS_REASONS[code]) return `TLS: the server certificate is ${TLS_REASONS[code]} (${code}); check ${configKey}.caFile and the host name in the URL`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host name not found';
  if (code === 'ECONNRESET') return 'connection reset by the server';
  if (code === 'ETIMEDOUT') return 'timed out';
  if (err instanceof InvalidCredentialsError) return 'invalid credentials';
  if (err instanceof InsufficientAccessError) return 'insufficient access rights';
  if (err instanceof NoSuchObjectError) return 'no such object';
  if (err instanceof SizeLimitExceededError) {
    // The publisher's own account reads the managed subtree; a source account gets its hint from the source.
    if (configKey !== 'ldap') return 'size limit exceeded';
    return 'size limit exceeded (LDAP result 4): let the bind DN read the whole subtree, e.g. slapd `limits dn.exact="<bindDN>" size=unlimited` (see schema/acl.conf)';
  }
  if (err instanceof ResultCodeError) {
    // ldapts: "<diagnostic message> Code: 0x33"; the class name says what the code means (BusyError).
    const label = err.constructor.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    const diagnostic = (err.message.split('\n')[0] ?? '').replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
    return `${label === 'result code' ? 'error' : label}${diagnostic ? `: ${diagnostic}` : ''} (LDAP result ${err.code})`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

/** Wraps a failure: `what` is the action (`bind as cn=admin,... to ldap://host`). */
export function directoryError(what: string, err: unknown, hint = '', configKey = 'ldap'): DirectoryError {
  return new DirectoryError(`${what}: ${reasonOf(err, configKey)}${hint ? ` (${hint})` : ''}`, undefined, { cause: err });
}
