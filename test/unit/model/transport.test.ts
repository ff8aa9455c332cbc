import { expect } from 'chai';
import { applyTransportOverrides, buildDesiredState, nextHopFromConfig, nextHopFromSource } from '../../../src/model/index.js';
import type { AdminRecords, Origin } from '../../../src/source/records.js';

const o = (row: string): Origin => ({ source: 'pfa', table: 'domain', row });
const withDomains = (domains: { domain: string; transport: string | null; active?: boolean }[]): AdminRecords => ({
  domains: domains.map((d) => ({ domain: d.domain, transport: d.transport, active: d.active ?? true, origin: o(d.domain) })),
  mailboxes: [],
  aliases: [],
  aliasDomains: [],
  addresses: [],
});

describe('model: per-domain next hops', () => {
  it('publishes smtp:, relay: and lmtp:inet next hops from a source, trimmed', () => {
    for (const v of ['smtp:[mail.example.org]:25', 'relay:mail.example.org', 'lmtp:inet:10.0.0.5:24']) {
      expect(nextHopFromSource(` ${v} `)).to.deep.equal({ ok: true, value: v });
    }
    // master.cf names are case-sensitive; the next hop keeps its case.
    expect(nextHopFromSource('SMTP:[Mail.Example.org]')).to.deep.equal({ ok: true, value: 'smtp:[Mail.Example.org]' });
  });
  it("publishes nothing for PostfixAdmin's delivery defaults and transports without a next hop", () => {
    for (const v of [null, undefined, '', '  ', 'virtual', 'virtual:', 'local', 'relay', 'smtp:', 'relay:', 'lmtp:', 'dovecot']) {
      expect(nextHopFromSource(v)).to.deep.equal({ ok: true, value: null });
    }
  });
  it('reports next hops an MX cannot use', () => {
    expect(nextHopFromSource('lmtp:unix:private/dovecot-lmtp')).to.include({ ok: false });
    expect(nextHopFromSource('virtual:mail.example.org')).to.include({ ok: false });
    expect(nextHopFromSource('dovecot:x')).to.include({ ok: false });
    expect(nextHopFromSource('smtp:[a b]')).to.include({ ok: false });
    expect(nextHopFromSource(`smtp:${'a'.repeat(1100)}`)).to.include({ ok: false });
  });
  it('config values: any transport name with a next hop, or empty for none', () => {
    expect(nextHopFromConfig('smtp-internal:[10.0.0.1]:2525')).to.deep.equal({ ok: true, value: 'smtp-internal:[10.0.0.1]:2525' });
    expect(nextHopFromConfig('')).to.deep.equal({ ok: true, value: null });
    expect(nextHopFromConfig('mail.example.org')).to.include({ ok: false });
  });
  it('the model keeps a usable next hop on the domain and reports an unusable one, publishing the domain anyway', () => {
    const r = buildDesiredState(
      withDomains([
        { domain: 'a.example', transport: 'smtp:[mx-a.example]:25' },
        { domain: 'b.example', transport: 'virtual' },
        { domain: 'c.example', transport: 'lmtp:unix:private/dovecot-lmtp' },
      ]),
    );
    expect(r.state.domains.get('a.example')?.transport).to.equal('smtp:[mx-a.example]:25');
    expect(r.state.domains.get('b.example')?.transport).to.equal(null);
    expect(r.state.domains.get('c.example')?.transport).to.equal(null);
    expect(r.skipped.map((s) => [s.origin.row, s.value])).to.deep.equal([['c.example', 'lmtp:unix:private/dovecot-lmtp']]);
  });
  it('reports two rows of one domain that disagree, keeping the first', () => {
    const r = buildDesiredState(
      withDomains([
        { domain: 'a.example', transport: 'smtp:[one.example]' },
        { domain: 'A.example', transport: 'smtp:[two.example]' },
      ]),
    );
    expect(r.state.domains.get('a.example')?.transport).to.equal('smtp:[one.example]');
    expect(r.skipped.map((s) => s.value)).to.deep.equal(['smtp:[two.example]']);
  });
  it('config overrides win, may clear a next hop, and name the domains no source publishes', () => {
    const { state } = buildDesiredState(withDomains([
      { domain: 'a.example', transport: 'smtp:[mx-a.example]' },
      { domain: 'b.example', transport: null },
    ]));
    const out = applyTransportOverrides(state, new Map<string, string | null>([['a.example', null], ['b.example', 'relay:[10.1.1.1]'], ['typo.example', 'smtp:x']]));
    expect(out.state.domains.get('a.example')?.transport).to.equal(null);
    expect(out.state.domains.get('b.example')?.transport).to.equal('relay:[10.1.1.1]');
    expect(out.unknownDomains).to.deep.equal(['typo.example']);
    expect(state.domains.get('a.example')?.transport).to.equal('smtp:[mx-a.example]');
  });
});
