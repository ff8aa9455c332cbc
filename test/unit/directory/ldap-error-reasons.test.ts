import { expect } from 'chai';
import { InvalidCredentialsError, SizeLimitExceededError } from 'ldapts';
import { reasonOf } from '../../../src/directory/ldap-errors.js';

const withCode = (code: string): Error => Object.assign(new Error(`tls failure ${code}`), { code });

describe('directory: one-line reasons for TLS and access failures', () => {
  it('names an untrusted certificate and a wrong host name, with what to check', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
      expect(reasonOf(withCode(code))).to.match(new RegExp(`^TLS: the server certificate is not signed by a trusted CA.*\\(${code}\\); check ldap.caFile and the host name in the URL$`));
    }
    expect(reasonOf(withCode('ERR_TLS_CERT_ALTNAME_INVALID'))).to.match(/^TLS: the server certificate is issued for another host name/);
    expect(reasonOf(withCode('CERT_HAS_EXPIRED'))).to.match(/^TLS: the server certificate is expired/);
  });
  it('says how to lift a size limit that cuts the subtree read short', () => {
    expect(reasonOf(new SizeLimitExceededError())).to.match(/^size limit exceeded \(LDAP result 4\): .*limits dn.exact="<bindDN>" size=unlimited.*schema\/acl.conf/);
  });
  it('keeps every reason on one line', () => {
    expect(reasonOf(new InvalidCredentialsError('a\nb'))).to.equal('invalid credentials');
    expect(reasonOf(new Error('first\nsecond'))).to.equal('first');
  });
});
