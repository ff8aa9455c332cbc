import { expect } from 'chai';
import { buildDesiredState, mergeRecords } from '../../../src/model/index.js';
import { NO_RECORDS, type AdminRecords, type Origin } from '../../../src/source/records.js';
import { wantedEntries } from '../../../src/directory/layout.js';

const pfaOrigin = (table: string, row: string): Origin => ({ source: 'postfixadmin', table, row });
const fileOrigin = (line: number): Origin => ({ source: 'hr-file', table: 'line', row: String(line) });

/** A PostfixAdmin-like source: domains with activity, mailboxes. */
function pfa(domains: [string, boolean][], mailboxes: string[]): AdminRecords {
  return {
    ...NO_RECORDS,
    domains: domains.map(([domain, active]) => ({ domain, active, origin: pfaOrigin('domain', domain) })),
    mailboxes: mailboxes.map((address) => ({ address, active: true, origin: pfaOrigin('mailbox', address) })),
  };
}

/** A file-like source: plain addresses, and the domains it declares. */
function file(domains: string[], addresses: string[]): AdminRecords {
  return {
    ...NO_RECORDS,
    domains: domains.map((domain) => ({ domain, active: true, origin: { source: 'hr-file', table: 'domains', row: domain } })),
    addresses: addresses.map((address, i) => ({ address, active: true, origin: fileOrigin(i + 1) })),
  };
}

const build = (...list: AdminRecords[]) => buildDesiredState(mergeRecords(list));

describe('model: several sources merged', () => {
  it('publishes the union of relay domains and addresses', () => {
    const { state } = build(pfa([['a.example', true]], ['m@a.example']), file(['b.example'], ['x@b.example', 'y@a.example']));
    expect([...state.domains.keys()].sort()).to.deep.equal(['a.example', 'b.example']);
    expect([...state.addresses.keys()].sort()).to.deep.equal(['m@a.example', 'x@b.example', 'y@a.example']);
  });

  it('records every source row an address came from, in config order', () => {
    const { state } = build(pfa([['a.example', true]], ['alice@a.example']), file([], ['bob@a.example', 'Alice@A.example']));
    expect(state.addresses.get('alice@a.example')!.origins).to.deep.equal([pfaOrigin('mailbox', 'alice@a.example'), fileOrigin(2)]);
    expect(state.domains.get('a.example')!.origins).to.deep.equal([pfaOrigin('domain', 'a.example')]);
    const entry = wantedEntries(state, { baseDN: 'ou=mx', owner: 'mxdir', provenance: true }).find((e) => e.key === 'alice@a.example')!;
    expect(entry.attributes['mxdirSource']).to.deep.equal(['hr-file line 2', 'postfixadmin mailbox alice@a.example']);
    expect(entry.sources).to.deep.equal(['hr-file line 2', 'postfixadmin mailbox alice@a.example']);
  });

  it('a domain declared by two sources is published once with both origins', () => {
    const { state } = build(pfa([['a.example', true]], []), file(['A.Example'], []));
    expect(state.domains.get('a.example')!.origins.map((o) => o.source)).to.deep.equal(['postfixadmin', 'hr-file']);
  });

  it('a domain one source switched off stays a relay domain for another, without the first one\'s addresses', () => {
    const { state, skipped } = build(pfa([['a.example', false]], ['m@a.example']), file(['a.example'], ['x@a.example']));
    expect([...state.domains.keys()]).to.deep.equal(['a.example']);
    expect([...state.addresses.keys()]).to.deep.equal(['x@a.example']);
    expect(skipped).to.deep.equal([]);
  });

  it('an address of another source\'s switched-off domain is reported, not published', () => {
    const { state, skipped } = build(pfa([['a.example', false]], []), file([], ['x@a.example']));
    expect([...state.addresses.keys()]).to.deep.equal([]);
    expect(skipped.map((s) => [s.origin.source, s.origin.row, s.value, s.reason])).to.deep.equal([
      ['hr-file', '1', 'x@a.example', 'domain a.example is not a relay domain in any source'],
    ]);
  });

  it('an alias domain re-writes the target\'s addresses of every source', () => {
    const aliasDomain: AdminRecords = {
      ...pfa([['t.example', true], ['al.example', true]], ['m@t.example']),
      aliasDomains: [{ aliasDomain: 'al.example', targetDomain: 't.example', active: true, origin: pfaOrigin('alias_domain', 'al.example') }],
    };
    const { state } = build(aliasDomain, file([], ['x@t.example']));
    expect([...state.addresses.keys()].sort()).to.deep.equal(['m@al.example', 'm@t.example', 'x@al.example', 'x@t.example']);
    expect(state.addresses.get('x@al.example')!.origins).to.deep.equal([pfaOrigin('alias_domain', 'al.example'), fileOrigin(1)]);
  });

  it('plain addresses may be catch-alls', () => {
    const { state } = build(file(['a.example'], ['@a.example']));
    expect([...state.addresses.keys()]).to.deep.equal(['@a.example']);
  });

  it('merging keeps config order and drops nothing', () => {
    const a = pfa([['a.example', true]], ['m@a.example']);
    const b = file(['b.example'], ['x@b.example']);
    const merged = mergeRecords([a, b]);
    expect(merged.domains.map((d) => d.origin.source)).to.deep.equal(['postfixadmin', 'hr-file']);
    expect(merged.mailboxes).to.have.length(1);
    expect(merged.addresses).to.have.length(1);
    expect(mergeRecords([])).to.deep.equal(NO_RECORDS);
  });
});
