import { readFileSync } from 'node:fs';
import net from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError } from 'ldapts';
import type { Secret } from '../config/secret.js';
import { DirectoryError } from '../errors.js';
import { directoryError } from './ldap-errors.js';

export interface ConnectOptions {
  readonly url: string;
  readonly bindDN?: string | undefined;
  readonly bindPassword?: Secret | null | undefined;
  readonly startTLS?: boolean | undefined;
  readonly caFile?: string | undefined;
  /** Seconds. */
  readonly timeout: number;
  /** Config key prefix for messages (`ldap`, `postfix`). */
  readonly configKey?: string;
}

/**
 * Opens an LDAP connection, upgrades it with StartTLS when asked, and binds. TLS always verifies the
 * server certificate and host name; a certificate that does not verify is an error. `ldapi://`
 * URLs connect to the Unix socket they name.
 */
export async function connect(options: ConnectOptions): Promise<Client> {
  const key = options.configKey ?? 'ldap';
  const url = new URL(options.url);
  // SNI takes a host name, never an IP address. The certificate is checked against the URL's host
  // explicitly: for StartTLS ldapts gives Node no host, and Node would then check it against
  // "localhost" whenever the URL names an IP address.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const tlsOptions: ConnectionOptions = {
    rejectUnauthorized: true,
    ...(host && net.isIP(host) === 0 ? { servername: host } : {}),
    ...(url.protocol !== 'ldapi:' ? { checkServerIdentity: (_: string, cert: Parameters<typeof checkServerIdentity>[1]) => checkServerIdentity(host, cert) } : {}),
  };
  if (options.caFile) {
    try {
      tlsOptions.ca = readFileSync(options.caFile);
    } catch (err) {
      throw new DirectoryError(`${key}.caFile: cannot read ${options.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const socketPath = url.protocol === 'ldapi:' ? decodeURIComponent(url.hostname || url.pathname) : null;
  const client = new Client({
    url: socketPath ? 'ldap://localhost' : options.url,
    timeout: options.timeout * 1000,
    connectTimeout: options.timeout * 1000,
    // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps://.
    ...(url.protocol === 'ldaps:' ? { tlsOptions } : {}),
    strictDN: false,
    ...(socketPath ? { createConnection: (() => net.connect(socketPath)) as unknown as typeof net.connect } : {}),
  });
  const where = redactUrl(options.url);
  try {
    if (options.startTLS) await client.startTLS(tlsOptions);
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw directoryError(`StartTLS with ${where}`, err, '', key);
  }
  if (options.bindDN) {
    try {
      await client.bind(options.bindDN, options.bindPassword?.reveal() ?? '');
    } catch (err) {
      await client.unbind().catch(() => undefined);
      const hint = err instanceof InvalidCredentialsError ? `check ${key}.bindDN and ${key}.bindPassword` : '';
      throw directoryError(`bind as ${options.bindDN} to ${where}`, err, hint, key);
    }
  }
  return client;
}

/** The URL without any user information, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}
