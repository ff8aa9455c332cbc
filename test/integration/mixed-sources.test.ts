// The mixed configuration the issue asks for: a PostfixAdmin database (SQLite), a corporate directory
// (Active Directory-shaped entries in a second slapd) and a hand-kept relay_recipients file, all in one
// config. mxdir publishes the union; every entry's mxdirSource names its source and the row, DN or
// line it came from, the dry run shows the same, and Postfix finds a key of each source.
import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AD_SCHEMA, adUser } from '../fixtures/corporate-directory.js';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { postmapQuery, startSmtpd } from './harness/postfix.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished, withRootClient } from './ldap-state.js';
import { runMxdir, writeConfig } from './run-mxdir.js';

const CORP = 'dc=corp,dc=example';
const PEOPLE = `ou=people,${CORP}`;

describe('mixed sources: PostfixAdmin + Active Directory + relay_recipients file', function () {
  this.timeout(180_000);
  let mx: Slapd;
  let corp: Slapd;
  let pfa: TestDb;
  let dir: string;
  let file: string;
  let env: NodeJS.ProcessEnv;
  let relayFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mxdir-mixed-'));
    mx = await startSlapd();
    corp = await startSlapd({ suffix: CORP, schemaFiles: [AD_SCHEMA], indexes: ['objectClass eq', 'proxyAddresses eq'] });
    const seeded = await corp.ldapadd(
      [
        `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people`,
        // alice is in PostfixAdmin too: one entry, both origins.
        adUser(PEOPLE, 'Alice Smith', ['SMTP:Alice@Example.com', 'smtp:a.smith@corp.example', 'X500:/o=Corp/cn=alice'], 512),
        adUser(PEOPLE, 'Bob Left', ['SMTP:bob@corp.example'], 514),
        adUser(PEOPLE, 'Carol', ['SMTP:carol@corp.example'], 512),
      ].join('\n\n') + '\n',
    );
    expect(seeded.code, seeded.stderr).to.equal(0);
    pfa = await createPostfixAdminDb('sqlite', {
      domains: [{ domain: 'example.com', transport: 'virtual' }],
      mailboxes: [{ username: 'alice@example.com' }, { username: 'dan@example.com' }],
      aliases: [{ address: 'sales@example.com', goto: 'dan@example.com' }],
      aliasDomains: [],
    });
    relayFile = join(dir, 'relay_recipients');
    await writeFile(relayFile, '# legacy gateway, kept by hand\nerin@legacy.example   OK\n\n@catchall.legacy.example OK\ncarol@corp.example OK\n');
    env = { MXDIR_BIND_PASSWORD: mx.rootPassword, CORP_PASSWORD: corp.rootPassword };
    file = await writeConfig(
      {
        sources: [
          { kind: 'postfixadmin', name: 'postfixadmin', url: pfa.url },
          {
            kind: 'ldap',
            name: 'corp-ad',
            flavor: 'activedirectory',
            url: corp.url,
            bindDN: corp.rootDN,
            bindPassword: '${CORP_PASSWORD}',
            base: PEOPLE,
            domains: ['corp.example', 'example.com'],
          },
          { kind: 'file', name: 'legacy', path: relayFile },
        ],
        ldap: { url: mx.url, bindDN: mx.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: `ou=mx,${mx.suffix}` },
      },
      dir,
    );
  });
  after(async () => {
    await mx?.stop();
    await corp?.stop();
    await pfa?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the dry run shows each added key with the source row, DN or line it comes from', async () => {
    const r = await runMxdir(['sync', '-c', file, '--dry-run'], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`+ alice@example.com  (corp-ad proxyAddresses cn=Alice Smith,${PEOPLE}; postfixadmin mailbox alice@example.com)`);
    expect(r.stdout).to.include(`+ a.smith@corp.example  (corp-ad proxyAddresses cn=Alice Smith,${PEOPLE})`);
    expect(r.stdout).to.include(`+ carol@corp.example  (corp-ad proxyAddresses cn=Carol,${PEOPLE}; legacy line 5)`);
    expect(r.stdout).to.include('+ sales@example.com  (postfixadmin alias sales@example.com)');
    expect(r.stdout).to.include('+ erin@legacy.example  (legacy line 2)');
    expect(r.stdout).to.include('+ @catchall.legacy.example  (legacy line 4)');
    expect(r.stdout).to.not.include('bob@corp.example');
  });

  it('publishes the union; mxdirSource names every origin', async () => {
    const r = await runMxdir(['sync', '-c', file], { env });
    expect(r.code, r.stderr).to.equal(0);
    const published = await readPublished(mx, `ou=mx,${mx.suffix}`);
    expect(published.domains).to.deep.equal(['catchall.legacy.example', 'corp.example', 'example.com', 'legacy.example']);
    expect(published.keys).to.deep.equal([
      '@catchall.legacy.example',
      'a.smith@corp.example',
      'alice@example.com',
      'carol@corp.example',
      'dan@example.com',
      'erin@legacy.example',
      'sales@example.com',
    ]);
    const sourcesOf = (key: string) =>
      withRootClient(mx, async (c) => {
        const { searchEntries } = await c.search(`ou=mx,${mx.suffix}`, { filter: `(mail=${key})`, attributes: ['mxdirSource'] });
        return [searchEntries[0]?.['mxdirSource'] ?? []].flat().map(String).sort();
      });
    expect(await sourcesOf('alice@example.com')).to.deep.equal([`corp-ad proxyAddresses cn=Alice Smith,${PEOPLE}`, 'postfixadmin mailbox alice@example.com']);
    expect(await sourcesOf('carol@corp.example')).to.deep.equal([`corp-ad proxyAddresses cn=Carol,${PEOPLE}`, 'legacy line 5']);
    expect(await sourcesOf('erin@legacy.example')).to.deep.equal(['legacy line 2']);
    expect((await runMxdir(['sync', '-c', file, '--check'], { env })).code).to.equal(0);
  });

  it('Postfix (postmap and a real smtpd) accepts a key of each source through the generated query configs', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mxdir-mixed-cf-'));
    await chmod(out, 0o755);
    const gen = await runMxdir(['postfix', '-c', file, '--out', out], { env });
    expect(gen.code, gen.stderr).to.equal(0);
    const keys = ['dan@example.com', 'a.smith@corp.example', 'erin@legacy.example', '@catchall.legacy.example', 'bob@corp.example'];
    const answers = await postmapQuery(join(out, 'ldap-relay-recipients.cf'), keys);
    expect(Object.fromEntries(answers)).to.deep.equal({
      'dan@example.com': 'dan@example.com',
      'a.smith@corp.example': 'a.smith@corp.example',
      'erin@legacy.example': 'erin@legacy.example',
      '@catchall.legacy.example': '@catchall.legacy.example',
      'bob@corp.example': null,
    });
    // And a real smtpd answers RCPT TO for each source's keys; the disabled AD account is unknown.
    const smtpd = await startSmtpd({
      relayDomains: `proxy:ldap:${join(out, 'ldap-relay-domains.cf')}`,
      relayRecipientMaps: `proxy:ldap:${join(out, 'ldap-relay-recipients.cf')}`,
    });
    try {
      const replies = await smtpd.rcptMany(['sales@example.com', 'A.Smith@corp.example', 'erin@legacy.example', 'anyone@catchall.legacy.example', 'bob@corp.example']);
      const codes = Object.fromEntries([...replies].map(([k, v]) => [k, v.code]));
      expect(codes, smtpd.log()).to.deep.equal({
        'sales@example.com': 250,
        'A.Smith@corp.example': 250,
        'erin@legacy.example': 250,
        'anyone@catchall.legacy.example': 250,
        'bob@corp.example': 550,
      });
    } finally {
      await smtpd.stop();
      await rm(out, { recursive: true, force: true });
    }
  });
});
