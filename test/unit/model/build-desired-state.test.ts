import { expect } from 'chai';
import { buildDesiredState } from '../../../src/model/index.js';
import type { AdminRecords, Origin } from '../../../src/source/records.js';


/** A small admin database: rows default to active. */
function records(r: {
  domains?: (string | [string, boolean])[];
  mailboxes?: (string | [string, boolean])[];
  aliases?: (string | [string, boolean])[];
  aliasDomains?: ([string, string] | [string, string, boolean])[];
  addresses?: (string | [string, boolean])[];
  source?: string;
}): AdminRecords {
  const src = r.source ?? 'pfa';
  const o = (table: string, row: string): Origin => ({ source: src, table, row });
  const pair = (v: string | [string, boolean]): [string, boolean] => (typeof v === 'string' ? [v, true] : v);
  return {
    domains: (r.domains ?? []).map(pair).map(([domain, active]) => ({ domain, active, origin: o('domain', domain) })),
    mailboxes: (r.mailboxes ?? []).map(pair).map(([address, active]) => ({ address, active, origin: o('mailbox', address) })),
    aliases: (r.aliases ?? []).map(pair).map(([address, active]) => ({ address, active, origin: o('alias', address) })),
    aliasDomains: (r.aliasDomains ?? []).map(([aliasDomain, targetDomain, active]) => ({
      aliasDomain,
      targetDomain,
      active: active ?? true,
      origin: o('alias_domain', aliasDomain),
    })),
    addresses: (r.addresses ?? []).map(pair).map(([address, active], i) => ({ address, active, origin: o('line', String(i + 1)) })),
  };
}

const keys = (r: AdminRecords): string[] => [...buildDesiredState(r).state.addresses.keys()].sort();
const domains = (r: AdminRecords): string[] => [...buildDesiredState(r).state.domains.keys()].sort();

