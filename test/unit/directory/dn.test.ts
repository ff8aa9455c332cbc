import { expect } from 'chai';
import { childDn, escapeDnValue, normalizeDn, parentDn, parseDn } from '../../../src/directory/dn.js';

describe('directory: RFC 4514 DN escaping and parsing', () => {
  const cases: [string, string][] = [
    ['plain@example.com', 'plain@example.com'],
    ['a+b@example.com', 'a\\+b@example.com'],
    ['a,b@example.com', 'a\\,b@example.com'],
    ['a=b@example.com', 'a\\=b@example.com'],
    ['#hash@example.com', '\\#hash@example.com'],
    ['mid#hash@example.com', 'mid#hash@example.com'],
    [' lead', '\\ lead'],
    ['trail ', 'trail\\ '],
    ['a;b<c>d"e\\f', 'a\\;b\\<c\\>d\\"e\\\\f'],
    ['nul\u0000x', 'nul\\00x'],
    ['star*(paren)', 'star*(paren)'],
    ["o'neil", "o'neil"],
    ['@example.com', '@example.com'],
  ];
  for (const [value, escaped] of cases) {
    it(`escapes ${JSON.stringify(value)} and parses it back`, () => {
      expect(escapeDnValue(value)).to.equal(escaped);
      const dn = childDn('mail', value, 'ou=mx,dc=example,dc=org');
      expect(parseDn(dn)[0]).to.deep.equal([{ type: 'mail', value }]);
      expect(parseDn(dn).length).to.equal(4);
    });
  }
  it('parses hex escapes as UTF-8 and spaces around separators', () => {
    expect(parseDn('cn=J\\C3\\BCrgen , ou = mx')).to.deep.equal([[{ type: 'cn', value: 'Jürgen' }], [{ type: 'ou', value: 'mx' }]]);
  });
  it('parses multi-valued RDNs', () => {
    expect(parseDn('cn=a+sn=b,dc=x')).to.deep.equal([[{ type: 'cn', value: 'a' }, { type: 'sn', value: 'b' }], [{ type: 'dc', value: 'x' }]]);
  });
  it('normalises case, spacing and escaping for comparison', () => {
    expect(normalizeDn('MAIL=A\\2Bb@Example.com, OU=MX,dc=Example,dc=ORG')).to.equal(normalizeDn('mail=a\\+b@example.com,ou=mx,dc=example,dc=org'));
    expect(normalizeDn('mail=a@x,ou=mx')).to.not.equal(normalizeDn('mail=b@x,ou=mx'));
  });
  it('gives the parent DN', () => {
    expect(parentDn('mail=a\\,b@x.example,associatedDomain=x.example,ou=mx')).to.equal('associatedDomain=x.example,ou=mx');
  });
  it('rejects broken DNs', () => {
    expect(() => parseDn('no-equals-sign')).to.throw(/without "="/);
    expect(() => parseDn('cn=trailing\\')).to.throw(/dangling backslash/);
    expect(() => parseDn('1bad=x')).to.throw(/bad attribute type/);
  });
});
