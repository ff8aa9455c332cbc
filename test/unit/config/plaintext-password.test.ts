import { expect } from 'chai';
import { validateConfig } from '../../../src/config/index.js';
import { isLoopbackHost } from '../../../src/config/plaintext-password.js';

const minimal = {
  source: { kind: 'postfixadmin', url: 'sqlite:///var/lib/postfixadmin/db.sqlite' },
  ldap: { url: 'ldap://127.0.0.1:389', bindDN: 'cn=admin,dc=example,dc=org', bindPassword: 'pw-123', baseDN: 'ou=mx,dc=example,dc=org' },
};
const withLdap = (ldap: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...minimal, ldap: { ...minimal.ldap, ...ldap }, ...extra });
const problems = (raw: unknown): string[] => validateConfig(raw, '/x/mxdir.yaml', '/x', {}).problems;

describe('config: no password in clear text to a remote host', () => {
  it('knows loopback: 127.0.0.0/8, ::1, localhost; nothing else', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '[::1]', '::1', 'localhost', 'LocalHost', 'localhost.', '0:0:0:0:0:0:0:1']) expect(isLoopbackHost(h), h).to.equal(true);
    for (const h of ['10.0.0.1', '128.0.0.1', 'ldap.example.org', 'localhost.example.org', '[2001:db8::1]', '::2', '0.0.0.0', '']) expect(isLoopbackHost(h), h).to.equal(false);
  });

  it('refuses ldap:// to a remote host, naming the key, the URL and every fix, in one line', () => {
    const p = problems(withLdap({ url: 'ldap://ldap.example.org' }));
    expect(p).to.deep.equal([
      'ldap.url: ldap://ldap.example.org would send the bind password unencrypted to a remote host: use ldaps://, ' +
        'set ldap.startTLS: true, use ldapi:// on the LDAP host itself, or set ldap.allowPlaintextPassword: true to accept the risk',
    ]);
    expect(problems(withLdap({ url: 'ldap://192.0.2.7:389' }))[0]).to.match(/^ldap.url: ldap:\/\/192.0.2.7:389 would send/);
    expect(problems(withLdap({ url: 'ldap://[2001:db8::1]:389' }))[0]).to.match(/^ldap.url: .* would send/);
  });

  it('accepts ldaps://, StartTLS, ldapi://, loopback, or an explicit allowPlaintextPassword: true', () => {
    for (const ldap of [
      { url: 'ldaps://ldap.example.org' },
      { url: 'ldap://ldap.example.org', startTLS: true },
      { url: 'ldapi://%2Frun%2Fslapd%2Fldapi' },
      { url: 'ldap://127.0.0.1:389' },
      { url: 'ldap://localhost' },
      { url: 'ldap://[::1]:389' },
      { url: 'ldap://ldap.example.org', allowPlaintextPassword: true },
    ]) {
      expect(problems(withLdap(ldap)), JSON.stringify(ldap)).to.deep.equal([]);
    }
  });

  it('the key defaults to false and must be a boolean', () => {
    expect(validateConfig(minimal, '/x/mxdir.yaml', '/x', {}).config!.ldap.allowPlaintextPassword).to.equal(false);
    expect(problems(withLdap({ allowPlaintextPassword: 'yes' }))).to.deep.equal(['ldap.allowPlaintextPassword: expected boolean, received string']);
  });

  it('refuses the Postfix lookup account over plain ldap:// to a remote server, per server', () => {
    const postfix = { bindDN: 'cn=postfix,dc=example,dc=org', bindPassword: 'lookup-pw', servers: ['ldapi://%2Frun%2Fslapd%2Fldapi', 'ldap://ldap.example.org'] };
    const p = problems({ ...minimal, postfix });
    expect(p).to.have.length(1);
    expect(p[0]).to.match(/^postfix.servers\[1\]: ldap:\/\/ldap.example.org would send the bind password unencrypted to a remote host: .*set postfix.startTLS: true.*postfix.allowPlaintextPassword: true/);
    expect(problems({ ...minimal, postfix: { ...postfix, startTLS: true } })).to.deep.equal([]);
    expect(problems({ ...minimal, postfix: { ...postfix, allowPlaintextPassword: true } })).to.deep.equal([]);
    // Anonymous lookups send no password: nothing to refuse.
    expect(problems({ ...minimal, postfix: { servers: postfix.servers } })).to.deep.equal([]);
  });

  it('the lookup account inherits ldap.url and ldap.startTLS when postfix: does not set them', () => {
    const postfix = { bindDN: 'cn=postfix,dc=example,dc=org', bindPassword: 'lookup-pw' };
    const remote = { url: 'ldap://ldap.example.org', allowPlaintextPassword: true };
    expect(problems(withLdap(remote, { postfix }))).to.deep.equal([
      'postfix.servers (default ldap.url): ldap://ldap.example.org would send the bind password unencrypted to a remote host: use ldaps://, ' +
        'set postfix.startTLS: true, use ldapi:// on the LDAP host itself, or set postfix.allowPlaintextPassword: true to accept the risk',
    ]);
    expect(problems(withLdap({ url: 'ldap://ldap.example.org', startTLS: true }, { postfix }))).to.deep.equal([]);
  });
});
