// kind: ldap against a real "corporate directory": a second harness slapd holding AD-shaped entries
// (test/fixtures/ad-lite.schema defines proxyAddresses, userAccountControl, msExchRecipientTypeDetails)
// and plain inetOrgPerson entries with mail and mailLocalAddress. mxdir reads it through a non-root
// reading account with paged search and publishes into the mxdir slapd; the exact keys are asserted.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { AD_SCHEMA, adUser as adUserIn } from '../fixtures/corporate-directory.js';
import { readPublished } from './ldap-state.js';
import { freePort } from './harness/ports.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { issueServerCert, makeTestCa, slapdTlsConfig, type TestCa } from './harness/tls.js';
import { runMxdir, writeConfig } from './run-mxdir.js';

const SUFFIX = 'dc=corp,dc=example';
const READER = `cn=mxdir-reader,${SUFFIX}`;
const READER_PASSWORD = 'reader-secret-4711';
/** A second reading account left with slapd's default limits. */
const LIMITED = `cn=limited-reader,${SUFFIX}`;
/** More AD users than one page (500) and than slapd's default size limit for non-root binds (500). */
const BULK = 1200;

const adUser = (cn: string, proxyAddresses: readonly string[], uac: number | null, extra: readonly string[] = []): string =>
  adUserIn(`ou=people,${SUFFIX}`, cn, proxyAddresses, uac, extra);

const AD_ENTRIES = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
  adUser('Alice Smith', [
    'SMTP:Alice.Smith@Corp.Example',
    'smtp:asmith@corp.example',
    'sMtP:alice@sales.corp.example',
    'X500:/o=Corp/ou=Exchange Administrative Group/cn=Recipients/cn=alice',
    'SIP:alice@corp.example',
    'x400:c=US;a= ;p=Corp;o=Exchange;s=Smith;g=Alice;',
    'smtp:alice@corp.onmicrosoft.com',
  ], 512),
  adUser('Bob Disabled', ['SMTP:bob@corp.example'], 514),
  adUser('Dave Disabled', ['SMTP:dave@corp.example'], 66050),
  adUser('Carol Normal', ['SMTP:carol@corp.example', 'smtp:carol@corp.onmicrosoft.com'], 66048),
  adUser('Info Shared', ['SMTP:info@corp.example'], 514, ['msExchRecipientTypeDetails: 4']),
  adUser('Room One', ['SMTP:room1@corp.example'], 514, ['msExchRecipientTypeDetails: 16']),
  adUser('Eve Invalid', ['SMTP:eve@corp.example', 'smtp:bad address@corp.example', 'eve-no-prefix@corp.example', 'smtp:@corp.example'], 512),
  adUser('Nomail User', ['X500:/o=Corp/cn=nomail'], 512),
  [
    `dn: cn=All Staff,ou=people,${SUFFIX}`,
    'objectClass: groupOfNames',
    'objectClass: adLiteRecipient',
    'cn: All Staff',
    `member: cn=Alice Smith,ou=people,${SUFFIX}`,
    'proxyAddresses: SMTP:All-Staff@corp.example',
  ].join('\n'),
];

const PLAIN_ENTRIES = [
  `dn: ou=staff,${SUFFIX}\nobjectClass: organizationalUnit\nou: staff`,
  [
    `dn: uid=frank,ou=staff,${SUFFIX}`,
    'objectClass: inetOrgPerson',
    'objectClass: inetLocalMailRecipient',
    'uid: frank',
    'cn: Frank Jones',
    'sn: Jones',
    'mail: Frank.Jones@Plain.Example',
    'mailLocalAddress: f.jones@plain.example',
    'mailLocalAddress: frank@plain.example',
    'mailLocalAddress: @plain.example',
  ].join('\n'),
  [`dn: uid=gina,ou=staff,${SUFFIX}`, 'objectClass: inetOrgPerson', 'uid: gina', 'cn: Gina', 'sn: Gina', 'mail: gina@plain.example', 'mail: gina@elsewhere.example'].join('\n'),
  [`dn: uid=nomail,ou=staff,${SUFFIX}`, 'objectClass: inetOrgPerson', 'uid: nomail', 'cn: No Mail', 'sn: Mail'].join('\n'),
];

