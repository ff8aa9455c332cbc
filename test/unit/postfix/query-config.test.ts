import { expect } from 'chai';
import { renderMainCf, renderQueryConfig, type QueryConfigOptions } from '../../../src/postfix/index.js';

const base: QueryConfigOptions = { servers: ['ldap://127.0.0.1:389'], baseDN: 'ou=mx,dc=example,dc=org', startTLS: false, timeout: 10 };
const settings = (text: string): Map<string, string> =>
  new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3)]));
const CONNECTION = ['server_host', 'version', 'timeout', 'bind', 'bind_dn', 'bind_pw', 'start_tls', 'tls_require_cert', 'tls_ca_cert_file'];

describe('postfix: query configs', () => {
  it('relay recipients: version 3, indexed equality filter on the whole key, no domain =', () => {
    const s = settings(renderQueryConfig('relay-recipients', base));
    expect(s.get('version')).to.equal('3');
    expect(s.get('search_base')).to.equal('ou=mx,dc=example,dc=org');
    expect(s.get('scope')).to.equal('sub');
    expect(s.get('query_filter')).to.equal('(&(objectClass=mxdirRecipient)(mail=%s))');
    expect(s.get('result_attribute')).to.equal('mail');
    expect(s.get('bind')).to.equal('no');
    expect(s.has('domain')).to.equal(false);
  });
  it('relay domains', () => {
    const s = settings(renderQueryConfig('relay-domains', base));
    expect(s.get('query_filter')).to.equal('(&(objectClass=mxdirRelayDomain)(associatedDomain=%s))');
    expect(s.get('result_attribute')).to.equal('associatedDomain');
    expect(s.has('domain')).to.equal(false);
  });
  it('lists servers in order, binds with the lookup account, and requires a verified certificate with TLS', () => {
    const o = { ...base, servers: ['ldapi://%2Frun%2Fslapd%2Fldapi', 'ldap://central.example'], bindDN: 'cn=postfix,dc=example,dc=org', bindPassword: 'pw', startTLS: true, caFile: '/etc/ssl/ca.pem' };
    const s = settings(renderQueryConfig('relay-recipients', o));
    expect(s.get('server_host')).to.equal('ldapi://%2Frun%2Fslapd%2Fldapi ldap://central.example');
    expect(s.get('bind')).to.equal('yes');
    expect(s.get('bind_dn')).to.equal('cn=postfix,dc=example,dc=org');
    expect(s.get('start_tls')).to.equal('yes');
    expect(s.get('tls_require_cert')).to.equal('yes');
    expect(s.get('tls_ca_cert_file')).to.equal('/etc/ssl/ca.pem');
    const ldaps = settings(renderQueryConfig('relay-domains', { ...base, servers: ['ldaps://central.example'] }));
    expect(ldaps.get('tls_require_cert')).to.equal('yes');
    expect(ldaps.has('start_tls')).to.equal(false);
  });
  it('writes identical connection lines in both files', () => {
    const o = { ...base, bindDN: 'cn=postfix,dc=example,dc=org', bindPassword: 'pw', startTLS: true };
    const conn = (text: string) => text.split('\n').filter((l) => CONNECTION.includes(l.split(' = ')[0]!));
    expect(conn(renderQueryConfig('relay-recipients', o))).to.deep.equal(conn(renderQueryConfig('relay-domains', o)));
    expect(conn(renderQueryConfig('relay-domains', o))).to.have.length(8);
  });
  it('transport: the domain entry by its indexed key, mxdirTransport as the result', () => {
    const s = settings(renderQueryConfig('transport', base));
    expect(s.get('query_filter')).to.equal('(&(objectClass=mxdirRelayDomain)(associatedDomain=%s))');
    expect(s.get('result_attribute')).to.equal('mxdirTransport');
    expect(s.get('search_base')).to.equal('ou=mx,dc=example,dc=org');
    expect(s.has('domain')).to.equal(false);
  });
  it('writes identical connection lines in the transport file too', () => {
    const o = { ...base, bindDN: 'cn=postfix,dc=example,dc=org', bindPassword: 'pw', startTLS: true, caFile: '/ca.pem' };
    const conn = (text: string) => text.split('\n').filter((l) => CONNECTION.includes(l.split(' = ')[0]!));
    expect(conn(renderQueryConfig('transport', o))).to.deep.equal(conn(renderQueryConfig('relay-recipients', o)));
  });
  it('main.cf lines include transport_maps', () => {
    expect(renderMainCf('/etc/postfix', true)).to.include('transport_maps = proxy:ldap:/etc/postfix/ldap-transport.cf\n');
    expect(renderMainCf('/etc/postfix', false)).to.include('transport_maps = ldap:/etc/postfix/ldap-transport.cf\n');
  });
  it('doubles a literal % in search_base', () => {
    expect(settings(renderQueryConfig('relay-domains', { ...base, baseDN: 'ou=100%,dc=x' })).get('search_base')).to.equal('ou=100%%,dc=x');
  });
  it('main.cf lines point at the files, through proxymap by default', () => {
    expect(renderMainCf('/etc/postfix/', true)).to.include('relay_domains = proxy:ldap:/etc/postfix/ldap-relay-domains.cf\nrelay_recipient_maps = proxy:ldap:/etc/postfix/ldap-relay-recipients.cf\n');
    expect(renderMainCf('/etc/postfix', false)).to.include('relay_recipient_maps = ldap:/etc/postfix/ldap-relay-recipients.cf');
  });
});
