import { expect } from 'chai';
import { buildDesiredState, publishedDigest } from '../../../src/model/index.js';
import type { AdminRecords } from '../../../src/source/records.js';

const origin = { source: 's', table: 't', row: 'r' };
const state = (domains: string[], addresses: string[], table = 't') =>
  buildDesiredState({
    domains: domains.map((domain) => ({ domain, active: true, origin: { ...origin, table } })),
    mailboxes: [],
    aliases: addresses.map((address) => ({ address, active: true, origin: { ...origin, table } })),
    aliasDomains: [],
    addresses: [],
  } as AdminRecords).state;

describe('model: published digest', () => {
  it('depends on the keys only, not on order or provenance', () => {
    const a = publishedDigest(state(['a.example', 'b.example'], ['x@a.example', 'y@b.example']));
    expect(a).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(publishedDigest(state(['b.example', 'a.example'], ['y@b.example', 'X@a.example'], 'other'))).to.equal(a);
  });
  it('changes with any added or removed key, domain or address', () => {
    const a = publishedDigest(state(['a.example'], ['x@a.example']));
    expect(publishedDigest(state(['a.example'], ['x@a.example', 'z@a.example']))).to.not.equal(a);
    expect(publishedDigest(state(['a.example', 'c.example'], ['x@a.example']))).to.not.equal(a);
    expect(publishedDigest(state(['a.example'], []))).to.not.equal(a);
  });
});