describe('model: buildDesiredState (PostfixAdmin semantics)', () => {
  it('publishes active mailboxes and aliases of active domains', () => {
    expect(keys(records({ domains: ['a.example'], mailboxes: ['m@a.example'], aliases: ['al@a.example'] }))).to.deep.equal([
      'al@a.example',
      'm@a.example',
    ]);
  });
  it('leaves out inactive mailboxes and aliases', () => {
    expect(keys(records({ domains: ['a.example'], mailboxes: [['m@a.example', false]], aliases: [['al@a.example', false]] }))).to.deep.equal([]);
  });
  it('leaves out everything of an inactive domain, and the domain itself', () => {
    const r = records({ domains: [['a.example', false]], mailboxes: ['m@a.example'], aliases: ['@a.example'] });
    expect(keys(r)).to.deep.equal([]);
    expect(domains(r)).to.deep.equal([]);
  });
  it('leaves out rows of a domain missing from the domain table, and reports each', () => {
    const r = records({ domains: ['a.example'], mailboxes: ['m@b.example'], aliases: ['x@b.example', '@b.example', ['off@b.example', false]] });
    expect(keys(r)).to.deep.equal([]);
    expect(buildDesiredState(r).skipped.map((s) => `${s.origin.table} ${s.value}: ${s.reason}`)).to.deep.equal([
      'mailbox m@b.example: domain b.example is not a relay domain in any source',
      'alias x@b.example: domain b.example is not a relay domain in any source',
      'alias @b.example: domain b.example is not a relay domain in any source',
    ]);
  });
  it('reports no row of a domain its own source switched off', () => {
    expect(buildDesiredState(records({ domains: [['a.example', false]], mailboxes: ['m@a.example'] })).skipped).to.deep.equal([]);
  });
  it('never publishes the ALL pseudo-domain, and does not report it as invalid', () => {
    const r = records({ domains: ['ALL', 'a.example'], aliases: ['x@a.example'] });
    expect(domains(r)).to.deep.equal(['a.example']);
    expect(buildDesiredState(r).skipped).to.deep.equal([]);
  });
  it('publishes a catch-all as @domain', () => {
    expect(keys(records({ domains: ['a.example'], aliases: ['@a.example'] }))).to.deep.equal(['@a.example']);
  });
  it('compares domains case-insensitively and publishes in lower case', () => {
    const r = records({ domains: ['A.Example'], mailboxes: ['Sales@A.EXAMPLE'], aliases: ['sales@a.example'] });
    expect(keys(r)).to.deep.equal(['sales@a.example']);
    expect(domains(r)).to.deep.equal(['a.example']);
  });
  it('publishes IDN domains as A-labels and matches U-label and A-label rows', () => {
    const r = records({ domains: ['Bücher.example'], mailboxes: ['info@bücher.example'], aliases: ['x@xn--bcher-kva.example'] });
    expect(domains(r)).to.deep.equal(['xn--bcher-kva.example']);
    expect(keys(r)).to.deep.equal(['info@xn--bcher-kva.example', 'x@xn--bcher-kva.example']);
  });
  it('publishes a key once when mailbox and alias tables (and case variants) repeat it, keeping every origin', () => {
    const r = records({ domains: ['a.example'], mailboxes: ['m@a.example'], aliases: ['m@a.example', 'M@A.example'] });
    const state = buildDesiredState(r).state;
    expect([...state.addresses.keys()]).to.deep.equal(['m@a.example']);
    expect(state.addresses.get('m@a.example')!.origins.map((x) => x.table)).to.deep.equal(['mailbox', 'alias', 'alias']);
  });
  it('re-writes every accepted address and the catch-all of the target for an active alias domain', () => {
    const r = records({
      domains: ['t.example', 'al.example'],
      mailboxes: ['m@t.example', ['off@t.example', false]],
      aliases: ['a@t.example', '@t.example'],
      aliasDomains: [['al.example', 't.example']],
    });
    expect(keys(r)).to.deep.equal(['@al.example', '@t.example', 'a@al.example', 'a@t.example', 'm@al.example', 'm@t.example']);
    expect(domains(r)).to.deep.equal(['al.example', 't.example']);
  });
  it('ignores an inactive alias domain, one missing from or inactive in the domain table, and one to an inactive target', () => {
    const base = { mailboxes: ['m@t.example'] };
    expect(keys(records({ ...base, domains: ['t.example', 'al.example'], aliasDomains: [['al.example', 't.example', false]] }))).to.deep.equal(['m@t.example']);
    expect(keys(records({ ...base, domains: ['t.example'], aliasDomains: [['al.example', 't.example']] }))).to.deep.equal(['m@t.example']);
    expect(keys(records({ ...base, domains: ['t.example', ['al.example', false]], aliasDomains: [['al.example', 't.example']] }))).to.deep.equal(['m@t.example']);
    expect(keys(records({ ...base, domains: [['t.example', false], 'al.example'], aliasDomains: [['al.example', 't.example']] }))).to.deep.equal([]);
  });
  it('expands alias domains one level only, as Postfix resolves them', () => {
    const r = records({
      domains: ['a.example', 'b.example', 'c.example'],
      mailboxes: ['m@c.example'],
      aliasDomains: [['b.example', 'c.example'], ['a.example', 'b.example']],
    });
    expect(keys(r)).to.deep.equal(['m@b.example', 'm@c.example']);
  });
  it('skips invalid rows with one report each (table, value, reason) and still publishes every valid row', () => {
    const r = records({
      domains: ['a.example', 'bad domain.example'],
      mailboxes: ['good@a.example', 'no-at', 'two@@a.example', 'sp ace@a.example'],
      aliases: ['@a.example', 'ctl\u0001@a.example'],
      aliasDomains: [['x y.example', 'a.example']],
    });
    const result = buildDesiredState(r);
    expect([...result.state.addresses.keys()].sort()).to.deep.equal(['@a.example', 'good@a.example']);
    expect(result.skipped.map((s) => [s.origin.table, s.value])).to.deep.equal([
      ['domain', 'bad domain.example'],
      ['mailbox', 'no-at'],
      ['mailbox', 'two@@a.example'],
      ['mailbox', 'sp ace@a.example'],
      ['alias', 'ctl\u0001@a.example'],
      ['alias_domain', 'x y.example'],
    ]);
    for (const s of result.skipped) expect(s.reason).to.be.a('string').and.not.equal('');
  });
  it('an active domain with no addresses is still a relay domain (every recipient then gets 550)', () => {
    expect(domains(records({ domains: ['empty.example'] }))).to.deep.equal(['empty.example']);
  });
});
