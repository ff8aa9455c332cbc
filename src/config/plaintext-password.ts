import net from 'node:net';

// A simple bind sends the password as it is. Over plain ldap:// to another host anyone on the path
// reads it, so mxdir refuses that unless the configuration says it is wanted. Loopback and ldapi://
// (a Unix socket) never leave the machine; ldaps:// and StartTLS encrypt.

/** True for 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host) || /^::ffff:127\./.test(host);
  return false;
}

/**
 * The problem line for a password bind to `url` without encryption to another host, or null when
 * the URL is safe (ldaps://, ldapi://, StartTLS, loopback) or the key `allowKey` permits it.
 */
export function plaintextPasswordProblem(
  path: string,
  url: string,
  startTLS: boolean,
  allowKey: string,
  allowed: boolean,
): string | null {
  if (allowed || startTLS) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // reported as a malformed URL elsewhere
  }
  if (parsed.protocol !== 'ldap:' || isLoopbackHost(parsed.hostname)) return null;
  const section = allowKey.split('.')[0];
  return (
    `${path}: ${url} would send the bind password unencrypted to a remote host: use ldaps://, ` +
    `set ${section}.startTLS: true, use ldapi:// on the LDAP host itself, or set ${allowKey}: true to accept the risk`
  );
}
