// The shipped ACL example (schema/acl.conf and its cn=config form schema/acl.ldif), loaded as it is
// (only the DNs replaced) into a real slapd, and checked from each party's side: the publisher
// syncs and can write nothing outside the base, the Postfix lookup account reads only the lookup
// attributes, anonymous reads nothing; Postfix finds keys with the lookup account, none without.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { postmapQuery } from './harness/postfix.js';
import { run, startSlapd, type Slapd } from './harness/slapd.js';
import { REPO_ROOT, runMxdir, writeConfig } from './run-mxdir.js';

const SUFFIX = 'dc=acl,dc=test';
const BASE = `ou=mx,${SUFFIX}`;
const PUBLISHER = `cn=mxdir,${SUFFIX}`;
const LOOKUP = `cn=postfix,${SUFFIX}`;
const PUBLISHER_PW = 'Publisher-Pw-4711';
const LOOKUP_PW = 'Lookup-Pw-0815';
// More than slapd's default size limit (500), so the publisher's `limits` line matters.
const MAILBOXES = Array.from({ length: 600 }, (_, i) => ({ username: `user${i}@example.com` }));

/** A shipped file with the example DNs replaced by this test's. */
async function shipped(name: string): Promise<string> {
  return (await readFile(join(REPO_ROOT, 'schema', name), 'utf8')).replaceAll('dc=example,dc=org', SUFFIX);
}

/** acl.conf split into its global and database sections (at its `=== ... ===` markers). */
async function aclConf(): Promise<{ global: string; database: string }> {
  const text = await shipped('acl.conf');
  const global = text.indexOf('# === global section');
  const database = text.indexOf('# === database section');
  expect(global, 'acl.conf: global section marker').to.be.greaterThan(0);
  expect(database, 'acl.conf: database section marker').to.be.greaterThan(global);
  return { global: text.slice(global, database), database: text.slice(database) };
}

const FORMS: Record<string, () => Promise<Slapd>> = {
  'schema/acl.conf in slapd.conf': async () => {
    const acl = await aclConf();
    return startSlapd({ suffix: SUFFIX, extraGlobalConfig: acl.global, extraConfig: acl.database });
  },
  'schema/acl.ldif in cn=config': async () => {
    const slapd = await startSlapd({ suffix: SUFFIX, cnConfig: true });
    const r = await slapd.configModify(await shipped('acl.ldif'));
    expect(r.code, `ldapmodify acl.ldif: ${r.stderr}`).to.equal(0);
    return slapd;
  },
};