const bulkUser = (i: number) => adUser(`Bulk ${i}`, [`SMTP:bulk${i}@corp.example`, `X500:/o=Corp/cn=bulk${i}`], i % 10 === 0 ? 514 : 512);

const EXPECTED_AD = [
  'alice.smith@corp.example',
  'alice@sales.corp.example',
  'all-staff@corp.example',
  'asmith@corp.example',
  'carol@corp.example',
  'eve@corp.example',
  'info@corp.example',
  'room1@corp.example',
];
const EXPECTED_PLAIN = ['@plain.example', 'f.jones@plain.example', 'frank.jones@plain.example', 'frank@plain.example', 'gina@plain.example'];
const EXPECTED_BULK = Array.from({ length: BULK }, (_, i) => i).filter((i) => i % 10 !== 0).map((i) => `bulk${i}@corp.example`);

describe('kind: ldap: Active Directory and plain LDAP directories as sources', function () {
  this.timeout(300_000);
  let corp: Slapd;
  let mx: Slapd;
  let dir: string;
  let ca: TestCa;
  let ldapsPort: number;
  const env = () => ({ MXDIR_BIND_PASSWORD: mx.rootPassword, CORP_READER_PASSWORD: READER_PASSWORD });

  const adSource = (over: Record<string, unknown> = {}) => ({
    kind: 'ldap',
    name: 'corp-ad',
    flavor: 'activedirectory',
    url: corp.url,
    bindDN: READER,
    bindPassword: '${CORP_READER_PASSWORD}',
    base: `ou=people,${SUFFIX}`,
    domains: ['corp.example', 'Sales.Corp.Example'],
    ...over,
  });
  const plainSource = (over: Record<string, unknown> = {}) => ({
    kind: 'ldap',
    name: 'staff',
    flavor: 'plain',
    url: corp.url,
    bindDN: READER,
    bindPasswordFile: join(dir, 'reader-password'),
    base: `ou=staff,${SUFFIX}`,
    alternateAttributes: ['mailLocalAddress'],
    domains: ['plain.example'],
    ...over,
  });
  const ldapTarget = () => ({ url: mx.url, bindDN: mx.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: `ou=mx,${mx.suffix}` });
  const mxdir = async (args: readonly string[], config: Record<string, unknown>) => {
    const file = await writeConfig({ ldap: ldapTarget(), ...config });
    return runMxdir([args[0]!, '-c', file, ...args.slice(1)], { env: env() });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mxdir-ldapsrc-'));
    await writeFile(join(dir, 'reader-password'), `${READER_PASSWORD}\n`);
    ca = await makeTestCa(dir, 'corp-ca');
    const cert = await issueServerCert(dir, 'corp-dc', ca, ['localhost']);
    ldapsPort = await freePort();
    corp = await startSlapd({
      suffix: SUFFIX,
      schemaFiles: [AD_SCHEMA],
      indexes: ['objectClass eq', 'proxyAddresses eq,sub', 'mail eq'],
      extraGlobalConfig: slapdTlsConfig(ca, cert),
      extraListeners: [`ldaps://127.0.0.1:${ldapsPort}/`],
      // A reading account that is not the rootDN: slapd's default size limit (500) applies to it,
      // so reading more than 500 entries works only page by page.
      extraConfig: [
        'access to attrs=userPassword by anonymous auth by * none',
        `access to * by dn.exact="${READER}" read by dn.exact="${LIMITED}" read by * none`,
        // slapd caps even a paged search at the hard size limit unless size.prtotal says otherwise.
        `limits dn.exact="${READER}" size.prtotal=unlimited`,
      ].join('\n'),
    });
    const seeded = await corp.ldapadd(
      [
        `dn: ${READER}\nobjectClass: simpleSecurityObject\nobjectClass: organizationalRole\ncn: mxdir-reader\nuserPassword: ${READER_PASSWORD}`,
        `dn: ${LIMITED}\nobjectClass: simpleSecurityObject\nobjectClass: organizationalRole\ncn: limited-reader\nuserPassword: ${READER_PASSWORD}`,
        ...AD_ENTRIES, ...PLAIN_ENTRIES]
        .join('\n\n') + '\n',
    );
    expect(seeded.code, seeded.stderr).to.equal(0);
    const bulk = await corp.ldapadd(Array.from({ length: BULK }, (_, i) => bulkUser(i)).join('\n\n') + '\n');
    expect(bulk.code, bulk.stderr).to.equal(0);
    mx = await startSlapd();
  });
  after(async () => {
    await corp?.stop();
    await mx?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the reading account cannot read everything in one search: the size limit applies to it', async () => {
    const client = new Client({ url: corp.url });
    await client.bind(READER, READER_PASSWORD);
    try {
      const err = await client.search(`ou=people,${SUFFIX}`, { filter: '(proxyAddresses=*)', attributes: ['proxyAddresses'] }).then(() => null, (e: Error) => e);
      expect(err?.constructor.name).to.equal('SizeLimitExceededError');
    } finally {
      await client.unbind();
    }
  });

  it('publishes exactly the SMTP:/smtp: addresses of enabled AD accounts, groups and shared mailboxes, page by page', async () => {
    const r = await mxdir(['sync'], { source: adSource() });
    expect(r.code, r.stderr).to.equal(0);
    const published = await readPublished(mx, `ou=mx,${mx.suffix}`);
    expect(published.keys).to.deep.equal([...EXPECTED_AD, ...EXPECTED_BULK].sort());
    expect(published.domains).to.deep.equal(['corp.example', 'sales.corp.example']);
  });

  it('reports invalid values with DN, value and reason, and out-of-domain addresses as one line per domain', async () => {
    const r = await mxdir(['sync', '--dry-run'], { source: adSource() });
    expect(r.code, r.stderr).to.equal(0);
    const eve = `cn=Eve Invalid,ou=people,${SUFFIX}`;
    expect(r.stderr).to.include(`skipped ${eve} proxyAddresses "bad address@corp.example": `);
    expect(r.stderr).to.include(`skipped ${eve} proxyAddresses "eve-no-prefix@corp.example": no address type prefix`);
    expect(r.stderr).to.include(`skipped ${eve} proxyAddresses "@corp.example": `);
    expect(r.stderr).to.match(/"corp\.onmicrosoft\.com": 2 addresses \(first: alice@corp\.onmicrosoft\.com \(cn=Alice Smith,ou=people,dc=corp,dc=example\)\) left out: the domain is not in source\.domains/);
    expect(r.stderr, r.stderr).to.not.match(/X500:\/o=|SIP:alice|x400:c=|carol@|bob@|dave@/i);
    expect(r.stderr.trim().split('\n')).to.have.length(4);
  });

  it('records the DN each key came from (mxdirSource) and shows it in the dry run', async () => {
    const entry = await mx.ldapsearch(['-b', `ou=mx,${mx.suffix}`, '(mail=asmith@corp.example)', 'mxdirSource']);
    expect(entry).to.include(`mxdirSource: corp-ad proxyAddresses cn=Alice Smith,ou=people,${SUFFIX}`);
  });

  it('plain LDAP: mail and the alternate attributes, case folded, other domains left out; both directories at once', async () => {
    const r = await mxdir(['sync', '--dry-run'], { sources: [adSource(), plainSource()] });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('+ f.jones@plain.example');
    expect(r.stdout).to.include(`staff mailLocalAddress uid=frank,ou=staff,${SUFFIX}`);
    expect(r.stderr).to.match(/staff: skipped .*"elsewhere\.example": 1 address \(first: gina@elsewhere\.example/);
    const applied = await mxdir(['sync'], { sources: [adSource(), plainSource()] });
    expect(applied.code, applied.stderr).to.equal(0);
    const published = await readPublished(mx, `ou=mx,${mx.suffix}`);
    expect(published.keys).to.deep.equal([...EXPECTED_AD, ...EXPECTED_BULK, ...EXPECTED_PLAIN].sort());
    expect(published.domains).to.deep.equal(['corp.example', 'plain.example', 'sales.corp.example']);
  });

  it('a disabled account is unpublished on the next sync; the per-source next hop lands on its domains', async () => {
    const mod = await corp.ldapmodify(`dn: cn=Carol Normal,ou=people,${SUFFIX}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 66050\n`);
    expect(mod.code, mod.stderr).to.equal(0);
    const r = await mxdir(['sync'], { sources: [adSource({ transport: 'smtp:[exchange.corp.example]:25' }), plainSource()] });
    expect(r.code, r.stderr).to.equal(0);
    const published = await readPublished(mx, `ou=mx,${mx.suffix}`);
    expect(published.keys).to.not.include('carol@corp.example');
    expect(published.keys).to.include('alice.smith@corp.example');
    const domain = await mx.ldapsearch(['-b', `ou=mx,${mx.suffix}`, '(associatedDomain=corp.example)', 'mxdirTransport']);
    expect(domain).to.include('mxdirTransport: smtp:[exchange.corp.example]:25');
    const plain = await mx.ldapsearch(['-b', `ou=mx,${mx.suffix}`, '(associatedDomain=plain.example)', 'mxdirTransport']);
    expect(plain).to.not.include('mxdirTransport');
  });

  it('ldaps:// and StartTLS with the CA verify; without the CA one line names the source and caFile', async () => {
    const ldaps = await mxdir(['sync', '--check'], { sources: [adSource({ url: `ldaps://localhost:${ldapsPort}`, caFile: ca.certFile, transport: 'smtp:[exchange.corp.example]:25' }), plainSource()] });
    expect(ldaps.code, ldaps.stderr + ldaps.stdout).to.equal(0);
    const startTls = await mxdir(['sync', '--check'], { sources: [adSource({ url: `ldap://localhost:${corp.port}`, startTLS: true, caFile: ca.certFile, transport: 'smtp:[exchange.corp.example]:25' }), plainSource()] });
    expect(startTls.code, startTls.stderr + startTls.stdout).to.equal(0);
    const noCa = await mxdir(['sync', '--check'], { sources: [adSource({ url: `ldaps://localhost:${ldapsPort}` }), plainSource()] });
    expect(noCa.code).to.equal(1);
    expect(noCa.stderr.trim().split('\n')).to.have.length(1);
    expect(noCa.stderr).to.match(/^mxdir: source corp-ad: .*not signed by a trusted CA.*check sources\[0\]\.caFile/);
  });

  it('an account the server caps below the directory size fails with one line that says what to change', async () => {
    const r = await mxdir(['sync', '--dry-run'], { source: adSource({ bindDN: LIMITED }) });
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^mxdir: source corp-ad: search ou=people,dc=corp,dc=example on .*: size limit exceeded \(.*size\.prtotal.*\)$/m);
  });

  it('a wrong password, a missing base and a bad filter fail with one line each, never showing the password', async () => {
    const bad = await mxdir(['sync', '--dry-run'], { source: adSource({ bindPassword: 'wrong-password-123' }) });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/^mxdir: source corp-ad: bind as cn=mxdir-reader,dc=corp,dc=example to ldap:\/\/127\.0\.0\.1:\d+: invalid credentials \(check source\.bindDN and source\.bindPassword\)\n$/);
    expect(bad.stderr).to.not.include('wrong-password-123');
    const nobase = await mxdir(['sync', '--dry-run'], { source: adSource({ base: `ou=nosuch,${SUFFIX}` }) });
    expect(nobase.code).to.equal(1);
    expect(nobase.stderr).to.match(/^mxdir: source corp-ad: source\.base ou=nosuch,dc=corp,dc=example does not exist on ldap:\/\/127\.0\.0\.1:\d+\n$/);
    const filter = await mxdir(['sync', '--dry-run'], { source: adSource({ filter: '(proxyAddresses=*' }) });
    expect(filter.code).to.equal(1);
    expect(filter.stderr).to.match(/source\.filter: "\(proxyAddresses=\*" is not an LDAP filter/);
    const mixed = await mxdir(['sync', '--dry-run'], { source: adSource({ mailAttribute: 'mail' }) });
    expect(mixed.stderr).to.match(/source\.mailAttribute: only with flavor: plain/);
    expect(`${bad.stdout}${bad.stderr}${nobase.stderr}${filter.stderr}`).to.not.include(READER_PASSWORD);
  });
});
