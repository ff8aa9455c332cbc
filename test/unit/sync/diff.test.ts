import { expect } from 'chai';
import { wantedEntries, type ExistingEntry } from '../../../src/directory/layout.js';
import { buildDesiredState } from '../../../src/model/index.js';
import type { AdminRecords } from '../../../src/source/records.js';
import { diff, type Operation } from '../../../src/sync/index.js';

const BASE = 'ou=mx,dc=example,dc=org';
const origin = { source: 's', table: 't', row: 'r' };

function wanted(domainsAndAddresses: Record<string, string[]>, provenance = false) {
  const r: AdminRecords = {
    domains: Object.keys(domainsAndAddresses).map((domain) => ({ domain, active: true, origin })),
    mailboxes: [],
    aliases: Object.values(domainsAndAddresses).flat().map((address) => ({ address, active: true, origin })),
    aliasDomains: [],
    addresses: [],
  };
  return wantedEntries(buildDesiredState(r).state, { baseDN: BASE, owner: 'mxdir', provenance });
}

const base: ExistingEntry = { dn: BASE, attributes: { objectclass: ['organizationalUnit'], ou: ['mx'] } };
const domainEntry = (d: string, owner: string | null = 'mxdir', dn = `associatedDomain=${d},${BASE}`): ExistingEntry => ({
  dn,
  attributes: { objectclass: ['mxdirRelayDomain'], associateddomain: [d], ...(owner ? { mxdirmanagedby: [owner] } : {}) },
});
const recipient = (key: string, owner: string | null = 'mxdir', extra: Record<string, string[]> = {}): ExistingEntry => {
  const d = key.slice(key.indexOf('@') + 1);
  return {
    dn: `mail=${key},associatedDomain=${d},${BASE}`,
    attributes: { objectclass: ['mxdirRecipient'], mail: [key], ...(owner ? { mxdirmanagedby: [owner] } : {}), ...extra },
  };
};
const summary = (ops: readonly Operation[]) => ops.map((op) => `${op.op} ${op.kind} ${op.key}`);