for (const [form, start] of Object.entries(FORMS)) {
  describe(`acl: ${form}`, function () {
    this.timeout(180_000);
    let slapd: Slapd;
    let db: TestDb;
    let dir: string;
    let config: string;

    /** ldapsearch as `who` (a DN, or null for anonymous); never throws, returns the LDIF. */
    const searchAs = async (who: string | null, args: readonly string[]) => {
      const bind = who ? ['-D', who, '-w', who === PUBLISHER ? PUBLISHER_PW : LOOKUP_PW] : [];
      return run('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', slapd.url, ...bind, ...args]);
    };
    const modifyAs = (who: string, ldif: string, add = false) =>
      run('ldapmodify', ['-x', ...(add ? ['-a'] : []), '-H', slapd.url, '-D', who, '-w', who === PUBLISHER ? PUBLISHER_PW : LOOKUP_PW], ldif);

    before(async () => {
      slapd = await start();
      const accounts = [
        [PUBLISHER, PUBLISHER_PW],
        [LOOKUP, LOOKUP_PW],
      ].map(([dn, pw]) => `dn: ${dn}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: ${/^cn=([^,]+)/.exec(dn!)![1]}\nuserPassword: ${pw}\n`);
      const people = `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\ndn: uid=jdoe,ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: jdoe\ncn: J Doe\nsn: Doe\nmail: jdoe@example.com\n`;
      const seeded = await slapd.ldapadd([...accounts, people].join('\n'));
      expect(seeded.code, seeded.stderr).to.equal(0);
      db = await createPostfixAdminDb('sqlite', {
        domains: [{ domain: 'example.com', transport: 'smtp:[mailstore.example.com]:25' }],
        mailboxes: MAILBOXES,
        aliases: [],
        aliasDomains: [],
      });
      dir = await mkdtemp(join(tmpdir(), 'mxdir-acl-'));
      await writeFile(join(dir, 'lookup-pw'), `${LOOKUP_PW}\n`);
      config = await writeConfig(
        {
          source: { kind: 'postfixadmin', url: db.url },
          ldap: { url: slapd.url, bindDN: PUBLISHER, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: BASE },
          postfix: { bindDN: LOOKUP, bindPasswordFile: 'lookup-pw' },
        },
        dir,
      );
    });
    after(async () => {
      await slapd?.stop();
      await db?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const env = { MXDIR_BIND_PASSWORD: PUBLISHER_PW };

    it('the publisher syncs: creates the base under its parent, publishes every address, then --check is clean', async () => {
      const r = await runMxdir(['sync', '-c', config], { env });
      expect(r.code, r.stderr).to.equal(0);
      const count = (await slapd.ldapsearch(['-b', BASE, '(objectClass=mxdirRecipient)', '1.1'])).match(/^dn: /gm)?.length;
      expect(count).to.equal(MAILBOXES.length);
      // Reading 600+ entries back as the publisher passes slapd's default size limit of 500.
      const check = await runMxdir(['sync', '-c', config, '--check'], { env });
      expect(check.code, check.stderr + check.stdout).to.equal(0);
    });

    it('the publisher can add, modify or delete nothing outside the base DN, nor read it', async () => {
      const add = await modifyAs(PUBLISHER, `dn: ou=evil,${SUFFIX}\nobjectClass: organizationalUnit\nou: evil\n`, true);
      expect(add.code, add.stderr).to.equal(50); // insufficientAccessRights
      const modify = await modifyAs(PUBLISHER, `dn: uid=jdoe,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: evil@example.com\n`);
      expect(modify.code, modify.stderr).to.equal(50);
      const suffix = await modifyAs(PUBLISHER, `dn: ${SUFFIX}\nchangetype: modify\nreplace: o\no: evil\n`);
      expect(suffix.code, suffix.stderr).to.equal(50);
      const del = await modifyAs(PUBLISHER, `dn: uid=jdoe,ou=people,${SUFFIX}\nchangetype: delete\n`);
      expect(del.code, del.stderr).to.equal(50);
      const read = await searchAs(PUBLISHER, ['-b', `ou=people,${SUFFIX}`, '(objectClass=*)']);
      expect(read.stdout).to.not.include('jdoe');
      expect(await slapd.ldapsearch(['-b', `uid=jdoe,ou=people,${SUFFIX}`, '-s', 'base', 'mail'])).to.include('mail: jdoe@example.com');
    });

    it('the lookup account reads mail and associatedDomain under the base, not mxdirSource or mxdirManagedBy, and writes nothing', async () => {
      const r = await searchAs(LOOKUP, ['-b', BASE, '(mail=user7@example.com)', 'mail', 'associatedDomain', 'mxdirSource', 'mxdirManagedBy']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include('mail: user7@example.com');
      expect(r.stdout).to.not.match(/mxdirSource|mxdirManagedBy/i);
      const d = await searchAs(LOOKUP, ['-b', BASE, '(associatedDomain=example.com)', 'associatedDomain', 'mxdirManagedBy']);
      expect(d.stdout).to.include('associatedDomain: example.com').and.not.include('mxdirManagedBy');
      // The rootdn sees that the attributes are there: the ACL hides them, they are not missing.
      expect(await slapd.ldapsearch(['-b', BASE, '(mail=user7@example.com)', 'mxdirManagedBy'])).to.include('mxdirManagedBy: mxdir');
      // Filtering on a hidden attribute finds nothing.
      const byMarker = await searchAs(LOOKUP, ['-b', BASE, '(mxdirManagedBy=mxdir)', '1.1']);
      expect(byMarker.stdout).to.equal('');
      const write = await modifyAs(LOOKUP, `dn: mail=user7@example.com,associatedDomain=example.com,${BASE}\nchangetype: delete\n`);
      expect(write.code, write.stderr).to.equal(50);
      const people = await searchAs(LOOKUP, ['-b', SUFFIX, '(uid=jdoe)']);
      expect(people.stdout).to.equal('');
    });

    it('anonymous reads nothing in the database (the root DSE stays readable, as clients need)', async () => {
      for (const base of [SUFFIX, BASE, `ou=people,${SUFFIX}`]) {
        const r = await searchAs(null, ['-b', base, '(objectClass=*)']);
        expect(r.stdout, base).to.equal('');
      }
      const dse = await searchAs(null, ['-b', '', '-s', 'base', 'namingContexts', 'supportedExtension']);
      expect(dse.stdout).to.include(`namingContexts: ${SUFFIX}`).and.include('supportedExtension: ');
      const pw = await searchAs(PUBLISHER, ['-b', PUBLISHER, '-s', 'base', 'userPassword']);
      expect(pw.stdout).to.not.include('userPassword');
    });

    it('Postfix finds a published key with the lookup account; with bind = no its lookups fail (451, mail deferred)', async () => {
      const withAccount = join(dir, 'with-account');
      expect((await runMxdir(['postfix', '-c', config, '--out', withAccount], { env })).code).to.equal(0);
      const cf = join(withAccount, 'ldap-relay-recipients.cf');
      expect(await readFile(cf, 'utf8')).to.include(`bind_dn = ${LOOKUP}\n`);
      const found = await postmapQuery(cf, ['user7@example.com', 'nobody@example.com']);
      expect(found.get('user7@example.com')).to.equal('user7@example.com');
      expect(found.get('nobody@example.com')).to.equal(null);
      const domains = await postmapQuery(join(withAccount, 'ldap-relay-domains.cf'), ['example.com']);
      expect(domains.get('example.com')).to.equal('example.com');
      // transport_maps reads mxdirTransport, one of the lookup attributes.
      const transport = await postmapQuery(join(withAccount, 'ldap-transport.cf'), ['example.com']);
      expect(transport.get('example.com')).to.equal('smtp:[mailstore.example.com]:25');

      const anonymous = join(dir, 'anonymous.cf');
      await writeFile(anonymous, (await readFile(cf, 'utf8')).replace(/^bind = yes\n(bind_dn|bind_pw) = .*\n(bind_dn|bind_pw) = .*\n/m, 'bind = no\n'));
      expect(await readFile(anonymous, 'utf8')).to.include('bind = no\n').and.not.include('bind_pw');
      // Anonymous cannot even see the search base: Postfix reports a lookup error (smtpd answers 451,
      // the sender retries) rather than "not found" (550) or an answer.
      const failure = await postmapQuery(anonymous, ['user7@example.com']).then((a) => `answered ${JSON.stringify([...a])}`, (err: Error) => err.message);
      expect(failure).to.match(/postmap lookup error: .*Search base 'ou=mx,dc=acl,dc=test' not found/);
    });
  });
}
