// TLS as an admin deploys it: a slapd with a certificate from a private CA (made here with openssl,
// for the DNS name localhost only), reached over ldaps:// and StartTLS by the real CLI and by the
// real Postfix through the generated query configs. The right CA passes; a wrong CA, a wrong host
// name, or no CA at all fail with one line. Nothing is ever accepted without verification.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { postmapQuery } from './harness/postfix.js';
import { freePort } from './harness/ports.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { issueServerCert, machineNames, makeTestCa, slapdTlsConfig, type TestCa } from './harness/tls.js';
import { configFor, runMxdir, writeConfig, type RunResult } from './run-mxdir.js';

const noStack = (text: string) => expect(text).to.not.match(/\n\s+at .*:\d+:\d+\)?$/m);

describe('tls: ldaps:// and StartTLS with certificate and host name verification', function () {
  this.timeout(120_000);
  let dir: string;
  let ca: TestCa;
  let otherCa: TestCa;
  let slapd: Slapd;
  let ldapsPort: number;
  let db: TestDb;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mxdir-tls-'));
    ca = await makeTestCa(dir, 'test-ca');
    otherCa = await makeTestCa(dir, 'other-ca');
    // For localhost; plus the machine's own name, which libldap (Postfix) checks instead of
    // "localhost" (see machineNames). Never an IP address: 127.0.0.1 must not verify.
    const cert = await issueServerCert(dir, 'server', ca, ['localhost', ...(await machineNames())]);
    ldapsPort = await freePort();
    slapd = await startSlapd({ extraGlobalConfig: slapdTlsConfig(ca, cert), extraListeners: [`ldaps://127.0.0.1:${ldapsPort}/`] });
    db = await createPostfixAdminDb('sqlite', { domains: [{ domain: 'example.com' }], mailboxes: [{ username: 'alice@example.com' }], aliases: [], aliasDomains: [] });
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ldapsUrl = (host: string) => `ldaps://${host}:${ldapsPort}`;
  const plainUrl = (host: string) => `ldap://${host}:${slapd.port}`;

  /** Runs mxdir with the harness slapd's admin account and the given ldap: settings. */
  async function mxdir(args: readonly string[], ldap: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<RunResult & { file: string }> {
    const base = configFor(db.url, slapd);
    const file = await writeConfig({ ...base, ldap: { ...base.ldap, ...ldap }, ...extra });
    const r = await runMxdir([args[0]!, '-c', file, ...args.slice(1)], { env: { MXDIR_BIND_PASSWORD: slapd.rootPassword } });
    return { ...r, file };
  }

  /** A refused connection: exit 1, exactly one line on stderr, nothing on stdout, no stack trace. */
  function expectOneLineFailure(r: RunResult, pattern: RegExp): void {
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.match(pattern);
    noStack(r.stderr);
  }

  it('ldaps://localhost with the right CA: sync publishes', async () => {
    const r = await mxdir(['sync'], { url: ldapsUrl('localhost'), caFile: ca.certFile });
    expect(r.code, r.stderr).to.equal(0);
    expect(await slapd.ldapsearch(['-b', `ou=mx,${slapd.suffix}`, '(mail=alice@example.com)', 'mail'])).to.include('mail: alice@example.com');
  });

  it('ldap://localhost with startTLS: true and the right CA: --check sees the tree in sync', async () => {
    const r = await mxdir(['sync', '--check'], { url: plainUrl('localhost'), startTLS: true, caFile: ca.certFile });
    expect(r.code, r.stderr).to.equal(0);
  });

  it('ldaps:// with an unrelated CA: one line saying the certificate is not trusted', async () => {
    const r = await mxdir(['sync'], { url: ldapsUrl('localhost'), caFile: otherCa.certFile });
    expectOneLineFailure(r, /^mxdir: bind as .* to ldaps:\/\/localhost:\d+: TLS: the server certificate is not signed by a trusted CA .*check ldap.caFile/);
  });

  it('StartTLS with an unrelated CA: one line saying the certificate is not trusted', async () => {
    const r = await mxdir(['sync'], { url: plainUrl('localhost'), startTLS: true, caFile: otherCa.certFile });
    expectOneLineFailure(r, /^mxdir: StartTLS with ldap:\/\/localhost:\d+: TLS: the server certificate is not signed by a trusted CA/);
  });

  it('ldaps:// without caFile, the server having a private CA: refused (the system CAs do not know it)', async () => {
    const r = await mxdir(['sync'], { url: ldapsUrl('localhost') });
    expectOneLineFailure(r, /TLS: the server certificate is not signed by a trusted CA/);
  });

  it('StartTLS without caFile: refused as well', async () => {
    const r = await mxdir(['sync'], { url: plainUrl('localhost'), startTLS: true });
    expectOneLineFailure(r, /^mxdir: StartTLS with .*TLS: the server certificate is not signed by a trusted CA/);
  });

  it('ldaps://127.0.0.1 with the right CA, the certificate naming no IP address: wrong host name, refused', async () => {
    const r = await mxdir(['sync'], { url: ldapsUrl('127.0.0.1'), caFile: ca.certFile });
    expectOneLineFailure(r, /^mxdir: bind as .* to ldaps:\/\/127.0.0.1:\d+: TLS: the server certificate is issued for another host name/);
  });

  it('StartTLS to 127.0.0.1 with the right CA: wrong host name, refused', async () => {
    const r = await mxdir(['sync'], { url: plainUrl('127.0.0.1'), startTLS: true, caFile: ca.certFile });
    expectOneLineFailure(r, /^mxdir: StartTLS with ldap:\/\/127.0.0.1:\d+: TLS: the server certificate is issued for another host name/);
  });

  it('a refused certificate: the password appears in no output, even with --verbose', async () => {
    const r = await mxdir(['sync', '--verbose'], { url: ldapsUrl('localhost'), caFile: otherCa.certFile });
    expect(r.code).to.equal(1);
    expect(r.stdout + r.stderr).to.not.include(slapd.rootPassword);
  });

  it('a certificate for another DNS name (ldap.example.org) reached as localhost: refused, ldaps:// and StartTLS', async () => {
    const other = await issueServerCert(dir, 'other-name', ca, ['ldap.example.org']);
    const port = await freePort();
    const elsewhere = await startSlapd({ extraGlobalConfig: slapdTlsConfig(ca, other), extraListeners: [`ldaps://127.0.0.1:${port}/`] });
    try {
      for (const ldap of [{ url: `ldaps://localhost:${port}` }, { url: `ldap://localhost:${elsewhere.port}`, startTLS: true }]) {
        const file = await writeConfig({ ...configFor(db.url, elsewhere), ldap: { ...configFor(db.url, elsewhere).ldap, ...ldap, caFile: ca.certFile } });
        const r = await runMxdir(['sync', '-c', file], { env: { MXDIR_BIND_PASSWORD: elsewhere.rootPassword } });
        expectOneLineFailure(r, /TLS: the server certificate is issued for another host name \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
      }
    } finally {
      await elsewhere.stop();
    }
  });

  describe('Postfix query configs over TLS (postmap -q against this slapd)', () => {
    before(async () => {
      const r = await mxdir(['sync'], { url: ldapsUrl('localhost'), caFile: ca.certFile }); // publish, whatever ran before
      expect(r.code, r.stderr).to.equal(0);
    });
    async function postfixFiles(ldap: Record<string, unknown>): Promise<string> {
      const out = await mkdtemp(join(dir, 'postfix-'));
      const r = await mxdir(['postfix', '--out', out], ldap);
      expect(r.code, r.stderr).to.equal(0);
      return join(out, 'ldap-relay-recipients.cf');
    }

    for (const [name, ldap] of [
      ['ldaps://', (caFile: string) => ({ url: ldapsUrl('localhost'), caFile })],
      ['StartTLS', (caFile: string) => ({ url: plainUrl('localhost'), startTLS: true, caFile })],
    ] as const) {
      it(`${name} with the right CA: the generated cf requires the certificate and answers`, async () => {
        const cf = await postfixFiles(ldap(ca.certFile));
        const text = await readFile(cf, 'utf8');
        expect(text).to.include('tls_require_cert = yes\n').and.include(`tls_ca_cert_file = ${ca.certFile}\n`);
        expect(text.includes('start_tls = yes')).to.equal(name === 'StartTLS');
        const answers = await postmapQuery(cf, ['alice@example.com', 'nobody@example.com']);
        expect(answers.get('alice@example.com')).to.equal('alice@example.com');
        expect(answers.get('nobody@example.com')).to.equal(null);
      });

      it(`${name} with an unrelated CA: Postfix gets a lookup error, never an answer`, async () => {
        const cf = await postfixFiles(ldap(otherCa.certFile));
        const failure = await postmapQuery(cf, ['alice@example.com']).then(
          (answers) => `answered ${JSON.stringify([...answers])}`,
          (err: Error) => err.message,
        );
        // A lookup error makes smtpd answer 451 (try again later): mail is deferred, not accepted.
        expect(failure).to.match(/lookup error|Can't contact LDAP server|certificate/i);
        expect(failure).to.not.match(/^answered/);
      });
    }

    it('ldaps://127.0.0.1 with the right CA (no IP address in the certificate): Postfix gets a lookup error', async () => {
      const cf = await postfixFiles({ url: ldapsUrl('127.0.0.1'), caFile: ca.certFile });
      const failure = await postmapQuery(cf, ['alice@example.com']).then((a) => `answered ${JSON.stringify([...a])}`, (err: Error) => err.message);
      expect(failure).to.match(/lookup error|Can't contact LDAP server/i);
    });
  });
});