describe('sync: diff', () => {
  it('creates the base, then domains, then addresses, in a stable order', () => {
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'b.example': ['z@b.example', '@b.example'], 'a.example': ['y@a.example'] }), existing: [] });
    expect(summary(plan.operations)).to.deep.equal([
      `add base ${BASE}`,
      'add domain a.example',
      'add domain b.example',
      'add recipient y@a.example',
      'add recipient @b.example',
      'add recipient z@b.example',
    ]);
    const add = plan.operations[3]!;
    expect(add.op === 'add' && add.attributes).to.deep.equal({ objectClass: ['mxdirRecipient'], mail: ['y@a.example'], mxdirManagedBy: ['mxdir'] });
    expect(add.dn).to.equal(`mail=y@a.example,associatedDomain=a.example,${BASE}`);
    expect(plan.summary.after).to.deep.equal({ domains: 2, addresses: 3 });
  });
  it('is empty when the directory matches, comparing DNs and keys case-insensitively', () => {
    const existing = [
      { ...base, dn: 'OU=MX, DC=Example, DC=Org' },
      domainEntry('a.example', 'mxdir', `associatedDomain=A.Example,${BASE}`),
      { ...recipient('y@a.example', 'MXDIR'), dn: `mail=Y@A.example,associateddomain=a.example,${BASE}` },
    ];
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'a.example': ['y@a.example'] }), existing });
    expect(plan.operations).to.deep.equal([]);
    expect(plan.conflicts).to.deep.equal([]);
    expect(plan.summary.before).to.deep.equal({ domains: 1, addresses: 1 });
  });
  it('deletes addresses before their domain', () => {
    const existing = [base, domainEntry('a.example'), domainEntry('gone.example'), recipient('x@gone.example'), recipient('y@a.example'), recipient('old@a.example')];
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'a.example': ['y@a.example'] }), existing });
    expect(summary(plan.operations)).to.deep.equal(['delete recipient old@a.example', 'delete recipient x@gone.example', 'delete domain gone.example']);
  });
  it('never modifies or deletes an entry without its ownership marker, and reports it', () => {
    const handMade = recipient('hand@a.example', null);
    const otherOwner = recipient('other@a.example', 'someone-else');
    const existing = [base, domainEntry('a.example'), handMade, otherOwner, recipient('y@a.example', null)];
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'a.example': ['y@a.example'] }), existing });
    expect(plan.operations).to.deep.equal([]);
    expect(plan.conflicts.map((c) => c.key)).to.deep.equal(['y@a.example']);
    expect(plan.conflicts[0]!.message).to.match(/without mxdirManagedBy: mxdir/);
  });
  it('keeps a no-longer-wanted domain entry that holds a hand-made entry, and says why', () => {
    const existing = [base, domainEntry('gone.example'), recipient('x@gone.example'), recipient('hand@gone.example', null)];
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: [], existing });
    expect(summary(plan.operations)).to.deep.equal(['delete recipient x@gone.example']);
    expect(plan.conflicts.map((c) => c.message).join()).to.match(/holds entries mxdir does not manage; kept/);
  });
  it('reports a hand-made entry elsewhere under the base that holds a key mxdir publishes', () => {
    const elsewhere: ExistingEntry = { dn: `cn=manual,${BASE}`, attributes: { objectclass: ['mxdirRecipient'], mail: ['Y@a.example'] } };
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'a.example': ['y@a.example'] }), existing: [base, elsewhere] });
    expect(plan.conflicts.map((c) => [c.dn, c.key])).to.deep.equal([[`cn=manual,${BASE}`, 'y@a.example']]);
    expect(plan.conflicts[0]!.message).to.match(/two entries/);
  });
  it('modifies only the attributes that changed, one change per attribute', () => {
    const existing = [
      base,
      domainEntry('a.example'),
      recipient('y@a.example', 'mxdir', { mxdirsource: ['s t r', 'stale row'] }),
      recipient('z@a.example', 'mxdir', { mxdirsource: ['s t r'] }),
    ];
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'a.example': ['y@a.example', 'z@a.example'] }, true), existing });
    expect(plan.operations).to.deep.equal([
      {
        op: 'modify',
        kind: 'domain',
        dn: `associatedDomain=a.example,${BASE}`,
        key: 'a.example',
        domain: 'a.example',
        changes: [{ operation: 'replace', attribute: 'mxdirSource', values: ['s t r'] }],
      },
      {
        op: 'modify',
        kind: 'recipient',
        dn: `mail=y@a.example,associatedDomain=a.example,${BASE}`,
        key: 'y@a.example',
        domain: 'a.example',
        changes: [{ operation: 'replace', attribute: 'mxdirSource', values: ['s t r'] }],
      },
    ]);
  });
  it('removes an attribute that is no longer wanted', () => {
    const existing = [base, domainEntry('a.example'), recipient('y@a.example', 'mxdir', { mxdirsource: ['old'] })];
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'a.example': ['y@a.example'] }, false), existing });
    expect(plan.operations.map((op) => op.op === 'modify' && op.changes)).to.deep.equal([[{ operation: 'delete', attribute: 'mxdirSource', values: [] }]]);
  });
  it('escapes RFC 4514 specials in the DNs it builds', () => {
    const plan = diff({ baseDN: BASE, owner: 'mxdir', wanted: wanted({ 'a.example': ['#x+y,z=w@a.example'] }), existing: [base, domainEntry('a.example')] });
    expect(plan.operations.map((op) => op.dn)).to.deep.equal([`mail=\\#x\\+y\\,z\\=w@a.example,associatedDomain=a.example,${BASE}`]);
  });
  it('refuses to invent a base entry it cannot name', () => {
    expect(() => diff({ baseDN: 'uid=mx,dc=example,dc=org', owner: 'mxdir', wanted: [], existing: [] })).to.throw(/create uid=mx,dc=example,dc=org by hand/);
  });
  it('leaves the status and lock entries alone: no operation, no conflict, not counted', () => {
    const status: ExistingEntry = {
      dn: `cn=mxdir-status,${BASE}`,
      attributes: { objectclass: ['mxdirSyncStatus'], cn: ['mxdir-status'], mxdirmanagedby: ['mxdir'] },
    };
    const lock: ExistingEntry = { dn: `cn=mxdir-lock,${BASE}`, attributes: { objectclass: ['organizationalRole'], cn: ['mxdir-lock'] } };
    const plan = diff({
      baseDN: BASE,
      owner: 'mxdir',
      wanted: wanted({ 'a.example': ['x@a.example'] }),
      existing: [base, status, lock, domainEntry('a.example'), recipient('x@a.example')],
    });
    expect(plan.operations).to.deep.equal([]);
    expect(plan.conflicts).to.deep.equal([]);
    expect(plan.summary.before).to.deep.equal({ domains: 1, addresses: 1 });
  });
});
