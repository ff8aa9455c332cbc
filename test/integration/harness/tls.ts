// Test certificates made with the real openssl: a private CA and server certificates it signs, for
// slapd's TLS listeners. Nothing here trusts anything by itself; the tests decide which CA to give.
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { run } from './slapd.js';

export interface TestCa {
  /** The CA certificate (PEM), what a client's caFile points at. */
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ServerCert {
  readonly certFile: string;
  readonly keyFile: string;
}

async function openssl(args: readonly string[]): Promise<void> {
  const r = await run('openssl', args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`);
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA named `name`, its files in `dir`. */
export async function makeTestCa(dir: string, name: string): Promise<TestCa> {
  const ca = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  await openssl([
    'req', '-x509', ...EC_KEY, '-keyout', ca.keyFile, '-out', ca.certFile, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return ca;
}

/** A server certificate signed by `ca` for exactly `dnsNames` (subjectAltName DNS entries, no IP). */
export async function issueServerCert(dir: string, name: string, ca: TestCa, dnsNames: readonly string[]): Promise<ServerCert> {
  const cert = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  await openssl(['req', ...EC_KEY, '-keyout', cert.keyFile, '-out', csr, '-subj', `/CN=${dnsNames[0]}`]);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}\n`);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', cert.certFile, '-days', '2', '-extfile', ext]);
  return cert;
}

/** slapd.conf global lines that serve `cert` (signed by `ca`) on ldaps:// and StartTLS. */
export function slapdTlsConfig(ca: TestCa, cert: ServerCert): string {
  return [`TLSCACertificateFile ${ca.certFile}`, `TLSCertificateFile ${cert.certFile}`, `TLSCertificateKeyFile ${cert.keyFile}`].join('\n');
}

/**
 * The names libldap (and so Postfix) checks a certificate against for an ldap[s]://localhost URL:
 * libldap replaces "localhost" by the machine's own name (ldap_host_connected_to), so a certificate
 * for "localhost" alone never verifies there. The machine's short and fully qualified names.
 */
export async function machineNames(): Promise<string[]> {
  const fqdn = await run('hostname', ['-f']);
  return [...new Set([hostname(), fqdn.code === 0 ? fqdn.stdout.trim() : ''].filter((n) => n && n !== 'localhost'))];
}
