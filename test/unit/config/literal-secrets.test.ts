import { expect } from 'chai';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../../src/config/index.js';
import { literalSecretPaths } from '../../../src/config/literal-secrets.js';

const raw = {
  source: { kind: 'postfixadmin', url: 'postgres://mxdir:Literal-Db-Pw@db.example.org/postfixadmin' },
  ldap: { url: 'ldaps://ldap.example.org', bindDN: 'cn=mxdir,dc=example,dc=org', bindPassword: 'Literal-Pw', baseDN: 'ou=mx,dc=example,dc=org' },
  postfix: { bindDN: 'cn=postfix,dc=example,dc=org', bindPassword: '${LOOKUP_PW}' },
};

describe('config: a password written in a world-readable config file is refused', () => {
  it('finds passwords as written: *Password keys and URL user info, not ${ENV} references or files', () => {
    expect(literalSecretPaths(raw)).to.deep.equal(['source.url', 'ldap.bindPassword']);
    expect(literalSecretPaths({ sources: [{ url: 'mysql://root@127.0.0.1:3306/pa' }, { url: 'sqlite:///var/db.sqlite' }, { url: 'ldap://h:389/x' }] })).to.deep.equal([]);
    expect(literalSecretPaths({ sources: [{ url: 'mysql://u:${P}@h/db' }, { url: 'mysql://u:p@h/db' }] })).to.deep.equal(['sources[1].url']);
    expect(literalSecretPaths({ ldap: { bindPasswordFile: '/etc/mxdir/pw', bindPassword: '${X}' } })).to.deep.equal([]);
  });

  it('refuses the file when every user can read it (one line per password: key, mode, fix); accepts 0640 and 0600', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-literal-'));
    const file = join(dir, 'mxdir.yaml');
    await writeFile(file, 'written by the test; validateConfig only stats it');
    const env = { LOOKUP_PW: 'from-env' };
    await chmod(file, 0o644);
    expect(validateConfig(raw, file, dir, env).problems).to.deep.equal([
      `source.url: a password written in a config file every user can read (mode 0644): use \${ENV} or bindPasswordFile, or chmod o-r ${file}`,
      `ldap.bindPassword: a password written in a config file every user can read (mode 0644): use \${ENV} or bindPasswordFile, or chmod o-r ${file}`,
    ]);
    for (const mode of [0o640, 0o600]) {
      await chmod(file, mode);
      expect(validateConfig(raw, file, dir, env).problems, mode.toString(8)).to.deep.equal([]);
    }
    // With the passwords in the environment, a world-readable file is fine.
    await chmod(file, 0o644);
    const fromEnv = { ...raw, source: { ...raw.source, url: 'postgres://mxdir:${DB_PW}@db.example.org/postfixadmin' }, ldap: { ...raw.ldap, bindPassword: '${PW}' } };
    expect(validateConfig(fromEnv, file, dir, { ...env, DB_PW: 'x1', PW: 'x2' }).problems).to.deep.equal([]);
  });
});
