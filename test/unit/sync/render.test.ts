import { expect } from 'chai';
import { ldifLine } from '../../../src/sync/ldif.js';
import { diff, renderJson, renderLdif, renderText } from '../../../src/sync/index.js';
import { wantedEntries, type ExistingEntry } from '../../../src/directory/layout.js';
import { buildDesiredState } from '../../../src/model/index.js';

const BASE = 'ou=mx,dc=example,dc=org';
const o = { source: 's', table: 't', row: 'r' };

function plan() {
  const state = buildDesiredState({
    domains: [{ domain: 'a.example', active: true, origin: o }, { domain: 'new.example', active: true, origin: o }],
    mailboxes: [],
    aliases: ['keep@a.example', 'add@a.example', '@new.example'].map((address) => ({ address, active: true, origin: o })),
    aliasDomains: [],
    addresses: [],
  }).state;
  const existing: ExistingEntry[] = [
    { dn: BASE, attributes: { objectclass: ['organizationalUnit'] } },
    { dn: `associatedDomain=a.example,${BASE}`, attributes: { objectclass: ['mxdirRelayDomain'], associateddomain: ['a.example'], mxdirmanagedby: ['mxdir'] } },
    { dn: `mail=keep@a.example,associatedDomain=a.example,${BASE}`, attributes: { objectclass: ['mxdirRecipient'], mail: ['keep@a.example'], mxdirmanagedby: ['mxdir'] } },
    { dn: `mail=gone@a.example,associatedDomain=a.example,${BASE}`, attributes: { objectclass: ['mxdirRecipient'], mail: ['gone@a.example'], mxdirmanagedby: ['mxdir'] } },
  ];
  return diff({ baseDN: BASE, owner: 'mxdir', wanted: wantedEntries(state, { baseDN: BASE, owner: 'mxdir', provenance: false }), existing });
}

describe('sync: plan rendering', () => {
  it('text: grouped by domain with +/-/~ per address and a summary line', () => {
    const text = renderText(plan());
    expect(text).to.include('  a.example\n    + add@a.example  (s t r)\n    - gone@a.example\n');
    expect(text).to.include('+ new.example  (relay domain added; from s t r)\n    + @new.example  (s t r)\n');
    expect(text).to.not.include('keep@a.example');
    expect(text.trimEnd().split('\n').pop()).to.equal(
      'Summary: +2 addresses +1 domain, ~0 addresses ~0 domains, -1 address -0 domains; published after sync: 3 addresses in 2 domains (now 2 in 1).',
    );
  });
  it('text and json: every source an added address came from, even without recorded provenance', () => {
    const state = buildDesiredState({
      domains: [{ domain: 'a.example', active: true, origin: { source: 'postfixadmin', table: 'domain', row: 'a.example' } }],
      mailboxes: [{ address: 'alice@a.example', active: true, origin: { source: 'postfixadmin', table: 'mailbox', row: 'alice@a.example' } }],
      aliases: [],
      aliasDomains: [],
      addresses: [{ address: 'Alice@a.example', active: true, origin: { source: 'hr-file', table: 'line', row: '3' } }],
    }).state;
    const p = diff({ baseDN: BASE, owner: 'mxdir', wanted: wantedEntries(state, { baseDN: BASE, owner: 'mxdir', provenance: false }), existing: [{ dn: BASE, attributes: {} }] });
    const text = renderText(p);
    expect(text).to.include('+ a.example  (relay domain added; from postfixadmin domain a.example)\n');
    expect(text).to.include('    + alice@a.example  (hr-file line 3; postfixadmin mailbox alice@a.example)\n');
    const json = JSON.parse(renderJson(p));
    const op = json.operations.find((o: { key: string }) => o.key === 'alice@a.example');
    expect(op.sources).to.deep.equal(['hr-file line 3', 'postfixadmin mailbox alice@a.example']);
    expect(op.attributes.mxdirSource).to.equal(undefined);
  });
  it('text: says so when there is nothing to do', () => {
    const p = diff({ baseDN: BASE, owner: 'mxdir', wanted: [], existing: [{ dn: BASE, attributes: {} }] });
    expect(renderText(p)).to.include('Nothing to change');
  });
  it('json: versioned, and carries every operation', () => {
    const parsed = JSON.parse(renderJson(plan()));
    expect(parsed.version).to.equal(1);
    expect(parsed.operations.map((op: { op: string; key: string }) => `${op.op} ${op.key}`)).to.deep.equal([
      'add new.example',
      'add add@a.example',
      'add @new.example',
      'delete gone@a.example',
    ]);
  });
  it('ldif: RFC 2849 change records in plan order', () => {
    const ldif = renderLdif(plan());
    expect(ldif).to.match(/^# mxdir plan.*\nversion: 1\n\n/);
    expect(ldif).to.include(`dn: associatedDomain=new.example,${BASE}\nchangetype: add\nobjectClass: mxdirRelayDomain\nassociatedDomain: new.example\nmxdirManagedBy: mxdir\n`);
    expect(ldif).to.include(`dn: mail=gone@a.example,associatedDomain=a.example,${BASE}\nchangetype: delete\n`);
  });
  it('ldif: base64 for unsafe values, folding of long lines', () => {
    expect(ldifLine('mail', 'plain@x.example')).to.equal('mail: plain@x.example');
    expect(ldifLine('mail', ':colon@x')).to.equal(`mail:: ${Buffer.from(':colon@x').toString('base64')}`);
    expect(ldifLine('mail', ' lead')).to.match(/^mail:: /);
    expect(ldifLine('mail', 'trail ')).to.match(/^mail:: /);
    expect(ldifLine('mail', '<lt')).to.match(/^mail:: /);
    expect(ldifLine('cn', 'Jürgen')).to.equal(`cn:: ${Buffer.from('Jürgen').toString('base64')}`);
    expect(ldifLine('cn', 'a\nb')).to.match(/^cn:: /);
    const long = ldifLine('dn', 'x'.repeat(200));
    const lines = long.split('\n');
    expect(lines[0]!.length).to.equal(76);
    for (const l of lines.slice(1)) expect(l.startsWith(' ') && l.length <= 76).to.equal(true);
    expect(lines.map((l, i) => (i ? l.slice(1) : l)).join('')).to.equal('dn: ' + 'x'.repeat(200));
  });
  it('modify records end each attribute change with "-"', () => {
    const p = diff({
      baseDN: BASE,
      owner: 'mxdir',
      wanted: wantedEntries(
        buildDesiredState({ domains: [{ domain: 'a.example', active: true, origin: o }], mailboxes: [], aliases: [], aliasDomains: [], addresses: [] }).state,
        { baseDN: BASE, owner: 'mxdir', provenance: true },
      ),
      existing: [
        { dn: BASE, attributes: {} },
        { dn: `associatedDomain=a.example,${BASE}`, attributes: { objectclass: ['mxdirRelayDomain'], mxdirmanagedby: ['mxdir'] } },
      ],
    });
    expect(renderLdif(p)).to.include(`changetype: modify\nreplace: mxdirSource\nmxdirSource: s t r\n-`);
  });
});
