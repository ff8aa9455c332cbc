// Each way a deployment is commonly misconfigured ends in exactly one line on stderr that says what
// is wrong, where, and how to fix it; exit 1; no stack trace; nothing on stdout.
import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { configFor, runMxdir, writeConfig, type RunResult } from './run-mxdir.js';

/** Exit 1, one line `mxdir: ...` matching `pattern`, no stack trace (`    at ...`), empty stdout. */
function expectOneLine(r: RunResult, pattern: RegExp): void {
  expect(r.code, r.stderr).to.equal(1);
  expect(r.stdout).to.equal('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^mxdir: /).and.match(pattern);
  expect(r.stderr).to.not.match(/^\s+at /m);
}

describe('config errors: one line each (what, where, how to fix), exit 1, no stack trace', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let db: TestDb;
  let dir: string;
  before(async () => {
    slapd = await startSlapd();
    db = await createPostfixAdminDb('sqlite', { domains: [{ domain: 'example.com' }], mailboxes: [{ username: 'alice@example.com' }], aliases: [], aliasDomains: [] });
    dir = await mkdtemp(join(tmpdir(), 'mxdir-config-errors-'));
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ MXDIR_BIND_PASSWORD: slapd.rootPassword });
  const withLdap = (ldap: Record<string, unknown>) => ({ ...configFor(db.url, slapd), ldap: { ...configFor(db.url, slapd).ldap, ...ldap } });

  it('malformed YAML: the file, line and column', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'source:\n  kind: postfixadmin\n  url: [unclosed\nldap:\n');
    expectOneLine(await runMxdir(['sync', '-c', file], { env: env() }), new RegExp(`^mxdir: ${file}: line \\d+, column \\d+: `));
  });

  it('a wrong type: the file, the key and what it should be', async () => {
    const file = await writeConfig(withLdap({ timeout: 'ten' }));
    expectOneLine(await runMxdir(['sync', '-c', file], { env: env() }), new RegExp(`^mxdir: ${file}: ldap.timeout: expected number, received string$`));
  });

  it('an unreadable secret file: the key and the path', async () => {
    const { bindPassword: _, ...ldap } = configFor(db.url, slapd).ldap;
    const file = await writeConfig({ ...configFor(db.url, slapd), ldap: { ...ldap, bindPasswordFile: 'missing-pw' } });
    const path = join(file, '..', 'missing-pw');
    expectOneLine(await runMxdir(['sync', '-c', file]), new RegExp(`^mxdir: ${file}: ldap.bindPasswordFile: cannot read ${path}: ENOENT$`));
  });

  it('an unset environment variable: the key and the variable', async () => {
    const file = await writeConfig(configFor(db.url, slapd));
    expectOneLine(await runMxdir(['sync', '-c', file]), /ldap.bindPassword: environment variable MXDIR_BIND_PASSWORD is not set$/);
  });

  it('a wrong bind password: the DN, the server, and which keys to check', async () => {
    const file = await writeConfig(configFor(db.url, slapd));
    expectOneLine(
      await runMxdir(['sync', '-c', file], { env: { MXDIR_BIND_PASSWORD: 'not-the-password' } }),
      /^mxdir: bind as cn=admin,dc=example,dc=org to ldap:\/\/127.0.0.1:\d+: invalid credentials \(check ldap.bindDN and ldap.bindPassword\)$/,
    );
  });

  it('a base DN whose parent does not exist: the key, both DNs, and what the server holds', async () => {
    const file = await writeConfig(withLdap({ baseDN: 'ou=mx,dc=nowhere,dc=org' }));
    expectOneLine(
      await runMxdir(['sync', '-c', file], { env: env() }),
      /^mxdir: ldap.baseDN: ou=mx,dc=nowhere,dc=org does not exist and neither does its parent dc=nowhere,dc=org \(the server holds dc=example,dc=org\)/,
    );
  });

  it('a server without the mxdir schema: which schema file to load', async () => {
    const bare = await startSlapd({ schemaFiles: [], indexes: ['objectClass eq'] });
    try {
      const file = await writeConfig(configFor(db.url, bare));
      expectOneLine(
        await runMxdir(['sync', '-c', file], { env: { MXDIR_BIND_PASSWORD: bare.rootPassword } }),
        /does not know the mxdir schema .*: load schema\/mxdir.schema \(slapd.conf\) or schema\/mxdir.ldif \(cn=config\) on the server$/,
      );
    } finally {
      await bare.stop();
    }
  });

  it('a password bind over plain ldap:// to a remote host: the URL and every fix', async () => {
    const file = await writeConfig(withLdap({ url: 'ldap://192.0.2.1' }));
    expectOneLine(await runMxdir(['sync', '-c', file], { env: env() }), /ldap.url: ldap:\/\/192.0.2.1 would send the bind password unencrypted .*ldap.allowPlaintextPassword: true/);
  });

  it('a password written in a config file every user can read: the key, the mode and the fix', async () => {
    const file = await writeConfig(withLdap({ bindPassword: slapd.rootPassword }));
    await chmod(file, 0o644);
    const r = await runMxdir(['sync', '-c', file]);
    expectOneLine(r, new RegExp(`^mxdir: ${file}: ldap.bindPassword: a password written in a config file every user can read \\(mode 0644\\): use \\$\\{ENV\\} or bindPasswordFile, or chmod o-r ${file}$`));
    expect(r.stderr).to.not.include(slapd.rootPassword);
    await chmod(file, 0o600);
    expect((await runMxdir(['sync', '-c', file, '--check'])).code).to.equal(2);
  });

  it('an unreadable caFile: the key and the path', async () => {
    const file = await writeConfig(withLdap({ url: `ldap://localhost:${slapd.port}`, startTLS: true, caFile: '/nonexistent/ca.pem' }));
    expectOneLine(await runMxdir(['sync', '-c', file], { env: env() }), /^mxdir: ldap.caFile: cannot read \/nonexistent\/ca.pem: ENOENT$/);
  });
});
