// mxdir verify against a real slapd, through the real postmap and over LDAP: a correct tree passes,
// a broken one (an entry deleted by hand, an extra key, a second entry holding a published key)
// fails with a summary naming each problem, --sample N looks up N, every configured server is
// checked, and a server that is down is an error.
import { expect } from 'chai';
import { bulkDataset } from '../fixtures/bulk-dataset.js';
import { EDGE_DATASET, EXPECTED_DOMAINS, EXPECTED_KEYS } from '../fixtures/edge-cases.js';
import { createPostfixAdminDb, execSql, type TestDb } from '../fixtures/postfixadmin-db.js';
import { freePort } from './harness/ports.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';

const VERIFY_FAILED = 6;

describe('verify: lookups as an MX makes them, compared with the admin database', function () {
  this.timeout(180_000);
  // More than slapd's default size limit of 500 for anonymous listing: the fallback is exercised.
  const data = bulkDataset(800, 10);
  let slapd: Slapd;
  let db: TestDb;
  let config: string;
  let env: NodeJS.ProcessEnv;
  let base: string;

  before(async () => {
    slapd = await startSlapd();
    db = await createPostfixAdminDb('sqlite', data);
    // One domain with a next hop: transport_maps must answer it, and nothing for the others.
    await execSql('sqlite', db.url, [`UPDATE domain SET transport = 'smtp:[mx5.example]' WHERE domain = 'd005.example'`]);
    env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    base = `ou=mx,${slapd.suffix}`;
    config = await writeConfig(configFor(db.url, slapd));
    const sync = await runMxdir(['sync', '-c', config], { env });
    expect(sync.code, sync.stderr).to.equal(0);
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
  });

  for (const via of ['postmap', 'ldap'] as const) {
    it(`a correct tree passes (--via ${via}): every address and domain, and random keys that must not exist`, async () => {
      const r = await runMxdir(['verify', '-c', config, '--via', via], { env });
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`${slapd.url} (via ${via}): checked 850 keys (800 of 800 addresses, 10 of 10 domains, 30 that must not exist): OK\n`);
      expect(r.stderr).to.include('verify: all 1 servers answer as the admin database says');
      // Anonymous listing stops at slapd's default size limit (500): mxdir's own account lists them.
      expect(r.stderr).to.include(`${slapd.url}: the lookup account stops at a size limit; listing the keys as ${slapd.rootDN} instead`);
    });
  }

  it('--sample N looks up N published addresses and N domains', async () => {
    const r = await runMxdir(['verify', '-c', config, '--sample', '7'], { env });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('checked 51 keys (7 of 800 addresses, 7 of 10 domains, 30 that must not exist): OK');
    const bad = await runMxdir(['verify', '-c', config, '--sample', '0'], { env });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('"0" is not a positive whole number');
  });

  it('checks every server in postfix.servers; one that is down is an error (exit 1)', async () => {
    const dead = `ldap://127.0.0.1:${await freePort()}`;
    const two = await writeConfig(configFor(db.url, slapd, { postfix: { servers: [slapd.ldapiUrl, slapd.url] } }));
    const ok = await runMxdir(['verify', '-c', two], { env });
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).to.deep.equal([slapd.ldapiUrl, slapd.url]);
    const withDead = await writeConfig(configFor(db.url, slapd, { postfix: { servers: [slapd.url, dead] } }));
    const r = await runMxdir(['verify', '-c', withDead], { env });
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.include(`${slapd.url} (via postmap): checked 850 keys`);
    expect(r.stdout).to.match(new RegExp(`${dead} \\(via postmap\\): ERROR: .*connection refused`));
    expect(r.stderr).to.include('1 of 2 servers failed (0 with mismatches, 1 with errors)');
  });

  it('a broken tree fails (exit 6): a missing entry, an unexpected key, a duplicate key', async () => {
    const missing = 'user0@d001.example';
    const dup = 'user5@d006.example';
    const r1 = await slapd.ldapmodify(
      [
        `dn: mail=${missing},associatedDomain=d001.example,${base}`,
        'changetype: delete',
        '',
        `dn: mail=extra@d002.example,associatedDomain=d002.example,${base}`,
        'changetype: add',
        'objectClass: mxdirRecipient',
        'mail: extra@d002.example',
        '',
        // A hand-made second entry for a published key, under another domain.
        `dn: mail=${dup},associatedDomain=d003.example,${base}`,
        'changetype: add',
        'objectClass: mxdirRecipient',
        'mail: ' + dup,
        '',
        `dn: associatedDomain=d005.example,${base}`,
        'changetype: modify',
        'replace: mxdirTransport',
        'mxdirTransport: smtp:[old-mx.example]',
        '',
        `dn: associatedDomain=stale.example,${base}`,
        'changetype: add',
        'objectClass: mxdirRelayDomain',
        'associatedDomain: stale.example',
        '',
      ].join('\n'),
    );
    expect(r1.code, r1.stderr).to.equal(0);
    for (const via of ['postmap', 'ldap']) {
      const r = await runMxdir(['verify', '-c', config, '--via', via], { env });
      expect(r.code, r.stdout + r.stderr).to.equal(VERIFY_FAILED);
      // The listed extras (an address, a domain) are looked up too: 2 more keys than before.
      expect(r.stdout).to.include(`${slapd.url} (via ${via}): checked 852 keys (800 of 800 addresses, 10 of 10 domains, 32 that must not exist): FAILED: 1 missing, 2 unexpected, 1 wrong values, 1 duplicates`);
      expect(r.stdout).to.include(`  wrong      transport_maps       d005.example: the lookup answers "smtp:[old-mx.example]", the admin database says "smtp:[mx5.example]"`);
      expect(r.stdout).to.include(`  missing    relay_recipient_maps ${missing}: published, but the lookup finds nothing`);
      expect(r.stdout).to.include(`  unexpected relay_recipient_maps extra@d002.example: not published by the admin database, but the lookup answers "extra@d002.example"`);
      expect(r.stdout).to.include(`  unexpected relay_domains        stale.example: not published by the admin database`);
      expect(r.stdout).to.match(new RegExp(`  duplicate  relay_recipient_maps ${dup}: the lookup returns 2 values|  duplicate  relay_recipient_maps ${dup}: 2 entries hold this key`));
      expect(r.stderr).to.include('1 of 1 servers failed (1 with mismatches, 0 with errors)');
    }
  });

  it('a duplicate is found by counting entries even when it is not sampled', async () => {
    const r = await runMxdir(['verify', '-c', config, '--sample', '1'], { env });
    expect(r.code).to.equal(VERIFY_FAILED);
    expect(r.stdout).to.include('  duplicate  relay_recipient_maps user5@d006.example');
    expect(r.stdout).to.include('extra@d002.example');
  });
});

describe('verify: the edge cases (RFC 4514/4515 specials, catch-all, IDN, alias domains)', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let db: TestDb;

  before(async () => {
    slapd = await startSlapd();
    db = await createPostfixAdminDb('sqlite', EDGE_DATASET);
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
  });

  it('passes through postmap and over LDAP: every special key is found, escaped as Postfix escapes it', async () => {
    const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    const config = await writeConfig(configFor(db.url, slapd));
    const sync = await runMxdir(['sync', '-c', config], { env });
    expect(sync.code, sync.stderr).to.equal(0);
    for (const via of ['postmap', 'ldap']) {
      const r = await runMxdir(['verify', '-c', config, '--via', via], { env });
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include(`(${EXPECTED_KEYS.length} of ${EXPECTED_KEYS.length} addresses, ${EXPECTED_DOMAINS.length} of ${EXPECTED_DOMAINS.length} domains, 30 that must not exist): OK`);
    }
  });
});
