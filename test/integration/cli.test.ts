// The command line as a user meets it: help, one-line errors with exit codes, no stack traces, no
// secrets in any output, the configuration found without -c, and the Postfix files with a password.
import { expect } from 'chai';
import { mkdtemp, stat, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { EDGE_DATASET } from '../fixtures/edge-cases.js';
import { postmapQuery } from './harness/postfix.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';

const noStack = (text: string) => expect(text).to.not.match(/\n\s+at .*\(.*:\d+:\d+\)/);

describe('cli', function () {
  this.timeout(60_000);
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

  for (const args of [['--help'], ['sync', '--help'], ['postfix', '--help']]) {
    it(`mxdir ${args.join(' ')} prints usage and exits 0`, async () => {
      const r = await runMxdir(args);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^Usage: mxdir/);
    });
  }

  it('an unknown option is a one-line error, exit 1', async () => {
    const r = await runMxdir(['sync', '--frobnicate']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/unknown option '--frobnicate'/);
  });

  it('a missing config file: one line naming it, exit 1, no stack trace', async () => {
    const r = await runMxdir(['sync', '-c', '/nonexistent/mxdir.yaml']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('mxdir: config file /nonexistent/mxdir.yaml: not found or not readable\n');
  });

  it('finds mxdir.yaml in the working directory when -c is omitted', async () => {
    const file = await writeConfig(configFor(db.url, slapd));
    const r = await runMxdir(['sync', '--check'], { cwd: join(file, '..'), env: { MXDIR_BIND_PASSWORD: slapd.rootPassword } });
    expect(r.code, r.stderr).to.equal(2);
  });

  it('config problems: every one on its own line with file and key, exit 1', async () => {
    const file = await writeConfig({ source: { kind: 'postfixadmin' }, ldap: { url: 'ldap://x', bindDn: 'cn=x', baseDN: 'ou=mx' } });
    const r = await runMxdir(['sync', '-c', file]);
    expect(r.code).to.equal(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).to.include(`mxdir: ${file}: source.url: required`);
    expect(lines).to.include(`mxdir: ${file}: ldap.bindDn: unknown key (did you mean bindDN?)`);
    noStack(r.stderr);
  });

  it('a wrong bind password: one line with the fix, the password never shown', async () => {
    const file = await writeConfig(configFor(db.url, slapd));
    const wrong = 'Wr0ng-S3cret-Pw';
    const r = await runMxdir(['sync', '-c', file, '--verbose'], { env: { MXDIR_BIND_PASSWORD: wrong } });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(new RegExp(`mxdir: bind as ${slapd.rootDN} to ${slapd.url}: invalid credentials \\(check ldap.bindDN and ldap.bindPassword\\)`));
    expect(r.stdout + r.stderr).to.not.include(wrong);
  });

  it('an unreachable server and an unreachable database: one line each, exit 1', async () => {
    const deadLdap = await writeConfig({ ...configFor(db.url, slapd), ldap: { ...configFor(db.url, slapd).ldap, url: 'ldap://127.0.0.1:1' } });
    const r1 = await runMxdir(['sync', '-c', deadLdap], { env: { MXDIR_BIND_PASSWORD: 'x' } });
    expect(r1.code).to.equal(1);
    expect(r1.stderr).to.match(/mxdir: bind as .* to ldap:\/\/127.0.0.1:1: connection refused\n$/);
    const deadDb = await writeConfig(configFor('postgres://mxdir:Db-S3cret@127.0.0.1:1/postfix', slapd));
    const r2 = await runMxdir(['sync', '-c', deadDb], { env: { MXDIR_BIND_PASSWORD: slapd.rootPassword } });
    expect(r2.code).to.equal(1);
    // Retried first (warnings), then one error line.
    expect(r2.stderr).to.match(/^mxdir: connect to postgres:\/\/mxdir:\*\*\*@127.0.0.1:1\/postfix: .*ECONNREFUSED/m);
    expect(r2.stderr).to.not.include('Db-S3cret');
    noStack(r1.stderr + r2.stderr);
  });

  it('a server without the mxdir schema: says which file to load', async () => {
    const bare = await startSlapd({ schemaFiles: [], indexes: ['objectClass eq'] });
    try {
      const file = await writeConfig(configFor(db.url, bare));
      const r = await runMxdir(['sync', '-c', file], { env: { MXDIR_BIND_PASSWORD: bare.rootPassword } });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/does not know the mxdir schema .*load schema\/mxdir.schema \(slapd.conf\) or schema\/mxdir.ldif \(cn=config\)/);
    } finally {
      await bare.stop();
    }
  });

  it('a base DN whose parent does not exist: one line', async () => {
    const file = await writeConfig({ ...configFor(db.url, slapd), ldap: { ...configFor(db.url, slapd).ldap, baseDN: 'ou=mx,dc=nowhere,dc=org' } });
    const r = await runMxdir(['sync', '-c', file], { env: { MXDIR_BIND_PASSWORD: slapd.rootPassword } });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^mxdir: ldap.baseDN: ou=mx,dc=nowhere,dc=org does not exist and neither does its parent dc=nowhere,dc=org \(the server holds dc=example,dc=org\)/m);
    noStack(r.stderr);
  });

  it('postfix: with a lookup account the files are 0640, hold the password, and postmap binds with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-cli-'));
    await writeFile(join(dir, 'postfix-pw'), `${slapd.rootPassword}\n`);
    const file = await writeConfig(
      configFor(db.url, slapd, { postfix: { bindDN: slapd.rootDN, bindPasswordFile: 'postfix-pw', servers: ['ldap://127.0.0.1:1', slapd.url] } }),
      dir,
    );
    const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    expect((await runMxdir(['sync', '-c', file], { env })).code).to.equal(0);
    const r = await runMxdir(['postfix', '-c', file, '--out', join(dir, 'out')], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout + r.stderr).to.not.include(slapd.rootPassword);
    for (const name of ['ldap-relay-recipients.cf', 'ldap-relay-domains.cf']) {
      const path = join(dir, 'out', name);
      expect((await stat(path)).mode & 0o777, name).to.equal(0o640);
      expect(await readFile(path, 'utf8')).to.include(`bind_pw = ${slapd.rootPassword}\n`).and.include(`server_host = ldap://127.0.0.1:1 ${slapd.url}\n`);
    }
    // The first server is down: Postfix falls through to the second, in order.
    const answers = await postmapQuery(join(dir, 'out', 'ldap-relay-recipients.cf'), ['alice@example.com', 'nobody@example.com']);
    expect(answers.get('alice@example.com')).to.equal('alice@example.com');
    expect(answers.get('nobody@example.com')).to.equal(null);
  });
});
